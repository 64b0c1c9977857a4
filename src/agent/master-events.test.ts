import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskInfo } from '../protocol/index.ts';
import { Resources } from '../common/resources/index.ts';
import { dispatchMasterEvent, subscribePayload, unknownReconciledTasks, type MasterEventHandlers } from './master-events.ts';
import { newExecutor, newTask, type AgentState, type Executor } from './state.ts';

const info = (id: string): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: 'S' } });

function executor(id: string, isCommandExecutor: boolean): Executor {
  const e = newExecutor({ id, frameworkId: 'F', info: { executor_id: { value: id } }, isCommandExecutor, containerId: `c-${id}`, directory: '/s', resources: Resources.EMPTY });
  e.state = 'RUNNING';
  return e;
}

function agentState(): AgentState {
  const custom = executor('custom', false);
  custom.queuedTasks.set('q', info('q'));
  const command = executor('cmd', true);
  command.launchedTasks.set('cmd', { ...newTask(info('cmd'), 'F', 'S', undefined), state: 'TASK_RUNNING' });
  return {
    frameworks: new Map([['F', { id: 'F', info: { user: 'u', name: 'n', id: { value: 'F' } }, state: 'RUNNING', executors: new Map([['custom', custom], ['cmd', command]]), completedExecutors: [] }]]),
    completedFrameworks: [],
  };
}

test('SUBSCRIBE reports frameworks, custom executors only, and every task with its latest state', () => {
  const params = {
    state: agentState(),
    agentId: 'S',
    hostname: 'h',
    ip: '127.0.0.1',
    port: 5051,
    resources: [],
    attributes: [],
    checkpointedResources: [],
    workDir: '/w',
    version: '1.0.0',
    bootId: undefined,
  };
  const s = subscribePayload(params);
  assert.deepEqual(s.executors?.map((e) => e.executor_id.value), ['custom']);
  assert.deepEqual(s.tasks?.map((t) => [t.task_id.value, t.state, t.executor_id?.value]), [
    ['q', 'TASK_STAGING', 'custom'],
    ['cmd', 'TASK_RUNNING', undefined],
  ]);
  assert.equal(s.agent_info.id?.value, 'S');
  assert.equal(s.boot_id, undefined);
  const first = subscribePayload({ ...params, agentId: undefined, bootId: 'b' });
  assert.equal(first.agent_info.id, undefined, 'a first registration carries no id');
  assert.equal(first.boot_id, 'b');
});

test('reconciliation: only tasks the agent does not know, lost or dropped by partition awareness', () => {
  const state = agentState();
  const r = (fw: string, task: string) => ({ framework_id: { value: fw }, task_id: { value: task }, state: 'TASK_RUNNING' as const });
  assert.deepEqual(unknownReconciledTasks(state, [r('F', 'q'), r('F', 'cmd'), r('F', 'gone'), r('G', 'x')]), [
    { frameworkId: 'F', taskId: 'gone', state: 'TASK_LOST' },
    { frameworkId: 'G', taskId: 'x', state: 'TASK_LOST' },
  ]);
  state.frameworks.get('F')!.info.capabilities = [{ type: 'PARTITION_AWARE' }];
  assert.deepEqual(unknownReconciledTasks(state, [r('F', 'gone')]), [{ frameworkId: 'F', taskId: 'gone', state: 'TASK_DROPPED' }]);
  assert.deepEqual(unknownReconciledTasks(state, undefined), []);
  // The master's state wins: it knows a partition-aware framework this agent has never seen.
  assert.deepEqual(unknownReconciledTasks(state, [{ ...r('H', 'y'), state: 'TASK_DROPPED' }]), [{ frameworkId: 'H', taskId: 'y', state: 'TASK_DROPPED' }]);
});

test('each master event reaches its handler with its payload unpacked', () => {
  const seen: unknown[][] = [];
  const handlers = new Proxy({} as MasterEventHandlers, { get: (_t, name) => (...args: unknown[]) => seen.push([name, ...args]) });
  dispatchMasterEvent(handlers, { type: 'KILL_TASK', kill_task: { framework_id: { value: 'F' }, task_id: { value: 't' } } });
  dispatchMasterEvent(handlers, { type: 'SHUTDOWN_EXECUTOR', shutdown_executor: { framework_id: { value: 'F' }, executor_id: { value: 'e' } } });
  dispatchMasterEvent(handlers, { type: 'ACKNOWLEDGE_STATUS_UPDATE', acknowledge_status_update: { framework_id: { value: 'F' }, task_id: { value: 't' }, uuid: 'u' } });
  dispatchMasterEvent(handlers, { type: 'FRAMEWORK_TO_EXECUTOR_MESSAGE', framework_to_executor_message: { framework_id: { value: 'F' }, executor_id: { value: 'e' }, data: 'ZA==' } });
  dispatchMasterEvent(handlers, { type: 'PING', ping: { sequence: 3 } });
  dispatchMasterEvent(handlers, { type: 'HEARTBEAT' });
  assert.deepEqual(seen, [
    ['killTask', 'F', 't', undefined],
    ['shutdownExecutor', 'F', 'e'],
    ['acknowledge', 'F', 't', 'u'],
    ['frameworkMessage', 'F', 'e', 'ZA=='],
    ['ping', 3],
  ]);
});
