// The fetcher inside a real cluster (master + agent + command executor processes): a task's
// URIs are fetched into its sandbox before the command runs, the second task using a cached URI
// is served from the cache (the agent's /metrics/snapshot says so), and a URI that answers 404
// fails the task with REASON_CONTAINER_LAUNCH_FAILED and a message naming the URI and the cause.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FileServer } from '../../src/fetcher/testing/file-server.ts';
import { tempDir } from '../helpers/process.ts';
import {
  commandTask,
  firstOffer,
  followToTerminal,
  frameworkInfo,
  getJson,
  idOf,
  launch,
  startCluster,
  subscribe,
  type Cluster,
  type Framework,
  type Json,
} from './conformance-support.ts';

const files = tempDir('agora-fetcher-files-');
let server: FileServer;
let cluster: Cluster;
let fw: Framework;

before(async () => {
  const tree = join(files.path, 'tree');
  mkdirSync(join(tree, 'app/bin'), { recursive: true });
  writeFileSync(join(tree, 'app/bin/hello'), '#!/bin/sh\necho "hello from the archive"\n');
  chmodSync(join(tree, 'app/bin/hello'), 0o755);
  mkdirSync(join(files.path, 'www'));
  execFileSync('tar', ['-czf', join(files.path, 'www/app.tgz'), 'app'], { cwd: tree });
  writeFileSync(join(files.path, 'www/check.sh'), '#!/bin/sh\ntest -x app/bin/hello && app/bin/hello\n');
  server = await new FileServer(join(files.path, 'www')).listen();
  cluster = await startCluster();
  fw = await subscribe(cluster.masterUrl, frameworkInfo('fetcher-agent'));
});

after(async () => {
  fw?.close();
  await cluster?.stop();
  await server?.close();
  files.cleanup();
});

async function runTask(taskId: string, uris: Json[], command: string): Promise<Json[]> {
  const offer = await firstOffer(fw);
  const task = commandTask(taskId, cluster.agentId, command);
  (task.command as Json).uris = uris;
  await launch(fw, [idOf(offer.id)], [task]);
  return followToTerminal(fw, taskId);
}

async function fetcherMetrics(): Promise<Record<string, number>> {
  const { body } = await getJson(`${cluster.agentUrl}/metrics/snapshot`);
  return Object.fromEntries(Object.entries(body).filter(([k]) => k.startsWith('containerizer/fetcher/'))) as Record<string, number>;
}

test('a task runs what its URIs fetched; the second fetch of a cached URI hits the cache', async () => {
  const uris = [{ value: server.url('app.tgz'), cache: true }, { value: server.url('check.sh'), executable: true }];
  const first = await runTask('fetch-1', uris, './check.sh');
  assert.equal(first.at(-1)?.state, 'TASK_FINISHED', JSON.stringify(first.at(-1)));
  const second = await runTask('fetch-2', uris, './check.sh');
  assert.equal(second.at(-1)?.state, 'TASK_FINISHED', JSON.stringify(second.at(-1)));
  assert.equal(server.hitsOf('/app.tgz'), 1, 'the cached archive was downloaded once');
  assert.equal(server.hitsOf('/check.sh'), 2, 'the uncached script was downloaded for each task');
  const m = await fetcherMetrics();
  assert.equal(m['containerizer/fetcher/task_fetches_succeeded'], 2);
  assert.equal(m['containerizer/fetcher/task_fetches_failed'], 0);
  assert.equal(m['containerizer/fetcher/cache_misses'], 1);
  assert.equal(m['containerizer/fetcher/cache_hits'], 1);
  assert.equal(m['containerizer/fetcher/cache_size_total_bytes'], 2 * 1024 ** 3, 'Mesos default --fetcher_cache_size=2GB');
  assert.ok((m['containerizer/fetcher/cache_size_used_bytes'] ?? 0) > 0);
});

test('a URI answering 404 fails the task with REASON_CONTAINER_LAUNCH_FAILED naming the URI and the cause', async () => {
  const uri = server.url('missing.tgz');
  const statuses = await runTask('fetch-404', [{ value: uri }], 'true');
  const last = statuses.at(-1)!;
  assert.deepEqual(statuses.map((s) => s.state), ['TASK_FAILED'], 'the executor never started');
  assert.equal(last.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  assert.equal(last.source, 'SOURCE_AGENT');
  // Mesos words launch failures "Failed to launch container: <cause>".
  assert.equal(last.message, `Failed to launch container: Failed to fetch '${uri}': HTTP 404 Not Found`);
  const m = await fetcherMetrics();
  assert.equal(m['containerizer/fetcher/task_fetches_failed'], 1);
});
