// An executor's session with its agent (v1 executor API, reference §4.2), shared by the built-in
// executors (command, Docker, default): SUBSCRIBE and re-subscription, delivery of status updates
// until they are acknowledged, and the deadlines around both. The executor owns its tasks; the
// session tells it what the agent said and when the agent is gone.
//
//   disconnected ──SUBSCRIBE──▶ subscribing ──SUBSCRIBED──▶ subscribed
//        ▲                          │ fails                     │ stream ends
//        │                          ▼                           ▼
//        └───── backoff / TCP probe ◀─────────────────── (checkpointing executors only)
//
// Delivery: every update gets a fresh 16-byte uuid and is kept until the agent sends ACKNOWLEDGED
// for it. Updates go out one at a time, in order, over the call connection; a failed post is
// retried 1 s, 2 s, 4 s ... 10 s. After a reconnect they all travel in SUBSCRIBE's
// unacknowledged_updates, with the TaskInfo of each task in unacknowledged_tasks until some update
// of that task has been acknowledged. The session is finished (exit 0) once what the executor
// waits for is acknowledged — its terminal update (one task: awaitTerminalAck), or every update
// (several tasks: awaitAllAcknowledged) — or 60 s later without (Mesos's fail-safe, exit 1).
//
// Losing the agent: a checkpointing executor (MESOS_CHECKPOINT=1) re-subscribes with backoff
// capped at MESOS_SUBSCRIPTION_BACKOFF_MAX for up to MESOS_RECOVERY_TIMEOUT; while nobody listens
// at the agent's address it polls with TCP connects instead of SUBSCRIBE. Any other executor is
// told at once that the agent is lost (it kills its task and exits), as Mesos's executor library
// does. A first SUBSCRIBE may be retried for the agent's executor registration timeout.
import { backoffDelay, type BackoffPolicy } from '../../common/backoff.ts';
import type { Clock } from '../../common/clock.ts';
import type { ContainerID } from '../../protocol/index.ts';
import { AgentCallError } from '../command/agent-client.ts';
import type { EventStream, StreamHandlers } from '../command/agent-client.ts';
import type { ExecutorLog } from '../command/log.ts';
import { parseExecutorEvent, statusUpdate, subscribeCall, updateCall } from '../command/wire.ts';
import type { ExecutorEventIn, ExecutorIdentity, Json, OutgoingUpdate, StatusFields } from '../command/wire.ts';
import { NamedTimers } from './named-timers.ts';

/** Mesos's fail-safe: the session ends if the terminal update is not acknowledged within this time. */
export const TERMINAL_ACK_TIMEOUT_MS = 60_000;
/** How long the first SUBSCRIBE may be retried (the agent's executor_registration_timeout). */
export const REGISTRATION_TIMEOUT_MS = 60_000;
const FIRST_BACKOFF_MS = 100;
/** TCP probes while nobody listens: 100 ms doubling up to 400 ms, jittered. */
export const PROBE_BACKOFF: BackoffPolicy = { initialMs: FIRST_BACKOFF_MS, maxMs: 400, jitter: 'equal' };
/** A failed update post is retried 1 s, 2 s, 4 s ... up to 10 s (no jitter: one executor, one agent). */
export const POST_RETRY_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 10_000, jitter: 'none' };

/** What the session needs from the transport (AgentClient, or a fake in tests). */
export type AgentTransport = {
  subscribe(call: unknown, handlers: StreamHandlers): Promise<EventStream>;
  post(call: unknown): Promise<void>;
  /** Resolves true once the agent accepts connections (cheap polling while it is down). */
  probe?(): Promise<boolean>;
  close(): void;
};

/** What the session reads of SUBSCRIBED and ACKNOWLEDGED; an executor's events may carry more. */
export type SubscribedEvent = Extract<ExecutorEventIn, { type: 'SUBSCRIBED' }>;
type AcknowledgedEvent = Extract<ExecutorEventIn, { type: 'ACKNOWLEDGED' }>;
/** An executor's events: the command executor's (ExecutorEventIn) or a superset of them. */
export type AgentEvent = { type: string };
/** The events the executor acts on itself (the session consumes SUBSCRIBED and ACKNOWLEDGED). */
export type SessionEvent<E extends AgentEvent = ExecutorEventIn> = Exclude<E, { type: 'SUBSCRIBED' } | { type: 'ACKNOWLEDGED' }>;

/** One event read off the stream; `taskIds`: the tasks an unreadable LAUNCH or LAUNCH_GROUP named. */
export type ParsedAgentEvent<E extends AgentEvent> = { ok: true; event: E } | { ok: false; error: string; taskIds: readonly string[] };

