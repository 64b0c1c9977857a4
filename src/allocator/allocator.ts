// The allocator's public API: Mesos's event-in interface (include/mesos/allocator/allocator.hpp)
// without the actor, the timers or the offer callback. Events go in as method calls; offers come
// out of `allocate(now, rng)` (or a sliced `startCycle(...).step(budget)`) as data. The master owns
// offers: it turns decisions into Offer objects, and gives resources back with
// `recoverResources` when offers are declined, rescinded or tasks end.
//
// Pure: nothing here reads a clock, draws a random number or does I/O. Time (`now`, ms on the
// caller's clock) and randomness (`rng`) are arguments.
import { InvalidArgumentError, InvariantError } from '../common/errors.ts';
import { Resources, assertValidRole, toThousandths } from '../common/resources/index.ts';
import { AgentState } from './agents.ts';
import { AllocatorCore } from './core.ts';
import { AllocationCycle } from './cycle.ts';
import { FrameworkState } from './frameworks.ts';
import { compactScalarsOf } from './resource-math.ts';
import type { Rng } from './rng.ts';
import type {
  AgentSpec,
  AgentUpdate,
  AllocationResult,
  AllocatorOptions,
  FrameworkSpec,
  OfferDecision,
  QuotaSpec,
  ResourceConversion,
  UpdateResult,
} from './types.ts';

/** Mesos `Filters.refuse_seconds` default. */
export const DEFAULT_REFUSE_SECONDS = 5;
/** Mesos caps refuse_seconds at 365 days. */
export const MAX_REFUSE_SECONDS = 365 * 24 * 3600;

/**
 * refuse_seconds as Mesos interprets it: absent, negative or not a number gives the default 5 s,
 * more than 365 days gives 365 days.
 */
export function refuseMillis(refuseSeconds: number | undefined): number {
  if (refuseSeconds === undefined || Number.isNaN(refuseSeconds) || refuseSeconds < 0) return DEFAULT_REFUSE_SECONDS * 1000;
  return Math.min(refuseSeconds, MAX_REFUSE_SECONDS) * 1000;
}

/** A refusal to install when resources come back. */
export type RefuseFilter = { readonly refuseSeconds?: number; readonly now: number };

/** The event-in interface the master programs against. */
export interface Allocator {
  addFramework(spec: FrameworkSpec, options?: { used?: ReadonlyMap<string, Resources>; active?: boolean }): void;
  removeFramework(frameworkId: string): void;
  activateFramework(frameworkId: string): void;
  deactivateFramework(frameworkId: string): void;
  updateFramework(spec: FrameworkSpec): void;
  suppress(frameworkId: string, roles?: readonly string[]): void;
  revive(frameworkId: string, roles?: readonly string[]): void;
  addAgent(spec: AgentSpec): void;
  removeAgent(agentId: string): void;
  updateAgent(agentId: string, update: AgentUpdate): void;
  recoverResources(frameworkId: string, agentId: string, resources: Resources, filter?: RefuseFilter): void;
  declineWithFilters(frameworkId: string, agentId: string, resources: Resources, refuseSeconds: number | undefined, now: number): void;
  addFilter(frameworkId: string, agentId: string, role: string, refused: Resources, refuseSeconds: number | undefined, now: number): void;
  updateAllocation(frameworkId: string, agentId: string, offered: Resources, conversions: readonly ResourceConversion[]): UpdateResult;
  updateAvailable(agentId: string, conversions: readonly ResourceConversion[]): UpdateResult;
  updateWeights(weights: ReadonlyArray<{ readonly role: string; readonly weight: number }>): void;
  updateQuota(role: string, quota: QuotaSpec): void;
  startCycle(now: number, rng: Rng, options?: { agents?: Iterable<string> }): AllocationCycle;
  allocate(now: number, rng: Rng, options?: { agents?: Iterable<string> }): AllocationResult;
}

/** Weighted hierarchical DRF with quota, reservations, filters and suppression. */
export class HierarchicalAllocator implements Allocator {
  readonly #core: AllocatorCore;
  #cycle: AllocationCycle | null = null;

  constructor(options: AllocatorOptions = {}) {
    this.#core = new AllocatorCore(options);
  }

  /** @internal The state, for the inspection helpers in inspect.ts and for tests. */
  get core(): AllocatorCore {
    return this.#core;
  }

  // ---- frameworks --------------------------------------------------------------------------

