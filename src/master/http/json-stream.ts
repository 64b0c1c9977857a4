// Streaming JSON for the master's large read endpoints (`/state`, GET_STATE). One
// `JSON.stringify` of a large cluster's state is one giant string (V8 cannot build one over
// ~512 MiB, i.e. ~800k tasks) built while the event loop waits. Here the document is written in
// chunks of CHUNK_BYTES with back-pressure (a slow client holds at most one chunk in the socket
// buffer), and the writer yields to the event loop every SLICE_MS, so `/health`, agents and
// schedulers are served while a state is being written.
//
// Values are plain JSON values, plus `lazyArray(fn)`: an array whose elements are produced while
// writing (the tasks of a framework are built one by one, not all before the first byte goes out).
// Frozen objects (the cached legacy task objects, legacy-json.ts) are immutable, so their JSON
// is computed once and kept with them. The output is byte for byte what `JSON.stringify` gives for
// the same value with every lazy array materialized.
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';

const LAZY = Symbol('lazy-array');

export type LazyArray = { readonly [LAZY]: () => Iterable<unknown> };

/** An array whose elements `produce` yields while the document is being written. */
export function lazyArray(produce: () => Iterable<unknown>): LazyArray {
  return { [LAZY]: produce };
}

function isLazy(v: unknown): v is LazyArray {
  return typeof v === 'object' && v !== null && LAZY in v;
}

const CHUNK_BYTES = 256 * 1024;
const SLICE_MS = 8;

const frozenJson = new WeakMap<object, string>();

/** JSON of a value; a frozen object's is computed once. */
function stringify(v: unknown): string | undefined {
  if (typeof v === 'object' && v !== null && Object.isFrozen(v)) {
    let json = frozenJson.get(v);
    if (json === undefined) {
      json = JSON.stringify(v);
      frozenJson.set(v, json);
    }
    return json;
  }
  return JSON.stringify(v);
}

/** True when `v` is a plain object or array holding a lazy array somewhere among its members. */
function holdsLazy(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return false;
  if (isLazy(v)) return true;
  for (const member of Array.isArray(v) ? v : Object.values(v)) if (typeof member === 'object' && member !== null && (isLazy(member) || holdsLazy(member))) return true;
  return false;
}

/** The document is abandoned: the client (every client, for a shared one) went away. */
export class ClientGone extends Error {}

/** Where a document's chunks go: one response, or a document shared by several (shared-json.ts). */
export type ChunkSink = {
  /** Takes one chunk; a promise when the writer must wait before producing more (back-pressure). */
  write(chunk: string): Promise<void> | undefined;
  /** True once nobody wants the rest. */
  readonly gone: boolean;
};

/** A sink for one response: waits for the socket to drain. */
export function responseSink(res: ServerResponse): ChunkSink {
  return {
    write(chunk) {
      if (res.write(chunk)) return undefined;
      return Promise.race([once(res, 'drain'), once(res, 'close')]).then(() => undefined);
    },
    get gone() {
      return res.destroyed;
    },
  };
}

class ChunkWriter {
  readonly #sink: ChunkSink;
  #parts: string[] = [];
  #size = 0;
  #sliceStart = performance.now();

  constructor(sink: ChunkSink) {
    this.#sink = sink;
  }

  push(s: string): void {
    this.#parts.push(s);
    this.#size += s.length;
  }

  /** Sends a full chunk, waiting for the reader(s), and yields once the slice is used up. */
  async maybeFlush(): Promise<void> {
    if (this.#size >= CHUNK_BYTES) await this.flush();
    if (performance.now() - this.#sliceStart >= SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.#sink.gone) throw new ClientGone();
      this.#sliceStart = performance.now();
    }
  }

  async flush(): Promise<void> {
    if (this.#size === 0) return;
    const chunk = this.#parts.join('');
    this.#parts = [];
    this.#size = 0;
    if (this.#sink.gone) throw new ClientGone();
    const wait = this.#sink.write(chunk);
    if (wait !== undefined) {
      await wait;
      if (this.#sink.gone) throw new ClientGone();
      // Waiting for the client is not work: the slice starts afresh.
      this.#sliceStart = performance.now();
    }
  }

  async value(v: unknown): Promise<void> {
    if (isLazy(v)) return this.#array(v[LAZY]());
    if (!holdsLazy(v)) {
      this.push(stringify(v) ?? 'null');
      return;
    }
    if (Array.isArray(v)) return this.#array(v);
    this.push('{');
    let first = true;
    for (const [key, member] of Object.entries(v as Record<string, unknown>)) {
      // As JSON.stringify: members that are undefined or functions are left out.
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
      this.push(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
      first = false;
      await this.value(member);
      await this.maybeFlush();
    }
    this.push('}');
  }

  async #array(items: Iterable<unknown>): Promise<void> {
    this.push('[');
    let first = true;
    for (const item of items) {
      if (!first) this.push(',');
      first = false;
      // As JSON.stringify: undefined and functions in arrays become null.
      if (holdsLazy(item) || isLazy(item)) await this.value(item);
      else this.push(item === undefined || typeof item === 'function' ? 'null' : (stringify(item) ?? 'null'));
      if (this.#size >= CHUNK_BYTES || performance.now() - this.#sliceStart >= SLICE_MS) await this.maybeFlush();
    }
    this.push(']');
  }
}

/**
 * Writes `value` (or `jsonp(value);`) into `sink`, in chunks. Rejects with ClientGone when the
 * sink's readers went away (the rest is not produced).
 */
export async function writeJson(sink: ChunkSink, value: unknown, jsonp?: string | null): Promise<void> {
  const writer = new ChunkWriter(sink);
  if (jsonp) writer.push(`${jsonp}(`);
  await writer.value(value);
  if (jsonp) writer.push(');');
  await writer.flush();
}

/** The Content-Type of a JSON document, or of its `?jsonp=` form. */
export function jsonContentType(jsonp?: string | null): string {
  return jsonp ? 'text/javascript' : 'application/json';
}

/**
 * Writes `value` as a 200 JSON response (or `jsonp(value);` as text/javascript), chunked. Resolves
 * when the last byte was handed to the socket, or when the client went away (the rest is dropped).
 */
export async function streamJson(res: ServerResponse, value: unknown, jsonp?: string | null): Promise<void> {
  res.writeHead(200, { 'Content-Type': jsonContentType(jsonp) });
  try {
    await writeJson(responseSink(res), value, jsonp);
    res.end();
  } catch (err) {
    if (!(err instanceof ClientGone)) throw err;
  }
}
