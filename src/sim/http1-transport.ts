// The http1 wire form of the simulator's transport (transport.ts): one socket per event stream,
// as real agents connect, and a small pool of keep-alive sockets shared by every short call, as
// a real agent's calls would each reuse its own. node:http rather than fetch: no per-request
// stream machinery, and the two pools are explicit.
import { Agent, request } from 'node:http';
import { headerValue, pumpBody } from './wire.ts';
import type { BodySource, OpenedStream, ShortResponse, StreamResponse, Transport, TransportOptions } from './transport.ts';

export class Http1Transport implements Transport {
  readonly protocol = 'http1';
  readonly #streams = new Agent({ keepAlive: false, maxSockets: Infinity });
  readonly #calls: Agent;
  readonly #local: readonly string[];
  #next = 0;

  constructor(options: TransportOptions) {
    const sockets = options.callSockets ?? 32;
    this.#calls = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, scheduling: 'fifo' });
    this.#local = options.localAddresses ?? [];
  }

  post(url: URL, body: string, headers: Record<string, string> = {}): Promise<ShortResponse> {
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        agent: this.#calls,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      });
      req.end(body);
    });
  }

  openStream(url: URL, body: BodySource): OpenedStream {
    const localAddress = this.#local.length === 0 ? undefined : this.#local[this.#next++ % this.#local.length];
    const req = request(url, {
      method: 'POST',
      agent: this.#streams,
      ...(localAddress !== undefined && { localAddress }),
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': body.byteLength },
    });
    const response = new Promise<StreamResponse>((resolve, reject) => {
      req.on('error', reject);
      req.on('response', (res) => {
        resolve({ status: res.statusCode ?? 0, header: (name) => headerValue(res.headers[name.toLowerCase()]), body: res });
      });
    });
    // The body is made once the socket is connected, not while thousands wait to connect.
    req.once('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => pumpBody(req, body));
      else pumpBody(req, body);
    });
    return { response, abort: () => req.destroy() };
  }

  destroy(): void {
    this.#streams.destroy();
    this.#calls.destroy();
  }
}