  addFramework(spec: FrameworkSpec, options: { used?: ReadonlyMap<string, Resources>; active?: boolean } = {}): void {
    const core = this.#core;
    if (core.frameworks.has(spec.frameworkId)) throw new InvalidArgumentError(`framework '${spec.frameworkId}' is already added`);
    for (const role of spec.roles) assertValidRole(role);
    const fw = new FrameworkState(core.nextFrameworkIdx(), spec, core.space);
    fw.active = options.active ?? true;
    core.frameworks.set(fw.id, fw);
    core.noteLenient(fw, 1);
    for (const role of fw.roles) core.trackRole(fw, role);
    // Used resources reported by agents that registered before the framework did.
    const orphanAgents = core.orphans.get(fw.id);
    if (orphanAgents !== undefined) {
      core.orphans.delete(fw.id);
      for (const agent of orphanAgents) {
        const used = agent.orphaned.get(fw.id);
        agent.orphaned.delete(fw.id);
        if (used !== undefined && !agent.removed) core.adoptUsed(agent, fw, withRole(used, fw));
      }
    }
    for (const [agentId, used] of options.used ?? []) {
      const agent = core.agents.get(agentId);
      if (agent === undefined || agent.holds(fw.id) || used.isEmpty()) continue;
      const allocated = withRole(used, fw);
      core.setAvailable(agent, agent.available.subtract(allocated.unallocate().nonShared()));
      core.adoptUsed(agent, fw, allocated);
    }
  }

  removeFramework(frameworkId: string): void {
    const core = this.#core;
    const fw = core.frameworks.get(frameworkId);
    if (fw === undefined) return;
    fw.removed = true;
    for (const role of fw.tracked) core.syncActivation(fw, role);
    for (const idx of [...fw.holdings]) {
      const agent = core.agentList[idx]!;
      for (const h of agent.holdings.filter((x) => x.frameworkId === fw.id)) core.deallocate(agent, fw, h.role, h.resources);
    }
    core.filters.removeFramework(fw.idx);
    for (const role of [...fw.tracked]) core.untrackRole(fw, role);
    core.noteLenient(fw, -1);
    core.frameworks.delete(frameworkId);
    core.releaseFrameworkIdx(fw.idx);
  }

  activateFramework(frameworkId: string): void {
    const fw = this.#framework(frameworkId);
    fw.active = true;
    for (const role of fw.tracked) this.#core.syncActivation(fw, role);
  }

  /** Stops offers to the framework; its filters are cleared (Mesos does the same). */
  deactivateFramework(frameworkId: string): void {
    const fw = this.#framework(frameworkId);
    fw.active = false;
    for (const role of fw.tracked) this.#core.syncActivation(fw, role);
    this.#core.filters.removeFramework(fw.idx);
  }

  /**
   * New roles, capabilities, suppressed roles or min-allocatable overrides (UPDATE_FRAMEWORK,
   * re-SUBSCRIBE). A removed role stays tracked, inactive, while the framework holds resources in it.
   */
  updateFramework(spec: FrameworkSpec): void {
    const core = this.#core;
    const fw = this.#framework(spec.frameworkId);
    for (const role of spec.roles) assertValidRole(role);
    core.noteLenient(fw, -1);
    fw.apply(spec, core.space);
    core.noteLenient(fw, 1);
    for (const role of fw.roles) core.trackRole(fw, role);
    const removedRoles = new Set<string>();
    for (const role of [...fw.tracked]) {
      if (!fw.roles.has(role)) {
        removedRoles.add(role);
        if ((fw.agentsByRole.get(role) ?? 0) === 0) {
          core.untrackRole(fw, role);
          continue;
        }
      }
      core.syncActivation(fw, role);
    }
    if (removedRoles.size > 0) core.filters.removeFramework(fw.idx, removedRoles);
  }

  /** SUPPRESS: no offers for these roles (all the framework's roles when none are given). */
  suppress(frameworkId: string, roles?: readonly string[]): void {
    const fw = this.#framework(frameworkId);
    for (const role of roles === undefined || roles.length === 0 ? fw.roles : roles) {
      if (!fw.roles.has(role)) continue;
      fw.suppressed.add(role);
      this.#core.syncActivation(fw, role);
    }
  }

  /** REVIVE: unsuppresses the roles (all when none are given) and clears their offer filters. */
  revive(frameworkId: string, roles?: readonly string[]): void {
    const fw = this.#framework(frameworkId);
    const which = new Set(roles === undefined || roles.length === 0 ? fw.roles : roles.filter((r) => fw.roles.has(r)));
    for (const role of which) {
      fw.suppressed.delete(role);
      this.#core.syncActivation(fw, role);
    }
    this.#core.filters.removeFramework(fw.idx, which);
  }

