// The custom-executor example (examples/custom-executor) end to end: a real master and agent, and
// the example framework as a child process, exactly as a user would run it by hand. The example
// must show what it claims: three tasks in ONE executor, a framework message that goes to the
// executor and comes back, every task TASK_FINISHED, an executor that exits by itself on
// SHUTDOWN after the teardown, and exit code 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExampleResult } from '../../examples/custom-executor/framework.ts';
import { spawnProcess, waitFor } from '../helpers/process.ts';
import { getJson, processesUnder, startCluster, type Json } from './conformance-support.ts';

const FRAMEWORK = join(import.meta.dirname, '../../examples/custom-executor/framework.ts');

type LegacyTask = { id: string; state: string; executor_id?: string };
type LegacyExecutor = { id: string; directory: string; tasks: LegacyTask[]; queued_tasks: LegacyTask[]; completed_tasks: LegacyTask[] };
type LegacyFramework = { id: string; executors: LegacyExecutor[]; completed_executors: LegacyExecutor[]; completed_tasks?: LegacyTask[] };

test('the example framework runs three tasks in one custom executor, messages it, and tears down', async (t) => {
  const cluster = await startCluster();
  t.after(() => cluster.stop());

  const framework = spawnProcess(process.execPath, [
    FRAMEWORK,
    '--master',
    `127.0.0.1:${cluster.masterPort}`,
    '--count=3',
    '--step-ms=20',
    '--timeout-secs=30',
    '--json',
  ]);
  // 'close' comes after the output streams ended, so every line has been collected by then.
  const closed = once(framework.child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  t.after(() => framework.stop());
  const [code] = await Promise.race([
    closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the framework still ran after 40 s:\n${framework.output.join('\n')}`)), 40_000).unref()),
  ]);
  const output = framework.output.join('\n');
  assert.equal(code, 0, `the framework exited ${code}:\n${output}`);

  // The framework's own account (the --json line).
  const line = framework.output.findLast((l) => l.startsWith('{"ok"'));
  assert.ok(line, `no JSON result line in the output:\n${output}`);
  const result = JSON.parse(line) as ExampleResult;
  assert.equal(result.ok, true, output);
  assert.deepEqual(result.executorIdsSeen, [result.executorId], 'every status update names the same executor');
  assert.deepEqual(result.tasks.map((task) => task.taskId).sort(), ['count-1', 'count-2', 'count-3']);
  for (const task of result.tasks) {
    assert.equal(task.states.at(-1), 'TASK_FINISHED', `${task.taskId}: ${task.states.join(' -> ')}`);
    assert.ok(task.states.slice(0, -1).every((s) => s === 'TASK_RUNNING'), `${task.taskId}: ${task.states.join(' -> ')}`);
    assert.equal(task.lastMessage, 'counted to 3');
  }
  assert.equal(result.echo.received, `echo: ${result.echo.sent}`, 'the framework message went to the executor and came back');

  // The agent's view: after the teardown the framework is completed, with exactly one completed
  // executor (the executor exited) holding the three completed tasks.
  const agentFramework = await waitFor(async () => {
    const state = (await getJson(`${cluster.agentUrl}/state`)).body;
    const completed = (state.completed_frameworks as LegacyFramework[]).find((f) => f.id === result.frameworkId);
    return completed && completed.completed_executors.length > 0 ? completed : undefined;
  }, 15_000);
  assert.equal(agentFramework.executors.length, 0);
  assert.equal(agentFramework.completed_executors.length, 1, 'one executor for all tasks');
  const executor = agentFramework.completed_executors[0]!;
  assert.equal(executor.id, result.executorId);
  assert.deepEqual(executor.tasks, []);
  assert.deepEqual(executor.queued_tasks, []);
  assert.deepEqual(
    executor.completed_tasks.map((task) => `${task.id}:${task.state}`).sort(),
    ['count-1:TASK_FINISHED', 'count-2:TASK_FINISHED', 'count-3:TASK_FINISHED'],
  );

  // One executor process ran, and it left on its own after SHUTDOWN (rather than being killed
  // when the grace period ran out): its log in the sandbox says so.
  const executorLog = readFileSync(join(executor.directory, 'stderr'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Json);
  assert.equal(executorLog.filter((l) => l.msg === 'executor started').length, 1, 'the executor started once');
  assert.equal(executorLog.filter((l) => l.msg === 'task launched').length, 3, 'it ran all three tasks');
  assert.ok(executorLog.some((l) => l.msg === 'message from the framework'));
  assert.ok(
    executorLog.some((l) => l.msg === 'exiting after SHUTDOWN' && l.exit_code === 0),
    `the executor did not exit after SHUTDOWN:\n${executorLog.map((l) => JSON.stringify(l)).join('\n')}`,
  );

  // The master's view agrees: the completed framework's tasks all ran in that executor.
  const masterState = (await getJson(`${cluster.masterUrl}/state`)).body;
  const masterFramework = (masterState.completed_frameworks as LegacyFramework[]).find((f) => f.id === result.frameworkId);
  assert.ok(masterFramework, 'the master lists the torn-down framework as completed');
  assert.deepEqual(
    (masterFramework.completed_tasks ?? []).map((task) => `${task.id}:${task.state}:${task.executor_id}`).sort(),
    ['count-1', 'count-2', 'count-3'].map((id) => `${id}:TASK_FINISHED:${result.executorId}`),
  );

  // Nothing of the run is left behind.
  await waitFor(() => processesUnder(cluster.workDir).length === 0, 10_000);
});
