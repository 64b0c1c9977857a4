// The agent end to end against a test-double master (src/agent/testing/test-master.ts): it
// registers, runs a command task through the command executor (the real one when it exists,
// else test/fixtures/executors/test-executor.ts), forwards status updates in order and retries
// them until acknowledged, kills tasks, serves the sandbox over /files and statistics over
// /monitor/statistics, and re-subscribes with a full report when the master stream breaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, symlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { userInfo } from 'node:os';
import type { FrameworkInfo, TaskInfo } from '../../src/protocol/index.ts';
import { isTerminalTaskState } from '../../src/protocol/index.ts';
import { startAgent, type RunningAgent } from '../../src/agent/main.ts';
import { TestMaster, type TestMasterOptions } from '../../src/agent/testing/test-master.ts';
import { tempDir, waitFor } from '../helpers/process.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const REAL_COMMAND_EXECUTOR = resolve(ROOT, 'src/executor/command/main.ts');
const FIXTURE_EXECUTOR = resolve(ROOT, 'test/fixtures/executors/test-executor.ts');
/**
 * The real command executor when it exists; otherwise (or with AGORA_TEST_FIXTURE_EXECUTOR=1)
 * the fixture that behaves like one.
 */
const COMMAND_EXECUTOR_ARGV =
  existsSync(REAL_COMMAND_EXECUTOR) && process.env.AGORA_TEST_FIXTURE_EXECUTOR !== '1' ? undefined : [process.execPath, FIXTURE_EXECUTOR];

// The agent's own user: a root agent switches to the framework's user (--switch_user).
const FRAMEWORK: FrameworkInfo = { user: userInfo().username, name: 'agent-test', id: { value: 'F-0000' } };

type Cluster = { master: TestMaster; agent: RunningAgent; workDir: string };

async function cluster(t: { after(fn: () => unknown): void }, masterOptions: TestMasterOptions = {}, flags: Record<string, unknown> = {}): Promise<Cluster> {
  const dir = tempDir('agora-agent-');
  const master = await TestMaster.start(masterOptions);
  const agent = await startAgent({
    flags: {
      master: master.address,
      work_dir: dir.path,
      port: 0,
      resources: 'cpus:2;mem:1024;disk:2048;ports:[31000-31010]',
      attributes: 'rack:r1;level:3',
      registration_backoff_factor: 20,
      ...flags,
    },
    commandExecutorArgv: COMMAND_EXECUTOR_ARGV,
    statusUpdateRetryMinMs: 300,
    statusUpdateRetryMaxMs: 2000,
  });
  t.after(async () => {
    await agent.stop();
    await master.stop();
    dir.cleanup();
  });
  await waitFor(() => agent.agentId());
  return { master, agent, workDir: dir.path };
}

function commandTask(id: string, command: string, agentId: string): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: agentId },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, allocation_info: { role: '*' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, allocation_info: { role: '*' } },
    ],
    command: { shell: true, value: command },
  };
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Plain-text error bodies stay text.
  }
  return { status: res.status, body };
}

