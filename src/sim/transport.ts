// How thousands of simulated agents in one process reach the master over loopback. Every agent
// holds one long-lived SUBSCRIBE response (its event stream) and makes short calls (STATUS_UPDATE,
// PONG, ...). Two wire forms:
//   http1  one socket per event stream and a small keep-alive pool for the calls, as real agents
//          connect (each has a socket of its own). Bounded by the open-file limit of both
//          processes: one descriptor per agent on each side.
//   h2c    every stream and call multiplexed over a few HTTP/2 connections (the master accepts
//          h2c on its port, src/common/http/dual-protocol.ts). For clusters larger than the
//          descriptor limit allows; the master's per-agent work is the same, its per-socket work
//          is not, so figures from the two are reported apart.
import type { Readable } from 'node:stream';
import { Http1Transport } from './http1-transport.ts';
import { H2cTransport } from './h2c-transport.ts';

export type TransportProtocol = 'http1' | 'h2c';

/** A request body produced in pieces as the connection takes them; its length is known up front. */
export type BodySource = { byteLength: number; chunks(): Iterable<string> };

export type ShortResponse = { status: number; body: string };

/** The head of a streamed response; `body` carries the events. */
export type StreamResponse = { status: number; header(name: string): string | undefined; body: Readable };

export type OpenedStream = { response: Promise<StreamResponse>; abort(): void };

export interface Transport {
  readonly protocol: TransportProtocol;
  /** POSTs a JSON body and reads the whole (small) answer. */
  post(url: URL, body: string, headers?: Record<string, string>): Promise<ShortResponse>;
  /**
   * POSTs a JSON body on a stream of its own and resolves with the response as soon as its head
   * arrives (the body is the event stream); `abort()` closes it. The body's pieces are made only
   * as fast as the connection takes them, so thousands of agents subscribing at once hold about
   * one piece each, not their whole reports.
   */
  openStream(url: URL, body: BodySource): OpenedStream;
  destroy(): void;
}

export type TransportOptions = {
  protocol?: TransportProtocol;
  /** http1: keep-alive sockets shared by every short call (default 32). */
  callSockets?: number;
  /**
   * http1: local addresses the event streams are spread over, round robin. One address has ~28k
   * ephemeral ports (net.ipv4.ip_local_port_range), fewer than 40k agents' streams to one
   * master; on loopback every 127.x.y.z is a local address with ports of its own.
   */
  localAddresses?: readonly string[];
  /** h2c: HTTP/2 connections the agents are spread over (default 4). */
  sessions?: number;
};

export function createTransport(options: TransportOptions = {}): Transport {
  return options.protocol === 'h2c' ? new H2cTransport(options.sessions ?? 4) : new Http1Transport(options);
}

export function textBody(text: string): BodySource {
  return { byteLength: Buffer.byteLength(text), chunks: () => [text] };
}

/** The whole text of a body (tests, small bodies). */
export function bodyText(body: BodySource): string {
  return [...body.chunks()].join('');
}

/** Reads a whole (error) body as text. */
export function readText(body: Readable): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    body.on('data', (c: Buffer) => parts.push(c));
    body.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    body.on('error', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}
