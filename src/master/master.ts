// The Master: owner of every framework, agent, offer and task record, and of the allocation
// loop. The behaviour lives in one module per concern, each a set of functions over this object:
//
//   frameworks.ts       SUBSCRIBE, failover, disconnect, failover_timeout, teardown, UPDATE_FRAMEWORK
//   offers.ts           offers from allocation decisions, rescind, offer timeout
//   accept.ts           ACCEPT (LAUNCH, LAUNCH_GROUP, RESERVE, UNRESERVE, CREATE, DESTROY), DECLINE
//   scheduler-calls.ts  every other scheduler call (KILL, ACKNOWLEDGE, RECONCILE, MESSAGE, ...)
//   status-updates.ts   task updates: forwarding, master-made updates, completion, acknowledgement
//   agents.ts           agent SUBSCRIBE, re-registration, liveness, unreachable, unregister
//   agent-calls.ts      the other agent calls (STATUS_UPDATE, EXITED_EXECUTOR, PONG, ...)
//
// Everything runs on the event loop without awaiting between reading and writing state; the HTTP
// layer (http/*.ts) decodes requests and calls in here synchronously.
import type { Clock, TimerHandle } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import type { Metrics } from '../common/metrics.ts';
import type { MasterIds } from '../common/ids.ts';
import { encodeSchedulerEvent, type MasterInfo, type SchedulerEvent } from '../protocol/index.ts';
import { encodeMasterToAgentEvent, type MasterToAgentEvent } from '../protocol/agora/agent-master.ts';
import { AllocationLoop, type AllocationDecision } from './allocation.ts';
import { countForFramework } from './master-metrics.ts';
import type { AgentRecord, FrameworkRecord, OfferRecord, TaskRecord } from './model.ts';
import type { ResolvedMasterOptions } from './options.ts';
import type { MasterRegistry } from './registry.ts';
import { RemovalRateLimiter } from './removal-rate-limit.ts';

/** Hooks for the operator event stream (http/operator-events.ts); every method is optional. */
export type MasterObserver = {
  taskAdded?(task: TaskRecord): void;
  taskUpdated?(task: TaskRecord): void;
  frameworkAdded?(fw: FrameworkRecord): void;
  frameworkUpdated?(fw: FrameworkRecord): void;
  frameworkRemoved?(fw: FrameworkRecord): void;
  agentAdded?(agent: AgentRecord): void;
  agentRemoved?(agentId: string): void;
};

export type MasterDeps = {
  readonly options: ResolvedMasterOptions;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly ids: MasterIds;
  readonly registry: MasterRegistry;
  readonly info: MasterInfo;
};

/**
 * The behaviour the Master's allocation loop calls back into, passed in (server.ts) so that this
 * file does not import the modules that import it.
 */
export type MasterHooks = {
  /** Turn allocation decisions into offers (offers.ts `makeOffers`). */
  readonly onOffers: (master: Master, decisions: readonly AllocationDecision[]) => void;
  /** The allocator's view of an agent went wrong: rebuild it from the records (agents.ts). */
  readonly onAllocatorDesync: (master: Master, agentId: string) => void;
};

export class Master {
  readonly options: ResolvedMasterOptions;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly ids: MasterIds;
  readonly registry: MasterRegistry;
  readonly info: MasterInfo;
  readonly startTime: number;

  readonly frameworks = new Map<string, FrameworkRecord>();
  /** Removed frameworks, oldest first, at most `--max_completed_frameworks`. */
  readonly completedFrameworks: FrameworkRecord[] = [];
  readonly agents = new Map<string, AgentRecord>();
  /**
   * Agents admitted before a restart that have not re-registered yet (recovery.ts), with the keys
   * of their persisted tasks; they get an AgentRecord when they re-register or are marked unreachable.
   */
  readonly recoveringAgents = new Map<string, Set<string>>();
  readonly offers = new Map<string, OfferRecord>();
  readonly allocation: AllocationLoop;
  readonly observers = new Set<MasterObserver>();
  /** Paces marking agents that fail their health checks unreachable (--agent_removal_rate_limit). */
  readonly unreachableLimiter: RemovalRateLimiter;
  /**
   * Writes every change the observers hear about to the registry (persistence.ts). Unlike the
   * other observers it is not isolated: a failed write must fail the call that made the change.
   */
  durableObserver: MasterObserver | undefined;
  readonly #timers = new Set<TimerHandle>();
  #stopped = false;