/** The command executor's reading of events (command/wire.ts) in the session's terms. */
export function readExecutorEvent(json: unknown): ParsedAgentEvent<ExecutorEventIn> {
  const parsed = parseExecutorEvent(json);
  if (parsed.ok) return parsed;
  return { ok: false, error: parsed.error, taskIds: parsed.taskId === undefined ? [] : [parsed.taskId] };
}

/** Events no built-in executor acts on: each logs them alike. */
export type PassiveEvent = Extract<ExecutorEventIn, { type: 'MESSAGE' | 'ERROR' | 'HEARTBEAT' | 'UNKNOWN' }>;
const PASSIVE_TYPES = new Set(['MESSAGE', 'ERROR', 'HEARTBEAT', 'UNKNOWN']);

export function isPassiveEvent(event: AgentEvent): event is PassiveEvent {
  return PASSIVE_TYPES.has(event.type);
}

/** Logs a passive event; `kind` names the executor ("command", "default"). */
export function logPassiveEvent(event: PassiveEvent, log: ExecutorLog, kind: string): void {
  if (event.type === 'MESSAGE') log.info(`framework message ignored: the ${kind} executor takes no messages`);
  else if (event.type === 'ERROR') log.error('error event from the agent', { message: event.message });
  else if (event.type === 'UNKNOWN') log.warn('unknown event ignored', { type: event.name });
}

/** A task of the executor as the agent sent it: its TaskInfo is re-sent until some update of it is acknowledged. */
export type SessionTask = { taskId: string; raw: Json };

/** How the session reaches its executor. Called only while the session is open. */
export type SessionHooks<E extends AgentEvent = ExecutorEventIn> = {
  /** SUBSCRIBED arrived: the first time, or after a reconnect. */
  subscribed(event: E & SubscribedEvent): void;
  /** Any other event but ACKNOWLEDGED. */
  event(event: SessionEvent<E>): void;
  /** A LAUNCH (or LAUNCH_GROUP) that did not parse but named its tasks, so they can be failed. */
  launchUnreadable(taskIds: readonly string[], error: string): void;
  /** The agent will not take the executor back (refused, lost, recovery window over). */
  agentLost(reason: string): void;
  /** The session is over: exit with `code` (terminal update acknowledged, or given up on). */
  finished(code: number): void;
};

export type AgentSessionOptions<E extends AgentEvent = ExecutorEventIn> = {
  id: ExecutorIdentity;
  /** MESOS_CHECKPOINT: survive an agent restart. */
  checkpoint: boolean;
  /** MESOS_RECOVERY_TIMEOUT. */
  recoveryTimeoutMs: number;
  /** MESOS_SUBSCRIPTION_BACKOFF_MAX. */
  subscriptionBackoffMaxMs: number;
  transport: AgentTransport;
  clock: Clock;
  log: ExecutorLog;
  /** Fresh status-update uuids (newStatusUuid). */
  newUuid: () => string;
  /** Reads one event of the stream (readExecutorEvent, or an executor's superset of it). */
  parseEvent: (json: unknown) => ParsedAgentEvent<E>;
  /** The executor's tasks as the agent sent them (each re-sent until one of its updates is acknowledged). */
  tasks: () => readonly SessionTask[];
  hooks: SessionHooks<E>;
  /** Jitter source for the re-subscribe backoff; Math.random by default. */
  random?: () => number;
  terminalAckTimeoutMs?: number;
  registrationTimeoutMs?: number;
};

export type Connection = 'disconnected' | 'subscribing' | 'subscribed';
type TimerName = 'resubscribe' | 'recovery' | 'terminal_ack' | 'post_retry';
/** What finishes the session: the terminal update's acknowledgement, or every update's. */
type Awaiting = { kind: 'terminal'; uuid: string | undefined } | { kind: 'all' };

export class AgentSession<E extends AgentEvent = ExecutorEventIn> {
  readonly #o: AgentSessionOptions<E>;
  readonly #timers: NamedTimers<TimerName>;

  #connection: Connection = 'disconnected';
  #stream: EventStream | undefined;
  #everSubscribed = false;
  /** No acknowledgement can come any more: finish right after the terminal update. */
  #agentGone = false;
  #closed = false;
  /** The last SUBSCRIBE failed because the agent is down or recovering (logged once). */
  #waitingForAgent = false;
  /** Re-subscribe attempts since the last SUBSCRIBED (the backoff's attempt number). */
  #resubscribeAttempt = 0;
  /** Failed posts in a row (the post retry backoff's attempt number). */
  #postFailures = 0;

