// Per-role accounting for the read side: which roles exist, their weights, their frameworks, and
// what is allocated, offered and reserved to each. Shared by the operator API's GET_ROLES
// (views.ts) and the legacy `/roles` endpoint (legacy-roles.ts) so both report the same numbers.
//
// A role is listed when it is on the `--roles` whitelist, has a configured weight, has a
// registered framework, or has something allocated, offered or reserved to it (Mesos lists
// whitelisted, weighted, quota'd and framework roles; reserved roles are listed too so that the
// `reserved` figure is visible even where no framework runs).
import { Resources } from '../../common/resources/index.ts';
import type { Role } from '../../protocol/index.ts';
import type { Master } from '../master.ts';
import { endpointResources, frameworkUsage } from './views.ts';

export type RoleUsage = {
  readonly name: string;
  readonly weight: number;
  /** Registered frameworks subscribed to the role, in registration order. */
  readonly frameworks: string[];
  /** Used by tasks and executors, allocated to the role (with allocation_info). */
  allocated: Resources;
  /** Offered to the role's frameworks, allocated to the role. */
  offered: Resources;
  /** Reserved to the role on registered agents (the innermost reservation role). */
  reserved: Resources;
};

export function roleUsage(m: Master): RoleUsage[] {
  const weights = new Map(m.options.weights.map((w) => [w.role, w.weight]));
  const roles = new Map<string, RoleUsage>();
  const entry = (name: string): RoleUsage => {
    let e = roles.get(name);
    if (e === undefined) {
      e = { name, weight: weights.get(name) ?? 1, frameworks: [], allocated: Resources.EMPTY, offered: Resources.EMPTY, reserved: Resources.EMPTY };
      roles.set(name, e);
    }
    return e;
  };
  for (const role of m.options.roleWhitelist ?? []) entry(role);
  for (const role of weights.keys()) entry(role);
  for (const fw of m.frameworks.values()) {
    for (const role of fw.roles) entry(role).frameworks.push(fw.id);
    const { used, offered } = frameworkUsage(m, fw);
    for (const [role, r] of used.allocations()) entry(role).allocated = entry(role).allocated.add(r);
    for (const [role, r] of offered.allocations()) entry(role).offered = entry(role).offered.add(r);
  }
  for (const agent of m.agents.values()) {
    if (agent.status !== 'connected' && agent.status !== 'disconnected') continue;
    for (const [role, r] of agent.total.reservations()) entry(role).reserved = entry(role).reserved.add(r);
  }
  return [...roles.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** GET_ROLES: `resources` is what is allocated and offered to the role, as Mesos reports it. */
export function getRoles(m: Master): Role[] {
  return roleUsage(m).map((r) => {
    const resources = r.allocated.add(r.offered);
    return {
      name: r.name,
      weight: r.weight,
      ...(r.frameworks.length > 0 && { frameworks: r.frameworks.map((value) => ({ value })) }),
      ...(!resources.isEmpty() && { resources: endpointResources(resources.unallocate()) }),
    };
  });
}
