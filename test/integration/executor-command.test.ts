// The command executor as a real process against a TEST DOUBLE of the agent's executor endpoint
// (`AgentExecutorApiDouble` below): a small HTTP server on 127.0.0.1 that speaks the v1 executor
// API, validates every call with the protocol module's decoder, and lets each test script the
// events and acknowledgements.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import type { ExecutorEvent, TaskInfo } from '../../src/protocol/index.ts';
import { waitFor } from '../helpers/process.ts';
import { AgentExecutorApiDouble, launchEvent, startCommandExecutor, type RunningExecutor } from '../helpers/agent-executor-double.ts';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function startExecutor(agent: AgentExecutorApiDouble, executorId: string, env: Record<string, string> = {}): RunningExecutor {
  const { executor, cleanup } = startCommandExecutor(agent, executorId, env);
  cleanups.push(cleanup);
  return executor;
}

function launch(task: Partial<TaskInfo> & { command?: TaskInfo['command'] }, taskId: string): ExecutorEvent {
  return launchEvent(task, taskId);
}

async function newAgent(): Promise<AgentExecutorApiDouble> {
  const agent = await AgentExecutorApiDouble.start();
  cleanups.push(() => agent.stop());
  return agent;
}

test('sh -c "echo hi; exit 3": STARTING, RUNNING, FAILED with the Mesos message; stdout, env and cwd', async () => {
  const agent = await newAgent();
  agent.onSubscribe(() => [
    launch({ command: { shell: true, value: 'echo hi; echo "$MESOS_TASK_ID $FOO $MESOS_ALLOCATION_ROLE"; pwd; exit 3', environment: { variables: [{ name: 'FOO', type: 'VALUE', value: 'bar' }] } } }, 'echo-3'),
  ]);
  const executor = startExecutor(agent, 'echo-3');
  assert.equal(await executor.exited, 0, executor.stderr());
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
  const failed = agent.updates[2]!;
  assert.equal(failed.message, 'Command exited with status 3');
  assert.equal(failed.reason, 'REASON_COMMAND_EXECUTOR_FAILED');
  for (const status of agent.updates) {
    assert.equal(status.source, 'SOURCE_EXECUTOR');
    assert.equal(status.executor_id?.value, 'echo-3');
    assert.equal(Buffer.from(status.uuid!, 'base64').length, 16);
    assert.ok(typeof status.timestamp === 'number' && Math.abs(status.timestamp - Date.now() / 1000) < 60);
  }
  assert.equal(new Set(agent.updates.map((s) => s.uuid)).size, 3, 'every update has a fresh uuid');
  const lines = executor.stdout().trim().split('\n');
  assert.equal(lines[0], 'hi');
  assert.equal(lines[1], 'echo-3 bar dev');
  assert.equal(realpathSync(lines[2]!), realpathSync(executor.sandbox), 'the task runs in the sandbox');
  assert.equal(agent.rejected.length, 0);
});

test('KILL with a 1 s grace period: a task that traps SIGTERM gets SIGKILL; TASK_KILLING for capable frameworks', async () => {
  const agent = await newAgent();
  agent.frameworkCapabilities = ['TASK_KILLING_STATE'];
  agent.onSubscribe(() => [launch({ command: { shell: true, value: 'trap "echo got-term" TERM; echo ready; while true; do sleep 0.05; done' } }, 'stubborn')]);
  const executor = startExecutor(agent, 'stubborn');
  await waitFor(() => agent.states().includes('TASK_RUNNING') && executor.stdout().includes('ready'));
  const killedAt = Date.now();
  agent.send({ type: 'KILL', kill: { task_id: { value: 'stubborn' }, kill_policy: { grace_period: { nanoseconds: 1_000_000_000 } } } });
  assert.equal(await executor.exited, 0, executor.stderr());
  const elapsed = Date.now() - killedAt;
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
  assert.equal(agent.updates[3]!.message, 'Command terminated with signal Killed');
  assert.ok(executor.stdout().includes('got-term'), 'the task saw SIGTERM first');
  assert.ok(elapsed >= 950, `SIGKILL came only after the grace period (${elapsed} ms)`);
});

test('KILL of `sleep 30` without TASK_KILLING_STATE: SIGTERM ends it, TASK_KILLED, no TASK_KILLING', async () => {
  const agent = await newAgent();
  agent.onSubscribe(() => [launch({ command: { shell: true, value: 'sleep 30' } }, 'sleepy')]);
  const executor = startExecutor(agent, 'sleepy');
  await waitFor(() => agent.states().includes('TASK_RUNNING'));
  agent.send({ type: 'KILL', kill: { task_id: { value: 'sleepy' }, kill_policy: { grace_period: { nanoseconds: 1_000_000_000 } } } });
  assert.equal(await executor.exited, 0, executor.stderr());
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
  assert.equal(agent.updates[2]!.message, 'Command terminated with signal Terminated');
});

