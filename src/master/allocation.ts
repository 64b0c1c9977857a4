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
import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import type { Metrics } from '../common/metrics.ts';
import type { Resources } from '../common/resources/index.ts';
import {
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
  #again = false;
  #interval: TimerHandle | undefined;
  #stopped = false;

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

  /** Asks for an allocation cycle soon; several triggers in one tick make one cycle. */
  trigger(): void {
    if (this.#stopped) return;
    if (this.#cycle !== undefined) {
      this.#again = true;
      return;
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#run();
    });
  }

  // ---- framework and agent events --------------------------------------------------------

  addFramework(id: string, fw: FrameworkAllocationInfo, used: ReadonlyMap<string, Resources>, active: boolean): void {
    this.#allocator.addFramework(frameworkSpec(id, fw), { used, active });
    if (active) this.trigger();
  }

  updateFramework(id: string, fw: FrameworkAllocationInfo): void {
    this.#allocator.updateFramework(frameworkSpec(id, fw));
  }

  activateFramework(id: string): void {
    this.#allocator.activateFramework(id);
    this.trigger();
  }

  deactivateFramework(id: string): void {
    this.#allocator.deactivateFramework(id);
  }

  removeFramework(id: string): void {
    this.#allocator.removeFramework(id);
  }

  suppress(id: string, roles: readonly string[] | undefined): void {
    this.#allocator.suppress(id, roles);
  }

  revive(id: string, roles: readonly string[] | undefined): void {
    this.#allocator.revive(id, roles);
    this.trigger();
  }

  addAgent(id: string, hostname: string, total: Resources, used: ReadonlyMap<string, Resources>): void {
    this.#allocator.addAgent({ agentId: id, hostname, total, used });
    this.trigger();
  }

  removeAgent(id: string): void {
    this.#allocator.removeAgent(id);
  }

  /** A disconnected agent gets no offers until it comes back. */
  setAgentActive(id: string, active: boolean): void {
    this.#allocator.updateAgent(id, { deactivated: !active });
    if (active) this.trigger();
  }

  updateAgentTotal(id: string, total: Resources): void {
    this.#allocator.updateAgent(id, { total });
    this.trigger();
  }

  /**
   * Resources come back (declined, rescinded, task ended). With `refuseSeconds` (a decline or an
   * ACCEPT's leftovers) the framework will not be offered them on this agent for that long.
   */
  recover(frameworkId: string, agentId: string, resources: Resources, refuse?: { refuseSeconds: number | undefined }): void {
    if (resources.isEmpty()) return;
    for (const [, part] of resources.allocations()) {
      this.#allocator.recoverResources(
        frameworkId,
        agentId,
        part,
        refuse === undefined ? undefined : { refuseSeconds: refuse.refuseSeconds, now: this.#options.clock.now() },
      );
    }
  }

  /** Applies RESERVE/UNRESERVE/CREATE/DESTROY to resources offered to a framework. */
  convert(frameworkId: string, agentId: string, offered: Resources, consumed: Resources, converted: Resources): string | undefined {
    const result = this.#allocator.updateAllocation(frameworkId, agentId, offered, [{ consumed, converted }]);
    return result.ok ? undefined : result.error;
  }

  // ---- the loop ----------------------------------------------------------------------------

  #run(): void {
    if (this.#stopped || this.#cycle !== undefined) return;
    const { clock, metrics, seed } = this.#options;
    const started = performance.now();
    this.#cycles++;
    this.#cycle = this.#allocator.startCycle(clock.now(), seededRng(seedFrom(`${seed}:${this.#cycles}`)));
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
    if (this.#again) {
      this.#again = false;
      this.trigger();
    }
  }
}
