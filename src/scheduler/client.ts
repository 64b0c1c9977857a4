// SchedulerClient: a Mesos v1 HTTP scheduler (reference §2), the way the Mesos scheduler library
// behaves, for frameworks written in TypeScript.
//
//   idle ──subscribe()──▶ connecting ──SUBSCRIBED──▶ subscribed
//                            ▲   │ 503, network error        │ stream broke, or no event for
//                            │   ▼ (backoff, next master)    │ 5 x heartbeat_interval_seconds
//                            └── reconnecting ◀──────────────┘ (re-SUBSCRIBE with the framework id)
//   any ──ERROR event, 4xx on SUBSCRIBE, close()──▶ closed
//   connecting/subscribed ──any failure, with `reconnect: false`──▶ closed (with the error)
//
// SUBSCRIBE is a long-lived POST whose response is the RecordIO event stream; it carries the
// `Mesos-Stream-Id` that every other call must send back, each on its own request. Requests
// follow 307 redirects to the leading master (protocol-relative `Location: //host:port/...`) and
// remember it. Every timer goes through a Clock.
import { SystemClock } from '../common/clock.ts';
import type { Clock, TimerHandle } from '../common/clock.ts';
import { AgoraError } from '../common/errors.ts';
import { silentLogger } from '../common/log.ts';
import type { Logger } from '../common/log.ts';
import { decodeSchedulerEvent, encodeSchedulerCall, RecordIODecoder } from '../protocol/index.ts';
import type {
  FrameworkInfo,
  KillPolicy,
  OfferOperation,
  ResourceRequest,
  SchedulerCall,
  SchedulerEventType,
  SubscribedEvent,
  TaskInfo,
  TaskStatus,
  ValidSchedulerEvent,
} from '../protocol/index.ts';
import { backoffDelay } from '../common/backoff.ts';
import type { BackoffPolicy } from '../common/backoff.ts';
import { buildCall, subscribeCall } from './calls.ts';
import type { FilterOptions, IdLike, SubscribeOptions } from './calls.ts';
import {
  ClientClosedError,
  describeNetworkFailure,
  errorForResponse,
  NotSubscribedError,
  SchedulerHttpError,
  SchedulerUnreachableError,
  SubscriptionError,
  SubscriptionLostError,
} from './errors.ts';
import { EventQueue } from './event-queue.ts';
import { CallTransport, firstErrorMessage, followRedirects, postJson } from './http.ts';
import type { CallAnswer, RedirectTransport } from './http.ts';
import { schedulerUrl } from './leader.ts';

export type SchedulerClientOptions = {
  /** One or more masters (`host:port` or URLs); any of them redirects to the leader. */
  master: string | URL | readonly (string | URL)[];
  clock?: Clock;
  logger?: Logger;
  /**
   * Acknowledge each UPDATE that carries a uuid as soon as it has been handed to the framework
   * (default true). Turn it off to acknowledge after the framework has persisted what it learnt.
   */
  autoAcknowledge?: boolean;
  /** Delays between subscription attempts (default 0.5 s doubling to 30 s, jittered). */
  backoff?: BackoffPolicy;
  /** Reconnect after this many heartbeat intervals without any event (default 5, as Mesos advises). */
  missedHeartbeats?: number;
  /** Longest redirect chain followed for one request (default 5). */
  maxRedirects?: number;
  /** How often a call answered 503 is retried before it fails (default 3). */
  callRetries?: number;
  /** Extra headers on every request, e.g. `Authorization`. */
  headers?: Record<string, string>;
  /** Jitter source in [0, 1); Math.random by default. */
  random?: () => number;
  /**
   * Keep the framework subscribed through failures (default true): retry SUBSCRIBE with backoff
   * and re-subscribe after the stream is lost. With false the first failure closes the client
   * with its error (subscribe() rejects, event iterators throw): for short-lived frameworks
   * (failover_timeout 0, such as `agora run`) that the master removes as soon as they
   * disconnect, so that re-subscribing could not succeed anyway.
   */
  reconnect?: boolean;
  /**
   * How long a request may wait for the master's answer (the response headers; for SUBSCRIBE,
   * the start of the event stream) before it fails with SchedulerUnreachableError. Default: no
   * limit, as the Mesos scheduler library.
   */
  requestTimeoutMs?: number;
};

export type ClientState = 'idle' | 'connecting' | 'subscribed' | 'reconnecting' | 'closed';