  constructor(deps: MasterDeps, hooks: MasterHooks) {
    this.options = deps.options;
    this.clock = deps.clock;
    this.log = deps.log;
    this.metrics = deps.metrics;
    this.ids = deps.ids;
    this.registry = deps.registry;
    this.info = deps.info;
    this.startTime = deps.clock.now();
    const o = deps.options;
    this.unreachableLimiter = new RemovalRateLimiter(o.agentRemovalRateLimit, {
      now: () => this.clock.now(),
      setTimeout: (fn, ms) => this.setTimer(fn, ms),
      clearTimeout: (handle) => this.clearTimer(handle),
    });
    this.allocation = new AllocationLoop({
      clock: deps.clock,
      log: deps.log.child({ component: 'allocator' }),
      metrics: deps.metrics,
      seed: deps.ids.masterId,
      intervalMs: o.allocationIntervalMs,
      sliceMs: o.allocationSliceMs,
      minAllocatable: o.minAllocatable,
      roleSorter: o.roleSorter,
      frameworkSorter: o.frameworkSorter,
      filterGpuResources: o.filterGpuResources,
      fairnessExcludedResourceNames: o.fairnessExcludedResourceNames,
      weights: o.weights,
      onOffers: (decisions) => hooks.onOffers(this, decisions),
      onDesync: (agentId) => hooks.onAllocatorDesync(this, agentId),
    });
  }

  get masterId(): string {
    return this.ids.masterId;
  }

  /** Seconds since the epoch, as TaskStatus.timestamp and the legacy endpoints want. */
  nowSeconds(): number {
    return this.clock.now() / 1000;
  }

  // ---- sending -------------------------------------------------------------------------------

  /** Sends an event on the framework's stream; dropped when it is not connected (as Mesos). */
  sendToFramework(fw: FrameworkRecord, event: SchedulerEvent): boolean {
    const connection = fw.connection;
    if (connection === undefined || connection.stream.closed) return false;
    const sent = connection.stream.send(JSON.stringify(encodeSchedulerEvent(event)));
    if (sent) countForFramework(this, fw, 'events', event.type);
    return sent;
  }

  /** Sends an event on the agent's stream; false when it has no live stream. */
  sendToAgent(agent: AgentRecord, event: MasterToAgentEvent): boolean {
    const connection = agent.connection;
    if (connection === undefined || connection.stream.closed) return false;
    return connection.stream.send(JSON.stringify(encodeMasterToAgentEvent(event)));
  }

  notify(fn: (observer: MasterObserver) => void): void {
    if (this.durableObserver !== undefined) fn(this.durableObserver);
    for (const observer of this.observers) {
      try {
        fn(observer);
      } catch (err) {
        this.log.warn({ err }, 'master observer failed');
      }
    }
  }

  // ---- lookups -------------------------------------------------------------------------------

  findTask(frameworkId: string, taskId: string): TaskRecord | undefined {
    return this.frameworks.get(frameworkId)?.tasks.get(taskId);
  }

  // ---- timers the master owns (cleared on stop) ------------------------------------------------

  setTimer(fn: () => void, ms: number): TimerHandle {
    // A stopped master starts nothing new (closing its streams runs disconnect handlers).
    if (this.#stopped) return { id: -1 };
    const handle: TimerHandle = this.clock.setTimeout(() => {
      this.#timers.delete(handle);
      // Everything one timer changes is one registry transaction.
      this.registry.batch(fn);
    }, ms);
    this.#timers.add(handle);
    return handle;
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    this.clock.clearTimeout(handle);
    this.#timers.delete(handle);
  }

  setRepeating(fn: () => void, ms: number): TimerHandle {
    if (this.#stopped) return { id: -1 };
    const handle = this.clock.setInterval(() => this.registry.batch(fn), ms);
    this.#timers.add(handle);
    return handle;
  }

  clearRepeating(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    this.clock.clearInterval(handle);
    this.#timers.delete(handle);
  }

  /**
   * A timeout of any length: Node timers fire at once beyond 2^31-1 ms (24.8 days), and
   * failover timeouts of weeks or a year are common, so long ones are chained.
   */
  setLongTimer(fn: () => void, ms: number): { cancel(): void } {
    const MAX = 2_147_483_647;
    let handle: TimerHandle | undefined;
    let cancelled = false;
    const arm = (remaining: number): void => {
      handle = this.setTimer(() => {
        if (cancelled) return;
        if (remaining > MAX) arm(remaining - MAX);
        else fn();
      }, Math.min(remaining, MAX));
    };
    arm(ms);
    return {
      cancel: () => {
        cancelled = true;
        this.clearTimer(handle);
      },
    };
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  stop(): void {
    this.#stopped = true;
    this.allocation.stop();
    this.unreachableLimiter.clear();
    for (const handle of this.#timers) {
      this.clock.clearTimeout(handle);
      this.clock.clearInterval(handle);
    }
    this.#timers.clear();
    for (const fw of this.frameworks.values()) fw.connection?.stream.close();
    for (const agent of this.agents.values()) agent.connection?.stream.close();
  }
}
