// The one place where the client does HTTP: a base URL, a timeout on every request, redirects
// to the leading master followed by hand, and failures turned into typed errors.
//
// Why redirects are followed by hand: a non-leading Mesos master answers 307 with a
// protocol-relative `Location: //leader:5050/api/v1`, and a POST must be re-sent with its body.
// Following ourselves also lets the endpoint remember the leader, so the next call goes there
// directly instead of bouncing off the same follower every time.
import { resolveLocation } from './address.ts';
import {
  AgentUnreachableError,
  ApiError,
  describeNetworkError,
  type EndpointKind,
  MasterUnreachableError,
  ProtocolError,
  UnreachableError,
} from './errors.ts';

/** How long a request may take by default (connect + answer + body). */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** More hops than this means a redirect loop between masters. */
export const MAX_REDIRECTS = 5;
/** Error bodies longer than this are cut (a 4xx body is a sentence, not a document). */
const MAX_ERROR_BODY_CHARS = 2000;

export type EndpointOptions = {
  kind: EndpointKind;
  /** Per-request timeout in ms (default DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
  /** For tests: a fetch implementation. */
  fetch?: typeof fetch;
};

export type RequestOptions = {
  method?: 'GET' | 'POST';
  /** Path and optional query, e.g. `/api/v1` or `/files/read?path=...`. */
  path: string;
  query?: Record<string, string | number>;
  /** A JSON body; sent with `Content-Type: application/json`. */
  json?: unknown;
  headers?: Record<string, string>;
  /** Overrides the endpoint's timeout for this request. */
  timeoutMs?: number;
  signal?: AbortSignal;
};

/** A buffered answer. */
export type HttpReply = { status: number; headers: Headers; url: string; text: string };

/** A master or an agent at a base URL. */
export class Endpoint {
  readonly kind: EndpointKind;
  #base: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(baseUrl: string, options: EndpointOptions) {
    this.#base = baseUrl.replace(/\/+$/, '');
    this.kind = options.kind;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#fetch = options.fetch ?? fetch;
  }

  /** The current base URL; after a redirect, the leader's. */
  get baseUrl(): string {
    return this.#base;
  }

  /**
   * Sends a request and reads the whole answer under the timeout (so a server that sends headers
   * and then stalls is caught too). Throws UnreachableError (no connection, or no answer in
   * time), ApiError (4xx/5xx, with the server's message) or ProtocolError (redirect loop).
   */
  async send(options: RequestOptions): Promise<HttpReply> {
    return this.#withTimeout(options, async (signal) => {
      const { response, url } = await this.#follow(options, signal);
      const text = await response.text();
      return { status: response.status, headers: response.headers, url, text };
    });
  }

  /**
   * Opens a streaming request (an event stream). The timeout covers the connection and the
   * response headers only; the caller reads `response.body` and cancels with `options.signal`.
   */
  async stream(options: RequestOptions): Promise<{ response: Response; url: string }> {
    return this.#withTimeout(options, (signal) => this.#follow(options, signal));
  }

  /** GET or POST returning parsed JSON. */
  async json<T = unknown>(options: RequestOptions): Promise<T> {
    const reply = await this.send(options);
    try {
      return JSON.parse(reply.text) as T;
    } catch {
      throw new ProtocolError(`${this.kind} answered ${options.path} with a body that is not JSON: ${truncate(reply.text, 200)}`, reply.url);
    }
  }

  async #withTimeout<T>(options: RequestOptions, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new TimeoutSignal(timeoutMs)), timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
    try {
      return await run(signal);
    } catch (err) {
      throw this.#classify(err, this.#url(options), signal, options.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends the request, following redirects; returns the first non-redirect 2xx response. */
  async #follow(options: RequestOptions, signal: AbortSignal): Promise<{ response: Response; url: string }> {
    let url = this.#url(options);
    for (let hop = 0; ; hop++) {
      const response = await this.#send(url, options, signal);
      if (isRedirect(response.status)) {
        const location = response.headers.get('location');
        await response.body?.cancel();
        if (!location) throw new ProtocolError(`${this.kind} answered ${response.status} without a Location header`, url);
        if (hop >= MAX_REDIRECTS) throw new ProtocolError(`more than ${MAX_REDIRECTS} redirects, last to ${location}`, url);
        const next = resolveLocation(location, url);
        // Remember the leader: later calls go straight to it.
        this.#base = next.origin;
        url = next.href;
        continue;
      }
      if (response.status >= 400) throw await apiError(response, url);
      return { response, url };
    }
  }

  #url(options: RequestOptions): string {
    const url = new URL(this.#base + options.path);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v));
    return url.href;
  }

  async #send(url: string, options: RequestOptions, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    return this.#fetch(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, redirect: 'manual', signal });
  }

  #classify(err: unknown, url: string, signal: AbortSignal, callerSignal: AbortSignal | undefined): unknown {
    if (err instanceof ApiError || err instanceof ProtocolError || err instanceof UnreachableError) return err;
    // The caller cancelled: not a failure of the server, hand back the caller's reason.
    if (callerSignal?.aborted) return callerSignal.reason ?? err;
    const Unreachable = this.kind === 'master' ? MasterUnreachableError : AgentUnreachableError;
    if (signal.aborted && signal.reason instanceof TimeoutSignal) {
      return new Unreachable(url, `no answer within ${formatSeconds(signal.reason.ms)}`, err);
    }
    return new Unreachable(url, describeNetworkError(err), err);
  }
}

/** The abort reason of a request timeout, told apart from a caller's cancellation. */
class TimeoutSignal extends Error {
  readonly ms: number;
  constructor(ms: number) {
    super(`request timed out after ${ms} ms`);
    this.ms = ms;
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

async function apiError(response: Response, url: string): Promise<ApiError> {
  const text = truncate((await response.text()).trim(), MAX_ERROR_BODY_CHARS);
  // Agora's own JSON error bodies: {code, message, details}.
  if (text.startsWith('{')) {
    try {
      const body = JSON.parse(text) as { code?: unknown; message?: unknown };
      if (typeof body.message === 'string') {
        return new ApiError(response.status, body.message, url, typeof body.code === 'string' ? body.code : undefined);
      }
    } catch {
      // Not JSON after all: use the text.
    }
  }
  const message = text || `${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, message, url);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
