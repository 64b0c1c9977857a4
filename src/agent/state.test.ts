import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskInfo, TaskStatus } from '../protocol/index.ts';
import { Resources } from '../common/resources/index.ts';
import {
  completeTask,
  countTasksByState,
  executorIsIdle,
  executorResources,
  MAX_STATUSES_PER_TASK,
  newExecutor,
  recordStatus,
  updateTaskState,
  type AgentState,
  type Executor,
} from './state.ts';

const info = (id: string, cpus = 1): TaskInfo => ({
  name: id,
  task_id: { value: id },
  agent_id: { value: 'S' },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: cpus } }],
});

function executor(isCommandExecutor: boolean): Executor {
  const e = newExecutor({
    id: 'E',
    frameworkId: 'F',
    info: { executor_id: { value: 'E' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] },
    isCommandExecutor,
    containerId: 'c',
    directory: '/s',
    resources: Resources.EMPTY,
  });
  e.state = 'RUNNING';
  e.queuedTasks.set('a', info('a'));
  return e;
}

const status = (task: string, state: TaskStatus['state'], data?: string): TaskStatus => ({ task_id: { value: task }, state, ...(data ? { data } : {}) });

test('a queued task becomes a Task on its first update and moves on when terminal', () => {
  const e = executor(false);
  assert.deepEqual(updateTaskState(e, status('a', 'TASK_RUNNING', 'ZGF0YQ=='), 'S'), { becameTerminal: false });
  const task = e.launchedTasks.get('a')!;
  assert.equal(task.state, 'TASK_RUNNING');
  assert.equal(task.executor_id?.value, 'E');
  assert.deepEqual(task.statuses, [status('a', 'TASK_RUNNING')]); // data is not kept
  assert.deepEqual(updateTaskState(e, status('a', 'TASK_FINISHED'), 'S'), { becameTerminal: true });
  assert.equal(e.launchedTasks.size, 0);
  assert.equal(e.terminatedTasks.get('a')?.state, 'TASK_FINISHED');
  // Terminal is final: a later update, terminal or not, neither counts nor changes the task.
  assert.deepEqual(updateTaskState(e, status('a', 'TASK_FAILED'), 'S'), { becameTerminal: false });
  assert.deepEqual(updateTaskState(e, status('a', 'TASK_RUNNING'), 'S'), { becameTerminal: false });
  assert.equal(e.terminatedTasks.get('a')?.state, 'TASK_FINISHED');
  assert.equal(e.terminatedTasks.get('a')?.statuses?.length, 2);
  assert.equal(executorIsIdle(e), false);
  completeTask(e, 'a');
  assert.equal(e.completedTasks.length, 1);
  assert.equal(executorIsIdle(e), true);
  assert.equal(updateTaskState(e, status('zzz', 'TASK_RUNNING'), 'S'), undefined);
});

test('command executor tasks carry no executor id, as in Mesos', () => {
  const e = executor(true);
  updateTaskState(e, status('a', 'TASK_STARTING'), 'S');
  assert.equal(e.launchedTasks.get('a')?.executor_id, undefined);
});

test('executor resources are its own plus its unfinished tasks; counts by state', () => {
  const e = executor(false);
  e.queuedTasks.set('b', info('b', 2));
  assert.equal(executorResources(e).cpus(), 3.1);
  updateTaskState(e, status('a', 'TASK_RUNNING'), 'S');
  const state: AgentState = { frameworks: new Map([['F', { id: 'F', info: { user: 'u', name: 'n' }, state: 'RUNNING', executors: new Map([['E', e]]), completedExecutors: [] }]]), completedFrameworks: [] };
  assert.deepEqual([...countTasksByState(state)], [
    ['TASK_STAGING', 1],
    ['TASK_RUNNING', 1],
  ]);
  updateTaskState(e, status('a', 'TASK_KILLED'), 'S');
  assert.equal(executorResources(e).cpus(), 2.1);
});

test('a task keeps at most MAX_STATUSES_PER_TASK statuses, appended in place', () => {
  const e = executor(false);
  updateTaskState(e, status('a', 'TASK_STARTING'), 'S');
  const task = e.launchedTasks.get('a')!;
  const list = task.statuses;
  // Health checks can make a long-running task report for ever: the history must stay bounded.
  for (let i = 0; i < MAX_STATUSES_PER_TASK + 50; i++) recordStatus(task, { ...status('a', 'TASK_RUNNING'), message: `#${i}` });
  assert.equal(task.statuses!.length, MAX_STATUSES_PER_TASK);
  assert.equal(task.statuses, list, 'the list is appended to, not copied per update');
  assert.equal(task.statuses!.at(-1)!.message, `#${MAX_STATUSES_PER_TASK + 49}`, 'the newest are kept');
  assert.equal(task.statuses![0]!.message, '#50');
  assert.equal(MAX_STATUSES_PER_TASK, 100, 'the same cap as the master');
});
