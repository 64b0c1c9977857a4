// One serialization of `/master/state` (or GET_STATE, GET_TASKS) for every request that asks for
// the same document while nothing changed. Twenty tools polling `/state` otherwise make the
// master write the whole document twenty times over; Mesos 1.7 serves concurrent `/state`
// requests from one serialization too (MESOS-9122).
//
// A request joins a document in progress (or one still being sent to its other readers) when its
// key is the same — same document, same `?jsonp=` callback: only identical requests share — and
// the master's state version (`Master.stateVersion`) has not moved since that document was begun.
// A request that comes after a change gets a fresh serialization: a joiner is never answered with
// state older than its request.
//
// The chunks are kept while the document can be joined, so a late reader is sent the beginning
// again; each reader has its own cursor and its own back-pressure (it waits for its own socket to
// drain), and the producer stays at most one chunk ahead of the fastest reader, yielding to the
// event loop as json-stream.ts does. The chunks a document may keep for late readers are bounded
// (MAX_REPLAY_BYTES); past that it takes no new readers and drops the chunks every reader has sent.
// A slow reader therefore holds at most one document (not one per reader) in memory.
//
// Chunks are kept encoded (UTF-8 Buffers): written as strings, each reader's socket encoded the
// whole document again, which was most of the master's CPU with 20 readers of one 12 MB document.
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';
import { ClientGone, jsonContentType, writeJson, type ChunkSink } from './json-stream.ts';

/** Bytes a document keeps for readers that join late. */
const MAX_REPLAY_BYTES = 64 * 1024 * 1024;

export type SharedJsonRequest = {
  /** What identifies the document, e.g. `state` or `GET_STATE` (the jsonp callback is added). */
  readonly key: string;
  /** The state version the document would be built at; a different one never shares. */
  readonly version: number;
  readonly jsonp?: string | null;
  /** Builds the (lazy) value to write; called only when a new serialization starts. */
  readonly build: () => unknown;
};

type Reader = { next: number };

class SharedDocument implements ChunkSink {
  readonly version: number;
  joinable = true;
  readonly #contentType: string;
  readonly #onRetired: () => void;
  readonly #chunks: Buffer[] = [];
  /** Index (in the whole document) of `#chunks[0]`. */
  #base = 0;
  #bytes = 0;
  #finished = false;
  #failed = false;
  readonly #readers = new Set<Reader>();
  #wakeReaders: (() => void)[] = [];
  #wakeProducer: (() => void) | undefined;

  constructor(version: number, contentType: string, onRetired: () => void) {
    this.version = version;
    this.#contentType = contentType;
    this.#onRetired = onRetired;
  }

  get readers(): number {
    return this.#readers.size;
  }

  get gone(): boolean {
    return this.#readers.size === 0;
  }

  get #end(): number {
    return this.#base + this.#chunks.length;
  }

  write(chunk: string): Promise<void> | undefined {
    const encoded = Buffer.from(chunk, 'utf8');
    this.#chunks.push(encoded);
    this.#bytes += encoded.length;
    if (this.#bytes > MAX_REPLAY_BYTES) this.#retire();
    this.#trim();
    this.#wake();
    if (this.#fastest() >= this.#end - 1) return undefined;
    return new Promise<void>((resolve) => (this.#wakeProducer = resolve));
  }

  finish(): void {
    this.#finished = true;
    this.#wake();
    if (this.gone) this.#retire();
  }

  fail(): void {
    this.#failed = true;
    this.#retire();
    this.#wake();
  }

  /** Sends the whole document (from its first chunk) to `res`. */
  async serve(res: ServerResponse): Promise<void> {
    const reader: Reader = { next: this.#base };
    this.#readers.add(reader);
    res.writeHead(200, { 'Content-Type': this.#contentType });
    try {
      for (;;) {
        if (res.destroyed) return;
        if (reader.next < this.#end) {
          const chunk = this.#chunks[reader.next - this.#base]!;
          reader.next++;
          this.#progress();
          if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
          continue;
        }
        if (this.#failed) {
          res.destroy();
          return;
        }
        if (this.#finished) {
          res.end();
          return;
        }
        await new Promise<void>((resolve) => this.#wakeReaders.push(resolve));
      }
    } finally {
      this.#readers.delete(reader);
      this.#progress();
      if (this.gone && (this.#finished || this.#failed)) this.#retire();
    }
  }

  /** Takes no new readers from now on (and is forgotten by its owner). */
  #retire(): void {
    if (!this.joinable) return;
    this.joinable = false;
    this.#onRetired();
  }

  #fastest(): number {
    let max = -1;
    for (const r of this.#readers) if (r.next > max) max = r.next;
    return max;
  }

  /** A reader moved on or left: the producer may go on, and chunks nobody needs are dropped. */
  #progress(): void {
    this.#trim();
    const wake = this.#wakeProducer;
    if (wake !== undefined && (this.gone || this.#fastest() >= this.#end - 1)) {
      this.#wakeProducer = undefined;
      wake();
    }
  }

  #trim(): void {
    if (this.joinable) return;
    let min = this.#end;
    for (const r of this.#readers) if (r.next < min) min = r.next;
    while (this.#base < min) {
      this.#chunks.shift();
      this.#base++;
    }
  }

  #wake(): void {
    for (const wake of this.#wakeReaders.splice(0)) wake();
  }
}

/** The documents of one master being written, by key. */
export class SharedJsonDocuments {
  readonly #docs = new Map<string, SharedDocument>();

  /** Serializations begun (for tests and metrics). */
  serializations = 0;

  /** Answers `res` with the document, joining a serialization of the same version in progress. */
  async serve(res: ServerResponse, request: SharedJsonRequest): Promise<void> {
    const key = `${request.key}\0${request.jsonp ?? ''}`;
    const existing = this.#docs.get(key);
    if (existing !== undefined && existing.joinable && existing.version === request.version) return existing.serve(res);
    const doc: SharedDocument = new SharedDocument(request.version, jsonContentType(request.jsonp), () => {
      if (this.#docs.get(key) === doc) this.#docs.delete(key);
    });
    this.#docs.set(key, doc);
    this.serializations++;
    const value = request.build();
    // The first reader is registered before the producer writes anything.
    const served = doc.serve(res);
    const produced = writeJson(doc, value, request.jsonp).then(
      () => doc.finish(),
      (err: unknown) => {
        doc.fail();
        // A failure to build the document is this request's error (its readers are cut off).
        if (!(err instanceof ClientGone)) throw err;
      },
    );
    await Promise.all([served, produced]);
  }
}

const perOwner = new WeakMap<object, SharedJsonDocuments>();

/** The shared documents of `owner` (the master). */
export function sharedJsonOf(owner: object): SharedJsonDocuments {
  let docs = perOwner.get(owner);
  if (docs === undefined) perOwner.set(owner, (docs = new SharedJsonDocuments()));
  return docs;
}
