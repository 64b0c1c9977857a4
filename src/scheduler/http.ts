// The HTTP primitives under SchedulerClient: the short calls over node:http on keep-alive
// sockets (CallTransport), the SUBSCRIBE POST over fetch (postJson), each with a deadline for the
// answer; following redirects over either; and reading the reason out of a refused
// subscription's stream. Retries and state stay in the client.
//
// Two transports because the two kinds of request differ: a framework sends thousands of small
// calls, for which fetch's per-request stream machinery (undici, web streams and their garbage)
// cost several times the CPU of node:http on a pooled socket; SUBSCRIBE is one long-lived request
// per subscription, read as a stream, where fetch's abort signal and async-iterable body fit.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Clock } from '../common/clock.ts';
import { decodeSchedulerEvent, RecordIODecoder } from '../protocol/index.ts';
import { describeNetworkFailure, SchedulerHttpError, SchedulerUnreachableError } from './errors.ts';
import { resolveRedirect } from './leader.ts';

/** One transport as redirect-following sees it: send once, read the Location, finish the body. */
export type RedirectTransport<A> = {
  request(url: URL): Promise<A>;
  locationOf(answer: A): string | null | undefined;
  /** Finishes reading a redirect's body, so its connection can be reused. */
  discard(answer: A): Promise<void>;
};

/**
 * Sends through `transport` to `start`, following 307/308s (resolved as leader.ts says) up to
 * `maxRedirects` hops; `onRedirect` hears each new target. The answer that is not a redirect is
 * returned; a redirect without a usable Location, or one too many, throws SchedulerHttpError.
 * Shared by both transports: fetch for SUBSCRIBE, node:http for the calls.
 */
export async function followRedirects<A extends { status: number }>(start: URL, transport: RedirectTransport<A>, maxRedirects: number, onRedirect: (next: URL) => void): Promise<A> {
  let url = start;
  for (let hop = 0; ; hop++) {
    const answer = await transport.request(url);
    if (answer.status !== 307 && answer.status !== 308) return answer;
    const next = resolveRedirect(transport.locationOf(answer) ?? null, url);
    await transport.discard(answer);
    if (next === undefined) throw new SchedulerHttpError(answer.status, 'the master redirected without a usable Location');
    if (hop >= maxRedirects) throw new SchedulerHttpError(answer.status, `more than ${maxRedirects} redirects`);
    onRedirect(next);
    url = next;
  }
}

