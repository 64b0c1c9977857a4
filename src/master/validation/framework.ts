// FrameworkInfo checks done at SUBSCRIBE and UPDATE_FRAMEWORK (Mesos validation.cpp
// `framework::validate`, `validateUpdate`). Pure: each returns an error message or undefined.
// A failing SUBSCRIBE is answered with 200 + an ERROR event carrying the message.
import { roleError } from '../../common/resources/index.ts';
import { validateUserId } from '../../common/ids.ts';
import type { FrameworkInfo } from '../../protocol/index.ts';

export function hasCapability(info: FrameworkInfo, type: string): boolean {
  return (info.capabilities ?? []).some((c) => c.type === type);
}

/** The roles a framework subscribes to: `roles` for MULTI_ROLE frameworks, else `[role]`. */
export function frameworkRoles(info: FrameworkInfo): string[] {
  if (hasCapability(info, 'MULTI_ROLE')) return [...(info.roles ?? [])];
  return [info.role ?? '*'];
}

export type FrameworkValidationContext = {
  /** The master's deprecated `--roles` whitelist, if set. */
  readonly roleWhitelist?: readonly string[] | undefined;
  readonly suppressedRoles?: readonly string[] | undefined;
};

export function validateFrameworkInfo(info: FrameworkInfo, ctx: FrameworkValidationContext = {}): string | undefined {
  if (info.id !== undefined) {
    const error = validateUserId(info.id.value);
    if (error !== undefined) return `'FrameworkInfo.id' is invalid: ${error}`;
  }
  const multiRole = hasCapability(info, 'MULTI_ROLE');
  if (multiRole && info.role !== undefined) {
    return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
  }
  if (!multiRole && (info.roles ?? []).length > 0) {
    return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
  }
  const roles = frameworkRoles(info);
  const seen = new Set<string>();
  for (const role of roles) {
    if (seen.has(role)) return `'FrameworkInfo.roles' contains duplicate items: ${role}`;
    seen.add(role);
    const error = roleError(role);
    if (error !== undefined) return `'FrameworkInfo.roles' contains invalid role: ${error}`;
    if (ctx.roleWhitelist !== undefined && role !== '*' && !ctx.roleWhitelist.includes(role)) {
      return `Role '${role}' is not present in the master's --roles`;
    }
  }
  if (info.failover_timeout !== undefined && !(info.failover_timeout >= 0 && info.failover_timeout <= MAX_FAILOVER_TIMEOUT_SECONDS)) {
    return `'FrameworkInfo.failover_timeout' must be between 0 and ${MAX_FAILOVER_TIMEOUT_SECONDS} seconds`;
  }
  for (const [role, filters] of Object.entries(info.offer_filters ?? {})) {
    if (!roles.includes(role)) return `'FrameworkInfo.offer_filters' names role '${role}', which the framework is not subscribed to`;
    for (const q of filters.min_allocatable_resources?.quantities ?? []) {
      for (const [name, scalar] of Object.entries(q.quantities ?? {})) {
        if (!(scalar.value >= 0) || !Number.isFinite(scalar.value)) {
          return `'FrameworkInfo.offer_filters' for role '${role}': quantity of '${name}' must be a non-negative number`;
        }
      }
    }
  }
  for (const role of ctx.suppressedRoles ?? []) {
    if (!roles.includes(role)) return `Suppressed role '${role}' is not contained in the list of roles`;
  }
  return undefined;
}

/**
 * A re-subscription or UPDATE_FRAMEWORK may not change the principal. (`user` and
 * `checkpoint` changes are ignored on re-subscribe; UPDATE_FRAMEWORK refuses them.)
 */
export function validateFrameworkUpdate(current: FrameworkInfo, next: FrameworkInfo, strict: boolean): string | undefined {
  if ((current.principal ?? '') !== (next.principal ?? '')) {
    return `Changing framework's principal is not allowed (from '${current.principal ?? ''}' to '${next.principal ?? ''}')`;
  }
  if (strict && current.user !== next.user) return "Updating 'FrameworkInfo.user' is unsupported";
  if (strict && (current.checkpoint ?? false) !== (next.checkpoint ?? false)) {
    return "Updating 'FrameworkInfo.checkpoint' is unsupported";
  }
  return undefined;
}

/** stout's Duration holds int64 nanoseconds: about 292 years. */
export const MAX_FAILOVER_TIMEOUT_SECONDS = 9_223_372_036;
