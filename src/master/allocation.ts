// The one place the master meets the allocator (src/allocator). The rest of the master talks in
// its own terms (FrameworkInfo, agent records, Resources) and gets offer decisions through a
// callback; this file owns the allocator instance and the allocation loop:
//
//   trigger()  ──(same tick: coalesced)──► cycle ─► step ─► step ─► ... ─► done
//   every --allocation_interval ──────────►   │ each step at most `sliceMs` of the event loop;
//                                             │ its decisions go to `onOffers` at once
//   a trigger during a cycle ─────────────────┴─► one more cycle when this one ends
//
// Events (a new agent or framework, REVIVE, resources freed by finished tasks) call trigger(), so
// a newly subscribed framework gets its first offer within a few milliseconds instead of waiting
// for the next interval. Declines do not trigger (MESOS-3078): the resources wait for the next
// periodic cycle, which keeps a framework declining with refuse_seconds 0 from spinning.
//
// What a cycle visits, as Mesos' allocation candidates: an event about one agent (it registered,
// came back, changed its total, got resources back) triggers a cycle over that agent only; an
// event about frameworks (one subscribed, revived, changed roles) and the periodic timer trigger a
// cycle over all agents. Triggers that arrive together make one cycle over the union. Before
// this, each of the hundreds of commits of a re-registration storm walked every agent known.
//
// The allocator throws when told something that contradicts its books (recovering resources a
// framework does not hold: a master bookkeeping bug). Such an error must never reach the caller
// whose valid call triggered it (a 500 to a framework's ACKNOWLEDGE, say): every event below is
// applied through one guard that logs it, counts it in `allocator/agora/rejected_updates` and asks
// the master (`onDesync`) to rebuild the allocator's view of the agent from its own records.
import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import type { Metrics } from '../common/metrics.ts';
import { Resources } from '../common/resources/index.ts';
import {
  agentView,
  HierarchicalAllocator,
  seededRng,
  seedFrom,
  type AllocationCycle,
  type FrameworkSpec,
  type MinAllocatableSpec,
} from '../allocator/index.ts';
import type { FrameworkInfo } from '../protocol/index.ts';
import { frameworkRoles } from './validation/framework.ts';

/** One offer to make: resources on `agentId` for `frameworkId`, allocated to `role`. */
export type AllocationDecision = {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  readonly resources: Resources;
};

export type AllocationOptions = {
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly seed: string;
  readonly intervalMs: number;
  /** Longest time one step of a cycle may run before yielding to the event loop. */
  readonly sliceMs: number;
  readonly minAllocatable: readonly Record<string, number>[];
  readonly roleSorter: 'drf' | 'random';
  readonly frameworkSorter: 'drf' | 'random';
  readonly filterGpuResources: boolean;
  readonly fairnessExcludedResourceNames: readonly string[];
  readonly weights: readonly { role: string; weight: number }[];
  /** Receives the decisions of each step, grouped by nothing; the master makes offers of them. */
  readonly onOffers: (decisions: readonly AllocationDecision[]) => void;
  /**
   * The allocator refused an update about this agent: its view of the agent no longer matches the
   * master's. Called synchronously; the master rebuilds the agent (see agents.ts).
   */
  readonly onDesync?: (agentId: string) => void;
};

export type FrameworkAllocationInfo = {
  readonly info: FrameworkInfo;
  readonly suppressedRoles: Iterable<string>;
};

function frameworkSpec(id: string, fw: FrameworkAllocationInfo): FrameworkSpec {
  const minAllocatable: Record<string, MinAllocatableSpec> = {};
  for (const [role, filters] of Object.entries(fw.info.offer_filters ?? {})) {
    const quantities = filters.min_allocatable_resources?.quantities;
    if (quantities === undefined) continue;
    minAllocatable[role] = quantities.map((q) => Object.fromEntries(Object.entries(q.quantities ?? {}).map(([n, s]) => [n, s.value])));
  }
  return {
    frameworkId: id,
    roles: frameworkRoles(fw.info),
    capabilities: (fw.info.capabilities ?? []).flatMap((c) => (c.type === undefined ? [] : [c.type])),
    suppressedRoles: [...fw.suppressedRoles],
    minAllocatable,
  };
}

