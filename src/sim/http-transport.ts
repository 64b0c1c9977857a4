// Loopback HTTP for thousands of simulated agents in one process. Every agent holds one
// long-lived SUBSCRIBE response (its event stream), which needs a socket of its own; the short
// calls (STATUS_UPDATE, PONG, ...) of all agents share a small pool of keep-alive sockets, as a
// real agent's calls would each reuse its own. node:http rather than fetch: no per-request
// stream machinery, and the two pools are explicit.
import { Agent, request, type IncomingMessage } from 'node:http';

export type Transport = {
  /** One socket per open event stream. */
  readonly streams: Agent;
  /** Keep-alive sockets shared by every short call. */
  readonly calls: Agent;
  /** The local address of the next event stream (undefined: the system picks). */
  nextLocalAddress(): string | undefined;
  destroy(): void;
};

export type TransportOptions = {
  callSockets?: number;
  /**
   * Local addresses the event streams are spread over, round robin. One address has ~28k
   * ephemeral ports (net.ipv4.ip_local_port_range), fewer than 40k agents' streams to one
   * master; on loopback every 127.x.y.z is a local address with ports of its own.
   */
  localAddresses?: readonly string[];
};

export function createTransport(options: TransportOptions = {}): Transport {
  const streams = new Agent({ keepAlive: false, maxSockets: Infinity });
  const calls = new Agent({ keepAlive: true, maxSockets: options.callSockets ?? 32, maxFreeSockets: options.callSockets ?? 32, scheduling: 'fifo' });
  const local = options.localAddresses ?? [];
  let next = 0;
  return {
    streams,
    calls,
    nextLocalAddress: () => (local.length === 0 ? undefined : local[next++ % local.length]),
    destroy() {
      streams.destroy();
      calls.destroy();
    },
  };
}

export type ShortResponse = { status: number; body: string };

/** POSTs a JSON body on a pooled socket and reads the whole (small) answer. */
export function postJson(transport: Transport, url: URL, body: string, headers: Record<string, string> = {}): Promise<ShortResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent: transport.calls,
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

/** A request body produced in pieces as the socket takes them; its length is known up front. */
export type BodySource = { byteLength: number; chunks(): Iterable<string> };

export function textBody(text: string): BodySource {
  return { byteLength: Buffer.byteLength(text), chunks: () => [text] };
}

/** The whole text of a body (tests, small bodies). */
export function bodyText(body: BodySource): string {
  return [...body.chunks()].join('');
}

/**
 * POSTs a JSON body on a socket of its own and resolves with the response as soon as its headers
 * arrive (the body is the event stream). `abort()` on the returned request closes it. The body's
 * pieces are made once the socket is connected and only as fast as it takes them, so thousands
 * of agents subscribing at once hold about one piece each, not their whole reports.
 */
export function openStream(transport: Transport, url: URL, body: BodySource): { response: Promise<IncomingMessage>; abort(): void } {
  const localAddress = transport.nextLocalAddress();
  const req = request(url, {
    method: 'POST',
    agent: transport.streams,
    ...(localAddress !== undefined && { localAddress }),
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': body.byteLength },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', resolve);
  });
  const pieces = body.chunks()[Symbol.iterator]();
  const pump = (): void => {
    while (!req.destroyed) {
      const next = pieces.next();
      if (next.done === true) {
        req.end();
        return;
      }
      if (!req.write(next.value)) {
        req.once('drain', pump);
        return;
      }
    }
  };
  req.once('socket', (socket) => {
    if (socket.connecting) socket.once('connect', pump);
    else pump();
  });
  return { response, abort: () => req.destroy() };
}

/** Reads a whole (error) body as text. */
export function readText(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    res.on('data', (c: Buffer) => parts.push(c));
    res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    res.on('error', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}