export type PostOptions = {
  headers: Record<string, string>;
  /** Cancels the request (and, for SUBSCRIBE, the event stream). */
  signal?: AbortSignal;
  /** Deadline for the response headers; none when undefined. */
  timeoutMs?: number;
  clock: Clock;
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * POSTs a JSON `body` to `url` without following redirects. Throws SchedulerUnreachableError when
 * the request cannot be sent or no answer comes within `timeoutMs`, and the abort error when
 * cancelled through `signal`.
 */
export async function postJson(url: URL, body: string, options: PostOptions): Promise<Response> {
  const { signal, timeoutMs, clock } = options;
  const timeout = new AbortController();
  const timer = timeoutMs === undefined ? undefined : clock.setTimeout(() => timeout.abort(), timeoutMs);
  try {
    return await fetch(url, {
      method: 'POST',
      body,
      redirect: 'manual',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...options.headers },
      // The deadline covers the wait for the answer only: the signal stays on the event stream,
      // whose liveness the client's heartbeat watchdog checks.
      signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    const reason = timeout.signal.aborted ? `no answer within ${timeoutMs} ms` : describeNetworkFailure(err);
    throw new SchedulerUnreachableError(url.href, reason, err);
  } finally {
    if (timer) clock.clearTimeout(timer);
  }
}

/** A call's whole answer: the status, the redirect target if any, and the body as text. */
export type CallAnswer = { status: number; location: string | undefined; body: string };

export type CallOptions = {
  headers: Record<string, string>;
  /** Deadline for the whole answer (headers and body); none when undefined. */
  timeoutMs?: number;
  clock: Clock;
};

/**
 * Short POSTs on keep-alive sockets of its own (one pool per scheme), so a framework's calls reuse
 * a few connections instead of opening one each. `destroy()` closes every socket; requests still
 * in flight then fail.
 */
export class CallTransport {
  #http: HttpAgent | undefined;
  #https: HttpsAgent | undefined;
  /** Calls whose answer has not settled yet. */
  #inFlight = 0;
  /** Set by destroyWhenIdle(): the sockets go once the last call in flight settles. */
  #closing = false;

  /**
   * POSTs a JSON `body` to `url` without following redirects and reads the answer to its end (so
   * the socket goes back to the pool). Throws SchedulerUnreachableError when the request cannot be
   * sent, the connection breaks before the answer is complete, or the answer takes longer than
   * `timeoutMs`.
   */
  post(url: URL, body: string, options: CallOptions): Promise<CallAnswer> {
    const { timeoutMs, clock } = options;
    this.#inFlight++;
    const settledCall = (): void => {
      this.#inFlight--;
      if (this.#closing && this.#inFlight === 0) this.destroy();
    };
    const answer = new Promise<CallAnswer>((resolve, reject) => {
      const headers = { 'Content-Type': 'application/json', Accept: 'application/json', ...options.headers, 'Content-Length': String(Buffer.byteLength(body)) };
      let req: ClientRequest;
      let settled = false;
      const fail = (reason: string, cause: unknown): void => {
        if (settled) return;
        settled = true;
        if (timer) clock.clearTimeout(timer);
        // A socket with a half-read or late answer must not serve the next call.
        req.destroy();
        reject(new SchedulerUnreachableError(url.href, reason, cause));
      };
      const timer = timeoutMs === undefined ? undefined : clock.setTimeout(() => fail(`no answer within ${timeoutMs} ms`, undefined), timeoutMs);
      const onResponse = (res: IncomingMessage): void => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('error', (err) => fail(describeNetworkFailure(err), err));
        res.on('close', () => {
          if (!res.complete) fail('connection closed before the answer was complete', undefined);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          if (timer) clock.clearTimeout(timer);
          const location = res.headers.location;
          resolve({ status: res.statusCode ?? 0, location, body: Buffer.concat(parts).toString('utf8') });
        });
      };
      try {
        req = url.protocol === 'https:'
          ? httpsRequest(url, { method: 'POST', headers, agent: (this.#https ??= new HttpsAgent({ keepAlive: true })) }, onResponse)
          : httpRequest(url, { method: 'POST', headers, agent: (this.#http ??= new HttpAgent({ keepAlive: true })) }, onResponse);
      } catch (err) {
        // Invalid header values and the like throw synchronously.
        if (timer) clock.clearTimeout(timer);
        settled = true;
        reject(new SchedulerUnreachableError(url.href, describeNetworkFailure(err), err));
        return;
      }
      req.on('error', (err) => fail(describeNetworkFailure(err), err));
      req.end(body);
    });
    answer.then(settledCall, settledCall);
    return answer;
  }

  /**
   * Closes the sockets once the calls in flight have their answers (the master ended the
   * subscription: a TEARDOWN whose stream the master closed first must still get its 202).
   */
  destroyWhenIdle(): void {
    if (this.#inFlight === 0) this.destroy();
    else this.#closing = true;
  }

  destroy(): void {
    this.#closing = false;
    this.#http?.destroy();
    this.#https?.destroy();
    this.#http = this.#https = undefined;
  }
}

/** The message of the stream's first event if it is an ERROR; the stream is cancelled after it. */
export async function firstErrorMessage(body: ReadableStream<Uint8Array>): Promise<string | undefined> {
  const decoder = new RecordIODecoder();
  try {
    for await (const chunk of body) {
      const [record] = decoder.push(chunk);
      if (record === undefined) continue;
      const decoded = decodeSchedulerEvent(JSON.parse(utf8.decode(record)));
      return decoded.ok && decoded.value.type === 'ERROR' ? decoded.value.error.message : undefined;
    }
  } catch {
    // Not a readable event stream: no message to report.
  } finally {
    await body.cancel().catch(() => {});
  }
  return undefined;
}
