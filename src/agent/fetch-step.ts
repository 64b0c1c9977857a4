// The launch step that runs the fetcher (src/fetcher): an executor's `CommandInfo.uris` are
// fetched into its sandbox before its container is launched. As in Mesos the time spent here
// counts against --executor_registration_timeout (the timer starts before this step), and a
// fetch stops as soon as the executor leaves REGISTERING (registration timed out, its tasks were
// killed, the framework went away).
import { join } from 'node:path';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import type { Metrics } from '../common/metrics.ts';
import { Fetcher } from '../fetcher/index.ts';
import type { AgentFlags } from './flags.ts';
import type { Executor } from './state.ts';

/** How often an in-flight fetch checks whether its executor is still wanted. */
const CANCEL_POLL_MS = 250;

/** Mesos's default cache location is `fetch` inside its default work dir (/tmp/mesos/fetch). */
export function fetcherCacheDir(flags: Pick<AgentFlags, 'fetcher_cache_dir' | 'work_dir'>): string {
  return flags.fetcher_cache_dir ?? join(flags.work_dir, 'fetch');
}

export class FetchStep {
  readonly fetcher: Fetcher;
  readonly #clock: Clock;

  constructor(o: { flags: AgentFlags; logger: Logger; clock: Clock; metrics: Metrics }) {
    this.#clock = o.clock;
    this.fetcher = new Fetcher({
      cacheDir: fetcherCacheDir(o.flags),
      cacheSizeBytes: o.flags.fetcher_cache_size,
      stallTimeoutMs: o.flags.fetcher_stall_timeout,
      logger: o.logger,
      clock: o.clock,
      metrics: o.metrics,
    });
    // Clear what an earlier agent left in the cache now; cached fetches wait for this.
    this.fetcher.init().catch((err: Error) => o.logger.error({ err: err.message, dir: this.fetcher.cache.dir }, 'cannot prepare the fetcher cache directory'));
  }

  /**
   * Fetches the executor's URIs into its sandbox as `user`. Throws FetchError (its message names
   * the URI and the cause), which the caller turns into REASON_CONTAINER_LAUNCH_FAILED.
   */
  async run(executor: Pick<Executor, 'info' | 'directory' | 'containerId' | 'state'>, user: string | undefined): Promise<void> {
    const uris = executor.info.command?.uris ?? [];
    if (uris.length === 0) return;
    const abort = new AbortController();
    const poll = this.#clock.setInterval(() => {
      if (executor.state !== 'REGISTERING') abort.abort(new Error('the executor is terminating'));
    }, CANCEL_POLL_MS);
    try {
      await this.fetcher.fetch({ uris, sandbox: executor.directory, user, containerId: executor.containerId, signal: abort.signal });
    } finally {
      this.#clock.clearInterval(poll);
    }
  }
}