  // ---- agents ------------------------------------------------------------------------------

  addAgent(spec: AgentSpec): void {
    const core = this.#core;
    if (core.agents.has(spec.agentId)) throw new InvalidArgumentError(`agent '${spec.agentId}' is already added`);
    const agent = new AgentState(core.nextAgentIdx(), spec.agentId, spec.total, core.space);
    agent.hostname = spec.hostname;
    agent.draining = spec.draining ?? false;
    agent.deactivated = spec.deactivated ?? false;
    agent.refreshTotal(core.space);
    let available = spec.total;
    for (const used of spec.used?.values() ?? []) available = available.subtract(used.unallocate().nonShared());
    agent.available = available;
    agent.refreshAvailable(core.space);
    core.agents.set(agent.id, agent);
    core.agentList[agent.idx] = agent;
    core.trackAgentTotal(agent, 1);
    for (const [frameworkId, used] of spec.used ?? []) {
      if (used.isEmpty()) continue;
      const fw = core.frameworks.get(frameworkId);
      if (fw !== undefined) {
        core.adoptUsed(agent, fw, withRole(used, fw));
      } else {
        agent.orphaned.set(frameworkId, used);
        let set = core.orphans.get(frameworkId);
        if (set === undefined) core.orphans.set(frameworkId, (set = new Set()));
        set.add(agent);
      }
    }
  }

  /** Forgets an agent and everything offered or allocated on it, and its filters. */
  removeAgent(agentId: string): void {
    const core = this.#core;
    const agent = core.agents.get(agentId);
    if (agent === undefined) return;
    core.setOfferable(agent, () => (agent.removed = true));
    for (const h of [...agent.holdings]) core.deallocate(agent, core.frameworks.get(h.frameworkId)!, h.role, h.resources);
    for (const frameworkId of agent.orphaned.keys()) core.orphans.get(frameworkId)?.delete(agent);
    core.trackAgentTotal(agent, -1);
    core.filters.removeAgent(agent.idx);
    core.agents.delete(agentId);
    core.releaseAgentIdx(agent.idx);
  }

  /**
   * A new total (the agent re-registered with other resources: its filters are dropped, as
   * Mesos does) and/or a change of the draining or deactivated flag.
   */
  updateAgent(agentId: string, update: AgentUpdate): void {
    const core = this.#core;
    const agent = this.#agent(agentId);
    if (update.total !== undefined) {
      const oldTotal = agent.total;
      core.changeTotal(agent, oldTotal, update.total);
      let available = update.total;
      for (const h of agent.holdings) available = available.subtract(h.resources.unallocate().nonShared());
      for (const used of agent.orphaned.values()) available = available.subtract(used.unallocate().nonShared());
      core.setAvailable(agent, available);
      core.filters.removeAgent(agent.idx);
    }
    if (update.draining !== undefined || update.deactivated !== undefined) {
      core.setOfferable(agent, () => {
        if (update.draining !== undefined) agent.draining = update.draining;
        if (update.deactivated !== undefined) agent.deactivated = update.deactivated;
      });
    }
  }

  // ---- resources ---------------------------------------------------------------------------

  /**
   * Resources come back from a framework (declined, rescinded, task finished). They must carry
   * one allocation role. With `filter`, the framework refuses them on this agent for
   * max(refuse_seconds, allocation interval). Unknown frameworks or agents are ignored (the
   * allocator already dropped their allocations).
   */
  recoverResources(frameworkId: string, agentId: string, resources: Resources, filter?: RefuseFilter): void {
    if (resources.isEmpty()) return;
    const core = this.#core;
    const fw = core.frameworks.get(frameworkId);
    const agent = core.agents.get(agentId);
    if (fw === undefined || agent === undefined) return;
    const role = singleRole(resources);
    const unallocated = core.deallocate(agent, fw, role, resources);
    if (filter !== undefined) this.#installFilter(fw, agent, role, unallocated, filter.refuseSeconds, filter.now);
  }

  /** DECLINE (and ACCEPT leftovers): recoverResources with a refuse filter. */
  declineWithFilters(frameworkId: string, agentId: string, resources: Resources, refuseSeconds: number | undefined, now: number): void {
    this.recoverResources(frameworkId, agentId, resources, refuseSeconds === undefined ? { now } : { refuseSeconds, now });
  }

