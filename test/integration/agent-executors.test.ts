// Custom executors and the v1 executor API: several tasks sharing one executor (the fixture
// executor in test/fixtures/executors), framework messages, SHUTDOWN_EXECUTOR, the executor
// registration timeout, and the API's status codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { userInfo } from 'node:os';
import type { ExecutorInfo, FrameworkInfo, TaskInfo } from '../../src/protocol/index.ts';
import { isTerminalTaskState } from '../../src/protocol/index.ts';
import { startAgent, type RunningAgent } from '../../src/agent/main.ts';
import { TestMaster } from '../../src/agent/testing/test-master.ts';
import { tempDir, waitFor } from '../helpers/process.ts';

const FIXTURE_EXECUTOR = resolve(import.meta.dirname, '../fixtures/executors/test-executor.ts');
// The agent's own user: a root agent switches to the framework's user (--switch_user).
const FRAMEWORK: FrameworkInfo = { user: userInfo().username, name: 'executor-test', id: { value: 'F-0001' } };

async function cluster(t: { after(fn: () => unknown): void }, flags: Record<string, unknown> = {}): Promise<{ master: TestMaster; agent: RunningAgent }> {
  const dir = tempDir('agora-agent-exec-');
  const master = await TestMaster.start({ autoAcknowledge: true });
  const agent = await startAgent({
    flags: { master: master.address, work_dir: dir.path, port: 0, resources: 'cpus:4;mem:2048;disk:1024', ...flags },
    statusUpdateRetryMinMs: 300,
  });
  t.after(async () => {
    await agent.stop();
    await master.stop();
    dir.cleanup();
  });
  await waitFor(() => agent.agentId());
  return { master, agent };
}

function customExecutor(id: string, command: string): ExecutorInfo {
  return {
    executor_id: { value: id },
    name: `custom ${id}`,
    command: { shell: true, value: command, environment: { variables: [{ name: 'TEST_EXECUTOR_MODE', value: 'custom' }] } },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }],
  };
}

function taskFor(id: string, executor: ExecutorInfo, agentId: string, shell?: string): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: agentId },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }],
    executor,
    ...(shell !== undefined ? { data: Buffer.from(shell).toString('base64') } : {}),
  };
}

async function postExecutorCall(agent: RunningAgent, body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }): Promise<{ status: number; text: string }> {
  // A Buffer body, so that fetch adds no Content-Type of its own.
  const res = await fetch(`${agent.url}/api/v1/executor`, { method: 'POST', headers, body: Buffer.from(JSON.stringify(body)) });
  return { status: res.status, text: await res.text() };
}

