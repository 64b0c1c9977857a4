import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskState } from '../../protocol/index.ts';
import { SUMMARY_STATES, summarizeTasks, zeroCounts } from './legacy-summary.ts';

type T = { agentId: string; state: TaskState };
const fw = (id: string, live: T[], completed: T[] = []): { id: string; tasks: Map<string, never>; completedTasks: never[] } =>
  ({ id, tasks: new Map(live.map((t, i) => [`t${i}`, t])), completedTasks: completed }) as never;

test('zeroCounts has every state upstream writes, TASK_STAGING through TASK_UNREACHABLE', () => {
  assert.deepEqual(Object.keys(zeroCounts()), [...SUMMARY_STATES]);
  assert.deepEqual(SUMMARY_STATES.at(0), 'TASK_STAGING');
  assert.deepEqual(SUMMARY_STATES.at(-1), 'TASK_UNREACHABLE');
});

test('summarizeTasks counts live, unreachable and completed tasks per framework and per agent', () => {
  const s = summarizeTasks([
    fw('f1', [{ agentId: 'a1', state: 'TASK_RUNNING' }, { agentId: 'a2', state: 'TASK_UNREACHABLE' }], [{ agentId: 'a1', state: 'TASK_FINISHED' }]),
    fw('f2', [{ agentId: 'a1', state: 'TASK_STAGING' }, { agentId: 'a1', state: 'TASK_GONE' }]),
  ]);
  assert.deepEqual(s.byFramework.get('f1'), { ...zeroCounts(), TASK_RUNNING: 1, TASK_UNREACHABLE: 1, TASK_FINISHED: 1 });
  assert.deepEqual(s.byFramework.get('f2'), { ...zeroCounts(), TASK_STAGING: 1 }, 'TASK_GONE is not one of the counted states');
  assert.deepEqual(s.byAgent.get('a1'), { ...zeroCounts(), TASK_RUNNING: 1, TASK_FINISHED: 1, TASK_STAGING: 1 });
  assert.deepEqual(s.byAgent.get('a2'), { ...zeroCounts(), TASK_UNREACHABLE: 1 });
  assert.deepEqual([...s.agentsOfFramework.get('f1')!], ['a1', 'a2']);
  assert.deepEqual([...s.agentsOfFramework.get('f2')!], ['a1'], 'a task in an uncounted state still links its agent');
  assert.deepEqual([...s.frameworksOfAgent.get('a1')!], ['f1', 'f2']);
  assert.equal(s.byAgent.get('a3'), undefined);
});
