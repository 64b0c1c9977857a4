// The fetcher: puts a container's `CommandInfo.uris` into its sandbox before the executor starts,
// one URI after another (as mesos-fetcher does), through the cache when `cache` is set. Each
// failure becomes a FetchError "Failed to fetch '<uri>': <cause>", which the agent reports as
// TASK_FAILED / REASON_CONTAINER_LAUNCH_FAILED. Progress goes to the agent log and a short
// account of each URI to the sandbox's `stderr`, where Mesos's fetcher output also lands.
import { constants } from 'node:fs';
import { appendFile, chmod, copyFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { CommandUri } from '../protocol/index.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import type { Counter, Metrics } from '../common/metrics.ts';
import { archiveTypeOf } from './archive.ts';
import { FetcherCache } from './cache.ts';
import { download } from './download.ts';
import { extractArchive } from './extract.ts';
import { prepareFile } from './sandbox-write.ts';
import { cacheKey, destinationName, parseFetchSource, type FetchSource } from './uri.ts';

/** How often a running download logs its progress. */
export const PROGRESS_LOG_INTERVAL_MS = 5_000;

export type FetcherOptions = {
  /** `--fetcher_cache_dir`. */
  cacheDir: string;
  /** `--fetcher_cache_size`; 0 disables the cache. */
  cacheSizeBytes: number;
  /** `--fetcher_stall_timeout`. */
  stallTimeoutMs: number;
  logger: Logger;
  clock: Clock;
  /** Registry that receives the `containerizer/fetcher/*` metrics. */
  metrics: Metrics;
  progressIntervalMs?: number;
};

export type FetchRequest = {
  uris: readonly CommandUri[];
  /** The sandbox directory (exists already). */
  sandbox: string;
  /** The task user: cache entries are per user, as in Mesos. */
  user?: string | undefined;
  /** For log lines only. */
  containerId?: string | undefined;
  /** Aborts the fetch (the container is being destroyed). */
  signal?: AbortSignal | undefined;
};

/** A URI could not be fetched; `message` is `Failed to fetch '<uri>': <cause>`. */
export class FetchError extends Error {
  readonly uri: string;
  constructor(uri: string, cause: string, options?: ErrorOptions) {
    super(`Failed to fetch '${uri}': ${cause}`, options);
    this.name = 'FetchError';
    this.uri = uri;
  }
}

export class Fetcher {
  readonly cache: FetcherCache;
  readonly #o: FetcherOptions;
  readonly #log: Logger;
  readonly #succeeded: Counter;
  readonly #failed: Counter;
  readonly #hits: Counter;
  readonly #misses: Counter;
  readonly #downloaded: Counter;

  constructor(options: FetcherOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'fetcher' });
    this.cache = new FetcherCache({ dir: options.cacheDir, capacityBytes: options.cacheSizeBytes, logger: this.#log });
    const m = options.metrics;
    // Mesos names (dashboards keep working) ...
    this.#succeeded = m.counter('containerizer/fetcher/task_fetches_succeeded');
    this.#failed = m.counter('containerizer/fetcher/task_fetches_failed');
    m.gauge('containerizer/fetcher/cache_size_total_bytes', () => this.cache.index.capacity);
    m.gauge('containerizer/fetcher/cache_size_used_bytes', () => this.cache.index.usedBytes);
    // ... and Agora's additions.
    this.#hits = m.counter('containerizer/fetcher/cache_hits');
    this.#misses = m.counter('containerizer/fetcher/cache_misses');
    this.#downloaded = m.counter('containerizer/fetcher/bytes_downloaded');
  }

  /** Empties the cache directory of files an earlier agent left. Safe to call more than once. */
  init(): Promise<void> {
    return this.cache.init();
  }

  /** Fetches every URI of one container, in order; throws FetchError on the first failure. */
  async fetch(request: FetchRequest): Promise<void> {
    if (request.uris.length === 0) return;
    try {
      for (const uri of request.uris) await this.#fetchOne(uri, request);
      this.#succeeded.inc();
    } catch (err) {
      this.#failed.inc();
      const error = err instanceof FetchError ? err : new FetchError('?', (err as Error).message, { cause: err });
      await sandboxLog(request.sandbox, error.message);
      throw error;
    }
  }

  async #fetchOne(uri: CommandUri, request: FetchRequest): Promise<void> {
    const log = this.#log.child({ uri: uri.value, ...(request.containerId !== undefined ? { container_id: request.containerId } : {}) });
    try {
      const source = parseFetchSource(uri.value);
      const name = destinationName(source, uri.output_file);
      const dest = await prepareFile(request.sandbox, name);
      await sandboxLog(request.sandbox, `Fetching '${uri.value}'${uri.cache === true ? ' through the cache' : ''} to '${name}'`);
      if (uri.cache === true && this.cache.enabled) {
        await this.#fetchThroughCache(uri, source, name, dest, request, log);
      } else {
        await this.#download(source, dest, undefined, request.signal, log);
        if (uri.executable === true) await chmod(dest, 0o755);
        else if (uri.extract !== false) await this.#extract(dest, name, request, log);
      }
    } catch (err) {
      if (err instanceof FetchError) throw err;
      log.warn({ err: (err as Error).message }, 'fetch failed');
      throw new FetchError(uri.value, (err as Error).message, { cause: err });
    }
  }

  async #fetchThroughCache(uri: CommandUri, source: FetchSource, name: string, dest: string, request: FetchRequest, log: Logger): Promise<void> {
    const lease = await this.cache.lease(
      cacheKey(request.user, uri.value),
      posix.basename(name),
      request.user,
      (tmp, onSize, signal) => this.#download(source, tmp, onSize, signal, log),
      request.signal,
    );
    (lease.hit ? this.#hits : this.#misses).inc();
    if (lease.hit) log.info({ file: lease.file }, 'fetcher cache hit');
    try {
      // From the cache only the extracted contents reach the sandbox, as in Mesos.
      if (uri.executable !== true && uri.extract !== false && archiveTypeOf(name) !== undefined) {
        await this.#extract(lease.file, name, request, log);
        return;
      }
      // A copy, never a hard link: the task could change the file and with it the cache. FICLONE
      // makes the copy a free copy-on-write clone where the filesystem supports it.
      await copyFile(lease.file, dest, constants.COPYFILE_FICLONE);
      if (uri.executable === true) await chmod(dest, 0o755);
    } finally {
      lease.release();
    }
  }

  async #extract(file: string, name: string, request: FetchRequest, log: Logger): Promise<void> {
    const type = archiveTypeOf(name);
    if (type === undefined) return;
    const started = this.#o.clock.now();
    await extractArchive(file, type, name, request.sandbox, request.signal);
    log.info({ archive: name, type, duration_ms: this.#o.clock.now() - started }, 'extracted archive');
    await sandboxLog(request.sandbox, `Extracted '${name}' into the sandbox`);
  }

  /** Downloads with progress lines in the agent log every few seconds and a summary at the end. */
  async #download(source: FetchSource, dest: string, onSize: ((bytes: number) => void) | undefined, signal: AbortSignal | undefined, log: Logger): Promise<number> {
    const clock = this.#o.clock;
    const interval = this.#o.progressIntervalMs ?? PROGRESS_LOG_INTERVAL_MS;
    const started = clock.now();
    let total: number | undefined;
    let counted = 0;
    let lastLogAt = started;
    let lastLogBytes = 0;
    const bytes = await download(source, dest, {
      clock,
      stallTimeoutMs: this.#o.stallTimeoutMs,
      signal,
      onSize: (announced) => {
        total = announced;
        onSize?.(announced);
      },
      onProgress: (sofar) => {
        this.#downloaded.inc(sofar - counted);
        counted = sofar;
        const now = clock.now();
        if (now - lastLogAt < interval) return;
        log.info({ bytes: sofar, total_bytes: total, rate_bytes_per_sec: rate(sofar - lastLogBytes, now - lastLogAt) }, 'fetch in progress');
        lastLogAt = now;
        lastLogBytes = sofar;
      },
    });
    const ms = clock.now() - started;
    log.info({ bytes, duration_ms: ms, rate_bytes_per_sec: rate(bytes, ms) }, 'fetched URI');
    return bytes;
  }
}

function rate(bytes: number, ms: number): number {
  return ms > 0 ? Math.round((bytes * 1000) / ms) : bytes;
}

/** Appends a line to the sandbox's stderr, never through a symlink; best effort. */
async function sandboxLog(sandbox: string, line: string): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
  await appendFile(join(sandbox, 'stderr'), `${line}\n`, { flag: flags }).catch(() => undefined);
}
