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
  destroy(): void;
};

export function createTransport(options: { callSockets?: number } = {}): Transport {
  const streams = new Agent({ keepAlive: false, maxSockets: Infinity });
  const calls = new Agent({ keepAlive: true, maxSockets: options.callSockets ?? 32, maxFreeSockets: options.callSockets ?? 32, scheduling: 'fifo' });
  return {
    streams,
    calls,
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

/**
 * POSTs a JSON body on a socket of its own and resolves with the response as soon as its headers
 * arrive (the body is the event stream). `abort()` on the returned request closes it.
 */
export function openStream(transport: Transport, url: URL, body: string): { response: Promise<IncomingMessage>; abort(): void } {
  const req = request(url, {
    method: 'POST',
    agent: transport.streams,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body) },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', resolve);
  });
  req.end(body);
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
