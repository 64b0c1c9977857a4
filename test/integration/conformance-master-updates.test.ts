// Conformance of the status updates the master makes up itself (reference §0.13, §2.3, §2.4):
// ACCEPT with invalid offers, and explicit reconciliation of known and unknown tasks. They have
// source SOURCE_MASTER, a reason, and no uuid (so nothing to acknowledge). PARTITION_AWARE
// frameworks get the precise states; the others get TASK_LOST (reference §3 TaskState).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  commandTask,
  offersOf,
  frameworkInfo,
  idOf,
  launch,
  nextUpdate,
  acknowledge,
  startCluster,
  subscribe,
  type Cluster,
  type Framework,
  type Json,
} from './conformance-support.ts';
import { waitFor } from '../helpers/process.ts';

let cluster: Cluster;
/** Without PARTITION_AWARE. */
let plain: Framework;
/** With PARTITION_AWARE. */
let aware: Framework;
before(async () => {
  cluster = await startCluster();
  plain = await subscribe(cluster.masterUrl, frameworkInfo('conformance-master-updates'));
  aware = await subscribe(cluster.masterUrl, frameworkInfo('conformance-master-updates-pa', ['PARTITION_AWARE']));
});
after(async () => {
  plain?.close();
  aware?.close();
  await cluster?.stop();
});

function checkMasterStatus(status: Json, expected: { taskId: string; state: string; reason: string }): void {
  const where = `master-generated ${expected.state} for '${expected.taskId}'`;
  assert.deepEqual(status.task_id, { value: expected.taskId }, `${where}: task_id`);
  assert.equal(status.state, expected.state, `${where}: expected state ${expected.state}, got ${JSON.stringify(status)}`);
  assert.equal(status.source, 'SOURCE_MASTER', `reference §2.3: ${where} has source SOURCE_MASTER`);
  assert.equal(status.reason, expected.reason, `reference §2.3: ${where} has reason ${expected.reason}`);
  assert.equal(status.uuid, undefined, `reference §0.13/§2.4: ${where} carries no uuid, got ${JSON.stringify(status.uuid)}`);
  assert.equal(typeof status.timestamp, 'number', `reference §2.4: ${where} has a timestamp in seconds`);
}

async function acceptWithBogusOffer(fw: Framework, taskId: string): Promise<Json> {
  await launch(fw, [`${fw.id.slice(0, 36)}-O999999`], [commandTask(taskId, cluster.agentId, 'true')]);
  return nextUpdate(fw, taskId, 5_000);
}

test('ACCEPT with an unknown offer id: TASK_LOST, REASON_INVALID_OFFERS, SOURCE_MASTER, no uuid', async () => {
  const status = await acceptWithBogusOffer(plain, 'bogus-offer-task');
  checkMasterStatus(status, { taskId: 'bogus-offer-task', state: 'TASK_LOST', reason: 'REASON_INVALID_OFFERS' });
  assert.match(String(status.message), /^Task launched with invalid offers/, `reference §2.3: message "Task launched with invalid offers: ...", got ${JSON.stringify(status.message)}`);
});

test('ACCEPT with an unknown offer id, PARTITION_AWARE framework: TASK_DROPPED', async () => {
  const status = await acceptWithBogusOffer(aware, 'bogus-offer-task-pa');
  checkMasterStatus(status, { taskId: 'bogus-offer-task-pa', state: 'TASK_DROPPED', reason: 'REASON_INVALID_OFFERS' });
});

function reconcile(fw: Framework, taskId: string, agentId?: string): Promise<Json> {
  return fw
    .call('RECONCILE', { tasks: [{ task_id: { value: taskId }, ...(agentId ? { agent_id: { value: agentId } } : {}) }] })
    .then((reply) => {
      assert.equal(reply.status, 202, `RECONCILE is 202, got ${reply.status}: ${reply.text}`);
      return nextUpdate(fw, taskId, 5_000);
    });
}

test('RECONCILE of a task unknown to a registered agent: TASK_LOST without PARTITION_AWARE', async () => {
  const status = await reconcile(plain, 'never-launched', cluster.agentId);
  checkMasterStatus(status, { taskId: 'never-launched', state: 'TASK_LOST', reason: 'REASON_RECONCILIATION' });
  assert.deepEqual(status.agent_id, { value: cluster.agentId }, 'the reconciliation update names the agent asked about');
  assert.equal(status.message, 'Reconciliation: Task is unknown to the agent', 'upstream master.cpp message for an unknown task on a registered agent');
});

test('RECONCILE of a task unknown to a registered agent: TASK_GONE with PARTITION_AWARE', async () => {
  const status = await reconcile(aware, 'never-launched-pa', cluster.agentId);
  checkMasterStatus(status, { taskId: 'never-launched-pa', state: 'TASK_GONE', reason: 'REASON_RECONCILIATION' });
});

test('RECONCILE of a task on an unknown agent: TASK_UNKNOWN with PARTITION_AWARE, TASK_LOST without', async () => {
  const awareStatus = await reconcile(aware, 'nowhere-pa', `${cluster.agentId.slice(0, 36)}-S999`);
  checkMasterStatus(awareStatus, { taskId: 'nowhere-pa', state: 'TASK_UNKNOWN', reason: 'REASON_RECONCILIATION' });
  const plainStatus = await reconcile(plain, 'nowhere', `${cluster.agentId.slice(0, 36)}-S999`);
  checkMasterStatus(plainStatus, { taskId: 'nowhere', state: 'TASK_LOST', reason: 'REASON_RECONCILIATION' });
});

test('RECONCILE of a known running task: its latest state, "Reconciliation: Latest task state", no uuid', async () => {
  // Either framework may hold the agent's offer; the one that gets it launches.
  const [fw, event] = await waitFor(() => {
    for (const f of [plain, aware]) {
      const offers = f.events.tryTake((e) => e.type === 'OFFERS');
      if (offers) return [f, offers] as const;
    }
    return undefined;
  });
  const offer = offersOf(event)[0]!;
  const taskId = 'reconcile-known';
  await launch(fw, [idOf(offer.id)], [commandTask(taskId, cluster.agentId, 'sleep 30')]);
  for (;;) {
    const status = await nextUpdate(fw, taskId);
    if (typeof status.uuid === 'string') await acknowledge(fw, status);
    if (status.state === 'TASK_RUNNING') break;
    assert.equal(status.state, 'TASK_STARTING', `a fresh command task is STARTING then RUNNING, got ${JSON.stringify(status)}`);
  }
  const status = await reconcile(fw, taskId);
  checkMasterStatus(status, { taskId, state: 'TASK_RUNNING', reason: 'REASON_RECONCILIATION' });
  assert.equal(status.message, 'Reconciliation: Latest task state', 'reference §2.3: the message of an explicit reconciliation of a known task');
  assert.deepEqual(status.agent_id, { value: cluster.agentId }, 'the reconciliation update names the agent the task runs on');

  const kill = await fw.call('KILL', { task_id: { value: taskId }, agent_id: { value: cluster.agentId } });
  assert.equal(kill.status, 202, `KILL is 202, got ${kill.status}: ${kill.text}`);
  for (;;) {
    const update = await nextUpdate(fw, taskId);
    if (typeof update.uuid === 'string') await acknowledge(fw, update);
    if (update.state === 'TASK_KILLED') break;
  }
});