test('registers with agent info, then runs a command task with ordered, retried, acknowledged updates', async (t) => {
  const { master, agent } = await cluster(t);
  const subscribe = await master.waitForCall((c) => c.type === 'SUBSCRIBE');
  assert.equal(subscribe.type === 'SUBSCRIBE' && subscribe.subscribe.agent_info.port, agent.port);
  assert.equal(subscribe.type === 'SUBSCRIBE' && subscribe.subscribe.agent_info.id, undefined);
  const info = subscribe.type === 'SUBSCRIBE' ? subscribe.subscribe.agent_info : undefined;
  assert.deepEqual(info?.attributes, [
    { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
    { name: 'level', type: 'SCALAR', scalar: { value: 3 } },
  ]);
  assert.ok(info?.resources?.some((r) => r.name === 'cpus' && r.scalar?.value === 2));
  assert.equal(agent.agentId(), master.agentId);

  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: commandTask('t1', 'echo hello-from-task; sleep 0.2', master.agentId) } });

  // Acknowledge nothing at first: the first update must be re-sent, and nothing else may follow it.
  const first = await master.waitForCall((c) => c.type === 'STATUS_UPDATE');
  const firstUpdate = first.type === 'STATUS_UPDATE' ? first.status_update : undefined;
  assert.ok(firstUpdate?.status.uuid);
  const retried = await master.waitForCall(
    (c) => c.type === 'STATUS_UPDATE' && c.status_update.status.uuid === firstUpdate.status.uuid,
    { from: master.calls.indexOf(first) + 1 },
  );
  assert.ok(retried);
  assert.ok(master.statusUpdates('t1').every((u) => u.status.uuid === firstUpdate.status.uuid), 'only the oldest update is in flight');
  assert.equal(firstUpdate.status.agent_id?.value, master.agentId);
  assert.equal(firstUpdate.executor_id?.value, 't1');
  assert.equal(firstUpdate.status.source, 'SOURCE_EXECUTOR');

  // Now acknowledge each update as it arrives; collect the distinct uuids in arrival order.
  const order: string[] = [];
  let current = firstUpdate;
  for (;;) {
    order.push(current.status.state);
    const from = master.calls.length;
    master.acknowledge(current);
    if (isTerminalTaskState(current.status.state)) break;
    const prev = current.status.uuid;
    const next = await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.uuid !== prev, { from });
    current = next.type === 'STATUS_UPDATE' ? next.status_update : current;
  }
  assert.equal(order.at(-1), 'TASK_FINISHED');
  assert.ok(order.includes('TASK_RUNNING'));
  assert.ok(order.indexOf('TASK_RUNNING') < order.indexOf('TASK_FINISHED'));
  assert.ok(!order.includes('TASK_STAGING'));

  // The command executor exits after its terminal update is acknowledged; as in Mesos, the
  // master hears of it only through the task's update, never as EXITED_EXECUTOR.
  await waitFor(() => agent.agent.state.completedFrameworks.length === 1);
  assert.ok(!master.calls.some((c) => c.type === 'EXITED_EXECUTOR'), 'no EXITED_EXECUTOR for a command executor');

  // /state shows the completed executor with its sandbox directory and the task.
  const state = (await getJson(`${agent.url}/slave(1)/state`)).body as {
    id: string;
    pid: string;
    attributes: Record<string, unknown>;
    completed_frameworks: { id: string; completed_executors: { id: string; directory: string; completed_tasks: { state: string; executor_id: string }[] }[] }[];
  };
  assert.equal(state.id, master.agentId);
  assert.equal(state.pid, `slave(1)@127.0.0.1:${agent.port}`);
  assert.deepEqual(state.attributes, { rack: 'r1', level: 3 });
  const executor = state.completed_frameworks[0]!.completed_executors[0]!;
  assert.equal(executor.id, 't1');
  assert.match(executor.directory, new RegExp(`/slaves/${master.agentId}/frameworks/F-0000/executors/t1/runs/[0-9a-f-]{36}$`));
  assert.deepEqual(executor.completed_tasks.map((x) => [x.state, x.executor_id]), [['TASK_FINISHED', '']]);

  // The sandbox through /files: the short virtual path, offset -1 for the size, and refusals.
  const virtual = '/frameworks/F-0000/executors/t1/runs/latest';
  const read = await getJson(`${agent.url}/files/read?path=${encodeURIComponent(`${virtual}/stdout`)}&offset=0`);
  assert.equal(read.status, 200);
  assert.match((read.body as { data: string }).data, /hello-from-task/);
  const size = await getJson(`${agent.url}/files/read?path=${encodeURIComponent(`${virtual}/stdout`)}&offset=-1`);
  assert.equal((size.body as { offset: number }).offset, Buffer.byteLength((read.body as { data: string }).data));
  const viaReal = await getJson(`${agent.url}/files/browse?path=${encodeURIComponent(executor.directory)}`);
  assert.ok((viaReal.body as { path: string }[]).some((e) => e.path === `${executor.directory}/stdout`));
  const escape = await getJson(`${agent.url}/files/read?path=${encodeURIComponent(`${virtual}/../../../../../../etc/passwd`)}&offset=0`);
  assert.equal(escape.status, 403);
  assert.equal((await getJson(`${agent.url}/files/read?path=/etc/passwd&offset=0`)).status, 404);
  symlinkSync('/etc', `${executor.directory}/escape`);
  assert.equal((await getJson(`${agent.url}/files/read?path=${encodeURIComponent(`${virtual}/escape/passwd`)}&offset=0`)).status, 403);
  assert.equal((await getJson(`${agent.url}/files/read?path=${encodeURIComponent(virtual)}&offset=0`)).status, 400);
  const download = await fetch(`${agent.url}/files/download?path=${encodeURIComponent(`${virtual}/stdout`)}`);
  assert.match(await download.text(), /hello-from-task/);
  assert.match(download.headers.get('content-disposition') ?? '', /attachment; filename="stdout"/);

  // Operator API and metrics.
  const v1 = await fetch(`${agent.url}/api/v1`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'READ_FILE', read_file: { path: `${virtual}/stdout`, offset: 0 } }),
  });
  const v1Body = (await v1.json()) as { type: string; read_file: { data: string } };
  assert.equal(v1Body.type, 'READ_FILE');
  assert.match(Buffer.from(v1Body.read_file.data, 'base64').toString(), /hello-from-task/);
  const metrics = (await getJson(`${agent.url}/metrics/snapshot`)).body as Record<string, number>;
  assert.equal(metrics['slave/registered'], 1);
  assert.equal(metrics['slave/tasks_finished'], 1);
  assert.equal(metrics['slave/cpus_total'], 2);
});

