// The default executor's connection to the agent and the delivery of its status updates, with the
// command executor's rules (src/executor/README.md), for many tasks at once:
//
// - SUBSCRIBE carries every unacknowledged update and the TaskInfo of every task none of whose
//   updates was acknowledged yet; the agent answers SUBSCRIBED on the stream.
// - Updates get a fresh uuid each, are kept until ACKNOWLEDGED, and go out one at a time in order
//   over the call connection; a failed post is retried 1 s, 2 s, 4 s ... up to 10 s.
// - Losing the agent: with MESOS_CHECKPOINT=1 re-subscribe with backoff capped at
//   MESOS_SUBSCRIPTION_BACKOFF_MAX for up to MESOS_RECOVERY_TIMEOUT (polling with TCP connects
//   while nobody listens); otherwise, or when the agent refuses us for good, the agent is lost.
//
// NOTE: this follows src/executor/command/executor.ts, which keeps the same logic inline for its
// one task; moving both onto one module is left to the refactoring of that directory.
import { backoffDelay, type BackoffPolicy } from '../../common/backoff.ts';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { AgentCallError, type EventStream, type StreamHandlers } from '../command/agent-client.ts';
import type { ExecutorConfig } from '../command/config.ts';
import type { ExecutorLog } from '../command/log.ts';
import { subscribeCall, updateCall, type ExecutorIdentity, type Json, type OutgoingUpdate } from '../command/wire.ts';

/** How long the first SUBSCRIBE may be retried (the agent's executor_registration_timeout). */
export const REGISTRATION_TIMEOUT_MS = 60_000;
const FIRST_BACKOFF_MS = 100;
const PROBE_BACKOFF: BackoffPolicy = { initialMs: FIRST_BACKOFF_MS, maxMs: 400, jitter: 'equal' };
const POST_RETRY_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 10_000, jitter: 'none' };

/** What the session needs from the transport (AgentClient, or a fake in tests). */
export type AgentTransport = {
  subscribe(call: unknown, handlers: StreamHandlers): Promise<EventStream>;
  post(call: unknown): Promise<void>;
  probe?(): Promise<boolean>;
  close(): void;
};

export type AgentSessionOptions = {
  config: ExecutorConfig;
  transport: AgentTransport;
  clock: Clock;
  log: ExecutorLog;
  random?: () => number;
  registrationTimeoutMs?: number;
  /** Every event of the stream, JSON.parse'd; the owner calls `subscribed()` on SUBSCRIBED. */
  onEvent(json: unknown): void;
  /** TaskInfos (as received) of the tasks none of whose updates was acknowledged yet. */
  unacknowledgedTasks(): Json[];
  /** The agent is gone for good: no acknowledgement can come any more. */
  onAgentLost(reason: string): void;
};

type Connection = 'disconnected' | 'subscribing' | 'subscribed';
type TimerName = 'resubscribe' | 'recovery' | 'post_retry';

export class AgentSession {
  readonly #o: AgentSessionOptions;
  readonly #id: ExecutorIdentity;
  #connection: Connection = 'disconnected';
  #stream: EventStream | undefined;
  #everSubscribed = false;
  #closed = false;
  #waitingForAgent = false;
  #resubscribeAttempt = 0;
  #postFailures = 0;
  /** Unacknowledged updates by uuid, in the order they were made. */
  readonly #unacknowledged = new Map<string, OutgoingUpdate>();
  #sentInSubscribe = new Set<string>();
  #queue: OutgoingUpdate[] = [];
  #posting = false;
  readonly #timers = new Map<TimerName, TimerHandle>();

  constructor(options: AgentSessionOptions) {
    this.#o = options;
    this.#id = { frameworkId: options.config.frameworkId, executorId: options.config.executorId };
  }

  get identity(): ExecutorIdentity {
    return this.#id;
  }

  get isSubscribed(): boolean {
    return this.#connection === 'subscribed';
  }

  /** Updates the agent has not acknowledged yet. */
  get pending(): number {
    return this.#unacknowledged.size;
  }

  start(): void {
    this.#subscribe();
  }

  /** SUBSCRIBED arrived: updates made while the SUBSCRIBE was in flight go out now. */
  subscribed(): void {
    this.#connection = 'subscribed';
    this.#everSubscribed = true;
    this.#resubscribeAttempt = 0;
    this.#waitingForAgent = false;
    this.#clearTimer('recovery');
    this.#queue = [...this.#unacknowledged.values()].filter((u) => !this.#sentInSubscribe.has(u.status.uuid));
    this.#drain();
  }