  /** Installs a refuse filter without recovering anything. */
  addFilter(frameworkId: string, agentId: string, role: string, refused: Resources, refuseSeconds: number | undefined, now: number): void {
    const core = this.#core;
    const fw = core.frameworks.get(frameworkId);
    const agent = core.agents.get(agentId);
    if (fw === undefined || agent === undefined) return;
    this.#installFilter(fw, agent, role, refused.unallocate(), refuseSeconds, now);
  }

  #installFilter(fw: FrameworkState, agent: AgentState, role: string, refused: Resources, refuseSeconds: number | undefined, now: number): void {
    const core = this.#core;
    const timeout = refuseMillis(refuseSeconds);
    if (timeout === 0) return;
    core.filters.add({
      framework: fw.idx,
      agent: agent.idx,
      role,
      refused,
      refusedScalars: compactScalarsOf(refused, core.space),
      expiresAt: now + Math.max(timeout, core.allocationIntervalMs),
      removed: false,
    });
  }

  /**
   * Applies operations (RESERVE, UNRESERVE, CREATE, DESTROY) to resources offered to or used by
   * a framework: `offered` (one allocation role) becomes the converted resources, and the
   * agent's total changes accordingly.
   */
  updateAllocation(frameworkId: string, agentId: string, offered: Resources, conversions: readonly ResourceConversion[]): UpdateResult {
    const core = this.#core;
    const fw = core.frameworks.get(frameworkId);
    const agent = core.agents.get(agentId);
    if (fw === undefined) return { ok: false, error: `unknown framework '${frameworkId}'` };
    if (agent === undefined) return { ok: false, error: `unknown agent '${agentId}'` };
    const role = singleRole(offered);
    const holding = agent.holding(fw.id, role);
    if (holding === undefined || !holding.resources.contains(offered)) {
      return { ok: false, error: `framework '${frameworkId}' does not hold the resources on agent '${agentId}'` };
    }
    let updated = offered.unallocate();
    let removed = Resources.EMPTY;
    let added = Resources.EMPTY;
    for (const c of conversions) {
      const consumed = c.consumed.unallocate();
      if (!updated.contains(consumed)) return { ok: false, error: `conversion consumes ${consumed.toString()}, not in ${updated.toString()}` };
      const converted = c.converted.unallocate();
      updated = updated.subtract(consumed).add(converted);
      removed = removed.add(consumed);
      added = added.add(converted);
    }
    core.deallocate(agent, fw, role, offered);
    core.changeTotal(agent, removed, added);
    // `available` now holds the offered resources again (and shared ones always): swap the
    // consumed for the converted, then take the updated allocation back out.
    core.setAvailable(agent, agent.available.subtract(removed).add(added));
    core.trackRole(fw, role);
    core.allocate(agent, fw, role, updated);
    return { ok: true };
  }

  /** Applies operator operations (RESERVE_RESOURCES, CREATE_VOLUMES, ...) to unallocated resources. */
  updateAvailable(agentId: string, conversions: readonly ResourceConversion[]): UpdateResult {
    const core = this.#core;
    const agent = core.agents.get(agentId);
    if (agent === undefined) return { ok: false, error: `unknown agent '${agentId}'` };
    let available = agent.available;
    for (const c of conversions) {
      const consumed = c.consumed.unallocate();
      if (!available.contains(consumed)) {
        return { ok: false, error: `agent '${agentId}' does not have ${consumed.toString()} available` };
      }
      available = available.subtract(consumed).add(c.converted.unallocate());
    }
    for (const c of conversions) core.changeTotal(agent, c.consumed.unallocate(), c.converted.unallocate());
    core.setAvailable(agent, available);
    return { ok: true };
  }

  // ---- roles -------------------------------------------------------------------------------

  /** Run-time weights (UPDATE_WEIGHTS). Later allocations follow; nothing is rescinded. */
  updateWeights(weights: ReadonlyArray<{ readonly role: string; readonly weight: number }>): void {
    const core = this.#core;
    for (const { role, weight } of weights) {
      assertValidRole(role);
      if (!(weight > 0) || !Number.isFinite(weight)) throw new InvalidArgumentError(`weight of role '${role}' must be positive`, { role, weight });
    }
    for (const { role, weight } of weights) {
      const node = core.roles.getOrCreate(role);
      node.weight = weight === 1 ? undefined : weight;
      core.roleSorter.updateWeight(role, weight);
      core.quotaSorter.updateWeight(role, weight);
      core.roles.tryRemove(role);
    }
  }

  /**
   * Sets a role's quota (UPDATE_QUOTA): guarantees and limits in units; empty for none. Works on
   * nested roles: a limit holds for the whole subtree, a guarantee is met before fair share.
   */
  updateQuota(role: string, quota: QuotaSpec): void {
    assertValidRole(role);
    if (role === '*') throw new InvalidArgumentError("role '*' cannot have quota");
    const core = this.#core;
    const guarantee = this.#quotaVector(role, quota.guarantees, 0);
    const limit = this.#quotaVector(role, quota.limits, Infinity);
    if (guarantee !== null && limit !== null) {
      for (let i = 0; i < core.n; i++) {
        if (guarantee[i]! > limit[i]!) throw new InvalidArgumentError(`guarantee of role '${role}' exceeds its limit`, { role });
      }
    }
    const node = core.roles.getOrCreate(role);
    core.quota.setQuota(node, guarantee, limit);
    core.quota.refreshNeeds(node.top);
    core.roles.forSubtree(node, (r) => core.quota.refreshCapped(r));
    core.refreshSubtreeActivation(node.top);
    core.roles.tryRemove(role);
  }

  #quotaVector(role: string, values: Readonly<Record<string, number>> | undefined, fill: number): Float64Array | null {
    if (values === undefined || Object.keys(values).length === 0) return null;
    const v = fill === 0 ? this.#core.space.zero() : this.#core.space.unbounded();
    for (const [name, value] of Object.entries(values)) {
      if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`quota of role '${role}' for '${name}' must be a non-negative number`);
      v[this.#core.space.slot(name)] = toThousandths(value);
    }
    return v;
  }

  // ---- cycles ------------------------------------------------------------------------------

  /**
   * Starts an allocation cycle over all agents (or the given candidates). Drive it with
   * `step(budget)`; events may arrive between steps. One cycle at a time.
   */
  startCycle(now: number, rng: Rng, options: { agents?: Iterable<string> } = {}): AllocationCycle {
    if (this.#cycle !== null && !this.#cycle.done) throw new InvariantError('an allocation cycle is already in progress');
    const cycle = new AllocationCycle(this.#core, now, rng, options.agents, (c) => {
      if (this.#cycle === c) this.#cycle = null;
    });
    this.#cycle = cycle;
    return cycle;
  }

  /** Runs a whole cycle at once. Offers from both stages for the same (framework, agent, role) are merged. */
  allocate(now: number, rng: Rng, options: { agents?: Iterable<string> } = {}): AllocationResult {
    const result = this.startCycle(now, rng, options).finish();
    return { ...result, offers: mergeOffers(result.offers) };
  }

  /** The earliest time a filter expires (to schedule the next cycle), if any. */
  nextFilterExpiry(): number | undefined {
    return this.#core.filters.nextExpiry();
  }

  #framework(id: string): FrameworkState {
    const fw = this.#core.frameworks.get(id);
    if (fw === undefined) throw new InvalidArgumentError(`unknown framework '${id}'`);
    return fw;
  }

  #agent(id: string): AgentState {
    const agent = this.#core.agents.get(id);
    if (agent === undefined) throw new InvalidArgumentError(`unknown agent '${id}'`);
    return agent;
  }
}

