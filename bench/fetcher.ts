// Fetcher benchmark: 20 executors that fetch the same archive at the same moment, through the
// agent's fetch step (src/agent/fetch-step.ts) from a local HTTP server on 127.0.0.1. With
// `cache: true` the archive must cross the network once (bytes downloaded == 1 x archive size)
// while every sandbox still gets the extracted contents; the uncached run is the comparison.
// `npm run bench -- fetcher [--quick]` (50 MB archive; 10 MB with --quick).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SystemClock } from '../src/common/clock.ts';
import { parseFlags } from '../src/common/flags.ts';
import { silentLogger } from '../src/common/log.ts';
import { Metrics } from '../src/common/metrics.ts';
import { FetchStep } from '../src/agent/fetch-step.ts';
import { AGENT_FLAGS } from '../src/agent/flags.ts';
import type { Executor } from '../src/agent/state.ts';
import { FileServer } from '../src/fetcher/testing/file-server.ts';
import { tempDir } from '../test/helpers/process.ts';
import type { BenchOptions, BenchRow } from './lib.ts';

const TASKS = 20;
const MB = 1024 * 1024;
const log = (line: string): void => console.log(`  ${line}`);

/** A tgz of incompressible data, so the archive is about `bytes` on the wire. */
function makeArchive(dir: string, bytes: number): string {
  const tree = join(dir, 'tree/payload');
  mkdirSync(tree, { recursive: true });
  for (let i = 0; i < bytes / MB; i++) writeFileSync(join(tree, `part-${i}.bin`), randomBytes(MB));
  const archive = join(dir, 'www/payload.tgz');
  mkdirSync(join(dir, 'www'));
  execFileSync('tar', ['-czf', archive, 'payload'], { cwd: join(dir, 'tree') });
  return archive;
}

async function scenario(name: string, root: string, server: FileServer, cache: boolean): Promise<{ wallMs: number; bytes: number; requests: number; metrics: Record<string, number> }> {
  const workDir = join(root, name);
  const flags = { ...parseFlags(AGENT_FLAGS, ['--master=127.0.0.1:5050', `--work_dir=${workDir}`], { env: {} }) };
  const metrics = new Metrics();
  const step = new FetchStep({ flags, logger: silentLogger(), clock: new SystemClock(), metrics });
  await step.fetcher.init();
  const executors = Array.from({ length: TASKS }, (_, i) => {
    const directory = join(workDir, 'sandboxes', `task-${i}`);
    mkdirSync(directory, { recursive: true });
    const executor: Pick<Executor, 'info' | 'directory' | 'containerId' | 'state'> = {
      info: { executor_id: { value: `task-${i}` }, command: { uris: [{ value: server.url('payload.tgz'), cache }] } },
      directory,
      containerId: `container-${i}`,
      state: 'REGISTERING',
    };
    return executor;
  });
  const sentBefore = server.bytesSent;
  const hitsBefore = server.hitsOf('/payload.tgz');
  const started = performance.now();
  await Promise.all(executors.map((e) => step.run(e, undefined)));
  const wallMs = performance.now() - started;
  for (const e of executors) statSync(join(e.directory, 'payload/part-0.bin'));
  return { wallMs, bytes: server.bytesSent - sentBefore, requests: server.hitsOf('/payload.tgz') - hitsBefore, metrics: metrics.snapshot() };
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const dir = tempDir('agora-bench-fetcher-');
  const server = await new FileServer(join(dir.path, 'www')).listen();
  try {
    const archive = makeArchive(dir.path, (opts.quick ? 10 : 50) * MB);
    const size = statSync(archive).size;
    log(`archive: ${(size / MB).toFixed(1)} MB, ${TASKS} concurrent fetches`);
    const rows: BenchRow[] = [];
    const cached = await scenario('cached', dir.path, server, true);
    const label = `${TASKS} tasks, one ${Math.round(size / MB)} MB tgz, cache=true`;
    log(`cached: ${cached.requests} request(s), ${cached.bytes} bytes sent, ${cached.wallMs.toFixed(0)} ms`);
    rows.push(
      { scenario: label, metric: 'bytes downloaded', value: cached.bytes, unit: 'bytes', target: size, targetKind: 'max', anchor: 'target: exactly 1 x archive size' },
      { scenario: label, metric: 'HTTP requests for the archive', value: cached.requests, unit: 'requests', target: 1, targetKind: 'max' },
      { scenario: label, metric: 'bytes_downloaded metric', value: cached.metrics['containerizer/fetcher/bytes_downloaded'] ?? null, unit: 'bytes', target: size, targetKind: 'max' },
      { scenario: label, metric: 'cache hits', value: cached.metrics['containerizer/fetcher/cache_hits'] ?? null, unit: 'fetches', target: TASKS - 1, targetKind: 'min' },
      { scenario: label, metric: 'wall time (download once + 20 extractions)', value: Math.round(cached.wallMs), unit: 'ms' },
      { scenario: label, metric: 'throughput delivered to sandboxes', value: Number(((TASKS * size) / MB / (cached.wallMs / 1000)).toFixed(1)), unit: 'MB/s' },
    );
    const direct = await scenario('uncached', dir.path, server, false);
    const directLabel = `${TASKS} tasks, one ${Math.round(size / MB)} MB tgz, cache=false (comparison)`;
    log(`uncached: ${direct.requests} request(s), ${direct.bytes} bytes sent, ${direct.wallMs.toFixed(0)} ms`);
    rows.push(
      { scenario: directLabel, metric: 'bytes downloaded', value: direct.bytes, unit: 'bytes' },
      { scenario: directLabel, metric: 'wall time (20 downloads + 20 extractions)', value: Math.round(direct.wallMs), unit: 'ms' },
      { scenario: directLabel, metric: 'throughput delivered to sandboxes', value: Number(((TASKS * size) / MB / (direct.wallMs / 1000)).toFixed(1)), unit: 'MB/s' },
    );
    return rows;
  } finally {
    await server.close();
    dir.cleanup();
  }
}
