// The Agent in one process against the test-double master, with a fake containerizer: what the
// agent tells the master when an executor never starts, how it treats executor updates, and
// what stop() does with launches still in flight. No process is spawned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ExecutorInfo, FrameworkInfo, TaskInfo, ValidExecutorEvent } from '../protocol/index.ts';
import { decodeExecutorEvent, encodeExecutorCall, readJsonRecords } from '../protocol/index.ts';
import { FakeContainerizer } from '../containerizer/testing/fake-containerizer.ts';
import { startAgent, type RunningAgent } from './main.ts';
import { TestMaster } from './testing/test-master.ts';

// The agent's own user: with --switch_user (the default) a root agent looks the user up.
const FRAMEWORK: FrameworkInfo = { user: userInfo().username, name: 'agent-unit', id: { value: 'F-9' } };

type Harness = { master: TestMaster; agent: RunningAgent; containerizer: FakeContainerizer; workDir: string };

async function harness(t: { after(fn: () => unknown): void }, containerizer = new FakeContainerizer(), flags: { executor_shutdown_grace_period?: number } = {}): Promise<Harness> {
  const workDir = mkdtempSync(join(tmpdir(), 'agora-agent-unit-'));
  const master = await TestMaster.start({ autoAcknowledge: true });
  const agent = await startAgent({
    flags: { master: master.address, work_dir: workDir, port: 0, resources: 'cpus:4;mem:2048;disk:1024', registration_backoff_factor: 10, ...flags },
    containerizers: [containerizer],
    commandExecutorArgv: ['/bin/false'],
  });
  t.after(async () => {
    await agent.stop();
    await master.stop();
    rmSync(workDir, { recursive: true, force: true });
  });
  await until(() => agent.agentId() !== undefined);
  return { master, agent, containerizer, workDir };
}

async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function customExecutor(id: string, over: Partial<ExecutorInfo> = {}): ExecutorInfo {
  return { executor_id: { value: id }, command: { value: 'run-executor' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }], ...over };
}

function task(id: string, agentId: string, over: Partial<TaskInfo> = {}): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: { value: agentId }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }], ...over };
}

function exitedExecutors(master: TestMaster): string[] {
  return master.calls.flatMap((c) => (c.type === 'EXITED_EXECUTOR' ? [c.exited_executor.executor_id.value] : []));
}

async function terminalUpdate(master: TestMaster, taskId: string): Promise<{ state: string; reason: string | undefined; message: string | undefined }> {
  const call = await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.task_id.value === taskId, { timeoutMs: 5000 });
  assert.ok(call.type === 'STATUS_UPDATE');
  const s = call.status_update.status;
  return { state: s.state, reason: s.reason, message: s.message };
}

/** The executor `executorId` of framework F-9 subscribes, re-sending one unacknowledged TASK_RUNNING of `taskId`. */
async function subscribeWithUpdate(t: { after(fn: () => unknown): void }, agentUrl: string, executorId: string, taskId: string, uuid: string): Promise<Response> {
  const abort = new AbortController();
  t.after(() => abort.abort());
  return fetch(`${agentUrl}/api/v1/executor`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(
      encodeExecutorCall({
        type: 'SUBSCRIBE',
        framework_id: { value: 'F-9' },
        executor_id: { value: executorId },
        subscribe: { unacknowledged_updates: [{ status: { task_id: { value: taskId }, state: 'TASK_RUNNING', uuid } }] },
      }),
    ),
    signal: abort.signal,
  });
}

test('EXITED_EXECUTOR reaches the master on every path where a custom executor never starts', async (t) => {
  const { master, agent, containerizer, workDir } = await harness(t);
  const agentId = master.agentId;

  // 1. The sandbox cannot be created (a file where the framework's directory should be).
  const frameworkDir = join(workDir, 'slaves', agentId, 'frameworks');
  mkdirSync(join(workDir, 'slaves', agentId), { recursive: true });
  writeFileSync(frameworkDir, 'in the way');
  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: task('sandbox', agentId, { executor: customExecutor('E-sandbox') }) } });
  assert.equal((await terminalUpdate(master, 'sandbox')).reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  await master.waitForCall((c) => c.type === 'EXITED_EXECUTOR' && c.exited_executor.executor_id.value === 'E-sandbox', { timeoutMs: 2000 });
  rmSync(frameworkDir);

  // 2. The executor's resources are invalid.
  const badResources = customExecutor('E-resources', { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] });
  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: task('resources', agentId, { executor: badResources }) } });
  assert.equal((await terminalUpdate(master, 'resources')).state, 'TASK_ERROR');
  await master.waitForCall((c) => c.type === 'EXITED_EXECUTOR' && c.exited_executor.executor_id.value === 'E-resources', { timeoutMs: 2000 });

  // 3. A task group the agent refuses (a CUSTOM executor needs a command).
  master.send({
    type: 'RUN_TASK_GROUP',
    run_task_group: {
      framework_info: FRAMEWORK,
      executor: { type: 'CUSTOM', executor_id: { value: 'E-group' }, framework_id: FRAMEWORK.id! },
      task_group: { tasks: [task('grouped', agentId)] },
    },
  });
  const grouped = await terminalUpdate(master, 'grouped');
  assert.deepEqual([grouped.state, grouped.reason], ['TASK_ERROR', 'REASON_TASK_GROUP_INVALID']);
  await master.waitForCall((c) => c.type === 'EXITED_EXECUTOR' && c.exited_executor.executor_id.value === 'E-group', { timeoutMs: 2000 });

  // 4. The containerizer fails the launch.
  containerizer.launchError = new Error('injected launch failure');
  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: task('launch', agentId, { executor: customExecutor('E-launch') }) } });
  const launch = await terminalUpdate(master, 'launch');
  assert.deepEqual([launch.state, launch.reason], ['TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED']);
  await master.waitForCall((c) => c.type === 'EXITED_EXECUTOR' && c.exited_executor.executor_id.value === 'E-launch', { timeoutMs: 2000 });
  containerizer.launchError = undefined;

  // 5. A URI cannot be fetched (nothing listens on port 1).
  const fetching = customExecutor('E-fetch', { command: { value: 'run-executor', uris: [{ value: 'http://127.0.0.1:1/missing.tgz' }] } });
  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: task('fetch', agentId, { executor: fetching }) } });
  const fetch = await terminalUpdate(master, 'fetch');
  assert.deepEqual([fetch.state, fetch.reason], ['TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED']);
  await master.waitForCall((c) => c.type === 'EXITED_EXECUTOR' && c.exited_executor.executor_id.value === 'E-fetch', { timeoutMs: 2000 });

  // Command executors are the agent's own: never reported (Mesos), even when their launch fails.
  containerizer.launchError = new Error('injected launch failure');
  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: task('command', agentId, { command: { value: 'true' } }) } });
  assert.equal((await terminalUpdate(master, 'command')).reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  await until(() => agent.agent.findExecutor('F-9', 'command').executor === undefined, 'the command executor to complete');
  assert.deepEqual(exitedExecutors(master).sort(), ['E-fetch', 'E-group', 'E-launch', 'E-resources', 'E-sandbox']);
});

