// An executor's session with its agent (v1 executor API, reference §4.2), shared by the command
// and Docker executors: SUBSCRIBE and re-subscription, delivery of status updates until they are
// acknowledged, and the deadlines around both. The executor owns its task; the session tells it
// what the agent said and when the agent is gone.
//
//   disconnected ──SUBSCRIBE──▶ subscribing ──SUBSCRIBED──▶ subscribed
//        ▲                          │ fails                     │ stream ends
//        │                          ▼                           ▼
//        └───── backoff / TCP probe ◀─────────────────── (checkpointing executors only)
//
// Delivery: every update gets a fresh 16-byte uuid and is kept until the agent sends ACKNOWLEDGED
// for it. Updates go out one at a time, in order, over the call connection; a failed post is
// retried 1 s, 2 s, 4 s ... 10 s. After a reconnect they all travel in SUBSCRIBE's
// unacknowledged_updates, with the TaskInfo in unacknowledged_tasks until some update of the task
// has been acknowledged. Once the executor's terminal update is acknowledged the session is
// finished (exit 0), or 60 s after it was sent without an acknowledgement (Mesos's fail-safe,
// exit 1).
//
// Losing the agent: a checkpointing executor (MESOS_CHECKPOINT=1) re-subscribes with backoff
// capped at MESOS_SUBSCRIPTION_BACKOFF_MAX for up to MESOS_RECOVERY_TIMEOUT; while nobody listens
// at the agent's address it polls with TCP connects instead of SUBSCRIBE. Any other executor is
// told at once that the agent is lost (it kills its task and exits), as Mesos's executor library
// does. A first SUBSCRIBE may be retried for the agent's executor registration timeout.
import { backoffDelay, type BackoffPolicy } from '../../common/backoff.ts';
import type { Clock } from '../../common/clock.ts';
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

export type SubscribedEvent = Extract<ExecutorEventIn, { type: 'SUBSCRIBED' }>;
/** The events the executor acts on itself (the session consumes SUBSCRIBED and ACKNOWLEDGED). */
export type SessionEvent = Exclude<ExecutorEventIn, { type: 'SUBSCRIBED' } | { type: 'ACKNOWLEDGED' }>;

/** How the session reaches its executor. Called only while the session is open. */
export type SessionHooks = {
  /** SUBSCRIBED arrived: the first time, or after a reconnect. */
  subscribed(event: SubscribedEvent): void;
  /** Any other event but ACKNOWLEDGED. */
  event(event: SessionEvent): void;
  /** A LAUNCH that did not parse but named its task, so the task can be failed. */
  launchUnreadable(taskId: string, error: string): void;
  /** The agent will not take the executor back (refused, lost, recovery window over). */
  agentLost(reason: string): void;
  /** The session is over: exit with `code` (terminal update acknowledged, or given up on). */
  finished(code: number): void;
};

export type AgentSessionOptions = {
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
  /** The executor's task as the agent sent it, if it has one (re-sent until acknowledged). */
  task: () => { taskId: string; raw: Json } | undefined;
  hooks: SessionHooks;
  /** Jitter source for the re-subscribe backoff; Math.random by default. */
  random?: () => number;
  terminalAckTimeoutMs?: number;
  registrationTimeoutMs?: number;
};

export type Connection = 'disconnected' | 'subscribing' | 'subscribed';
type TimerName = 'resubscribe' | 'recovery' | 'terminal_ack' | 'post_retry';

export class AgentSession {
  readonly #o: AgentSessionOptions;
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
  #taskAcknowledged = false;
  /** Uuids carried by the SUBSCRIBE in flight: the agent has them once SUBSCRIBED arrives. */
  #sentInSubscribe = new Set<string>();
  #queue: OutgoingUpdate[] = [];
  #posting = false;
  #lastUuid: string | undefined;
  #terminalUuid: string | undefined;

  constructor(options: AgentSessionOptions) {
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
    const task = this.#o.task();
    const tasks = task !== undefined && !this.#taskAcknowledged ? [task.raw] : [];
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
    const parsed = parseExecutorEvent(json);
    if (!parsed.ok) {
      this.#o.log.error('invalid event from the agent', { error: parsed.error });
      if (parsed.taskId !== undefined) this.#o.hooks.launchUnreadable(parsed.taskId, parsed.error);
      return;
    }
    const event = parsed.event;
    if (event.type === 'SUBSCRIBED') this.#onSubscribed(event);
    else if (event.type === 'ACKNOWLEDGED') this.#onAcknowledged(event.taskId, event.uuid);
    else this.#o.hooks.event(event);
  }

  #onSubscribed(event: SubscribedEvent): void {
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
    if (this.#o.task()?.taskId === taskId) this.#taskAcknowledged = true;
    if (uuid === this.#terminalUuid) {
      this.#o.log.info('terminal status update acknowledged; exiting', { task_id: taskId });
      this.#o.hooks.finished(0);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Updates.

  /** Makes a status update (fresh uuid, now as timestamp) and delivers it; returns its uuid. */
  sendUpdate(fields: Omit<StatusFields, 'uuid' | 'timestamp'>): string {
    const uuid = this.#o.newUuid();
    const update = statusUpdate(this.#o.id, { ...fields, uuid, timestamp: this.#o.clock.now() / 1000 });
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
    this.#terminalUuid = this.#lastUuid;
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

/** A SUBSCRIBE failure that means the agent is restarting: nobody listens yet, or it recovers. */
export function agentRestarting(err: unknown): boolean {
  if (err instanceof AgentCallError) return err.status === 503;
  return connectionRefused(err);
}

export function connectionRefused(err: unknown): boolean {
  const code = (err as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code ?? (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return code === 'ECONNREFUSED';
}