  /** Unacknowledged updates by uuid, in the order they were made. */
  readonly #unacknowledged = new Map<string, OutgoingUpdate>();
  /** Tasks some update of which was acknowledged: their TaskInfo is no longer re-sent. */
  readonly #acknowledgedTasks = new Set<string>();
  /** Uuids carried by the SUBSCRIBE in flight: the agent has them once SUBSCRIBED arrives. */
  #sentInSubscribe = new Set<string>();
  #queue: OutgoingUpdate[] = [];
  #posting = false;
  #lastUuid: string | undefined;
  #awaiting: Awaiting | undefined;

  constructor(options: AgentSessionOptions<E>) {
    this.#o = options;
    this.#timers = new NamedTimers(options.clock);
  }

  get connection(): Connection {
    return this.#connection;
  }

  /** True once the agent is known to be gone: no acknowledgement will come. */
  get agentGone(): boolean {
    return this.#agentGone;
  }

  /** Updates not yet acknowledged, oldest first. */
  unacknowledged(): OutgoingUpdate[] {
    return [...this.#unacknowledged.values()];
  }

  start(): void {
    this.#subscribe();
  }

  /** Ends the session: no timer, event or hook after this; the transport is closed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timers.stop();
    this.#stream?.close();
    this.#o.transport.close();
  }

  // -------------------------------------------------------------------------------------------
  // Connection.

  #subscribe(): void {
    if (this.#closed) return;
    this.#connection = 'subscribing';
    const updates = [...this.#unacknowledged.values()];
    this.#sentInSubscribe = new Set(updates.map((u) => u.status.uuid));
    const tasks = this.#o.tasks().flatMap((t) => (this.#acknowledgedTasks.has(t.taskId) ? [] : [t.raw]));
    const call = subscribeCall(this.#o.id, updates, tasks);
    if (this.#everSubscribed) this.#o.log.info('re-subscribing to the agent', { unacknowledged_updates: updates.length, unacknowledged_tasks: tasks.length });
    this.#o.transport
      .subscribe(call, { onEvent: (event) => this.#onEvent(event), onClose: (reason) => this.#onDisconnected(reason) })
      .then(
        (stream) => {
          if (this.#closed) stream.close();
          else this.#stream = stream;
        },
        (err: unknown) => this.#onSubscribeFailed(err),
      );
  }

  #onSubscribeFailed(err: unknown): void {
    if (this.#closed) return;
    this.#connection = 'disconnected';
    if (err instanceof AgentCallError && err.permanent) {
      this.#o.log.error('the agent refused the subscription', { status: err.status, body: err.body });
      this.#loseAgent('the agent refused the subscription');
      return;
    }
    const restarting = agentRestarting(err);
    // While the agent restarts, every 100 ms would log 20 lines a restart: say it once.
    if (!restarting || !this.#waitingForAgent) this.#o.log.warn('subscription to the agent failed', { error: (err as Error).message });
    this.#waitingForAgent = restarting;
    if (connectionRefused(err) && this.#o.transport.probe) this.#scheduleProbe();
    else this.#scheduleResubscribe(restarting);
  }

  /**
   * Nobody listens at the agent's address: poll it with TCP connects (100 ms doubling up to
   * 400 ms, jittered) and subscribe once one succeeds. Polling faster costs more than it saves:
   * a hundred executors waking every 100 ms took most of a 2-core host from the agent starting up.
   */
  #scheduleProbe(attempt = 0): void {
    this.#armRecoveryWindow();
    const delay = backoffDelay(attempt, PROBE_BACKOFF, this.#random());
    this.#timers.set('resubscribe', delay, () => {
      void this.#o.transport.probe!().then((listening) => {
        if (this.#closed) return;
        if (listening) this.#subscribe();
        else this.#scheduleProbe(attempt + 1);
      });
    });
  }

  #onDisconnected(reason: string): void {
    if (this.#closed) return;
    this.#stream = undefined;
    this.#connection = 'disconnected';
    this.#queue = [];
    this.#o.log.warn('disconnected from the agent', { reason, checkpoint: this.#o.checkpoint });
    if (!this.#o.checkpoint) {
      this.#loseAgent('lost the agent and the framework does not checkpoint');
      return;
    }
    this.#scheduleResubscribe();
  }

  /** The agent has this long to take the executor back (MESOS_RECOVERY_TIMEOUT), then it is lost. */
  #armRecoveryWindow(): void {
    if (this.#timers.has('recovery')) return;
    const windowMs = this.#o.checkpoint ? this.#o.recoveryTimeoutMs : (this.#o.registrationTimeoutMs ?? REGISTRATION_TIMEOUT_MS);
    this.#timers.set('recovery', windowMs, () => {
      this.#o.log.error('the agent did not come back in time', { timeout_ms: windowMs });
      this.#loseAgent('the agent did not come back in time');
    });
  }

  #scheduleResubscribe(agentIsRestarting = false): void {
    this.#armRecoveryWindow();
    // 100 ms doubling up to MESOS_SUBSCRIPTION_BACKOFF_MAX, with jitter in [50%, 100%] so the
    // executors of a restarted agent do not re-subscribe in lockstep. While the agent is still
    // recovering (503) the pace stays at the first step instead: such a failure costs the agent
    // nothing, and the executor must be back within the agent's
    // --executor_reregistration_timeout (2 s by default) once the agent is up. (While nobody
    // listens at all, #scheduleProbe polls instead.)
    const policy: BackoffPolicy = { initialMs: FIRST_BACKOFF_MS, maxMs: this.#o.subscriptionBackoffMaxMs, jitter: 'equal' };
    const attempt = agentIsRestarting ? 0 : this.#resubscribeAttempt++;
    const delay = backoffDelay(attempt, policy, this.#random());
    this.#timers.set('resubscribe', delay, () => this.#subscribe());
  }

  #loseAgent(reason: string): void {
    this.#agentGone = true;
    this.#o.hooks.agentLost(reason);
  }

  #random(): number {
    return (this.#o.random ?? Math.random)();
  }

  // -------------------------------------------------------------------------------------------
  // Events.

  #onEvent(json: unknown): void {
    if (this.#closed) return;
    const parsed = this.#o.parseEvent(json);
    if (!parsed.ok) {
      this.#o.log.error('invalid event from the agent', { error: parsed.error });
      if (parsed.taskIds.length > 0) this.#o.hooks.launchUnreadable(parsed.taskIds, parsed.error);
      return;
    }
    const event = parsed.event;
    if (isSubscribed(event)) this.#onSubscribed(event);
    else if (isAcknowledged(event)) this.#onAcknowledged(event.taskId, event.uuid);
    // Neither SUBSCRIBED nor ACKNOWLEDGED, which a type guard on a type parameter cannot say.
    else this.#o.hooks.event(event as SessionEvent<E>);
  }

  #onSubscribed(event: E & SubscribedEvent): void {
    this.#o.log.info('subscribed to the agent', { agent_hostname: event.agentHostname, task_killing_state: event.taskKillingCapable });
    this.#connection = 'subscribed';
    this.#everSubscribed = true;
    this.#resubscribeAttempt = 0;
    this.#waitingForAgent = false;
    this.#timers.clear('recovery');
    this.#o.hooks.subscribed(event);
    if (this.#closed) return;
    // Updates made while the SUBSCRIBE was in flight were not in it.
    this.#queue = [...this.#unacknowledged.values()].filter((u) => !this.#sentInSubscribe.has(u.status.uuid));
    this.#drain();
  }

  #onAcknowledged(taskId: string, uuid: string): void {
    if (!this.#unacknowledged.delete(uuid)) {
      this.#o.log.warn('acknowledgement for an unknown status update', { task_id: taskId, uuid });
      return;
    }
    this.#acknowledgedTasks.add(taskId);
    const awaiting = this.#awaiting;
    if (awaiting?.kind === 'terminal' && uuid === awaiting.uuid) {
      this.#o.log.info('terminal status update acknowledged; exiting', { task_id: taskId });
      this.#o.hooks.finished(0);
    } else if (awaiting?.kind === 'all' && this.#unacknowledged.size === 0) {
      this.#o.log.info('every status update was acknowledged; exiting');
      this.#o.hooks.finished(0);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Updates.

  /**
   * Makes a status update (fresh uuid, now as timestamp) and delivers it; returns its uuid.
   * `containerId`: the task's own (nested) container, reported in `container_status`.
   */
  sendUpdate(fields: Omit<StatusFields, 'uuid' | 'timestamp'>, containerId?: ContainerID): string {
    const uuid = this.#o.newUuid();
    const update = statusUpdate(this.#o.id, { ...fields, uuid, timestamp: this.#o.clock.now() / 1000 });
    if (containerId !== undefined) update.status.container_status = { container_id: containerId };
    this.#unacknowledged.set(uuid, update);
    this.#lastUuid = uuid;
    this.#o.log.info('sending status update', { task_id: fields.taskId, state: fields.state, uuid, message: fields.message, reason: fields.reason, healthy: fields.healthy });
    if (this.#connection === 'subscribed') {
      this.#queue.push(update);
      this.#drain();
    }
    return uuid;
  }

  /**
   * The last update sent was the terminal one: finish once it is acknowledged, at once when the
   * agent is gone, or with exit 1 when no acknowledgement came within the fail-safe timeout.
   */
  awaitTerminalAck(): void {
    if (this.#closed) return;
    this.#awaiting = { kind: 'terminal', uuid: this.#lastUuid };
    if (this.#agentGone) {
      this.#o.log.warn('exiting without an acknowledgement of the terminal update: the agent is gone');
      this.#o.hooks.finished(0);
      return;
    }
    this.#timers.set('terminal_ack', this.#o.terminalAckTimeoutMs ?? TERMINAL_ACK_TIMEOUT_MS, () => {
      this.#o.log.error('did not receive an acknowledgement for the terminal status update from the agent');
      this.#o.hooks.finished(1);
    });
  }

  /**
   * Every task has ended (an executor of several tasks): finish once every update is
   * acknowledged — at once when none is outstanding or the agent is gone — or with exit 1 when
   * some are still unacknowledged after the fail-safe timeout. Calling it again while waiting
   * keeps the deadline (and notices an agent lost meanwhile).
   */
  awaitAllAcknowledged(): void {
    if (this.#closed) return;
    const waiting = this.#awaiting?.kind === 'all';
    this.#awaiting = { kind: 'all' };
    if (this.#unacknowledged.size === 0) {
      this.#o.log.info('every status update was acknowledged; exiting');
      this.#o.hooks.finished(0);
      return;
    }
    if (this.#agentGone) {
      this.#o.log.warn('exiting with unacknowledged status updates: the agent is gone', { unacknowledged: this.#unacknowledged.size });
      this.#o.hooks.finished(0);
      return;
    }
    if (waiting) return;
    this.#timers.set('terminal_ack', this.#o.terminalAckTimeoutMs ?? TERMINAL_ACK_TIMEOUT_MS, () => {
      this.#o.log.error('did not receive acknowledgements for every status update from the agent', { unacknowledged: this.#unacknowledged.size });
      this.#o.hooks.finished(1);
    });
  }

  /** The executor has work again (a task launched after all had ended): stop waiting to finish. */
  stopAwaiting(): void {
    this.#awaiting = undefined;
    this.#timers.clear('terminal_ack');
  }

  /** Posts queued updates one at a time, in order; a failed post is retried with backoff. */
  #drain(): void {
    if (this.#posting || this.#closed || this.#connection !== 'subscribed' || this.#timers.has('post_retry')) return;
    while (this.#queue[0] !== undefined && !this.#unacknowledged.has(this.#queue[0].status.uuid)) this.#queue.shift();
    const next = this.#queue[0];
    if (next === undefined) return;
    this.#posting = true;
    this.#o.transport.post(updateCall(this.#o.id, next)).then(
      () => {
        this.#posting = false;
        this.#postFailures = 0;
        if (this.#queue[0] === next) this.#queue.shift();
        this.#drain();
      },
      (err: unknown) => {
        this.#posting = false;
        if (this.#closed || this.#queue[0] !== next) return;
        if (err instanceof AgentCallError && err.permanent) {
          // Retrying cannot help; it stays unacknowledged and goes out again on re-subscribe.
          this.#o.log.error('the agent rejected a status update', { uuid: next.status.uuid, status: err.status, body: err.body });
          this.#queue.shift();
          this.#drain();
          return;
        }
        const retryMs = backoffDelay(this.#postFailures++, POST_RETRY_BACKOFF, 0);
        this.#o.log.warn('status update not delivered; retrying', { uuid: next.status.uuid, error: (err as Error).message, retry_ms: retryMs });
        this.#timers.set('post_retry', retryMs, () => this.#drain());
      },
    );
  }
}

function isSubscribed(event: AgentEvent): event is SubscribedEvent {
  return event.type === 'SUBSCRIBED';
}

function isAcknowledged(event: AgentEvent): event is AcknowledgedEvent {
  return event.type === 'ACKNOWLEDGED';
}

/** A SUBSCRIBE failure that means the agent is restarting: nobody listens yet, or it recovers. */
export function agentRestarting(err: unknown): boolean {
  if (err instanceof AgentCallError) return err.status === 503;
  return connectionRefused(err);
}

export function connectionRefused(err: unknown): boolean {
  const code = (err as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code ?? (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return code === 'ECONNREFUSED';
}