test('an executor update without a source is forced to SOURCE_EXECUTOR and acknowledged', async (t) => {
  const { master, agent } = await harness(t);
  master.autoAcknowledge = false;
  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: task('t1', master.agentId, { executor: customExecutor('manual') }) } });
  await until(() => agent.agent.findExecutor('F-9', 'manual').executor?.containerizer !== undefined, 'the container');

  // The executor comes back with an update it never got an ACKNOWLEDGED for, and no source.
  const uuid = Buffer.alloc(16, 7).toString('base64');
  const res = await subscribeWithUpdate(t, agent.url, 'manual', 't1', uuid);
  assert.equal(res.status, 200);
  const records = readJsonRecords(res.body!);
  const next = async (): Promise<ValidExecutorEvent> => {
    const { value, done } = await records.next();
    assert.equal(done, false);
    const decoded = decodeExecutorEvent(value);
    assert.ok(decoded.ok);
    return decoded.value;
  };
  // No LAUNCH follows: an update for the task shows the executor already has it.
  assert.equal((await next()).type, 'SUBSCRIBED');

  const forwarded = await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.uuid === uuid);
  assert.ok(forwarded.type === 'STATUS_UPDATE');
  assert.equal(forwarded.status_update.status.source, 'SOURCE_EXECUTOR');
  master.acknowledge(forwarded.status_update);
  const acked = await next();
  assert.ok(acked.type === 'ACKNOWLEDGED', `expected ACKNOWLEDGED, got ${acked.type}`);
  assert.equal(acked.acknowledged.uuid, uuid);
  const stored = agent.agent.findExecutor('F-9', 'manual').executor!.launchedTasks.get('t1')!;
  assert.equal(stored.statuses?.at(-1)?.source, 'SOURCE_EXECUTOR');
});

test('stop() waits for launches in flight and destroys the containers they produce', async (t) => {
  const containerizer = new FakeContainerizer({ holdLaunches: true });
  const { master, agent } = await harness(t, containerizer);
  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: task('slow', master.agentId, { executor: customExecutor('E-slow') }) } });
  await containerizer.launched(1);
  const containerId = containerizer.launches[0]!.containerId;

  // The launch completes only after stop() began; once stop() resolves its container is gone.
  const stopping = agent.stop();
  containerizer.releaseLaunches();
  await stopping;
  assert.ok(containerizer.destroyed.includes(containerId), 'the container launched after stop() began was destroyed');
  assert.deepEqual(containerizer.containers(), []);
});

test("a task still running when its framework is shut down ends TASK_KILLED in the agent's records", async (t) => {
  // The fake executor never exits by itself: it is destroyed after the shutdown grace period.
  const { master, agent } = await harness(t, new FakeContainerizer(), { executor_shutdown_grace_period: 200 });
  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: task('t1', master.agentId, { executor: customExecutor('quiet') }) } });
  await until(() => agent.agent.findExecutor('F-9', 'quiet').executor?.containerizer !== undefined, 'the container');
  const res = await subscribeWithUpdate(t, agent.url, 'quiet', 't1', Buffer.alloc(16, 9).toString('base64'));
  assert.equal(res.status, 200);
  await until(() => agent.agent.findExecutor('F-9', 'quiet').executor?.launchedTasks.get('t1')?.state === 'TASK_RUNNING', 'TASK_RUNNING');
  // The framework goes away; the executor ends without a word about its task (the fake container
  // is destroyed after the shutdown grace period).
  master.send({ type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: { value: 'F-9' } } });
  await until(() => agent.agent.state.completedFrameworks.some((f) => f.id === 'F-9'), 'the framework completed');
  const framework = agent.agent.state.completedFrameworks.find((f) => f.id === 'F-9')!;
  const tasks = framework.completedExecutors.flatMap((e) => e.completedTasks);
  assert.deepEqual(tasks.map((t1) => [t1.task_id.value, t1.state]), [['t1', 'TASK_KILLED']]);
});
