// HTTP transport to the agent's executor API (`POST /api/v1/executor`, reference §4.1):
// SUBSCRIBE opens a long-lived response carrying a RecordIO stream of events; every other call
// is a separate POST answered 202. There is no Mesos-Stream-Id on this API.
import { connect } from 'node:net';
import type { Agent as HttpAgent, ClientRequest, IncomingMessage } from 'node:http';
import { RecordIODecoder } from '../../protocol/recordio.ts';

// `import ... from 'node:http'` builds the module's whole ES namespace, which loads HTTP/2 and
// undici through lazy getters: ~20 ms of every executor's start. getBuiltinModule does not.
const { Agent, request } = process.getBuiltinModule('node:http');

/** The agent answered a call with something other than success. */
export class AgentCallError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(status: number, body: string) {
    super(`agent answered ${status}${body ? `: ${body}` : ''}`);
    this.name = 'AgentCallError';
    this.status = status;
    this.body = body;
  }

  /** A 4xx other than 408/429 will not get better by retrying the same call. */
  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

export type StreamHandlers = {
  onEvent(event: unknown): void;
  /** Called once when the stream ends for any reason after it opened. */
  onClose(reason: string): void;
};

export type EventStream = { close(): void };

/** One record of an executor stream is an event; 16 MB is far above any TaskInfo. */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;
/** A POST that has not been answered by then is treated as failed and retried. */
const CALL_TIMEOUT_MS = 30_000;
/** TCP keep-alive probes on the stream find an agent host that vanished without a FIN. */
const KEEPALIVE_DELAY_MS = 10_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    res.on('data', (c: Buffer) => parts.push(c));
    res.on('end', () => resolve(Buffer.concat(parts).toString('utf8').trim().slice(0, 2000)));
    res.on('error', () => resolve(Buffer.concat(parts).toString('utf8').trim().slice(0, 2000)));
  });
}

export class AgentClient {
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  // Calls share kept-alive connections; the stream gets its own socket (agent: false).
  readonly #callAgent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(url: URL, authToken?: string) {
    this.#url = url;
    this.#headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (authToken !== undefined) this.#headers.Authorization = `Bearer ${authToken}`;
  }

  #request(body: string, agent: HttpAgent | false): ClientRequest {
    return request(this.#url, {
      method: 'POST',
      agent,
      headers: { ...this.#headers, 'Content-Length': String(Buffer.byteLength(body)) },
    });
  }

  /**
   * Sends SUBSCRIBE. Resolves once the agent answered 200 and the stream is open; rejects with
   * an AgentCallError for any other status, or the socket error if the agent cannot be reached.
   */
  subscribe(call: unknown, handlers: StreamHandlers): Promise<EventStream> {
    const body = JSON.stringify(call);
    return new Promise((resolve, reject) => {
      const req = this.#request(body, false);
      let opened = false;
      let closed = false;
      const close = (reason: string): void => {
        if (closed) return;
        closed = true;
        req.destroy();
        if (opened) handlers.onClose(reason);
      };
      req.on('socket', (socket) => socket.setKeepAlive(true, KEEPALIVE_DELAY_MS));
      req.on('error', (err) => {
        if (!opened) reject(err);
        close(err.message);
      });
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          void readBody(res).then((text) => reject(new AgentCallError(res.statusCode ?? 0, text)));
          return;
        }
        opened = true;
        resolve({ close: () => close('closed by the executor') });
        const decoder = new RecordIODecoder({ maxRecordBytes: MAX_EVENT_BYTES });
        res.on('data', (chunk: Buffer) => {
          if (closed) return;
          let records: Uint8Array[];
          try {
            records = decoder.push(chunk);
          } catch (err) {
            close(`invalid RecordIO stream: ${(err as Error).message}`);
            return;
          }
          for (const record of records) {
            if (closed) return;
            let event: unknown;
            try {
              event = JSON.parse(utf8.decode(record));
            } catch (err) {
              close(`invalid event JSON: ${(err as Error).message}`);
              return;
            }
            handlers.onEvent(event);
          }
        });
        res.on('end', () => close('the agent closed the event stream'));
        res.on('error', (err) => close(err.message));
        res.on('close', () => close('the event stream connection closed'));
      });
      req.end(body);
    });
  }

  /** Sends a call other than SUBSCRIBE; resolves on 2xx. */
  post(call: unknown): Promise<void> {
    const body = JSON.stringify(call);
    return new Promise((resolve, reject) => {
      const req = this.#request(body, this.#callAgent);
      req.setTimeout(CALL_TIMEOUT_MS, () => req.destroy(new Error(`no answer from the agent within ${CALL_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.on('response', (res) => {
        void readBody(res).then((text) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new AgentCallError(status, text));
        });
      });
      req.end(body);
    });
  }

  /**
   * Whether the agent accepts TCP connections. While an agent restarts, its executors poll it
   * with this instead of SUBSCRIBE: a refused connect costs a tenth of a refused HTTP request,
   * and a hundred executors polling every 100 ms with requests took both cores of a small host
   * away from the agent that was starting (bench: recovery).
   */
  probe(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host: this.#url.hostname.replace(/^\[|\]$/g, ''), port: Number(this.#url.port || 80) });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }

  close(): void {
    this.#callAgent.destroy();
  }
}
