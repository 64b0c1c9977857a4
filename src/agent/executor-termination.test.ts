import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideExecutorTermination, reportsExitedExecutor, type ExecutorTerminationInput } from './executor-termination.ts';

const base: ExecutorTerminationInput = {
  frameworkTerminating: false,
  isCommandExecutor: false,
  unfinishedTasks: [
    { taskId: 'a', killing: false },
    { taskId: 'b', killing: true },
  ],
  pending: undefined,
  termination: { status: 1 << 8 },
};

test('an executor that exits by itself fails its tasks; a task being killed ends killed', () => {
  const d = decideExecutorTermination(base);
  assert.deepEqual(d.taskUpdates, [
    { taskId: 'a', state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor exited with status 1' },
    { taskId: 'b', state: 'TASK_KILLED', reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor exited with status 1' },
  ]);
  assert.equal(d.completeSilently, false);
  assert.equal(d.reportExitedExecutor, true);
});

test('a signal and an unknown status are described', () => {
  assert.equal(decideExecutorTermination({ ...base, termination: { status: 9 } }).taskUpdates[0]!.message, 'Executor terminated by signal 9');
  assert.equal(decideExecutorTermination({ ...base, termination: undefined }).taskUpdates[0]!.message, 'Executor exit status unknown');
});

test("the agent's own reason wins over the containerizer's, which wins over the default", () => {
  const pending = { state: 'TASK_FAILED' as const, reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT' as const, message: 'Executor did not register within 1mins' };
  const limitation = { status: 9, state: 'TASK_FAILED' as const, reason: 'REASON_CONTAINER_LIMITATION_MEMORY' as const, message: 'Memory limit exceeded' };
  const withPending = decideExecutorTermination({ ...base, pending, termination: limitation });
  assert.deepEqual(
    withPending.taskUpdates.map((u) => [u.taskId, u.state, u.reason, u.message]),
    [
      ['a', 'TASK_FAILED', 'REASON_EXECUTOR_REGISTRATION_TIMEOUT', 'Executor did not register within 1mins'],
      ['b', 'TASK_FAILED', 'REASON_EXECUTOR_REGISTRATION_TIMEOUT', 'Executor did not register within 1mins'],
    ],
  );
  const limited = decideExecutorTermination({ ...base, termination: limitation });
  assert.deepEqual(limited.taskUpdates[1], { taskId: 'b', state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: 'Memory limit exceeded' });
});

test('a launch failure (no container) fails the tasks with the launch reason and tells the master', () => {
  const pending = { state: 'TASK_FAILED' as const, reason: 'REASON_CONTAINER_LAUNCH_FAILED' as const, message: "Failed to launch container: user 'x' does not exist" };
  const d = decideExecutorTermination({ ...base, unfinishedTasks: [{ taskId: 'a', killing: false }], pending, termination: undefined });
  assert.deepEqual(d.taskUpdates, [{ taskId: 'a', ...pending }]);
  assert.equal(d.reportExitedExecutor, true);
});

test('command executors are never reported to the master', () => {
  assert.equal(decideExecutorTermination({ ...base, isCommandExecutor: true }).reportExitedExecutor, false);
  assert.equal(reportsExitedExecutor(true), false);
  assert.equal(reportsExitedExecutor(false), true);
});

test('a terminating framework: tasks complete silently and the master is not told', () => {
  assert.deepEqual(decideExecutorTermination({ ...base, frameworkTerminating: true }), { taskUpdates: [], completeSilently: true, reportExitedExecutor: false });
});

test('an executor with no unfinished task sends no update but is still reported', () => {
  const d = decideExecutorTermination({ ...base, unfinishedTasks: [] });
  assert.deepEqual(d.taskUpdates, []);
  assert.equal(d.reportExitedExecutor, true);
});
