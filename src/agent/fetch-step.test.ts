import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock } from '../common/clock.ts';
import { silentLogger } from '../common/log.ts';
import { Metrics } from '../common/metrics.ts';
import { FileServer } from '../fetcher/testing/file-server.ts';
import { fetcherCacheDir, FetchStep } from './fetch-step.ts';
import { parseAgentFlags } from './flags.ts';
import type { Executor } from './state.ts';

/** Polls a condition (real I/O is involved, so there is nothing to await directly). */
async function until(condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5_000; !condition(); await sleep(5)) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
  }
}

const BASE = ['--master=127.0.0.1:5050', '--work_dir=/var/lib/agora'];

test('fetcher flags: Mesos defaults, the cache inside the work dir unless set', () => {
  const flags = parseAgentFlags(BASE, {});
  assert.equal(flags.fetcher_cache_size, 2 * 1024 ** 3);
  assert.equal(flags.fetcher_stall_timeout, 60_000);
  assert.equal(fetcherCacheDir(flags), '/var/lib/agora/fetch');
  const set = parseAgentFlags([...BASE, '--fetcher_cache_dir=/cache', '--fetcher_cache_size=512MB', '--fetcher_stall_timeout=30secs'], {});
  assert.equal(fetcherCacheDir(set), '/cache');
  assert.equal(set.fetcher_cache_size, 512 * 1024 ** 2);
  assert.equal(set.fetcher_stall_timeout, 30_000);
  assert.throws(() => parseAgentFlags([...BASE, '--fetcher_stall_timeout=0secs'], {}), /--fetcher_stall_timeout: must be positive/);
});

test('a fetch stops once its executor leaves REGISTERING (timed out, killed)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-fetch-step-'));
  const www = join(dir, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'app.tgz'), 'not served in time');
  const server = await new FileServer(www).listen();
  let release!: () => void;
  server.once('/app.tgz', { kind: 'hold', release: new Promise<void>((r) => (release = r)) });
  try {
    const clock = new ManualClock();
    const flags = parseAgentFlags(['--master=127.0.0.1:5050', `--work_dir=${dir}`], {});
    const metrics = new Metrics();
    const step = new FetchStep({ flags, logger: silentLogger(), clock, metrics });
    const sandbox = join(dir, 'sandbox');
    mkdirSync(sandbox);
    const executor: Pick<Executor, 'info' | 'directory' | 'containerId' | 'state'> = {
      info: { executor_id: { value: 'e' }, command: { uris: [{ value: server.url('app.tgz'), cache: true }] } },
      directory: sandbox,
      containerId: 'c',
      state: 'REGISTERING',
    };
    const running = step.run(executor, undefined);
    await until(() => server.hitsOf('/app.tgz') === 1);
    clock.advance(1_000);
    executor.state = 'TERMINATING';
    clock.advance(250);
    await assert.rejects(running, { message: `Failed to fetch '${server.url('app.tgz')}': the executor is terminating` });
    assert.equal(metrics.snapshot()['containerizer/fetcher/task_fetches_failed'], 1);
    // Nobody else wanted the download: it stops and leaves nothing in the cache.
    await until(() => step.fetcher.cache.index.size === 0);
    assert.equal(step.fetcher.cache.index.usedBytes, 0);
  } finally {
    release();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