test('shell=false: value is the executable and arguments the whole argv, including argv[0]', async () => {
  const agent = await newAgent();
  // Node reports its own argv[0] as process.argv0, so it can show what the executor passed.
  const script = 'console.log([process.argv0, ...process.argv.slice(1)].join("|"))';
  agent.onSubscribe(() => [launch({ command: { shell: false, value: process.execPath, arguments: ['my-argv0', '-e', script, 'first', 'two words'] } }, 'argv')]);
  const executor = startExecutor(agent, 'argv');
  assert.equal(await executor.exited, 0, executor.stderr());
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  assert.equal(agent.updates[2]!.message, 'Command exited with status 0');
  assert.equal(executor.stdout().trim(), 'my-argv0|first|two words');
});

test('updates are kept until acknowledged and re-sent when a checkpointing executor re-subscribes', async () => {
  const agent = await newAgent();
  agent.autoAck = false;
  let subscriptions = 0;
  agent.onSubscribe(() => (subscriptions++ === 0 ? [launch({ command: { shell: true, value: 'echo done' } }, 'reliable')] : []));
  const executor = startExecutor(agent, 'reliable', { MESOS_CHECKPOINT: '1', MESOS_SUBSCRIPTION_BACKOFF_MAX: '100ms', MESOS_RECOVERY_TIMEOUT: '30secs' });
  await waitFor(() => agent.states().includes('TASK_FINISHED'));
  const sent = agent.updates.map((s) => s.uuid);
  // The agent "restarts": the stream breaks before anything was acknowledged.
  agent.dropStream();
  const resubscribe = await waitFor(() => agent.calls.filter((c) => c.type === 'SUBSCRIBE')[1]);
  assert.equal(executor.child.exitCode, null, 'the executor waits for the acknowledgement');
  assert.deepEqual(
    resubscribe.subscribe.unacknowledged_updates?.map((u) => u.status.uuid),
    sent,
    'every unacknowledged update travels in the new SUBSCRIBE, in order',
  );
  assert.deepEqual(resubscribe.subscribe.unacknowledged_tasks?.map((t) => t.task_id.value), ['reliable']);
  for (const update of resubscribe.subscribe.unacknowledged_updates ?? []) agent.acknowledge(update.status);
  assert.equal(await executor.exited, 0, executor.stderr());
});

test('a non-checkpointing executor kills its task and exits when the agent goes away', async () => {
  const agent = await newAgent();
  agent.onSubscribe(() => [launch({ command: { shell: true, value: 'sleep 30' } }, 'orphan')]);
  const executor = startExecutor(agent, 'orphan');
  await waitFor(() => agent.states().includes('TASK_RUNNING'));
  agent.dropStream();
  assert.equal(await executor.exited, 0, executor.stderr());
  assert.match(executor.stderr(), /lost the agent and the framework does not checkpoint/);
});

test('SHUTDOWN kills the task (TASK_KILLED) and exits', async () => {
  const agent = await newAgent();
  agent.onSubscribe(() => [launch({ command: { shell: true, value: 'sleep 30' } }, 'shut')]);
  const executor = startExecutor(agent, 'shut');
  await waitFor(() => agent.states().includes('TASK_RUNNING'));
  agent.send({ type: 'SHUTDOWN' });
  assert.equal(await executor.exited, 0, executor.stderr());
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
});

test('a SECRET variable or a missing executable fails the task with a clear message', async () => {
  const agent = await newAgent();
  agent.onSubscribe(() => [
    launch({ command: { shell: true, value: 'true', environment: { variables: [{ name: 'TOKEN', type: 'SECRET', secret: { type: 'REFERENCE', reference: { name: 's' } } }] } } }, 'secret'),
  ]);
  const secret = startExecutor(agent, 'secret');
  assert.equal(await secret.exited, 0, secret.stderr());
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_FAILED']);
  assert.equal(agent.updates[1]!.message, "Secret environment variables are not supported by the command executor yet: 'TOKEN'");

  const agent2 = await newAgent();
  agent2.onSubscribe(() => [launch({ command: { shell: false, value: '/nonexistent/agora-test-binary', arguments: ['x'] } }, 'missing')]);
  const missing = startExecutor(agent2, 'missing');
  assert.equal(await missing.exited, 0, missing.stderr());
  assert.deepEqual(agent2.states(), ['TASK_STARTING', 'TASK_FAILED']);
  assert.match(agent2.updates[1]!.message ?? '', /^Failed to launch the command: spawn \/nonexistent\/agora-test-binary ENOENT/);
});
