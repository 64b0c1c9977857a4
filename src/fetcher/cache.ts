// The fetcher cache on disk: `<dir>/[<user>/]c<serial>-<name>`, bookkept by CacheIndex. A URI
// is downloaded once per user while it stays cached; fetches of a URI being downloaded wait for
// that download instead of starting another. A failed download leaves nothing behind. The
// download stops early only when every fetch waiting for it has gone (its tasks were killed).
// Like Mesos, the cache is emptied when the agent starts: there is no index on disk to trust.
import { lstat, mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../common/log.ts';
import { CacheIndex, type CacheEntry } from './cache-index.ts';

/** Downloads into `tmp`, reporting the announced size first when known; resolves with the bytes. */
export type CacheDownload = (tmp: string, onSize: (bytes: number) => void, signal: AbortSignal) => Promise<number>;

export type CacheLease = {
  /** The complete cache file, readable until `release()`. */
  file: string;
  /** False for the fetch that downloaded it. */
  hit: boolean;
  release(): void;
};

const CACHE_FILE_RE = /^c\d+-/;
const PARTIAL_SUFFIX = '.partial';
const MAX_NAME_LENGTH = 100;

export class FetcherCache {
  readonly dir: string;
  readonly index: CacheIndex;
  readonly #log: Logger;
  readonly #downloads = new Map<CacheEntry, { done: Promise<void>; abort: AbortController }>();
  #serial = 0;
  #initialized: Promise<void> | undefined;

  constructor(o: { dir: string; capacityBytes: number; logger: Logger }) {
    this.dir = o.dir;
    this.index = new CacheIndex(o.capacityBytes);
    this.#log = o.logger;
  }

  /** `--fetcher_cache_size=0` disables the cache. */
  get enabled(): boolean {
    return this.index.capacity > 0;
  }

  /** Removes cache files left by an earlier agent (only files named like ours). Idempotent. */
  init(): Promise<void> {
    return (this.#initialized ??= this.#wipeStale());
  }

  /** The cache file for `key`, downloading it first unless cached or already on its way. */
  async lease(key: string, name: string, user: string | undefined, download: CacheDownload, signal?: AbortSignal): Promise<CacheLease> {
    await this.init();
    const existing = this.index.get(key);
    if (existing) {
      this.index.acquire(existing);
      const pending = this.#downloads.get(existing);
      if (pending) await this.#wait(existing, pending.done, signal);
      return { file: existing.file, hit: true, release: () => this.#release(existing) };
    }
    const file = join(this.dir, userDirectory(user), `c${++this.#serial}-${name.slice(-MAX_NAME_LENGTH)}`);
    const entry = this.index.add(key, file);
    const abort = new AbortController();
    const done = this.#download(entry, download, abort.signal);
    this.#downloads.set(entry, { done, abort });
    void done.then(
      () => this.#downloads.delete(entry),
      () => this.#downloads.delete(entry),
    );
    await this.#wait(entry, done, signal);
    return { file, hit: false, release: () => this.#release(entry) };
  }

  async #download(entry: CacheEntry, download: CacheDownload, signal: AbortSignal): Promise<void> {
    const tmp = `${entry.file}${PARTIAL_SUFFIX}`;
    try {
      await mkdir(dirname(entry.file), { recursive: true });
      const bytes = await download(tmp, (announced) => this.#resize(entry, announced), signal);
      await rename(tmp, entry.file);
      // The bytes written count, not what the server announced.
      this.#resize(entry, bytes);
      this.index.ready(entry);
    } catch (err) {
      await rm(tmp, { force: true });
      this.index.remove(entry);
      throw err;
    }
  }

  /** Waits for a download; a caller whose signal fires stops waiting and lets go of the entry. */
  async #wait(entry: CacheEntry, done: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
    try {
      if (!signal) return await done;
      signal.throwIfAborted();
      let onAbort!: () => void;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([done, aborted]);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    } catch (err) {
      this.#release(entry);
      throw err;
    }
  }

  #resize(entry: CacheEntry, bytes: number): void {
    const { evicted, cached } = this.index.resize(entry, bytes);
    for (const victim of evicted) {
      this.#log.info({ file: victim.file, bytes: victim.size }, 'evicting fetcher cache entry');
      this.#delete(victim.file);
    }
    if (!cached) {
      this.#log.warn({ key: entry.key, bytes, capacity: this.index.capacity }, 'fetched file does not fit in the fetcher cache; it is deleted after use');
    }
  }

  #release(entry: CacheEntry): void {
    if (this.index.release(entry)) this.#delete(entry.file);
    // Nobody wants this download any more (e.g. its only task was killed): stop it.
    if (entry.refs === 0 && entry.state === 'downloading') this.#downloads.get(entry)?.abort.abort(new Error('no fetch is waiting for this download'));
  }

  #delete(file: string): void {
    rm(file, { force: true }).catch((err: Error) => this.#log.warn({ file, err: err.message }, 'cannot delete fetcher cache file'));
  }

  async #wipeStale(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const removeOurs = async (dir: string): Promise<void> => {
      for (const name of await readdir(dir)) {
        if (!CACHE_FILE_RE.test(name) && !name.endsWith(PARTIAL_SUFFIX)) continue;
        const info = await lstat(join(dir, name)).catch(() => undefined);
        if (info?.isFile()) await rm(join(dir, name), { force: true });
      }
    };
    await removeOurs(this.dir);
    for (const name of await readdir(this.dir)) {
      const sub = join(this.dir, name);
      const info = await lstat(sub).catch(() => undefined);
      if (!info?.isDirectory()) continue;
      await removeOurs(sub);
      await rmdir(sub).catch(() => undefined); // only when now empty
    }
  }
}

/** The per-user subdirectory (none without a user); names that are not plain become hex. */
export function userDirectory(user: string | undefined): string {
  if (user === undefined || user === '') return '';
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(user) ? user : `user-${Buffer.from(user).toString('hex')}`;
}
