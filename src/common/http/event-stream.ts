// A RecordIO event stream over a chunked HTTP response (scheduler SUBSCRIBE, operator SUBSCRIBE,
// agent-to-master events). Each event is written as one record in one write, which Node sends
// as one HTTP chunk, as Mesos does. A subscriber that stops reading cannot exhaust our memory:
// once more than `maxBufferedBytes` wait in the socket buffer, the stream is closed and the
// subscriber has to reconnect (and reconcile), which is what a slow Mesos client experiences too.
import type { ServerResponse } from 'node:http';
import { encodeRecord } from '../../protocol/recordio.ts';

export type EventStreamOptions = {
  /** Extra response headers, e.g. `Mesos-Stream-Id`. */
  headers?: Record<string, string>;
  /** Bytes allowed to wait unsent before the subscriber is cut off. */
  maxBufferedBytes?: number;
};

export type CloseReason = 'client' | 'server' | 'slow-subscriber';

const DEFAULT_MAX_BUFFERED = 64 * 1024 * 1024;

export class EventStream {
  readonly #res: ServerResponse;
  readonly #maxBuffered: number;
  #closed: CloseReason | undefined;
  readonly #onClose: ((reason: CloseReason) => void)[] = [];

  constructor(res: ServerResponse, options: EventStreamOptions = {}) {
    this.#res = res;
    this.#maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', ...options.headers });
    // Send the headers now: a subscriber waits for them before it reads any event.
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.on('close', () => this.#finish('client'));
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Registers a callback for when the stream ends, whoever ended it. */
  onClose(fn: (reason: CloseReason) => void): void {
    if (this.#closed) fn(this.#closed);
    else this.#onClose.push(fn);
  }

  /** Writes one event (an object, serialised as JSON, or a pre-serialised JSON string). */
  send(event: unknown): boolean {
    if (this.#closed) return false;
    const json = typeof event === 'string' ? event : JSON.stringify(event);
    this.#res.write(encodeRecord(json));
    if (this.#res.writableLength > this.#maxBuffered) {
      this.#finish('slow-subscriber');
      this.#res.destroy();
      return false;
    }
    return true;
  }

  /** Ends the stream from the server side. */
  close(): void {
    if (this.#closed) return;
    this.#finish('server');
    this.#res.end();
  }

  #finish(reason: CloseReason): void {
    if (this.#closed) return;
    this.#closed = reason;
    for (const fn of this.#onClose.splice(0)) fn(reason);
  }
}
