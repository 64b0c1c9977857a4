// Health checks and checks in the real command executor, against the TEST DOUBLE of the agent's
// executor API (test/helpers/agent-executor-double.ts): each health-check type turning a task
// unhealthy and then killed, a healthy task reported healthy once, and a check reporting
// check_status only when it changes. Timings are short (delay 0, interval 0.1-0.2 s) so the whole
// file takes a few seconds.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AgentExecutorApiDouble, launchEvent, startCommandExecutor } from '../helpers/agent-executor-double.ts';
import type { ExecutorStatus, RunningExecutor } from '../helpers/agent-executor-double.ts';
import type { TaskInfo } from '../../src/protocol/index.ts';
import { waitFor } from '../helpers/process.ts';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function run(task: Partial<TaskInfo>, taskId: string, capabilities: string[] = []): Promise<{ agent: AgentExecutorApiDouble; executor: RunningExecutor }> {
  const agent = await AgentExecutorApiDouble.start();
  cleanups.push(() => agent.stop());
  agent.frameworkCapabilities = capabilities;
  agent.onSubscribe(() => [launchEvent(task, taskId)]);
  const { executor, cleanup } = startCommandExecutor(agent, taskId);
  cleanups.push(cleanup);
  return { agent, executor };
}

/** A port the OS handed out and nothing listens on any more. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const summary = (s: ExecutorStatus): string => [s.state, s.healthy === undefined ? '' : `healthy=${s.healthy}`, s.reason ?? ''].filter(Boolean).join(' ');

function assertHealthKill(agent: AgentExecutorApiDouble, unhealthyUpdates: number): void {
  const updates = agent.updates;
  const unhealthy = updates.filter((s) => s.state === 'TASK_RUNNING' && s.healthy === false);
  assert.equal(unhealthy.length, unhealthyUpdates, updates.map(summary).join('\n'));
  for (const s of unhealthy) assert.equal(s.reason, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED');
  const last = updates.at(-1)!;
  assert.equal(last.state, 'TASK_KILLED');
  assert.equal(last.healthy, false, 'the terminal update of a task killed by its health check says healthy: false');
  assert.equal(last.message, 'Command terminated with signal Terminated');
  assert.equal(agent.rejected.length, 0, 'every update passed the protocol decoder');
}

test('COMMAND health check `exit 1`: unhealthy twice, then killed (TASK_KILLING for capable frameworks)', async () => {
  const { agent, executor } = await run(
    {
      command: { shell: true, value: 'sleep 30' },
      health_check: { type: 'COMMAND', command: { shell: true, value: 'exit 1' }, delay_seconds: 0, interval_seconds: 0.1, grace_period_seconds: 0, consecutive_failures: 2, timeout_seconds: 5 },
    },
    'cmd-unhealthy',
    ['TASK_KILLING_STATE'],
  );
  assert.equal(await executor.exited, 0, executor.stderr());
  assert.deepEqual(agent.updates.map(summary), [
    'TASK_STARTING',
    'TASK_RUNNING',
    'TASK_RUNNING healthy=false REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
    'TASK_RUNNING healthy=false REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
    'TASK_KILLING',
    'TASK_KILLED healthy=false',
  ]);
  assertHealthKill(agent, 2);
});

test('HTTP health check: healthy once while the task serves, unhealthy and killed once its server stops', async () => {
  const port = await freePort();
  const server = `require("http").createServer((q, s) => s.end("ok")).listen(${port}, "127.0.0.1")`;
  const { agent, executor } = await run(
    {
      // The task runs an HTTP server in the background and keeps running when it is gone.
      command: { shell: true, value: `"${process.execPath}" -e '${server}' & echo $! > server.pid; sleep 30` },
      health_check: { type: 'HTTP', http: { port, path: '/health' }, delay_seconds: 0, interval_seconds: 0.1, grace_period_seconds: 10, consecutive_failures: 3, timeout_seconds: 2 },
    },
    'http-unhealthy',
  );
  await waitFor(() => agent.updates.some((s) => s.healthy === true), 10_000);
  const serverPid = Number(readFileSync(join(executor.sandbox, 'server.pid'), 'utf8'));
  process.kill(serverPid, 'SIGKILL');
  assert.equal(await executor.exited, 0, executor.stderr());
  const healthy = agent.updates.filter((s) => s.healthy === true);
  assert.equal(healthy.length, 1, 'healthy: true is reported once');
  assert.equal(healthy[0]!.reason, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED');
  // The first success ended the grace period, so failures count at once, though within 10 s.
  assertHealthKill(agent, 3);
});

test('TCP health check to a closed port: failures ignored during the grace period, then unhealthy and killed', async () => {
  const port = await freePort();
  const { agent, executor } = await run(
    {
      command: { shell: true, value: 'sleep 30' },
      health_check: { type: 'TCP', tcp: { port }, delay_seconds: 0, interval_seconds: 0.1, grace_period_seconds: 0.6, consecutive_failures: 2, timeout_seconds: 1 },
    },
    'tcp-unhealthy',
  );
  assert.equal(await executor.exited, 0, executor.stderr());
  assertHealthKill(agent, 2);
  const running = agent.updates.find((s) => s.state === 'TASK_RUNNING')!;
  const firstUnhealthy = agent.updates.find((s) => s.healthy === false)!;
  const afterMs = (firstUnhealthy.timestamp! - running.timestamp!) * 1000;
  assert.ok(afterMs >= 550, `the first failure was reported only after the grace period (${afterMs.toFixed(0)} ms)`);
  assert.match(executor.stderr(), /health check failed within the grace period; ignored/);
});

test('a healthy task reports healthy: true exactly once, however many checks pass', async () => {
  const { agent, executor } = await run(
    {
      command: { shell: true, value: 'sleep 30' },
      health_check: { type: 'COMMAND', command: { shell: true, value: 'echo probe >> probes.log; test -n "$MESOS_TASK_ID"' }, delay_seconds: 0, interval_seconds: 0.05 },
    },
    'healthy',
  );
  await waitFor(() => existsSync(join(executor.sandbox, 'probes.log')) && readFileSync(join(executor.sandbox, 'probes.log'), 'utf8').split('\n').length > 6, 10_000);
  const health = agent.updates.filter((s) => s.healthy !== undefined);
  assert.deepEqual(health.map(summary), ['TASK_RUNNING healthy=true REASON_TASK_HEALTH_CHECK_STATUS_UPDATED']);
  agent.send({ type: 'KILL', kill: { task_id: { value: 'healthy' } } });
  assert.equal(await executor.exited, 0, executor.stderr());
  const last = agent.updates.at(-1)!;
  assert.equal(last.state, 'TASK_KILLED');
  assert.equal(last.healthy, undefined, 'a task killed by the framework is not marked unhealthy');
});

test('a COMMAND check reports check_status only when the exit code changes; it never kills', async () => {
  const { agent, executor } = await run(
    {
      command: { shell: true, value: 'sleep 30' },
      check: { type: 'COMMAND', command: { command: { shell: true, value: 'echo probe >> probes.log; test -f flag' } }, delay_seconds: 0, interval_seconds: 0.05, timeout_seconds: 5 },
    },
    'checked',
  );
  const probes = (): number => (existsSync(join(executor.sandbox, 'probes.log')) ? readFileSync(join(executor.sandbox, 'probes.log'), 'utf8').split('\n').length - 1 : 0);
  const checkUpdates = (): ExecutorStatus[] => agent.updates.filter((s) => s.reason === 'REASON_TASK_CHECK_STATUS_UPDATED');
  await waitFor(() => checkUpdates().length === 1 && probes() >= 4, 10_000);
  writeFileSync(join(executor.sandbox, 'flag'), '');
  await waitFor(() => checkUpdates().length === 2, 10_000);
  const seen = probes();
  await waitFor(() => probes() >= seen + 3, 10_000);
  rmSync(join(executor.sandbox, 'flag'));
  await waitFor(() => checkUpdates().length === 3, 10_000);
  assert.deepEqual(
    checkUpdates().map((s) => [s.state, s.check_status]),
    [
      ['TASK_RUNNING', { type: 'COMMAND', command: { exit_code: 1 } }],
      ['TASK_RUNNING', { type: 'COMMAND', command: { exit_code: 0 } }],
      ['TASK_RUNNING', { type: 'COMMAND', command: { exit_code: 1 } }],
    ],
  );
  // Updates made from scratch carry the empty status of the check.
  assert.deepEqual(agent.updates[0]!.check_status, { type: 'COMMAND', command: {} });
  assert.deepEqual(agent.updates[1]!.check_status, { type: 'COMMAND', command: {} });
  assert.equal(executor.child.exitCode, null, 'a failing check does not kill the task');
  agent.send({ type: 'KILL', kill: { task_id: { value: 'checked' } } });
  assert.equal(await executor.exited, 0, executor.stderr());
  assert.equal(agent.rejected.length, 0);
});

test('HTTP and TCP checks report the status code and the connect result', async () => {
  const closed = await freePort();
  const { agent, executor } = await run({ command: { shell: true, value: 'sleep 30' }, check: { type: 'TCP', tcp: { port: closed }, delay_seconds: 0, interval_seconds: 0.1 } }, 'tcp-check');
  await waitFor(() => agent.updates.some((s) => s.reason === 'REASON_TASK_CHECK_STATUS_UPDATED'), 10_000);
  assert.deepEqual(agent.updates.find((s) => s.reason === 'REASON_TASK_CHECK_STATUS_UPDATED')!.check_status, { type: 'TCP', tcp: { succeeded: false } });
  agent.send({ type: 'KILL', kill: { task_id: { value: 'tcp-check' } } });
  assert.equal(await executor.exited, 0, executor.stderr());

  const port = await freePort();
  const server = `require("http").createServer((q, s) => { s.statusCode = 503; s.end(); }).listen(${port}, "127.0.0.1")`;
  const http = await run({ command: { shell: true, value: `exec "${process.execPath}" -e '${server}'` }, check: { type: 'HTTP', http: { port, path: '/ready' }, delay_seconds: 0, interval_seconds: 0.1 } }, 'http-check');
  await waitFor(() => http.agent.updates.some((s) => s.check_status?.http?.status_code === 503), 10_000);
  http.agent.send({ type: 'KILL', kill: { task_id: { value: 'http-check' } } });
  assert.equal(await http.executor.exited, 0, http.executor.stderr());
});

test('a task with an invalid health check is not run: TASK_FAILED with the validation message', async () => {
  const { agent, executor } = await run({ command: { shell: true, value: 'touch ran' }, health_check: { type: 'HTTP', tcp: { port: 1 } } }, 'invalid');
  assert.equal(await executor.exited, 0, executor.stderr());
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_FAILED']);
  assert.equal(agent.updates[1]!.message, "Task uses invalid health check: Expecting 'http' to be set for HTTP health check");
  assert.ok(!existsSync(join(executor.sandbox, 'ran')));
});