test('KILL_TASK kills a running task; /monitor/statistics shows its process RSS', async (t) => {
  const { master, agent } = await cluster(t, { autoAcknowledge: true });
  const command = `node -e "const b = Buffer.alloc(48 * 1024 * 1024, 1); setInterval(() => b[7]++, 1000)"`;
  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: commandTask('big', command, master.agentId) } });
  await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.state === 'TASK_RUNNING');

  const entry = await waitFor(async () => {
    const stats = (await getJson(`${agent.url}/monitor/statistics`)).body as { executor_id: string; statistics: Record<string, number> }[];
    const e = stats.find((s) => s.executor_id === 'big');
    return e && e.statistics.mem_rss_bytes! > 48 * 1024 * 1024 ? e : undefined;
  });
  assert.equal(entry.statistics.mem_limit_bytes, (64 + 32) * 1024 * 1024);
  assert.equal(entry.statistics.cpus_limit, 0.6);
  assert.ok(entry.statistics.processes! >= 2);

  master.send({ type: 'KILL_TASK', kill_task: { framework_id: FRAMEWORK.id!, task_id: { value: 'big' } } });
  const killed = await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && isTerminalTaskState(c.status_update.status.state));
  assert.equal(killed.type === 'STATUS_UPDATE' && killed.status_update.status.state, 'TASK_KILLED');
  await waitFor(async () => ((await getJson(`${agent.url}/monitor/statistics`)).body as unknown[]).length === 0);
});

test('re-subscribes with its id and a full report when the stream breaks or pings stop', async (t) => {
  const { master, agent } = await cluster(t, { autoAcknowledge: true, pingIntervalSeconds: 0.3, maxPingTimeouts: 2 });
  master.send({ type: 'PING', ping: { sequence: 7 } });
  const pong = await master.waitForCall((c) => c.type === 'PONG');
  assert.equal(pong.type === 'PONG' && pong.pong.sequence, 7);

  master.send({ type: 'RUN_TASK', run_task: { framework_info: FRAMEWORK, task: commandTask('long', 'sleep 60', master.agentId) } });
  await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.state === 'TASK_RUNNING');

  // No PING for 0.3 s x 2: the agent gives up on this stream and subscribes again.
  const from = master.calls.length;
  const again = await master.waitForCall((c) => c.type === 'SUBSCRIBE', { from });
  assert.ok(again.type === 'SUBSCRIBE');
  assert.equal(again.subscribe.agent_info.id?.value, master.agentId);
  assert.deepEqual(again.subscribe.frameworks?.map((f) => f.framework_info.id?.value), ['F-0000']);
  assert.deepEqual(again.subscribe.tasks?.map((x) => [x.task_id.value, x.state]), [['long', 'TASK_RUNNING']]);
  // Command executors are not reported (the master does not track them), as in Mesos.
  assert.equal(again.subscribe.executors, undefined);

  // A broken stream also leads to a new subscription.
  const from2 = master.calls.length;
  master.dropStream();
  await master.waitForCall((c) => c.type === 'SUBSCRIBE', { from: from2 });
  await waitFor(() => agent.agent.registered);

  master.send({ type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: FRAMEWORK.id! } });
  await waitFor(() => agent.agent.state.frameworks.size === 0);
});
