// A typed client for the master's operator API (`POST /api/v1`, reference §5) and the legacy
// `/master/state` endpoint. Every call has a timeout, follows the 307 to the leading master and
// fails with the typed errors of errors.ts.
import {
  decodeMasterEvent,
  decodeMasterResponse,
  encodeMasterCall,
  formatDecodeErrors,
  readJsonRecords,
  type GetAgentsResponse,
  type GetFrameworksResponse,
  type GetMetricsResponse,
  type GetVersionResponse,
  type MasterCall,
  type MasterGetStateResponse,
  type MasterGetTasksResponse,
  type ValidMasterEvent,
  type ValidMasterResponse,
} from '../protocol/index.ts';
import { parseMasterAddress } from './address.ts';
import { MasterUnreachableError, ProtocolError } from './errors.ts';
import { Endpoint, type EndpointOptions } from './http.ts';
import type { LegacyMasterState } from './legacy-types.ts';

export type MasterClientOptions = Omit<EndpointOptions, 'kind'>;

/** The response member for call type T, with its payload present. */
type ResponseOf<T extends ValidMasterResponse['type']> = Extract<ValidMasterResponse, { type: T }>;

export class MasterClient {
  readonly #endpoint: Endpoint;

  /** `address` is `host:port` or a URL (see parseMasterAddress). */
  constructor(address: string, options: MasterClientOptions = {}) {
    this.#endpoint = new Endpoint(parseMasterAddress(address), { ...options, kind: 'master' });
  }

  /** The master's base URL; after a redirect, the leading master's. */
  get baseUrl(): string {
    return this.#endpoint.baseUrl;
  }

