import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatusUpdate } from '../status-updates.ts';
import type { RecoveredAgent, RecoveredFramework } from './store.ts';
import { pendingUpdates, planRecovery } from './recovery-plan.ts';

const pending: StatusUpdate = { frameworkId: 'fw', executorId: 'ex', status: { task_id: { value: 't' }, state: 'TASK_RUNNING', uuid: 'YQ==' } };

function framework(over: Partial<RecoveredFramework['executors'][number]['runs'][number]> = {}): RecoveredFramework {
  return {
    frameworkId: 'fw',
    info: { id: { value: 'fw' }, user: 'u', name: 'n', checkpoint: true },
    executors: [
      {
        executorId: 'ex',
        info: { executor_id: { value: 'ex' }, command: { value: 'x' } },
        latestRun: 'c2',
        runs: [
          { containerId: 'c1', forkedPid: 10, completed: true, tasks: [] },
          {
            containerId: 'c2',
            forkedPid: 20,
            completed: false,
            tasks: [
              { taskId: 't', info: { name: 't', task_id: { value: 't' }, agent_id: { value: 'A' }, resources: [] }, stream: { updates: [pending], pending: [pending], terminated: false, strayAcks: [] } },
              { taskId: 'lost', stream: { updates: [], pending: [], terminated: false, strayAcks: [] } },
            ],
            ...over,
          },
        ],
      },
    ],
  };
}

const state = (over: Partial<RecoveredAgent> = {}): RecoveredAgent => ({ agentId: 'A', bootId: 'b1', frameworks: [framework()], problems: [], ...over });

test('nothing checkpointed: a fresh agent', () => {
  assert.deepEqual(planRecovery({ frameworks: [], problems: [] }, '/w', 'b1', 'reconnect'), { kind: 'fresh' });
});

test('same boot: the latest run is re-adopted with its pid; pending updates are re-sent', () => {
  const plan = planRecovery(state(), '/w', 'b1', 'reconnect');
  assert.equal(plan.kind, 'recover');
  if (plan.kind !== 'recover') return;
  assert.equal(plan.rebooted, false);
  assert.deepEqual(plan.executors.map((e) => e.container), [{ containerId: 'c2', pid: 20, directory: '/w/slaves/A/frameworks/fw/executors/ex/runs/c2' }]);
  assert.deepEqual(plan.executors[0]!.tasks.map((t) => t.info.task_id.value), ['t']);
  assert.deepEqual(plan.skipped, [{ what: 'task lost of executor ex of framework fw', why: 'task.info missing or unreadable' }]);
  assert.deepEqual(pendingUpdates(plan), [pending]);
});

test('after a reboot the agent id stays but no pid is trusted', () => {
  const plan = planRecovery(state(), '/w', 'b2', 'reconnect');
  assert.ok(plan.kind === 'recover' && plan.rebooted);
  assert.equal(plan.executors[0]!.container.pid, undefined);
});

test('a completed latest run is not adopted; a framework without info is skipped', () => {
  const completed = planRecovery(state({ frameworks: [framework({ completed: true })] }), '/w', 'b1', 'reconnect');
  assert.ok(completed.kind === 'recover' && completed.executors.length === 0);
  const noInfo = planRecovery(state({ frameworks: [{ ...framework(), info: undefined }] }), '/w', 'b1', 'cleanup');
  assert.ok(noInfo.kind === 'recover' && noInfo.mode === 'cleanup' && noInfo.frameworks.length === 0);
  assert.deepEqual(noInfo.skipped, [{ what: 'framework fw', why: 'framework.info missing or unreadable' }]);
});
