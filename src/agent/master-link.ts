// The agent's side of the agent <-> master protocol (docs/protocol/agent-master.md): keep one
// SUBSCRIBE stream open, hand every event to the agent, post calls with the stream id, and
// re-subscribe with backoff when the stream breaks or the master stops pinging.
//
//   idle ──connect──> subscribing ──SUBSCRIBED──> subscribed ──stream ends / no PING──┐
//     ^                    │ refused / failed                                          │
//     └──── wait backoff <─┴───────────────────────────────────────────────────────────┘
//
// Backoff as Mesos's registration: first delay random in [0, --registration_backoff_factor],
// the bound doubling per attempt up to 1 minute; reset once subscribed.
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import {
  AGENT_STREAM_ID_HEADER,
  AGENT_PROTOCOL_PATH,
  decodeMasterToAgentEvent,
  encodeAgentToMasterCall,
  type AgentSubscribe,
  type AgentSubscribed,
  type AgentToMasterCall,
  type ValidMasterToAgentEvent,
} from '../protocol/agora/agent-master.ts';
import { formatDecodeErrors, readJsonRecords } from '../protocol/index.ts';
import type { Clock, TimerHandle } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import { backoffDelay, type BackoffPolicy } from '../common/backoff.ts';

export const SUBSCRIBE_BACKOFF_MAX_MS = 60_000;
const CALL_TIMEOUT_MS = 10_000;
/** A refusal is one short event; anything larger is not one. */
const MAX_REFUSAL_BYTES = 64 * 1024;

export type MasterLinkOptions = {
  /** `http://host:port` of the master. */
  masterUrl: string;
  clock: Clock;
  logger: Logger;
  random: () => number;
  backoffFactorMs: number;
  /** Builds the SUBSCRIBE payload at each attempt (it reports what the agent runs now). */
  subscribe: () => AgentSubscribe;
  /** The master accepted us (first event of a stream). */
  onSubscribed: (subscribed: AgentSubscribed) => void;
  /** Every later event of the stream, in order. */
  onEvent: (event: ValidMasterToAgentEvent) => void;
  /** The stream is gone (or never came up); we will retry after a backoff. */
  onDisconnected: () => void;
  /**
   * The master refused this agent for good (403 with a SHUTDOWN record: marked gone, or an id it
   * will not take back). The link has stopped; it will not retry.
   */
  onShutdown: (message: string) => void;
};

export type LinkState = 'idle' | 'subscribing' | 'subscribed' | 'stopped';

export class MasterLink {
  readonly #o: MasterLinkOptions;
  readonly #log: Logger;
  #base: string;
  #state: LinkState = 'idle';
  #streamId: string | undefined;
  #agentId: string | undefined;
  #attempt = 0;
  #request: ClientRequest | undefined;
  #retryTimer: TimerHandle | undefined;
  #pingTimer: TimerHandle | undefined;
  #pingTimeoutMs = 0;

  constructor(options: MasterLinkOptions) {
    this.#o = options;
    this.#base = options.masterUrl;
    this.#log = options.logger.child({ component: 'master-link' });
  }

  get state(): LinkState {
    return this.#state;
  }

  get masterUrl(): string {
    return this.#base;
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#connect();
  }

  stop(): void {
    this.#state = 'stopped';
    this.#clearTimers();
    this.#request?.destroy();
    this.#request = undefined;
  }

