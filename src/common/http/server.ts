// A small HTTP server for the master and the agent, shaped by libprocess conventions:
// - a process id prefix (`master`, `slave(1)`) that is also the "delegate", so `/state` and
//   `/master/state` reach the same handler;
// - `?jsonp=cb` on GET endpoints (the Mesos web UI depends on it);
// - errors mapped by class (AgoraError -> its status) with a plain-text body, as Mesos answers;
// - request bodies read with a size limit, chunked or not;
// - a process that never dies because of one malformed client.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { AgoraError, InvalidArgumentError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { DualProtocolListener } from './dual-protocol.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';

export type RequestContext = {
  req: IncomingMessage;
  res: ServerResponse;
  /** The path with the process prefix removed, e.g. `/state` for `/master/state`. */
  path: string;
  query: URLSearchParams;
  /** Reads the whole body (at most `maxBodyBytes`). */
  body(): Promise<Buffer>;
};

/** A handler either writes the response itself or returns a value to send as JSON (200). */
export type Handler = (ctx: RequestContext) => Promise<unknown> | unknown;

export type Route = {
  methods: readonly HttpMethod[];
  path: string;
  handler: Handler;
  /** GET routes that honour `?jsonp=` (the legacy read-only endpoints). */
  jsonp?: boolean;
};

export type HttpServerOptions = {
  /** libprocess id of the main process: `master` or `slave(1)`. */
  processId: string;
  logger: Logger;
  maxBodyBytes?: number;
};

/** Sent as the JSON body of a handler's return value; `undefined` means "handler responded". */
export const RESPONDED = Symbol('responded');

const DEFAULT_MAX_BODY = 64 * 1024 * 1024;
const JSONP_CALLBACK = /^[A-Za-z_$][\w$.]*$/;

export class HttpServer {
  readonly #routes = new Map<string, Route>();
  readonly #options: HttpServerOptions;
  readonly #server: Server;
  readonly #listener: DualProtocolListener;
  readonly #log: Logger;

  constructor(options: HttpServerOptions) {
    this.#options = options;
    this.#log = options.logger;
    const serve = (req: IncomingMessage, res: ServerResponse): void => {
      // #dispatch answers every error itself; this catch is the last line of defence, so that a
      // bug on some unexpected path costs one request, not the daemon.
      this.#dispatch(req, res).catch((err: unknown) => {
        this.#log.error({ err }, 'unhandled error while dispatching a request');
        if (!res.headersSent) sendText(res, 500, 'Internal server error');
        else res.destroy();
      });
    };
    this.#server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, serve);
    // The same handlers answer HTTP/2 (h2c) on this port (dual-protocol.ts).
    this.#listener = new DualProtocolListener(this.#server, serve, this.#log);
    // A client that sends garbage gets a 400 and is disconnected; the server goes on.
    this.#server.on('clientError', (err, socket) => {
      this.#log.debug({ err: err.message }, 'malformed http request');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Registers a route at `path`; it also answers at `/<processId><path>`. */
  route(route: Route): this {
    if (!route.path.startsWith('/')) throw new Error(`route path '${route.path}' must start with '/'`);
    this.#routes.set(route.path, route);
    return this;
  }

  /** Listens for HTTP/1.1 and h2c (prior knowledge) on one port (dual-protocol.ts). */
  listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    return this.#listener.listen(port, host, acceptBacklog());
  }

  async close(): Promise<void> {
    await this.#listener.close();
  }

  /** Strips `/<processId>` so both spellings of a path reach one handler. */
  #localPath(pathname: string): string {
    const prefix = `/${this.#options.processId}`;
    if (pathname === prefix) return '/';
    if (pathname.startsWith(prefix + '/')) return pathname.slice(prefix.length);
    return pathname;
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    let pathname: string;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
      pathname = decodeURIComponent(url.pathname);
    } catch {
      // A bad percent-escape (`/%ff`) must cost the client a 400, never the process.
      return sendText(res, 400, 'Malformed request URL');
    }
    const path = this.#localPath(pathname);
    const route = this.#routes.get(path);
    if (!route) return sendText(res, 404, '');
    const method = (req.method ?? 'GET') as HttpMethod;
    if (!route.methods.includes(method)) {
      res.setHeader('Allow', route.methods.join(', '));
      return sendText(res, 405, `Expecting one of { '${route.methods.join("', '")}' }, but received '${method}'`);
    }
    const maxBody = this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    const ctx: RequestContext = { req, res, path, query: url.searchParams, body: () => readBody(req, maxBody) };
    try {
      const result = await route.handler(ctx);
      if (result === RESPONDED || res.headersSent) return;
      const jsonp = route.jsonp ? url.searchParams.get('jsonp') : null;
      sendJson(res, 200, result, jsonp);
    } catch (err) {
      this.#sendError(res, err, path);
    }
  }

  #sendError(res: ServerResponse, err: unknown, path: string): void {
    if (res.headersSent) {
      // A stream that fails mid-way can only be cut.
      res.destroy();
      return;
    }
    if (err instanceof AgoraError) {
      sendText(res, err.status, err.message);
      return;
    }
    this.#log.error({ err, path }, 'request handler failed');
    sendText(res, 500, 'Internal server error');
  }
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

