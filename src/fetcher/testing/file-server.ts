// A test double for the places the fetcher downloads from: a static file server on 127.0.0.1
// (port chosen by the OS) that counts requests per path and can be told to fail, redirect, stall
// or send slowly. Used by the fetcher's integration tests and by bench/fetcher.ts.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

export type Behaviour =
  /** Answers with this status and no body. */
  | { kind: 'status'; status: number }
  /** 302 to another path of this server. */
  | { kind: 'redirect'; to: string }
  /** Sends the headers, then nothing (until the client gives up). */
  | { kind: 'stall' }
  /** Streams the file, holding back the body until `release` resolves. */
  | { kind: 'hold'; release: Promise<void> };

export class FileServer {
  readonly root: string;
  /** Requests per URL path. */
  readonly hits = new Map<string, number>();
  /** Bytes of file bodies sent. */
  bytesSent = 0;
  readonly #behaviours = new Map<string, Behaviour[]>();
  readonly #server: Server;
  #port = 0;

  constructor(root: string) {
    this.root = root;
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.#port}${path.startsWith('/') ? path : `/${path}`}`;
  }

  /** The next request for `path` behaves like this (queued; one request each). */
  once(path: string, behaviour: Behaviour): void {
    const queue = this.#behaviours.get(path) ?? [];
    queue.push(behaviour);
    this.#behaviours.set(path, queue);
  }

  hitsOf(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    this.hits.set(path, this.hitsOf(path) + 1);
    const behaviour = this.#behaviours.get(path)?.shift();
    if (behaviour?.kind === 'status') {
      res.writeHead(behaviour.status).end();
      return;
    }
    if (behaviour?.kind === 'redirect') {
      res.writeHead(302, { Location: this.url(behaviour.to) }).end();
      return;
    }
    const file = join(this.root, normalize(decodeURIComponent(path)).replace(/^(\.\.\/)+/, ''));
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Length': size, 'Content-Type': 'application/octet-stream' });
    if (behaviour?.kind === 'stall') {
      res.flushHeaders();
      return;
    }
    const send = (): void => {
      const stream = createReadStream(file);
      stream.on('data', (chunk) => (this.bytesSent += chunk.length));
      // The file may be gone by then (a test that released a held request and removed its
      // files): the response is cut off, the server goes on.
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    };
    if (behaviour?.kind === 'hold') {
      res.flushHeaders();
      void behaviour.release.then(send);
    } else {
      send();
    }
  }
}