  async getState(): Promise<MasterGetStateResponse> {
    return (await this.#call('GET_STATE')).get_state;
  }

  async getAgents(): Promise<GetAgentsResponse> {
    return (await this.#call('GET_AGENTS')).get_agents;
  }

  async getFrameworks(): Promise<GetFrameworksResponse> {
    return (await this.#call('GET_FRAMEWORKS')).get_frameworks;
  }

  async getTasks(): Promise<MasterGetTasksResponse> {
    return (await this.#call('GET_TASKS')).get_tasks;
  }

  async getHealth(): Promise<boolean> {
    return (await this.#call('GET_HEALTH')).get_health.healthy;
  }

  async getVersion(): Promise<GetVersionResponse['version_info']> {
    return (await this.#call('GET_VERSION')).get_version.version_info;
  }

  /** Metrics as a name -> value map. */
  async getMetrics(): Promise<Map<string, number>> {
    const metrics: GetMetricsResponse = (await this.#call('GET_METRICS')).get_metrics;
    return new Map((metrics.metrics ?? []).map((m) => [m.name, m.value ?? 0]));
  }

  /**
   * Tears a framework down (operator TEARDOWN): the master removes it and kills all its tasks.
   * Answers 200 with no body.
   */
  async teardown(frameworkId: string): Promise<void> {
    await this.#endpoint.send({ path: '/api/v1', json: encodeMasterCall({ type: 'TEARDOWN', teardown: { framework_id: { value: frameworkId } } }) });
  }

  /**
   * Marks an agent gone for good (operator MARK_AGENT_GONE): its tasks become
   * TASK_GONE_BY_OPERATOR and the master refuses the agent from then on. Idempotent; 200 with
   * no body. An id the master does not know is a 404 (HttpError).
   */
  async markAgentGone(agentId: string): Promise<void> {
    await this.#endpoint.send({ path: '/api/v1', json: encodeMasterCall({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } }) });
  }

  /** The legacy `/master/state` JSON (its own hand-written shape, reference §6.2). */
  async legacyState(): Promise<LegacyMasterState> {
    return this.#endpoint.json<LegacyMasterState>({ path: '/master/state' });
  }

  /**
   * Subscribes to the master's event stream (operator SUBSCRIBE). The first event is SUBSCRIBED
   * with a full state snapshot; HEARTBEATs follow. Iterate the result; `close()` (or `break`)
   * ends the subscription. If the master falls silent for `idleTimeoutMs` (default: five
   * heartbeat intervals) the iterator throws MasterUnreachableError.
   */
  subscribe(options: { idleTimeoutMs?: number; signal?: AbortSignal } = {}): MasterEventStream {
    return new MasterEventStream(this.#endpoint, options);
  }

  async #call<T extends ValidMasterResponse['type']>(type: T & MasterCall['type']): Promise<ResponseOf<T>> {
    const reply = await this.#endpoint.send({ path: '/api/v1', json: encodeMasterCall({ type }) });
    let body: unknown;
    try {
      body = JSON.parse(reply.text);
    } catch {
      throw new ProtocolError(`the master answered ${type} with a body that is not JSON`, reply.url);
    }
    const decoded = decodeMasterResponse(body);
    if (!decoded.ok) throw new ProtocolError(`the master's ${type} response does not decode: ${formatDecodeErrors(decoded.errors)}`, reply.url);
    if (decoded.value.type !== type) throw new ProtocolError(`the master answered ${type} with a ${decoded.value.type} response`, reply.url);
    return decoded.value as ResponseOf<T>;
  }
}

/** Five missed heartbeats and the master is presumed gone, as Mesos clients do. */
const MISSED_HEARTBEATS = 5;
const DEFAULT_HEARTBEAT_SECONDS = 15;

/** The operator event stream: an async iterator of decoded master events. */
export class MasterEventStream implements AsyncIterable<ValidMasterEvent> {
  readonly #endpoint: Endpoint;
  readonly #abort = new AbortController();
  readonly #idleTimeoutMs: number | undefined;
  readonly #signal: AbortSignal;

  constructor(endpoint: Endpoint, options: { idleTimeoutMs?: number; signal?: AbortSignal }) {
    this.#endpoint = endpoint;
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#signal = options.signal ? AbortSignal.any([options.signal, this.#abort.signal]) : this.#abort.signal;
  }

  /** Ends the subscription; a pending iteration finishes. */
  close(): void {
    this.#abort.abort();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ValidMasterEvent> {
    const { response, url } = await this.#endpoint.stream({
      path: '/api/v1',
      json: encodeMasterCall({ type: 'SUBSCRIBE' }),
      signal: this.#signal,
    });
    if (!response.body) throw new ProtocolError('the master answered SUBSCRIBE without a body', url);
    let idleMs = this.#idleTimeoutMs ?? DEFAULT_HEARTBEAT_SECONDS * 1000 * MISSED_HEARTBEATS;
    const watchdog = new IdleWatchdog(idleMs, () => this.#abort.abort(new IdleTimeout()));
    try {
      for await (const record of readJsonRecords(response.body)) {
        watchdog.reset();
        const decoded = decodeMasterEvent(record);
        if (!decoded.ok) throw new ProtocolError(`the master sent an event that does not decode: ${formatDecodeErrors(decoded.errors)}`, url);
        const event = decoded.value;
        if (event.type === 'SUBSCRIBED' && this.#idleTimeoutMs === undefined) {
          idleMs = (event.subscribed.heartbeat_interval_seconds ?? DEFAULT_HEARTBEAT_SECONDS) * 1000 * MISSED_HEARTBEATS;
          watchdog.setInterval(idleMs);
        }
        yield event;
      }
    } catch (err) {
      if (this.#abort.signal.reason instanceof IdleTimeout) {
        throw new MasterUnreachableError(url, `no event or heartbeat for ${Math.round(idleMs / 1000)}s`, err);
      }
      // close() or the caller's signal: a normal end of the stream.
      if (this.#signal.aborted) return;
      throw err;
    } finally {
      watchdog.stop();
      this.#abort.abort();
    }
  }
}

class IdleTimeout extends Error {
  constructor() {
    super('event stream idle');
  }
}

/** Fires `onIdle` when reset() has not been called for `ms`. */
class IdleWatchdog {
  #ms: number;
  #timer: NodeJS.Timeout;
  readonly #onIdle: () => void;

  constructor(ms: number, onIdle: () => void) {
    this.#ms = ms;
    this.#onIdle = onIdle;
    this.#timer = this.#start();
  }

  reset(): void {
    clearTimeout(this.#timer);
    this.#timer = this.#start();
  }

  setInterval(ms: number): void {
    this.#ms = ms;
    this.reset();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #start(): NodeJS.Timeout {
    const t = setTimeout(this.#onIdle, this.#ms);
    t.unref();
    return t;
  }
}
