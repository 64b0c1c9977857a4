// The HTTP primitives under SchedulerClient: one POST with a deadline for the answer, and reading
// the reason out of a refused subscription's stream. Redirects, retries and state stay in the
// client.
import type { Clock } from '../common/clock.ts';
import { decodeSchedulerEvent, RecordIODecoder } from '../protocol/index.ts';
import { describeNetworkFailure, SchedulerUnreachableError } from './errors.ts';

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
