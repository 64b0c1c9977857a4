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
import type { EventStream } from '../common/http/event-stream.ts';
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

/** An event to send on a stream, or (json undefined) the stream's end. */
type Held = { stream: EventStream; json: string | undefined };

function deliver(held: readonly Held[]): void {
  for (const { stream, json } of held) {
    if (json === undefined) stream.close();
    else stream.send(json);
  }
}

/** Nothing is said, but streams that were ended stay ended. */
function endStreams(held: readonly Held[]): void {
  for (const { stream, json } of held) if (json === undefined) stream.close();
}

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
  /**
   * Events (and stream closes) made inside `transaction()`, carried out in order once it
   * committed; undefined outside one.
   */
  #held: Held[] | undefined;
  /**
   * Transactions whose commit the registry has not confirmed yet, oldest first, with what they
   * hold back. Events made outside a transaction while any is waiting join the newest one, so
   * that everything leaves the master in the order it was made.
   */
  readonly #uncommitted: { held: Held[]; settled: boolean; failed: boolean }[] = [];
  /** Settles when the newest transaction is committed (rejects when that commit failed). */
  #durable: Promise<void> | undefined;
  /** Streams closed inside the open transaction: nothing more is sent on them. */
  readonly #closing = new Set<EventStream>();
  #stateVersion = 0;

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

  /**
   * Sends an event on the framework's stream; dropped when it is not connected (as Mesos). Inside
   * `transaction()` the event is encoded now and sent after the commit (true: it will go out).
   */
  sendToFramework(fw: FrameworkRecord, event: SchedulerEvent): boolean {
    const connection = fw.connection;
    if (connection === undefined || connection.stream.closed) return false;
    // Every event to a framework but HEARTBEAT reflects a change (offers, rescinds, updates, errors).
    if (event.type !== 'HEARTBEAT') this.stateChanged();
    const sent = this.#send(connection.stream, JSON.stringify(encodeSchedulerEvent(event)));
    if (sent) countForFramework(this, fw, 'events', event.type);
    return sent;
  }

  /** Sends an event on the agent's stream; false when it has no live stream. Held as above. */
  sendToAgent(agent: AgentRecord, event: MasterToAgentEvent): boolean {
    const connection = agent.connection;
    if (connection === undefined || connection.stream.closed) return false;
    if (event.type !== 'PING') this.stateChanged();
    return this.#send(connection.stream, JSON.stringify(encodeMasterToAgentEvent(event)));
  }

  /** Sends pre-encoded JSON on a stream, held inside a transaction as the events above. */
  sendOnStream(stream: EventStream, json: string): boolean {
    return this.#send(stream, json);
  }

  /** Ends a stream; inside a transaction, after the events sent on it before (and the commit). */
  closeStream(stream: EventStream): void {
    if (this.#held !== undefined) {
      this.#closing.add(stream);
      this.#held.push({ stream, json: undefined });
      return;
    }
    // After the events made before it, which may wait for a commit.
    const waiting = this.#uncommitted.at(-1)?.held;
    if (waiting === undefined) stream.close();
    else waiting.push({ stream, json: undefined });
  }

  #send(stream: EventStream, json: string): boolean {
    const held = this.#held ?? this.#uncommitted.at(-1)?.held;
    if (held === undefined) return stream.send(json);
    if (this.#closing.has(stream)) return false;
    held.push({ stream, json });
    return true;
  }

  /**
   * Runs `fn` as one registry transaction and sends the events it made to frameworks and agents
   * (status updates forwarded, acknowledgements relayed, SUBSCRIBED, offers) only once that
   * transaction committed: nothing the master says can get ahead of what it has written. The
   * commit itself may finish later (the registry writes on a thread of its own): `whenDurable()`
   * tells when. When `fn` throws or the commit fails, its events are dropped (streams it ended
   * stay ended). Nested calls join the outer one.
   */
  transaction<T>(fn: () => T): T {
    if (this.#held !== undefined) return this.registry.batch(fn);
    const held: Held[] = [];
    this.#held = held;
    let result: T;
    try {
      result = this.registry.batch(fn);
    } catch (err) {
      endStreams(held);
      throw err;
    } finally {
      this.#held = undefined;
      this.#closing.clear();
    }
    const commit = this.registry.committed();
    if (commit === undefined && this.#uncommitted.length === 0) {
      deliver(held);
      return result;
    }
    const entry = { held, settled: false, failed: false };
    this.#uncommitted.push(entry);
    const durable = (commit ?? Promise.resolve()).then(
      () => {
        entry.settled = true;
        this.#deliverCommitted();
      },
      (err: unknown) => {
        entry.settled = true;
        entry.failed = true;
        this.#deliverCommitted();
        throw err;
      },
    );
    this.#durable = durable;
    // Callers of whenDurable() see a failure too; this keeps one nobody waits for from going unhandled.
    durable.catch((err: unknown) => this.log.error({ err }, 'registry commit failed: the events that depended on it are dropped'));
    return result;
  }

  /**
   * Settles once every transaction so far is committed and its events sent (rejects when that
   * commit failed); undefined when nothing waits for a commit.
   */
  whenDurable(): Promise<void> | undefined {
    return this.#uncommitted.length === 0 ? undefined : this.#durable;
  }

  #deliverCommitted(): void {
    while (this.#uncommitted.length > 0 && this.#uncommitted[0]!.settled) {
      const { held, failed } = this.#uncommitted.shift()!;
      if (failed) endStreams(held);
      else deliver(held);
    }
  }

  /**
   * A counter that moves whenever something the read endpoints show may have changed, so that
   * concurrent `/state` readers share one serialization only while nothing changed
   * (http/shared-json.ts). Moved by `notify`, by every event but PING, by every agent or
   * scheduler call but PONG (group-commit.ts), and by the changes no observer hears about.
   */
  get stateVersion(): number {
    return this.#stateVersion;
  }

  stateChanged(): void {
    this.#stateVersion++;
  }

  notify(fn: (observer: MasterObserver) => void): void {
    this.stateChanged();
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
      // Everything one timer changes is one registry transaction, committed before it is told.
      this.transaction(fn);
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
    const handle = this.clock.setInterval(() => this.transaction(fn), ms);
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
