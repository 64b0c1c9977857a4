// A TEST DOUBLE of a master or agent HTTP server, for client and CLI unit tests: each request
// is answered by a handler the test sets, and every request is recorded. It implements no Mesos
// behaviour of its own; the real master and agent are exercised by the integration tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RecordedRequest = { method: string; path: string; query: URLSearchParams; headers: IncomingMessage['headers']; body: string };

export type DoubleHandler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export class TestDoubleServer {
  readonly requests: RecordedRequest[] = [];
  #handler: DoubleHandler = (_req, res) => {
    res.statusCode = 404;
    res.end();
  };
  readonly #server: Server;
  #port = 0;

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://double');
        const recorded = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString() };
        this.requests.push(recorded);
        void Promise.resolve(this.#handler(recorded, res)).catch((err: unknown) => {
          res.statusCode = 500;
          res.end(String(err));
        });
      });
    });
  }

  /** Starts listening on 127.0.0.1 with an OS-chosen port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  get port(): number {
    return this.#port;
  }

  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Sets the handler for all following requests. */
  handle(handler: DoubleHandler): this {
    this.#handler = handler;
    return this;
  }

  /** Answers `POST /api/v1` calls by type: `responses[type]` is the JSON body to send. */
  operatorApi(responses: Record<string, unknown>): this {
    return this.handle((req, res) => {
      if (req.path !== '/api/v1') return json(res, 404, { message: 'not found' });
      const type = (JSON.parse(req.body) as { type: string }).type;
      if (!(type in responses)) {
        res.statusCode = 400;
        return void res.end(`unexpected call ${type}`);
      }
      json(res, 200, responses[type]);
    });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
