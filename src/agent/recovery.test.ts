import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskInfo, TaskState } from '../protocol/index.ts';
import type { StatusUpdate } from './status-updates.ts';
import type { RecoveredPlan } from './recovery.ts';
import { goneOrLost, lostInRestart, notRecovered, rebuildState, reregistrationTimedOut, tasksLostInRestart } from './recovery.ts';
import type { AgentState } from './state.ts';

const taskInfo = (id: string): TaskInfo => ({
  name: id,
  task_id: { value: id },
  agent_id: { value: 'A' },
  command: { shell: true, value: 'true' },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }],
});
const update = (task: string, state: TaskState, uuid: string): StatusUpdate => ({
  frameworkId: 'F',
  executorId: task,
  status: { task_id: { value: task }, state, uuid },
});

function plan(tasks: RecoveredPlan['executors'][number]['tasks']): RecoveredPlan {
  return {
    kind: 'recover',
    mode: 'reconnect',
    agentId: 'A',
    rebooted: false,
    frameworks: [{ frameworkId: 'F', info: { user: 'u', name: 'f', id: { value: 'F' }, checkpoint: true } }],
    executors: [
      {
        frameworkId: 'F',
        executorId: 't1',
        info: { executor_id: { value: 't1' }, command: { value: 'x' } },
        container: { containerId: 'C', directory: '/w/C', pid: 42 },
        tasks,
      },
    ],
    skipped: [],
  };
}

test('rebuildState: a running command task is launched, the executor REGISTERING with its resources', () => {
  const state: AgentState = { frameworks: new Map(), completedFrameworks: [] };
  const running = update('t1', 'TASK_RUNNING', 'u1');
  const [executor] = rebuildState(plan([{ info: taskInfo('t1'), updates: [running], pending: [], completed: false }]), state);
  assert.ok(executor);
  assert.equal(executor.state, 'REGISTERING');
  assert.equal(executor.isCommandExecutor, true);
  assert.equal(executor.containerId, 'C');
  assert.equal(executor.launchedTasks.get('t1')?.state, 'TASK_RUNNING');
  assert.equal(executor.resources.toString(), 'cpus:0.5');
  assert.equal(state.frameworks.get('F')?.executors.get('t1'), executor);
});

test('rebuildState: a terminal task awaits its acknowledgement, or is completed when acknowledged', () => {
  const finished = update('t1', 'TASK_FINISHED', 'u2');
  const state: AgentState = { frameworks: new Map(), completedFrameworks: [] };
  const [waiting] = rebuildState(plan([{ info: taskInfo('t1'), updates: [finished], pending: [finished], completed: false }]), state);
  assert.equal(waiting?.terminatedTasks.get('t1')?.state, 'TASK_FINISHED');
  assert.equal(waiting?.launchedTasks.size, 0);
  const done: AgentState = { frameworks: new Map(), completedFrameworks: [] };
  const [completed] = rebuildState(plan([{ info: taskInfo('t1'), updates: [finished], pending: [], completed: true }]), done);
  assert.equal(completed?.completedTasks.length, 1);
  assert.equal(completed?.terminatedTasks.size, 0);
});

test('a recovered executor that does not come back: TASK_GONE for partition-aware frameworks, else TASK_LOST', () => {
  assert.equal(goneOrLost(true), 'TASK_GONE');
  assert.equal(goneOrLost(false), 'TASK_LOST');
  assert.deepEqual(reregistrationTimedOut(false, '2secs'), {
    state: 'TASK_LOST',
    reason: 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT',
    message: 'Executor did not re-register within 2secs',
  });
});

test('tasksLostInRestart: only STAGING tasks the executor does not list are lost', () => {
  const state: AgentState = { frameworks: new Map(), completedFrameworks: [] };
  const [executor] = rebuildState(
    plan([
      { info: taskInfo('never-delivered'), updates: [], pending: [], completed: false },
      { info: taskInfo('delivered'), updates: [], pending: [], completed: false },
      { info: taskInfo('running'), updates: [update('running', 'TASK_RUNNING', 'u1')], pending: [], completed: false },
    ]),
    state,
  );
  assert.ok(executor);
  assert.deepEqual(tasksLostInRestart(executor, ['delivered']), ['never-delivered']);
  assert.deepEqual(tasksLostInRestart(executor, ['delivered', 'never-delivered']), []);
});

test('a task lost in the restart ends TASK_DROPPED (TASK_LOST if not partition-aware), REASON_AGENT_RESTARTED', () => {
  assert.deepEqual(lostInRestart(true), { state: 'TASK_DROPPED', reason: 'REASON_AGENT_RESTARTED', message: 'Task launched during agent restart' });
  assert.equal(lostInRestart(false).state, 'TASK_LOST');
});

test('notRecovered names the host reboot when the boot id changed', () => {
  assert.match(notRecovered(true, true).message, /host reboot/);
  assert.equal(notRecovered(true, true).state, 'TASK_GONE');
  assert.equal(notRecovered(false, false).state, 'TASK_LOST');
  assert.match(notRecovered(false).message, /agent restart/);
});