/** The event of type T, with its payload present. */
export type SchedulerEventOf<T extends SchedulerEventType> = Extract<ValidSchedulerEvent, { type: T }>;

type Listener = (event: ValidSchedulerEvent) => void;

/** Mesos's heartbeat_interval_seconds when SUBSCRIBED does not say. */
const DEFAULT_HEARTBEAT_MS = 15_000;
/**
 * The subscription's default reconnect backoff: 0.5 s, 1 s, 2 s, ... up to 30 s, with "equal"
 * jitter (half fixed, half random) so frameworks cut off by a master failover do not come back in
 * lockstep.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, jitter: 'equal' };
/** Retries of a call answered 503 (the master is electing or recovering). */
const CALL_RETRY_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 2000, jitter: 'equal' };
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class SchedulerClient {
  readonly #masters: URL[];
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #autoAck: boolean;
  readonly #backoff: BackoffPolicy;
  readonly #missedHeartbeats: number;
  readonly #maxRedirects: number;
  readonly #callRetries: number;
  readonly #headers: Record<string, string>;
  readonly #random: () => number;
  readonly #reconnect: boolean;
  readonly #requestTimeoutMs: number | undefined;

  #state: ClientState = 'idle';
  #frameworkInfo: FrameworkInfo | undefined;
  #subscribeOptions: SubscribeOptions = {};
  #frameworkId: string | undefined;
  #streamId: string | undefined;
  #leader: URL | undefined;
  #masterIndex = 0;
  #heartbeatMs = DEFAULT_HEARTBEAT_MS;
  /** Bumped for every connection attempt; stale callbacks of older connections do nothing. */
  #generation = 0;
  #abort: AbortController | undefined;
  #attempt = 0;
  #watchdog: TimerHandle | undefined;
  #reconnectTimer: TimerHandle | undefined;
  #closeError: AgoraError | undefined;
  /** Keep-alive sockets for the calls; SUBSCRIBE has a connection of its own (fetch). */
  readonly #calls = new CallTransport();
  #firstSubscribed: { resolve: (s: SubscribedEvent) => void; reject: (e: unknown) => void } | undefined;

  readonly #listeners = new Map<SchedulerEventType | '*', Set<Listener>>();
  readonly #disconnectListeners = new Set<(reason: string) => void>();
  readonly #queues = new Set<EventQueue<ValidSchedulerEvent>>();

  constructor(options: SchedulerClientOptions) {
    const masters = typeof options.master === 'string' || options.master instanceof URL ? [options.master] : [...options.master];
    if (masters.length === 0) throw new RangeError('at least one master is needed');
    this.#masters = masters.map(schedulerUrl);
    this.#clock = options.clock ?? new SystemClock();
    this.#log = (options.logger ?? silentLogger()).child({ component: 'scheduler-client' });
    this.#autoAck = options.autoAcknowledge ?? true;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#missedHeartbeats = options.missedHeartbeats ?? 5;
    this.#maxRedirects = options.maxRedirects ?? 5;
    this.#callRetries = options.callRetries ?? 3;
    this.#headers = { ...options.headers };
    this.#random = options.random ?? Math.random;
    this.#reconnect = options.reconnect ?? true;
    if (options.requestTimeoutMs !== undefined && !(options.requestTimeoutMs > 0)) throw new RangeError('requestTimeoutMs must be positive');
    this.#requestTimeoutMs = options.requestTimeoutMs;
  }

  get state(): ClientState {
    return this.#state;
  }

  /** The framework id the master assigned (or that was given), once subscribed. */
  get frameworkId(): string | undefined {
    return this.#frameworkId;
  }

  get streamId(): string | undefined {
    return this.#streamId;
  }

  /** The scheduler endpoint of the leading master, once a redirect told us. */
  get leader(): URL | undefined {
    return this.#leader;
  }

  // -------------------------------------------------------------------------------------------
  // Events.

  /**
   * Calls `handler` for every event of `type` ('*' for all, HEARTBEAT included). Returns a
   * function that removes it. Exceptions thrown by handlers are logged, never propagated.
   */
  on<T extends SchedulerEventType>(type: T, handler: (event: SchedulerEventOf<T>) => void): () => void;
  on(type: '*', handler: (event: ValidSchedulerEvent) => void): () => void;
  on(type: SchedulerEventType | '*', handler: (event: never) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    const listener = handler as Listener;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Called with the reason whenever the subscription is lost (the client then reconnects). */
  onDisconnected(handler: (reason: string) => void): () => void {
    this.#disconnectListeners.add(handler);
    return () => this.#disconnectListeners.delete(handler);
  }

  /**
   * Every event from now on, HEARTBEAT included, for `for await`. The iteration ends when the
   * client closes, and throws the error that closed it (a SubscriptionError after an ERROR event).
   */
  events(): AsyncIterableIterator<ValidSchedulerEvent> {
    const queue: EventQueue<ValidSchedulerEvent> = new EventQueue(() => this.#queues.delete(queue));
    if (this.#state === 'closed') queue.end(this.#closeError);
    else this.#queues.add(queue);
    return queue;
  }

  // -------------------------------------------------------------------------------------------
  // Subscription.

  /**
   * Subscribes the framework (with `frameworkInfo.id` set, re-subscribes it after a failover)
   * and keeps it subscribed until close(). Resolves with the SUBSCRIBED payload; rejects if the
   * master refuses the subscription (SchedulerCallError, SubscriptionError).
   */
  subscribe(frameworkInfo: FrameworkInfo, options: SubscribeOptions = {}): Promise<SubscribedEvent> {
    if (this.#state !== 'idle') return Promise.reject(new RangeError(`subscribe() called in state '${this.#state}'`));
    this.#frameworkInfo = frameworkInfo;
    this.#frameworkId = frameworkInfo.id?.value;
    this.#subscribeOptions = options;
    this.#state = 'connecting';
    const subscribed = new Promise<SubscribedEvent>((resolve, reject) => (this.#firstSubscribed = { resolve, reject }));
    void this.#connect();
    return subscribed;
  }

  async #connect(): Promise<void> {
    const generation = ++this.#generation;
    const controller = new AbortController();
    this.#abort = controller;
    const info = this.#frameworkId !== undefined ? { ...this.#frameworkInfo!, id: { value: this.#frameworkId } } : this.#frameworkInfo!;
    const body = JSON.stringify(encodeSchedulerCall(subscribeCall(info, this.#subscribeOptions)));
    let response: Response;
    try {
      response = await this.#postSubscribe(body, controller.signal);
    } catch (err) {
      if (generation !== this.#generation) return;
      // The master we tried is unreachable: next time ask another one for the leader.
      this.#forgetLeader();
      this.#retry(err instanceof AgoraError ? err : new SchedulerUnreachableError(this.#currentUrl().href, describeNetworkFailure(err), err));
      return;
    }
    if (generation !== this.#generation) {
      await response.body?.cancel().catch(() => {});
      return;
    }
    if (response.status !== 200) {
      const text = await response.text().catch(() => '');
      const error = errorForResponse(response.status, text, { call: 'SUBSCRIBE' });
      if (response.status >= 500) this.#retry(error);
      else this.#close(error);
      return;
    }
    const streamId = response.headers.get('Mesos-Stream-Id');
    if (!streamId || !response.body) {
      // A refused SUBSCRIBE can be a 200 whose stream holds only an ERROR event (reference §2.1,
      // form b); Mesos sends a stream id with it, Agora's master does not. Either way the ERROR
      // says why, and ends the subscription for good.
      this.#armWatchdog(generation);
      const refusal = response.body ? await firstErrorMessage(response.body) : undefined;
      if (generation !== this.#generation) return;
      if (refusal !== undefined) {
        this.#close(new SubscriptionError(refusal));
        return;
      }
      this.#retry(new SchedulerHttpError(response.status, 'the master answered SUBSCRIBE without a Mesos-Stream-Id', { call: 'SUBSCRIBE' }));
      return;
    }
    this.#streamId = streamId;
    this.#armWatchdog(generation);
    await this.#readStream(response.body, generation);
  }

  async #readStream(body: ReadableStream<Uint8Array>, generation: number): Promise<void> {
    const decoder = new RecordIODecoder();
    let reason = 'the master closed the event stream';
    try {
      for await (const chunk of body) {
        if (generation !== this.#generation) return;
        this.#armWatchdog(generation);
        for (const record of decoder.push(chunk)) {
          if (generation !== this.#generation) return;
          this.#onRecord(record);
        }
      }
      decoder.end();
    } catch (err) {
      reason = `event stream failed: ${(err as Error).message}`;
    }
    if (generation === this.#generation && this.#state !== 'closed') this.#dropConnection(reason);
  }

  #onRecord(record: Uint8Array): void {
    let json: unknown;
    try {
      json = JSON.parse(utf8.decode(record));
    } catch (err) {
      this.#log.error({ error: (err as Error).message }, 'event is not JSON; skipped');
      return;
    }
    const decoded = decodeSchedulerEvent(json);
    if (!decoded.ok) {
      this.#log.error({ errors: decoded.errors }, 'invalid event from the master; skipped');
      return;
    }
    const event = decoded.value;
    if (event.type === 'SUBSCRIBED') this.#onSubscribed(event);
    this.#emit(event);
    if (event.type === 'UPDATE') this.#maybeAcknowledge(event.update.status);
    if (event.type === 'ERROR') {
      // Mesos expects the scheduler to abort: "Framework failed over", "Framework has been removed"...
      this.#close(new SubscriptionError(event.error.message));
    }
  }

  #onSubscribed(event: SchedulerEventOf<'SUBSCRIBED'>): void {
    const subscribed = event.subscribed;
    this.#frameworkId = subscribed.framework_id.value;
    this.#heartbeatMs = (subscribed.heartbeat_interval_seconds ?? DEFAULT_HEARTBEAT_MS / 1000) * 1000;
    this.#state = 'subscribed';
    this.#attempt = 0;
    this.#armWatchdog(this.#generation);
    this.#log.info({ framework_id: this.#frameworkId, stream_id: this.#streamId }, 'framework subscribed');
    this.#firstSubscribed?.resolve(subscribed);
    this.#firstSubscribed = undefined;
  }

  #maybeAcknowledge(status: TaskStatus): void {
    // Only updates with a uuid need an ACK; the master's own (reconciliation) have none.
    if (!this.#autoAck || status.uuid === undefined || status.agent_id === undefined) return;
    this.acknowledge(status.agent_id, status.task_id, status.uuid).catch((err: unknown) => {
      this.#log.warn({ task_id: status.task_id.value, error: (err as Error).message }, 'automatic acknowledgement failed');
    });
  }

  #emit(event: ValidSchedulerEvent): void {
    for (const queue of this.#queues) queue.push(event);
    for (const key of [event.type, '*'] as const) {
      for (const listener of this.#listeners.get(key) ?? []) {
        try {
          listener(event);
        } catch (err) {
          this.#log.error({ type: event.type, error: (err as Error).message }, 'event handler threw');
        }
      }
    }
  }

  /** Re-arms the missed-heartbeat detector: any bytes from the master count as life. */
  #armWatchdog(generation: number): void {
    if (this.#watchdog) this.#clock.clearTimeout(this.#watchdog);
    const limitMs = this.#missedHeartbeats * this.#heartbeatMs;
    this.#watchdog = this.#clock.setTimeout(() => {
      this.#watchdog = undefined;
      if (generation === this.#generation && this.#state !== 'closed') this.#dropConnection(`no event for ${limitMs} ms (${this.#missedHeartbeats} missed heartbeats)`);
    }, limitMs);
  }

  /** The stream is gone: stop reading it, tell listeners, and re-subscribe after a backoff. */
  #dropConnection(reason: string): void {
    this.#generation++;
    this.#abort?.abort();
    this.#abort = undefined;
    this.#streamId = undefined;
    if (this.#watchdog) this.#clock.clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    this.#log.warn({ reason }, 'disconnected from the master');
    for (const listener of this.#disconnectListeners) {
      try {
        listener(reason);
      } catch (err) {
        this.#log.error({ error: (err as Error).message }, 'disconnect handler threw');
      }
    }
    this.#retry(new SubscriptionLostError(this.#currentUrl().href, reason));
  }

  /** Subscribes again after a backoff, or with `reconnect: false` stops with `error`. */
  #retry(error: AgoraError): void {
    if (this.#state === 'closed') return;
    // No stream to watch until the next attempt has one.
    if (this.#watchdog) this.#clock.clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    if (!this.#reconnect) {
      this.#close(error);
      return;
    }
    if (this.#state === 'subscribed') this.#state = 'reconnecting';
    const delay = backoffDelay(this.#attempt++, this.#backoff, this.#random());
    this.#log.info({ reason: error.message, delay_ms: Math.round(delay), attempt: this.#attempt }, 'subscribing again after a delay');
    this.#reconnectTimer = this.#clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#state !== 'closed') void this.#connect();
    }, delay);
  }

  #forgetLeader(): void {
    if (this.#leader !== undefined) this.#leader = undefined;
    else this.#masterIndex = (this.#masterIndex + 1) % this.#masters.length;
  }

  // -------------------------------------------------------------------------------------------
  // Transport.

  /** Where the next request goes: the leader once known, else the current configured master. */
  #currentUrl(): URL {
    return this.#leader ?? this.#masters[this.#masterIndex]!;
  }

  /**
   * Sends a request to the leader (or a configured master) through `transport`, following
   * 307/308s to the leader and remembering it.
   */
  #toLeader<A extends { status: number }>(transport: RedirectTransport<A>): Promise<A> {
    return followRedirects(this.#currentUrl(), transport, this.#maxRedirects, (next) => {
      this.#log.info({ leader: next.href }, 'following the redirect to the leading master');
      this.#leader = next;
    });
  }

  /**
   * POSTs SUBSCRIBE to the leader over fetch; the response body is the event stream. A request
   * that cannot be sent, or gets no answer within `requestTimeoutMs`, throws
   * SchedulerUnreachableError; one cancelled through `signal` throws the abort error.
   */
  #postSubscribe(body: string, signal: AbortSignal): Promise<Response> {
    const options = { headers: this.#headers, signal, timeoutMs: this.#requestTimeoutMs, clock: this.#clock };
    return this.#toLeader({
      request: (url) => postJson(url, body, options),
      locationOf: (response) => response.headers.get('Location'),
      discard: (response) => response.arrayBuffer().then(() => undefined, () => undefined),
    });
  }

  async #send(call: SchedulerCall): Promise<void> {
    if (this.#state === 'closed') throw new ClientClosedError();
    const streamId = this.#streamId;
    if (streamId === undefined || this.#state !== 'subscribed') throw new NotSubscribedError(`cannot send ${call.type}: the framework is not subscribed`);
    const body = JSON.stringify(encodeSchedulerCall(call));
    const options = { headers: { ...this.#headers, 'Mesos-Stream-Id': streamId }, timeoutMs: this.#requestTimeoutMs, clock: this.#clock };
    const post = (url: URL): Promise<CallAnswer> => {
      // close() destroyed the sockets: a redirect or retry after it must not open new ones.
      if (this.#isClosed()) throw new ClientClosedError();
      return this.#calls.post(url, body, options);
    };
    for (let attempt = 0; ; attempt++) {
      let answer: CallAnswer;
      try {
        // The body of a redirect is already read in full: nothing to discard.
        answer = await this.#toLeader({ request: post, locationOf: (a) => a.location, discard: async () => {} });
      } catch (err) {
        // A call cut off by close() reports the close, not the broken socket.
        if (this.#isClosed() && !(err instanceof ClientClosedError)) throw new ClientClosedError();
        throw err;
      }
      if (answer.status === 202 || answer.status === 200) return;
      if (answer.status === 503 && attempt < this.#callRetries) {
        await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, backoffDelay(attempt, CALL_RETRY_BACKOFF, this.#random())));
        continue;
      }
      throw errorForResponse(answer.status, answer.body, { call: call.type });
    }
  }

  /** A method, not `this.#state === 'closed'`: the state changes while a call awaits. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #requireFrameworkId(): string {
    if (this.#frameworkId === undefined) throw new NotSubscribedError();
    return this.#frameworkId;
  }

  // -------------------------------------------------------------------------------------------
  // Calls (reference §2.3). Each resolves when the master accepted it (202; 200 for
  // UPDATE_FRAMEWORK) and rejects with a typed error otherwise.

  accept(offerIds: readonly IdLike[], operations: readonly OfferOperation[], filters?: FilterOptions): Promise<void> {
    return this.#send(buildCall.accept(this.#requireFrameworkId(), offerIds, operations, filters));
  }

  /** ACCEPT with a single LAUNCH of `tasks`. */
  launch(offerIds: readonly IdLike[], tasks: readonly TaskInfo[], filters?: FilterOptions): Promise<void> {
    return this.#send(buildCall.launch(this.#requireFrameworkId(), offerIds, tasks, filters));
  }

  decline(offerIds: readonly IdLike[], filters?: FilterOptions): Promise<void> {
    return this.#send(buildCall.decline(this.#requireFrameworkId(), offerIds, filters));
  }

  acceptInverseOffers(inverseOfferIds: readonly IdLike[], filters?: FilterOptions): Promise<void> {
    return this.#send(buildCall.acceptInverseOffers(this.#requireFrameworkId(), inverseOfferIds, filters));
  }

  declineInverseOffers(inverseOfferIds: readonly IdLike[], filters?: FilterOptions): Promise<void> {
    return this.#send(buildCall.declineInverseOffers(this.#requireFrameworkId(), inverseOfferIds, filters));
  }

  revive(roles?: readonly string[]): Promise<void> {
    return this.#send(buildCall.revive(this.#requireFrameworkId(), roles));
  }

  suppress(roles?: readonly string[]): Promise<void> {
    return this.#send(buildCall.suppress(this.#requireFrameworkId(), roles));
  }

  kill(taskId: IdLike, agentId?: IdLike, killPolicy?: KillPolicy): Promise<void> {
    return this.#send(buildCall.kill(this.#requireFrameworkId(), taskId, agentId, killPolicy));
  }

  shutdown(executorId: IdLike, agentId: IdLike): Promise<void> {
    return this.#send(buildCall.shutdown(this.#requireFrameworkId(), executorId, agentId));
  }

  acknowledge(agentId: IdLike, taskId: IdLike, uuid: string): Promise<void> {
    return this.#send(buildCall.acknowledge(this.#requireFrameworkId(), agentId, taskId, uuid));
  }

  acknowledgeOperationStatus(a: { operationId: IdLike; uuid: string; agentId?: IdLike; resourceProviderId?: IdLike }): Promise<void> {
    return this.#send(buildCall.acknowledgeOperationStatus(this.#requireFrameworkId(), a));
  }

  /** RECONCILE; no tasks asks for the latest state of every task (implicit reconciliation). */
  reconcile(tasks: readonly { taskId: IdLike; agentId?: IdLike }[] = []): Promise<void> {
    return this.#send(buildCall.reconcile(this.#requireFrameworkId(), tasks));
  }

  reconcileOperations(operations: readonly { operationId: IdLike; agentId?: IdLike; resourceProviderId?: IdLike }[] = []): Promise<void> {
    return this.#send(buildCall.reconcileOperations(this.#requireFrameworkId(), operations));
  }

  message(agentId: IdLike, executorId: IdLike, data: Uint8Array | string): Promise<void> {
    return this.#send(buildCall.message(this.#requireFrameworkId(), agentId, executorId, data));
  }

  request(requests: readonly ResourceRequest[]): Promise<void> {
    return this.#send(buildCall.request(this.#requireFrameworkId(), requests));
  }

  /** UPDATE_FRAMEWORK; later re-subscriptions use the new FrameworkInfo. */
  async updateFramework(frameworkInfo: FrameworkInfo, options: SubscribeOptions = {}): Promise<void> {
    await this.#send(buildCall.updateFramework(this.#requireFrameworkId(), frameworkInfo, options));
    this.#frameworkInfo = { ...frameworkInfo, id: { value: this.#requireFrameworkId() } };
    this.#subscribeOptions = options;
  }

  /** TEARDOWN: the master removes the framework, killing its tasks. Then the client closes. */
  async teardown(): Promise<void> {
    try {
      await this.#send(buildCall.teardown(this.#requireFrameworkId()));
    } finally {
      this.close();
    }
  }

  /** Stops the client: closes the stream, cancels timers, ends event iterators. */
  close(): void {
    this.#close(undefined);
  }

  #close(error: AgoraError | undefined): void {
    if (this.#state === 'closed') return;
    if (error) this.#log.error({ code: error.code, error: error.message }, 'scheduler client stopped');
    this.#state = 'closed';
    this.#closeError = error;
    this.#generation++;
    this.#abort?.abort();
    this.#abort = undefined;
    this.#streamId = undefined;
    for (const timer of [this.#watchdog, this.#reconnectTimer]) if (timer) this.#clock.clearTimeout(timer);
    this.#watchdog = this.#reconnectTimer = undefined;
    for (const queue of this.#queues) queue.end(error);
    this.#queues.clear();
    this.#firstSubscribed?.reject(error ?? new ClientClosedError());
    this.#firstSubscribed = undefined;
    // Closed by the user: calls in flight are cut off. Ended by the master (ERROR, the stream
    // refused): calls already sent keep their answer — the TEARDOWN that ended it among them.
    if (error === undefined) this.#calls.destroy();
    else this.#calls.destroyWhenIdle();
  }
}
