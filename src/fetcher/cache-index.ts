// Pure: the fetcher cache's bookkeeping. Entries are keyed by `user@uri`; each has a size (the
// announced Content-Length while downloading, the bytes actually written once done), a
// reference count (fetches downloading, waiting for or copying from it) and a last-use tick.
// Making room evicts the least recently used entries that nobody references. An entry that cannot
// fit even then is *detached*: it leaves the index (the next fetch downloads again) and its file
// is deleted once its last user lets go, as Mesos does with oversized cache files.
//
//   add ──> downloading ──ready()──> ready ──(LRU, refs 0)──> evicted
//               │  └─────remove()───> gone (failed downloads are never cached)
//               └──resize() cannot fit──> detached ──last release()──> file deleted

export type CacheEntry = {
  readonly key: string;
  /** Path of the cache file (opaque here). */
  readonly file: string;
  /** Bytes counted against the capacity. */
  size: number;
  refs: number;
  lastUsed: number;
  state: 'downloading' | 'ready';
  /** Out of the index; the file goes when `refs` reaches 0. */
  detached: boolean;
};

export class CacheIndex {
  readonly capacity: number;
  readonly #entries = new Map<string, CacheEntry>();
  #tick = 0;
  #used = 0;

  constructor(capacityBytes: number) {
    this.capacity = capacityBytes;
  }

  /** Bytes of every entry in the index (detached ones no longer count). */
  get usedBytes(): number {
    return this.#used;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): CacheEntry | undefined {
    return this.#entries.get(key);
  }

  /** A new entry, referenced once by the fetch about to download it. */
  add(key: string, file: string): CacheEntry {
    if (this.#entries.has(key)) throw new Error(`cache entry '${key}' exists already`);
    const entry: CacheEntry = { key, file, size: 0, refs: 1, lastUsed: ++this.#tick, state: 'downloading', detached: false };
    this.#entries.set(key, entry);
    return entry;
  }

  acquire(entry: CacheEntry): void {
    entry.refs++;
    entry.lastUsed = ++this.#tick;
  }

  /** Drops one reference; true when the caller must now delete the (detached) entry's file. */
  release(entry: CacheEntry): boolean {
    if (entry.refs <= 0) throw new Error(`cache entry '${entry.key}' released more often than acquired`);
    entry.refs--;
    return entry.detached && entry.refs === 0;
  }

  ready(entry: CacheEntry): void {
    entry.state = 'ready';
  }

  /** Forgets an entry whose download failed; true when the caller must delete its file now. */
  remove(entry: CacheEntry): boolean {
    this.#detach(entry);
    return entry.refs === 0;
  }

  /**
   * Sets the entry's size and makes room for it. Returns the evicted entries (whose files the
   * caller deletes) and whether the entry is still cached (false: detached, too big to fit).
   */
  resize(entry: CacheEntry, bytes: number): { evicted: CacheEntry[]; cached: boolean } {
    if (entry.detached) return { evicted: [], cached: false };
    this.#used += bytes - entry.size;
    entry.size = bytes;
    const evicted: CacheEntry[] = [];
    // Too big for the whole cache: evict nothing for it, keep what is cached, drop the newcomer.
    if (bytes > this.capacity) {
      this.#detach(entry);
      return { evicted, cached: false };
    }
    if (this.#used <= this.capacity) return { evicted, cached: true };
    const candidates = [...this.#entries.values()]
      .filter((e) => e !== entry && e.refs === 0 && e.state === 'ready')
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const victim of candidates) {
      if (this.#used <= this.capacity) break;
      this.#detach(victim);
      evicted.push(victim);
    }
    // Everything else is in use: the newcomer is delivered, then deleted.
    if (this.#used > this.capacity) {
      this.#detach(entry);
      return { evicted, cached: false };
    }
    return { evicted, cached: true };
  }

  #detach(entry: CacheEntry): void {
    if (entry.detached) return;
    entry.detached = true;
    this.#entries.delete(entry.key);
    this.#used -= entry.size;
  }
}