export class AllocationLoop {
  readonly #allocator: HierarchicalAllocator;
  readonly #options: AllocationOptions;
  #cycle: AllocationCycle | undefined;
  #cycles = 0;
  #scheduled = false;
  /** What the next cycle visits: every agent, or these (none pending when empty). */
  #pending: 'all' | Set<string> = new Set();
  #interval: TimerHandle | undefined;
  #stopped = false;
  readonly #rebuilding = new Set<string>();

  constructor(options: AllocationOptions) {
    this.#options = options;
    this.#allocator = new HierarchicalAllocator({
      roleSorter: options.roleSorter,
      frameworkSorter: options.frameworkSorter,
      minAllocatable: options.minAllocatable,
      allocationIntervalMs: options.intervalMs,
      filterGpuResources: options.filterGpuResources,
      fairnessExcludedResourceNames: options.fairnessExcludedResourceNames,
    });
    if (options.weights.length > 0) this.#allocator.updateWeights(options.weights);
    const m = options.metrics;
    m.gauge('allocator/mesos/event_queue_dispatches', () => (this.#scheduled ? 1 : 0));
  }

  start(): void {
    this.#interval = this.#options.clock.setInterval(() => this.trigger(), this.#options.intervalMs);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#interval !== undefined) this.#options.clock.clearInterval(this.#interval);
  }

  /**
   * Asks for an allocation cycle soon, over `agentId` only when given (else over every agent);
   * several triggers in one tick make one cycle, over the union.
   */
  trigger(agentId?: string): void {
    if (this.#stopped) return;
    if (agentId === undefined) this.#pending = 'all';
    else if (this.#pending !== 'all') this.#pending.add(agentId);
    // During a cycle the pending set waits for it to end (see #step).
    if (this.#cycle !== undefined) return;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#run();
    });
  }

  // ---- framework and agent events --------------------------------------------------------

  addFramework(id: string, fw: FrameworkAllocationInfo, used: ReadonlyMap<string, Resources>, active: boolean): void {
    this.#apply('addFramework', undefined, () => this.#allocator.addFramework(frameworkSpec(id, fw), { used, active }));
    if (active) this.trigger();
  }

  updateFramework(id: string, fw: FrameworkAllocationInfo): void {
    this.#apply('updateFramework', undefined, () => this.#allocator.updateFramework(frameworkSpec(id, fw)));
  }

  activateFramework(id: string): void {
    this.#apply('activateFramework', undefined, () => this.#allocator.activateFramework(id));
    this.trigger();
  }

  deactivateFramework(id: string): void {
    this.#apply('deactivateFramework', undefined, () => this.#allocator.deactivateFramework(id));
  }

  removeFramework(id: string): void {
    this.#apply('removeFramework', undefined, () => this.#allocator.removeFramework(id));
  }

  suppress(id: string, roles: readonly string[] | undefined): void {
    this.#apply('suppress', undefined, () => this.#allocator.suppress(id, roles));
  }

  revive(id: string, roles: readonly string[] | undefined): void {
    this.#apply('revive', undefined, () => this.#allocator.revive(id, roles));
    this.trigger();
  }

  addAgent(id: string, hostname: string, total: Resources, used: ReadonlyMap<string, Resources>): void {
    this.#apply('addAgent', undefined, () => this.#allocator.addAgent({ agentId: id, hostname, total, used }));
    this.trigger(id);
  }

  removeAgent(id: string): void {
    this.#apply('removeAgent', undefined, () => this.#allocator.removeAgent(id));
  }

  /** A disconnected agent gets no offers until it comes back. */
  setAgentActive(id: string, active: boolean): void {
    this.#apply('setAgentActive', id, () => this.#allocator.updateAgent(id, { deactivated: !active }));
    if (active) this.trigger(id);
  }

  updateAgentTotal(id: string, total: Resources): void {
    this.#apply('updateAgentTotal', id, () => this.#allocator.updateAgent(id, { total }));
    this.trigger(id);
  }

  /**
   * Resources come back (declined, rescinded, task ended). With `refuseSeconds` (a decline or an
   * ACCEPT's leftovers) the framework will not be offered them on this agent for that long.
   */
  recover(frameworkId: string, agentId: string, resources: Resources, refuse?: { refuseSeconds: number | undefined }): void {
    if (resources.isEmpty()) return;
    this.#apply('recover', agentId, () => {
      for (const [, part] of resources.allocations()) {
        this.#allocator.recoverResources(
          frameworkId,
          agentId,
          part,
          refuse === undefined ? undefined : { refuseSeconds: refuse.refuseSeconds, now: this.#options.clock.now() },
        );
      }
    });
  }

  /** Applies RESERVE/UNRESERVE/CREATE/DESTROY to resources offered to a framework. */
  convert(frameworkId: string, agentId: string, offered: Resources, consumed: Resources, converted: Resources): string | undefined {
    let error: string | undefined = 'the allocator refused the conversion';
    this.#apply('convert', agentId, () => {
      const result = this.#allocator.updateAllocation(frameworkId, agentId, offered, [{ consumed, converted }]);
      error = result.ok ? undefined : result.error;
    });
    return error;
  }

  /** What the allocator counts as offered or allocated on an agent, per framework (all roles); undefined for an agent it does not know. */
  agentAllocation(agentId: string): Map<string, Resources> | undefined {
    const view = agentView(this.#allocator, agentId);
    if (view === undefined) return undefined;
    const out = new Map<string, Resources>();
    for (const [frameworkId, byRole] of view.allocated) {
      let sum = Resources.EMPTY;
      for (const r of byRole.values()) sum = sum.add(r);
      out.set(frameworkId, sum);
    }
    return out;
  }

  /**
   * Applies one event to the allocator. A throw means its books and the master's disagree: that
   * is logged and counted, the agent concerned is rebuilt from the master's records, and the
   * caller carries on (its own call was valid).
   */
  #apply(what: string, agentId: string | undefined, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#options.metrics.counter('allocator/agora/rejected_updates').inc();
      this.#options.log.error({ err, event: what, agentId }, 'allocator rejected an update; rebuilding its view from the master');
      // A rebuild that itself fails must not recurse.
      if (agentId === undefined || this.#rebuilding.has(agentId)) return;
      this.#rebuilding.add(agentId);
      try {
        this.#options.onDesync?.(agentId);
      } finally {
        this.#rebuilding.delete(agentId);
      }
    }
  }

  // ---- the loop ----------------------------------------------------------------------------

  #run(): void {
    if (this.#stopped || this.#cycle !== undefined) return;
    const candidates = this.#pending;
    if (candidates !== 'all' && candidates.size === 0) return;
    this.#pending = new Set();
    const { clock, metrics, seed } = this.#options;
    const started = performance.now();
    this.#cycles++;
    try {
      const rng = seededRng(seedFrom(`${seed}:${this.#cycles}`));
      this.#cycle = this.#allocator.startCycle(clock.now(), rng, candidates === 'all' ? {} : { agents: candidates });
    } catch (err) {
      // Runs from setImmediate: a throw here would end the process. The next trigger tries again.
      this.#options.log.error({ err }, 'allocation cycle failed to start');
      return;
    }
    metrics.counter('allocator/mesos/allocation_runs').inc();
    this.#step(started);
  }

  #step(started: number): void {
    const cycle = this.#cycle;
    if (cycle === undefined) return;
    if (this.#stopped) {
      cycle.finish();
      this.#cycle = undefined;
      return;
    }
    let done: boolean;
    try {
      const slice = cycle.step({ deadline: performance.now() + this.#options.sliceMs, clock: () => performance.now() });
      done = slice.done;
      if (slice.offers.length > 0) this.#options.onOffers(slice.offers);
    } catch (err) {
      this.#options.log.error({ err }, 'allocation cycle failed');
      // Close the cycle so the next one can start; its remaining agents wait for that one.
      try {
        cycle.finish();
      } catch {
        // Already reported above.
      }
      done = true;
    }
    if (!done) {
      setImmediate(() => this.#step(started));
      return;
    }
    this.#cycle = undefined;
    this.#options.metrics.timer('allocator/mesos/allocation_run').record(performance.now() - started);
    // Triggers that came during the cycle: one more, over what they named.
    if (this.#pending === 'all' || this.#pending.size > 0) this.#schedule();
  }
}