  /** Keeps the update until acknowledged and sends it when connected. */
  send(update: OutgoingUpdate): void {
    this.#unacknowledged.set(update.status.uuid, update);
    if (this.#connection === 'subscribed') {
      this.#queue.push(update);
      this.#drain();
    }
  }

  /** ACKNOWLEDGED: false when the uuid is not one of ours. */
  acknowledge(uuid: string): boolean {
    return this.#unacknowledged.delete(uuid);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const name of [...this.#timers.keys()]) this.#clearTimer(name);
    this.#stream?.close();
    this.#o.transport.close();
  }

  #subscribe(): void {
    if (this.#closed) return;
    this.#connection = 'subscribing';
    const updates = [...this.#unacknowledged.values()];
    this.#sentInSubscribe = new Set(updates.map((u) => u.status.uuid));
    const tasks = this.#o.unacknowledgedTasks();
    if (this.#everSubscribed) this.#o.log.info('re-subscribing to the agent', { unacknowledged_updates: updates.length, unacknowledged_tasks: tasks.length });
    this.#o.transport
      .subscribe(subscribeCall(this.#id, updates, tasks), { onEvent: (event) => !this.#closed && this.#o.onEvent(event), onClose: (reason) => this.#onDisconnected(reason) })
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
      this.#o.onAgentLost('the agent refused the subscription');
      return;
    }
    const restarting = agentRestarting(err);
    if (!restarting || !this.#waitingForAgent) this.#o.log.warn('subscription to the agent failed', { error: (err as Error).message });
    this.#waitingForAgent = restarting;
    if (connectionRefused(err) && this.#o.transport.probe) this.#scheduleProbe();
    else this.#scheduleResubscribe(restarting);
  }

  #scheduleProbe(attempt = 0): void {
    this.#armRecoveryWindow();
    const delay = backoffDelay(attempt, PROBE_BACKOFF, (this.#o.random ?? Math.random)());
    this.#setTimer('resubscribe', delay, () => {
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
    this.#o.log.warn('disconnected from the agent', { reason, checkpoint: this.#o.config.checkpoint });
    if (!this.#o.config.checkpoint) {
      this.#o.onAgentLost('lost the agent and the framework does not checkpoint');
      return;
    }
    this.#scheduleResubscribe();
  }

  #armRecoveryWindow(): void {
    if (this.#timers.has('recovery')) return;
    const { config } = this.#o;
    const windowMs = config.checkpoint ? config.recoveryTimeoutMs : (this.#o.registrationTimeoutMs ?? REGISTRATION_TIMEOUT_MS);
    this.#setTimer('recovery', windowMs, () => {
      this.#o.log.error('the agent did not come back in time', { timeout_ms: windowMs });
      this.#o.onAgentLost('the agent did not come back in time');
    });
  }

  #scheduleResubscribe(agentIsRestarting = false): void {
    this.#armRecoveryWindow();
    const policy: BackoffPolicy = { initialMs: FIRST_BACKOFF_MS, maxMs: this.#o.config.subscriptionBackoffMaxMs, jitter: 'equal' };
    const attempt = agentIsRestarting ? 0 : this.#resubscribeAttempt++;
    this.#setTimer('resubscribe', backoffDelay(attempt, policy, (this.#o.random ?? Math.random)()), () => this.#subscribe());
  }

  #drain(): void {
    if (this.#posting || this.#closed || this.#connection !== 'subscribed' || this.#timers.has('post_retry')) return;
    while (this.#queue[0] !== undefined && !this.#unacknowledged.has(this.#queue[0].status.uuid)) this.#queue.shift();
    const next = this.#queue[0];
    if (next === undefined) return;
    this.#posting = true;
    this.#o.transport.post(updateCall(this.#id, next)).then(
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
        this.#setTimer('post_retry', retryMs, () => this.#drain());
      },
    );
  }

  #setTimer(name: TimerName, ms: number, fn: () => void): void {
    this.#clearTimer(name);
    this.#timers.set(
      name,
      this.#o.clock.setTimeout(() => {
        this.#timers.delete(name);
        if (!this.#closed) fn();
      }, ms),
    );
  }

  #clearTimer(name: TimerName): void {
    const handle = this.#timers.get(name);
    if (handle !== undefined) this.#o.clock.clearTimeout(handle);
    this.#timers.delete(name);
  }
}

function agentRestarting(err: unknown): boolean {
  if (err instanceof AgentCallError) return err.status === 503;
  return connectionRefused(err);
}

function connectionRefused(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code ?? (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return code === 'ECONNREFUSED';
}