/** Sends JSON, or `cb(<json>)` as text/javascript when a valid JSONP callback is given. */
export function sendJson(res: ServerResponse, status: number, value: unknown, jsonp?: string | null): void {
  const json = value === undefined ? '' : JSON.stringify(value);
  if (jsonp) {
    if (!JSONP_CALLBACK.test(jsonp)) return sendText(res, 400, `Invalid 'jsonp' callback name '${jsonp}'`);
    const body = Buffer.from(`${jsonp}(${json});`, 'utf8');
    res.writeHead(status, { 'Content-Type': 'text/javascript', 'Content-Length': body.length });
    res.end(body);
    return;
  }
  const body = Buffer.from(json, 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

/** Reads a request body, chunked or with Content-Length, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw new PayloadTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export class PayloadTooLargeError extends AgoraError {
  constructor(limit: number) {
    super('PAYLOAD_TOO_LARGE', 413, `Request body exceeds the limit of ${limit} bytes`);
  }
}

/**
 * Content negotiation for the v1 `/api/v1/*` endpoints, as Mesos does it: a missing Content-Type
 * is 400, anything but JSON is 415 (protobuf is not supported yet), and an Accept header that
 * allows neither JSON nor anything at all is 406. Unlike Mesos we accept parameters such as
 * `; charset=utf-8` on the JSON media type.
 */
export function negotiateJson(req: IncomingMessage, checkAccept: boolean): void {
  const contentType = req.headers['content-type'];
  if (contentType === undefined) throw new InvalidArgumentError("Expecting 'Content-Type' to be present");
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  if (media !== 'application/json') {
    throw new AgoraError(
      'UNSUPPORTED_MEDIA_TYPE',
      415,
      media === 'application/x-protobuf'
        ? "Unsupported 'Content-Type': 'application/x-protobuf' (protobuf is not supported yet; use application/json)"
        : `Expecting 'Content-Type' of application/json or application/x-protobuf; got '${contentType}'`,
    );
  }
  if (checkAccept && !acceptsJson(req.headers.accept)) {
    throw new AgoraError('NOT_ACCEPTABLE', 406, 'Expecting \'Accept\' to allow application/json');
  }
}

/** True when an Accept header (absent means anything) allows application/json. */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    return type === 'application/json' || type === 'application/*' || type === '*/*';
  });
}

/**
 * The accept queue: the kernel's maximum rather than Node's default of 511. When thousands of
 * agents reconnect at once (a master failover), a full queue makes the kernel drop connection
 * attempts and the agents wait for TCP's retransmissions (1 s, 3 s, 7 s ...): measured with
 * 10,000 simulated agents, the storm spread out and took four times as long.
 */
function acceptBacklog(): number {
  try {
    const max = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
    return Number.isInteger(max) && max > 511 ? max : 511;
  } catch {
    return 511;
  }
}
