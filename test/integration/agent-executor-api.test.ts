// The v1 executor API driven by hand: the test plays the executor (the container runs `sleep`,
// which never subscribes), so every event and status code the agent produces is observed
// directly: SUBSCRIBED contents, LAUNCH of the queued task, UPDATE validation, ACKNOWLEDGED
// after the framework's ack, MESSAGE, and re-subscription with unacknowledged updates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import type { ExecutorCall, FrameworkInfo, TaskState, ValidExecutorEvent } from '../../src/protocol/index.ts';
import { decodeExecutorEvent, encodeExecutorCall, readJsonRecords } from '../../src/protocol/index.ts';
import { startAgent, type RunningAgent } from '../../src/agent/main.ts';
import { TestMaster } from '../../src/agent/testing/test-master.ts';
import { tempDir, waitFor } from '../helpers/process.ts';

// The agent's own user: a root agent switches to the framework's user (--switch_user).
const FRAMEWORK: FrameworkInfo = { user: userInfo().username, name: 'api-test', id: { value: 'F-0003' } };
const IDS = { framework_id: { value: 'F-0003' }, executor_id: { value: 'manual' } };

type Subscription = { next(): Promise<ValidExecutorEvent>; close(): void; status: number };

async function subscribe(agent: RunningAgent, extra: Partial<ExecutorCall> = {}): Promise<Subscription> {
  const abort = new AbortController();
  const res = await fetch(`${agent.url}/api/v1/executor`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(encodeExecutorCall({ ...IDS, type: 'SUBSCRIBE', subscribe: {}, ...extra })),
    signal: abort.signal,
  });
  const records = readJsonRecords(res.body!);
  return {
    status: res.status,
    async next() {
      const { value, done } = await records.next();
      assert.equal(done, false, 'stream ended');
      const decoded = decodeExecutorEvent(value);
      assert.ok(decoded.ok);
      return decoded.value;
    },
    close: () => abort.abort(),
  };
}

let uuidSeed = 1;
function update(state: TaskState, over: Record<string, unknown> = {}): ExecutorCall {
  return {
    ...IDS,
    type: 'UPDATE',
    update: { status: { task_id: { value: 'm1' }, state, source: 'SOURCE_EXECUTOR', uuid: Buffer.alloc(16, uuidSeed++).toString('base64'), ...over } },
  };
}

async function post(agent: RunningAgent, call: ExecutorCall | Record<string, unknown>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${agent.url}/api/v1/executor`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(call) });
  return { status: res.status, text: await res.text() };
}

test('an executor subscribes, gets its task, and its updates are acknowledged end to end', async (t) => {
  const dir = tempDir('agora-agent-api-');
  const master = await TestMaster.start();
  const agent = await startAgent({ flags: { master: master.address, work_dir: dir.path, port: 0, resources: 'cpus:2;mem:512' } });
  const subs: Subscription[] = [];
  t.after(async () => {
    for (const s of subs) s.close();
    await agent.stop();
    await master.stop();
    dir.cleanup();
  });
  await waitFor(() => agent.agentId());
  master.send({
    type: 'RUN_TASK',
    run_task: {
      framework_info: FRAMEWORK,
      task: {
        name: 'm1',
        task_id: { value: 'm1' },
        agent_id: { value: master.agentId },
        resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }],
        executor: { executor_id: { value: 'manual' }, command: { value: 'sleep 60' } },
      },
    },
  });
  await waitFor(() => agent.agent.findExecutor('F-0003', 'manual').executor?.containerizer);

  const first = await subscribe(agent);
  subs.push(first);
  assert.equal(first.status, 200);
  const subscribed = await first.next();
  assert.ok(subscribed.type === 'SUBSCRIBED');
  const executor = agent.agent.findExecutor('F-0003', 'manual').executor!;
  assert.equal(subscribed.subscribed.executor_info.executor_id.value, 'manual');
  assert.equal(subscribed.subscribed.executor_info.framework_id?.value, 'F-0003');
  assert.equal(subscribed.subscribed.framework_info.id?.value, 'F-0003');
  assert.equal(subscribed.subscribed.agent_info.id?.value, master.agentId);
  assert.equal(subscribed.subscribed.container_id?.value, executor.containerId);
  const launch = await first.next();
  assert.ok(launch.type === 'LAUNCH');
  assert.equal(launch.launch.task.task_id.value, 'm1');

  // Validation of UPDATE.
  assert.equal((await post(agent, update('TASK_STAGING'))).status, 400);
  assert.equal((await post(agent, update('TASK_RUNNING', { source: 'SOURCE_AGENT' }))).status, 400);
  const running = update('TASK_RUNNING');
  assert.equal((await post(agent, running)).status, 202);
  const forwarded = await master.waitForCall((c) => c.type === 'STATUS_UPDATE');
  assert.ok(forwarded.type === 'STATUS_UPDATE');
  assert.equal(forwarded.status_update.status.uuid, running.update!.status.uuid);
  assert.equal(forwarded.status_update.latest_state, 'TASK_RUNNING');
  assert.equal(forwarded.status_update.status.executor_id?.value, 'manual');
  assert.equal(typeof forwarded.status_update.status.timestamp, 'number');

  master.acknowledge(forwarded.status_update);
  const acked = await first.next();
  assert.ok(acked.type === 'ACKNOWLEDGED');
  assert.deepEqual(acked.acknowledged, { task_id: { value: 'm1' }, uuid: running.update!.status.uuid });

  assert.equal((await post(agent, { ...IDS, type: 'MESSAGE', message: { data: Buffer.from('to the scheduler').toString('base64') } })).status, 202);
  const message = await master.waitForCall((c) => c.type === 'EXECUTOR_MESSAGE');
  assert.equal(message.type === 'EXECUTOR_MESSAGE' && Buffer.from(message.executor_message.data, 'base64').toString(), 'to the scheduler');

  // Reconnect with an update the agent never saw: it is forwarded; the task is not launched again.
  first.close();
  const finished = update('TASK_FINISHED');
  const second = await subscribe(agent, { subscribe: { unacknowledged_updates: [{ status: finished.update!.status }], unacknowledged_tasks: [] } });
  subs.push(second);
  assert.equal((await second.next()).type, 'SUBSCRIBED');
  const terminal = await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.state === 'TASK_FINISHED');
  assert.ok(terminal.type === 'STATUS_UPDATE');
  assert.equal(terminal.status_update.status.uuid, finished.update!.status.uuid);
  master.acknowledge(terminal.status_update);
  const ack2 = await second.next();
  assert.ok(ack2.type === 'ACKNOWLEDGED');
  assert.equal(ack2.acknowledged.uuid, finished.update!.status.uuid);
  await waitFor(() => executor.completedTasks.length === 1);

  // The framework goes away: the executor is told to shut down.
  master.send({ type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: FRAMEWORK.id! } });
  assert.equal((await second.next()).type, 'SHUTDOWN');
});
