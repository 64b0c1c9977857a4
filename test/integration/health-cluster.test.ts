// Health checks and checks end to end: a raw framework launches tasks through a real master and
// agent, the agent starts the real command executor, and the framework sees the `healthy` and
// `check_status` updates and the health-check kill exactly as a Mesos framework would.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  acknowledge,
  commandTask,
  firstOffer,
  followToTerminal,
  frameworkInfo,
  idOf,
  launch,
  nextUpdate,
  startCluster,
  subscribe,
  teardown,
} from './conformance-support.ts';
import type { Cluster, Framework, Json } from './conformance-support.ts';

let cluster: Cluster;
let fw: Framework;

before(async () => {
  cluster = await startCluster();
  fw = await subscribe(cluster.masterUrl, frameworkInfo('health-e2e'));
});

after(async () => {
  if (fw) await teardown(fw);
  if (cluster) await cluster.stop();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('a failing health check: RUNNING healthy=false twice, then TASK_KILLED healthy=false; a healthy task with a check', async () => {
  const offer = await firstOffer(fw);
  const agentId = idOf(offer.agent_id);
  const unhealthy = commandTask('e2e-unhealthy', agentId, 'sleep 30');
  unhealthy.health_check = { type: 'COMMAND', command: { value: 'exit 1' }, delay_seconds: 0, interval_seconds: 0.1, grace_period_seconds: 0, consecutive_failures: 2 };
  const checked = commandTask('e2e-checked', agentId, 'sleep 30');
  checked.health_check = { type: 'COMMAND', command: { value: 'true' }, delay_seconds: 0, interval_seconds: 0.1 };
  checked.check = { type: 'TCP', tcp: { port: await closedPort() }, delay_seconds: 0, interval_seconds: 0.1 };
  await launch(fw, [idOf(offer.id)], [unhealthy, checked]);

  const statuses = await followToTerminal(fw, 'e2e-unhealthy', 30_000);
  const summary = statuses.map((s) => [s.state, s.healthy, s.reason]);
  assert.deepEqual(summary, [
    ['TASK_STARTING', undefined, undefined],
    ['TASK_RUNNING', undefined, undefined],
    ['TASK_RUNNING', false, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED'],
    ['TASK_RUNNING', false, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED'],
    ['TASK_KILLED', false, undefined],
  ]);
  assert.equal(statuses.at(-1)!.message, 'Command terminated with signal Terminated');
  assert.equal(statuses.at(-1)!.source, 'SOURCE_EXECUTOR');

  // The other task: healthy once, and its check reports the refused connection.
  const seen: Json[] = [];
  while (!(seen.some((s) => s.healthy === true) && seen.some((s) => s.reason === 'REASON_TASK_CHECK_STATUS_UPDATED'))) {
    const status = await nextUpdate(fw, 'e2e-checked', 15_000);
    seen.push(status);
    await acknowledge(fw, status);
  }
  assert.deepEqual(seen.filter((s) => s.healthy === true).map((s) => [s.state, s.reason]), [['TASK_RUNNING', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED']]);
  const check = seen.find((s) => s.reason === 'REASON_TASK_CHECK_STATUS_UPDATED')!;
  assert.deepEqual(check.check_status, { type: 'TCP', tcp: { succeeded: false } });
  assert.deepEqual(seen[0]!.check_status, { type: 'TCP', tcp: {} }, 'updates made from scratch carry the empty check status');

  await fw.call('KILL', { task_id: { value: 'e2e-checked' }, agent_id: { value: agentId } });
  const rest = await followToTerminal(fw, 'e2e-checked', 15_000);
  assert.equal(rest.at(-1)!.state, 'TASK_KILLED');
  assert.equal(rest.at(-1)!.healthy, undefined);
});