  /**
   * Posts a call on its own connection. Resolves true on 202; false when not subscribed or the
   * master refused it (the caller's own retry logic, if any, takes over).
   */
  async send(call: Omit<AgentToMasterCall, 'agent_id'>): Promise<boolean> {
    if (this.#state !== 'subscribed' || this.#streamId === undefined || this.#agentId === undefined) return false;
    const body = JSON.stringify(encodeAgentToMasterCall({ ...call, agent_id: { value: this.#agentId } }));
    try {
      const res = await fetch(this.#base + AGENT_PROTOCOL_PATH, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [AGENT_STREAM_ID_HEADER]: this.#streamId },
        body,
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status === 202) return true;
      this.#log.warn({ type: call.type, status: res.status, body: text.slice(0, 500) }, 'master refused call');
      return false;
    } catch (err) {
      this.#log.warn({ type: call.type, err: (err as Error).message }, 'call to master failed');
      return false;
    }
  }

  #connect(): void {
    if (this.#state === 'stopped') return;
    this.#state = 'subscribing';
    const url = new URL(AGENT_PROTOCOL_PATH, this.#base);
    const body = JSON.stringify(encodeAgentToMasterCall({ type: 'SUBSCRIBE', subscribe: this.#o.subscribe() }));
    this.#log.info({ master: this.#base, attempt: this.#attempt }, 'subscribing to master');
    const req = request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body) },
    });
    this.#request = req;
    let ended = false;
    const end = (why: string, detail?: Record<string, unknown>): void => {
      if (ended || this.#request !== req) return;
      ended = true;
      this.#disconnected(why, detail);
    };
    req.on('error', (err) => end('connection failed', { err: err.message }));
    req.on('response', (res) => {
      void this.#onResponse(req, res).then(
        (why) => end(why),
        (err: unknown) => end('stream failed', { err: (err as Error).message }),
      );
    });
    req.end(body);
  }

  async #onResponse(req: ClientRequest, res: IncomingMessage): Promise<string> {
    if (res.statusCode === 307 && typeof res.headers.location === 'string') {
      res.resume();
      const location = res.headers.location.startsWith('//') ? `http:${res.headers.location}` : res.headers.location;
      this.#base = new URL(location).origin;
      this.#attempt = 0;
      return `redirected to ${this.#base}`;
    }
    if (res.statusCode === 403) return this.#onForbidden(req, res);
    if (res.statusCode !== 200) {
      let text = '';
      for await (const chunk of res) text += String(chunk);
      return `subscription refused with status ${res.statusCode}: ${text.slice(0, 500)}`;
    }
    const streamId = res.headers[AGENT_STREAM_ID_HEADER.toLowerCase()];
    let first = true;
    for await (const record of readJsonRecords(res)) {
      if (this.#request !== req) return 'stream replaced';
      const decoded = decodeMasterToAgentEvent(record);
      if (!decoded.ok) {
        this.#log.warn({ errors: formatDecodeErrors(decoded.errors) }, 'ignoring malformed event from master');
        continue;
      }
      const event = decoded.value;
      if (first) {
        first = false;
        if (event.type !== 'SUBSCRIBED') {
          return event.type === 'ERROR' ? `subscription refused: ${event.error.message}` : `expected SUBSCRIBED, got ${event.type}`;
        }
        this.#streamId = typeof streamId === 'string' ? streamId : undefined;
        this.#agentId = event.subscribed.agent_id.value;
        this.#state = 'subscribed';
        this.#attempt = 0;
        this.#pingTimeoutMs = event.subscribed.ping_interval_seconds * 1000 * Math.max(1, event.subscribed.max_ping_timeouts);
        this.#armPingTimer(req);
        this.#o.onSubscribed(event.subscribed);
        continue;
      }
      if (event.type === 'PING') this.#armPingTimer(req);
      this.#o.onEvent(event);
    }
    return 'stream ended';
  }

  /**
   * 403: the body is one RecordIO record saying why (docs/protocol/agent-master.md). SHUTDOWN
   * means retrying is pointless (the master will refuse this id forever): stop and tell the
   * agent. Anything else (an ERROR, a body we cannot read) is retried like any other refusal.
   */
  async #onForbidden(req: ClientRequest, res: IncomingMessage): Promise<string> {
    let refusal = 'no readable reason';
    try {
      for await (const record of readJsonRecords(res, { maxRecordBytes: MAX_REFUSAL_BYTES })) {
        const decoded = decodeMasterToAgentEvent(record);
        if (!decoded.ok) break;
        const event = decoded.value;
        if (event.type === 'SHUTDOWN' && this.#request === req) {
          this.#log.error({ message: event.shutdown.message }, 'master refused the agent for good');
          this.stop();
          this.#o.onShutdown(event.shutdown.message);
          return 'shut down by the master';
        }
        if (event.type === 'ERROR') refusal = event.error.message;
        break;
      }
    } catch (err) {
      refusal = `unreadable body: ${(err as Error).message}`;
    }
    return `subscription refused with status 403: ${refusal}`;
  }

  #armPingTimer(req: ClientRequest): void {
    if (this.#pingTimer) this.#o.clock.clearTimeout(this.#pingTimer);
    if (this.#pingTimeoutMs <= 0) return;
    this.#pingTimer = this.#o.clock.setTimeout(() => {
      this.#pingTimer = undefined;
      if (this.#request !== req) return;
      this.#log.warn({ timeout_ms: this.#pingTimeoutMs }, 'no ping from master; re-subscribing');
      req.destroy(new Error('no ping from master'));
    }, this.#pingTimeoutMs);
  }

  #disconnected(why: string, detail: Record<string, unknown> = {}): void {
    if (this.#state === 'stopped') return;
    const wasSubscribed = this.#state === 'subscribed';
    this.#request?.destroy();
    this.#request = undefined;
    this.#streamId = undefined;
    this.#clearTimers();
    this.#state = 'idle';
    const policy: BackoffPolicy = { initialMs: this.#o.backoffFactorMs, maxMs: SUBSCRIBE_BACKOFF_MAX_MS, jitter: 'full' };
    const delay = backoffDelay(this.#attempt++, policy, this.#o.random());
    this.#log.warn({ reason: why, ...detail, retry_in_ms: delay }, wasSubscribed ? 'master connection lost' : 'subscription failed');
    this.#o.onDisconnected();
    this.#retryTimer = this.#o.clock.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect();
    }, delay);
  }

  #clearTimers(): void {
    if (this.#retryTimer) this.#o.clock.clearTimeout(this.#retryTimer);
    if (this.#pingTimer) this.#o.clock.clearTimeout(this.#pingTimer);
    this.#retryTimer = undefined;
    this.#pingTimer = undefined;
  }
}
