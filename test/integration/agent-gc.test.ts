// Sandbox GC on a real agent (src/agent/gc.ts): with --gc_delay=3secs a finished command task's
// sandbox stays browsable through /files, then is removed a few seconds after its executor ended
// (and /files then answers 404), while a running task's sandbox stays. The delay is the window
// the test has for its /state and /files requests once the task finished (a second is tight on
// a loaded 2-core machine). The disk watch is pushed out to an hour so the real disk's usage
// cannot shorten the delay here; the shortening is covered with a fake usage in
// src/agent/gc-policy.test.ts and src/agent/gc.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnProcess, tempDir, waitFor } from '../helpers/process.ts';
import {
  acknowledge,
  commandTask,
  firstOffer,
  followToTerminal,
  frameworkInfo,
  getJson,
  idOf,
  launch,
  nextUpdate,
  AGORA,
  startCluster,
  subscribe,
  type Cluster,
  type Framework,
  type Json,
} from './conformance-support.ts';

let cluster: Cluster;
let fw: Framework;

before(async () => {
  cluster = await startCluster({ agentArgs: ['--gc_delay=3secs', '--disk_watch_interval=1hrs'] });
  fw = await subscribe(cluster.masterUrl, frameworkInfo('agent-gc'));
});

after(async () => {
  fw?.close();
  await cluster?.stop();
});

/** The sandbox of executor `executorId` (live or completed) from the agent's /state. */
async function sandboxOf(executorId: string): Promise<string> {
  const { body } = await getJson(`${cluster.agentUrl}/state`);
  for (const framework of [...(body.frameworks as Json[]), ...(body.completed_frameworks as Json[])]) {
    for (const executor of [...(framework.executors as Json[]), ...(framework.completed_executors as Json[])]) {
      if (executor.id === executorId) return executor.directory as string;
    }
  }
  throw new Error(`executor '${executorId}' is not in the agent's /state`);
}

function browse(directory: string): Promise<Response> {
  return fetch(`${cluster.agentUrl}/files/browse?path=${encodeURIComponent(directory)}`);
}

test('a finished task sandbox is browsable, then removed after --gc_delay; a running one stays', async () => {
  const offer = await firstOffer(fw);
  await launch(fw, [idOf(offer.id)], [
    commandTask('gc-running', cluster.agentId, 'sleep 600'),
    commandTask('gc-finished', cluster.agentId, 'echo gc-output'),
  ]);
  // The running task: wait for TASK_RUNNING.
  for (;;) {
    const status = await nextUpdate(fw, 'gc-running');
    if (typeof status.uuid === 'string') await acknowledge(fw, status);
    if (status.state === 'TASK_RUNNING') break;
    assert.ok(status.state === 'TASK_STARTING', `gc-running: unexpected ${JSON.stringify(status)}`);
  }
  const statuses = await followToTerminal(fw, 'gc-finished');
  assert.equal(statuses.at(-1)!.state, 'TASK_FINISHED');

  const finishedDir = await sandboxOf('gc-finished');
  const runningDir = await sandboxOf('gc-running');
  const listing = await browse(finishedDir);
  assert.equal(listing.status, 200, 'a completed task sandbox is browsable until it is removed');
  const names = ((await listing.json()) as Json[]).map((e) => e.path as string);
  assert.ok(names.some((p) => p.endsWith('/stdout')), `stdout listed: ${names.join(', ')}`);

  const latestPath = `/frameworks/${fw.id}/executors/gc-finished/runs/latest`;
  assert.equal((await browse(latestPath)).status, 200, 'the virtual latest path is attached before removal');

  const removedAt = await waitFor(() => (existsSync(finishedDir) ? undefined : Date.now()), 15_000);
  assert.ok(removedAt, 'the finished sandbox was removed');
  assert.equal((await browse(finishedDir)).status, 404, '/files no longer serves a removed sandbox');
  assert.equal((await browse(latestPath)).status, 404, 'the virtual latest path is detached too');
  assert.equal(existsSync(finishedDir.replace(/\/executors\/gc-finished\/runs\/.*$/, '/executors/gc-finished')), false, 'the empty executor dir went with it');

  const { body: metrics } = await getJson(`${cluster.agentUrl}/metrics/snapshot`);
  assert.equal(metrics['gc/path_removals_succeeded'], 1);
  assert.equal(metrics['gc/path_removals_failed'], 0);
  assert.equal(metrics['gc/path_removals_pending'], 0);

  // The running task started before the finished one, whose sandbox outlived its executor by
  // --gc_delay: the running one is older than the delay and still there.
  assert.ok(existsSync(runningDir), 'a running task sandbox is never removed');
  assert.equal((await browse(runningDir)).status, 200);
  const { body: flags } = await getJson(`${cluster.agentUrl}/flags`);
  assert.equal((flags.flags as Json).gc_delay, '3secs');
});

test('sandboxes left on disk by an earlier agent are collected after a restart, aged by their mtime', async (t) => {
  const dir = tempDir('agora-gc-restart-');
  t.after(dir.cleanup);
  const work = join(dir.path, 'work');
  const run = (agentId: string, container: string): string => {
    const path = join(work, 'slaves', agentId, 'frameworks', 'F', 'executors', 'E', 'runs', container);
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'stdout'), 'old output\n');
    return path;
  };
  const stale = run('OLD-S0', 'c1');
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  utimesSync(stale, twoHoursAgo, twoHoursAgo);
  const fresh = run('OLD-S0', 'c2');
  // No master is needed: the agent collects before it registers.
  const agent = spawnProcess(AGORA, ['agent', '--port=0', '--master=127.0.0.1:1', `--work_dir=${work}`, '--gc_delay=1hrs', '--disk_watch_interval=1hrs', '--resources=cpus:1;mem:128']);
  t.after(() => agent.stop());
  await agent.waitForLog((l) => l.msg === 'removed sandbox' && l.path === stale, 15_000);
  assert.equal(existsSync(stale), false);
  assert.ok(existsSync(fresh), 'a sandbox touched within --gc_delay stays');
});