/** The one allocation role of recovered resources (Mesos requires exactly one). */
function singleRole(resources: Resources): string {
  let role: string | undefined;
  for (const e of resources.entries) {
    if (e.allocationRole === undefined) throw new InvariantError(`resource '${e.toString()}' carries no allocation role`);
    if (role === undefined) role = e.allocationRole;
    else if (role !== e.allocationRole) throw new InvariantError('resources span more than one allocation role');
  }
  return role!;
}

/** Used resources with an allocation role on every entry (legacy ones get the framework's role). */
function withRole(used: Resources, fw: FrameworkState): Resources {
  if (used.entries.every((e) => e.allocationRole !== undefined)) return used;
  const fallback = fw.roles.values().next().value ?? '*';
  return used.filter((e) => e.allocationRole !== undefined).add(used.filter((e) => e.allocationRole === undefined).allocate(fallback));
}

function mergeOffers(offers: OfferDecision[]): OfferDecision[] {
  const byKey = new Map<string, number>();
  const out: OfferDecision[] = [];
  for (const o of offers) {
    const key = `${o.frameworkId}\u0000${o.agentId}\u0000${o.role}`;
    const at = byKey.get(key);
    if (at === undefined) {
      byKey.set(key, out.length);
      out.push(o);
    } else {
      const prev = out[at]!;
      out[at] = { ...prev, resources: prev.resources.add(o.resources) };
    }
  }
  return out;
}
