// The h2c wire form of the simulator's transport (transport.ts): every agent's event stream and
// call is an HTTP/2 stream, spread round robin over a few connections per master. 40,000 agents
// then need a handful of descriptors instead of 40,000 in each process (the container this was
// built in cannot raise its limit of 20,000), at the price of measuring a master that parses
// HTTP/2 frames rather than accepting one socket per agent.
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { BodySource, OpenedStream, ShortResponse, StreamResponse, Transport } from './transport.ts';
import { headerValue, pumpBody } from './wire.ts';

/** Large windows: thousands of SUBSCRIBE bodies and event streams share each connection. */
const SESSION_OPTIONS = { settings: { initialWindowSize: 1024 * 1024, enablePush: false }, maxSessionMemory: 1024 } as const;
const SESSION_WINDOW = 32 * 1024 * 1024;

export class H2cTransport implements Transport {
  readonly protocol = 'h2c';
  readonly #size: number;
  /** Open connections per origin; one that closes is dropped and replaced on the next request. */
  readonly #pools = new Map<string, ClientHttp2Session[]>();
  #next = 0;

  constructor(sessions: number) {
    this.#size = Math.max(1, sessions);
  }

  post(url: URL, body: string, headers: Record<string, string> = {}): Promise<ShortResponse> {
    return new Promise((resolve, reject) => {
      const stream = this.#request(url, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...lowerCased(headers) });
      let status = 0;
      const parts: Buffer[] = [];
      stream.on('response', (head) => (status = Number(head[':status'])));
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => resolve({ status, body: Buffer.concat(parts).toString('utf8') }));
      stream.on('error', reject);
      stream.end(body);
    });
  }

  openStream(url: URL, body: BodySource): OpenedStream {
    const stream = this.#request(url, { 'content-type': 'application/json', accept: 'application/json', 'content-length': body.byteLength });
    const response = new Promise<StreamResponse>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('response', (head) => resolve({ status: Number(head[':status']), header: (name) => headerValue(head[name.toLowerCase()]), body: stream }));
    });
    pumpBody(stream, body);
    return { response, abort: () => stream.close(constants.NGHTTP2_CANCEL) };
  }

  destroy(): void {
    for (const pool of this.#pools.values()) for (const session of pool) session.destroy();
    this.#pools.clear();
  }

  #request(url: URL, headers: Record<string, string | number>): ClientHttp2Stream {
    return this.#session(url.origin).request({ ':method': 'POST', ':path': url.pathname + url.search, ...headers }, { endStream: false });
  }

  #session(origin: string): ClientHttp2Session {
    let pool = this.#pools.get(origin);
    if (pool === undefined) this.#pools.set(origin, (pool = []));
    if (pool.length < this.#size) {
      const session = connect(origin, SESSION_OPTIONS);
      session.on('connect', () => session.setLocalWindowSize(SESSION_WINDOW));
      // Its streams fail with the error; the session itself must not take the process down.
      session.on('error', () => undefined);
      session.once('close', () => {
        const i = pool.indexOf(session);
        if (i >= 0) pool.splice(i, 1);
      });
      pool.push(session);
      return session;
    }
    return pool[this.#next++ % pool.length]!;
  }
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