test('a custom executor runs several tasks, receives framework messages and shuts down', async (t) => {
  const { master, agent } = await cluster(t);
  const executor = customExecutor('shared', `exec '${process.execPath}' '${FIXTURE_EXECUTOR}'`);
  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: taskFor('a', executor, master.agentId, 'echo task-a-output') } });
  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: taskFor('b', executor, master.agentId) } });

  const finished = await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.task_id.value === 'a' && c.status_update.status.state === 'TASK_FINISHED');
  assert.equal(finished.type === 'STATUS_UPDATE' && finished.status_update.executor_id?.value, 'shared');
  await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.task_id.value === 'b' && c.status_update.status.state === 'TASK_RUNNING');
  const live = agent.agent.findExecutor('F-0001', 'shared').executor!;
  assert.equal(live.state, 'RUNNING');
  assert.equal(agent.agent.state.frameworks.get('F-0001')!.executors.size, 1);

  // The executor reports to the agent over its stream; its output lands in the sandbox.
  master.send({ type: 'FRAMEWORK_TO_EXECUTOR_MESSAGE', framework_to_executor_message: { framework_id: FRAMEWORK.id!, executor_id: { value: 'shared' }, data: Buffer.from('hi').toString('base64') } });
  await waitFor(() => readFileSync(`${live.directory}/stdout`, 'utf8').includes('"type":"MESSAGE"'));
  assert.match(readFileSync(`${live.directory}/stdout`, 'utf8'), /task-a-output/);

  // GET_STATE through the operator API sees the executor and its tasks.
  const res = await fetch(`${agent.url}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"type":"GET_STATE"}' });
  const state = (await res.json()) as { get_state: { get_executors: { executors: { executor_info: { executor_id: { value: string } } }[] }; get_tasks: { launched_tasks: { task_id: { value: string }; executor_id: { value: string } }[] } } };
  assert.deepEqual(state.get_state.get_executors.executors.map((e) => e.executor_info.executor_id.value), ['shared']);
  assert.deepEqual(state.get_state.get_tasks.launched_tasks.map((x) => [x.task_id.value, x.executor_id.value]), [['b', 'shared']]);

  // Executors are reported on re-subscription (unlike command executors).
  const from = master.calls.length;
  master.dropStream();
  const again = await master.waitForCall((c) => c.type === 'SUBSCRIBE', { from });
  assert.deepEqual(again.type === 'SUBSCRIBE' && again.subscribe.executors?.map((e) => e.executor_id.value), ['shared']);
  await waitFor(() => agent.agent.registered);

  // SHUTDOWN_EXECUTOR: the fixture exits without a word about task b, so the agent fails it.
  master.send({ type: 'SHUTDOWN_EXECUTOR', shutdown_executor: { framework_id: FRAMEWORK.id!, executor_id: { value: 'shared' } } });
  const failed = await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.task_id.value === 'b' && isTerminalTaskState(c.status_update.status.state));
  assert.ok(failed.type === 'STATUS_UPDATE');
  assert.equal(failed.status_update.status.state, 'TASK_FAILED');
  assert.equal(failed.status_update.status.reason, 'REASON_EXECUTOR_TERMINATED');
  assert.equal(failed.status_update.status.source, 'SOURCE_AGENT');
  const exited = await master.waitForCall((c) => c.type === 'EXITED_EXECUTOR');
  assert.equal(exited.type === 'EXITED_EXECUTOR' && exited.exited_executor.status, 0);
});

test('an executor that never subscribes is destroyed after --executor_registration_timeout', async (t) => {
  const { master, agent } = await cluster(t, { executor_registration_timeout: 400 });
  const executor = customExecutor('silent', 'sleep 60');
  const started = Date.now();
  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: taskFor('quiet', executor, master.agentId) } });
  await waitFor(() => agent.agent.findExecutor('F-0001', 'silent').executor);

  // While it is registering, the executor API refuses non-SUBSCRIBE calls with 403.
  const update = await postExecutorCall(agent, {
    type: 'UPDATE',
    framework_id: { value: 'F-0001' },
    executor_id: { value: 'silent' },
    update: { status: { task_id: { value: 'quiet' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: Buffer.alloc(16, 1).toString('base64') } },
  });
  assert.deepEqual(update, { status: 403, text: 'Executor is not subscribed' });

  const failed = await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.task_id.value === 'quiet');
  assert.ok(failed.type === 'STATUS_UPDATE');
  assert.equal(failed.status_update.status.state, 'TASK_FAILED');
  assert.equal(failed.status_update.status.reason, 'REASON_EXECUTOR_REGISTRATION_TIMEOUT');
  assert.equal(failed.status_update.status.message, 'Executor did not register within 400ms');
  assert.ok(Date.now() - started >= 400);
  const exited = await master.waitForCall((c) => c.type === 'EXITED_EXECUTOR');
  assert.equal(exited.type === 'EXITED_EXECUTOR' && exited.exited_executor.status, 9);
});

test('the executor API answers malformed and unknown calls with the Mesos status codes', async (t) => {
  const { master, agent } = await cluster(t);
  const ids = { framework_id: { value: 'F-0001' }, executor_id: { value: 'nope' } };
  assert.equal((await postExecutorCall(agent, { type: 'HEARTBEAT', ...ids })).status, 202);
  assert.deepEqual(await postExecutorCall(agent, { type: 'SUBSCRIBE', subscribe: {}, ...ids }), { status: 400, text: 'Framework cannot be found' });
  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: taskFor('x', customExecutor('slow', 'sleep 60'), master.agentId) } });
  await waitFor(() => agent.agent.findExecutor('F-0001', 'slow').executor);
  assert.deepEqual(await postExecutorCall(agent, { type: 'SUBSCRIBE', subscribe: {}, ...ids }), { status: 400, text: 'Executor cannot be found' });
  const missing = await postExecutorCall(agent, { type: 'SUBSCRIBE', framework_id: { value: 'F-0001' } });
  assert.equal(missing.status, 400);
  assert.match(missing.text, /^Failed to convert JSON into Call protobuf: executor_id/);
  const badUuid = await postExecutorCall(agent, {
    type: 'UPDATE',
    framework_id: { value: 'F-0001' },
    executor_id: { value: 'slow' },
    update: { status: { task_id: { value: 'x' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: 'AAAA' } },
  });
  assert.equal(badUuid.status, 400);
  assert.match(badUuid.text, /^Failed to validate Executor::Call: update.status.uuid/);
  assert.equal((await postExecutorCall(agent, { type: 'HEARTBEAT', ...ids }, { 'Content-Type': 'text/plain' })).status, 415);
  assert.equal((await postExecutorCall(agent, { type: 'HEARTBEAT', ...ids }, {})).status, 400);
  const get = await fetch(`${agent.url}/api/v1/executor`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  const notJson = await fetch(`${agent.url}/slave(1)/api/v1/executor`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{' });
  assert.equal(notJson.status, 400);
  assert.match(await notJson.text(), /^Failed to parse body into JSON/);
});

test('a task group runs in the default executor as one LAUNCH_GROUP; unknown kills are answered', async (t) => {
  const { master } = await cluster(t);
  const task = (id: string): TaskInfo => ({
    name: id,
    task_id: { value: id },
    agent_id: { value: master.agentId },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }],
    command: { value: 'true' },
  });
  const group = {
    framework_info: FRAMEWORK,
    executor: { type: 'DEFAULT' as const, executor_id: { value: 'default' }, framework_id: FRAMEWORK.id!, resources: [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.1 } }] },
    task_group: { tasks: [task('g1'), task('g2')] },
  };
  master.send({ type: 'RUN_TASK_GROUP', run_task_group: group });
  for (const id of ['g1', 'g2']) {
    const finished = await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.task_id.value === id && isTerminalTaskState(c.status_update.status.state));
    assert.ok(finished.type === 'STATUS_UPDATE');
    const status = finished.status_update.status;
    assert.equal(status.state, 'TASK_FINISHED', status.message);
    assert.equal(status.executor_id?.value, 'default');
    assert.ok(status.container_status?.container_id?.parent?.value, 'a nested container with the executor container as parent');
  }

  master.send({ type: 'KILL_TASK', kill_task: { framework_id: FRAMEWORK.id!, task_id: { value: 'ghost' } } });
  const lost = await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.task_id.value === 'ghost');
  assert.equal(lost.type === 'STATUS_UPDATE' && lost.status_update.status.state, 'TASK_LOST');
});
