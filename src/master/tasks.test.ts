import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyAcknowledge,
  applyAgentUpdate,
  applyMasterTransition,
  completesAfterMasterTransition,
  reconciledState,
  reconcileUnknownTask,
  stateForFramework,
  unreachableState,
} from './tasks.ts';

const U1 = 'AAAAAAAAAAAAAAAAAAAAAA==';
const U2 = 'AQEBAQEBAQEBAQEBAQEBAQ==';

test('an agent update moves the task and becomes the pending update', () => {
  const d = applyAgentUpdate({ state: 'TASK_STAGING' }, { state: 'TASK_RUNNING', uuid: U1 });
  assert.deepEqual(d.next, { state: 'TASK_RUNNING', statusUpdateState: 'TASK_RUNNING', statusUpdateUuid: U1 });
  assert.equal(d.recoverResources, false);
});

test('latest_state wins over the update state, and recovers resources once it is terminal', () => {
  const d = applyAgentUpdate({ state: 'TASK_RUNNING' }, { state: 'TASK_RUNNING', uuid: U1 }, 'TASK_FINISHED');
  assert.equal(d.next.state, 'TASK_FINISHED');
  assert.equal(d.next.statusUpdateState, 'TASK_RUNNING');
  assert.equal(d.recoverResources, true);
  const again = applyAgentUpdate(d.next, { state: 'TASK_FINISHED', uuid: U2 });
  assert.equal(again.recoverResources, false, 'resources are recovered only on the first terminal transition');
});

test('a terminal task never goes back to a non-terminal state', () => {
  const d = applyAgentUpdate({ state: 'TASK_KILLED' }, { state: 'TASK_RUNNING', uuid: U1 });
  assert.equal(d.next.state, 'TASK_KILLED');
  assert.equal(d.next.statusUpdateUuid, U1, 'the update is still forwarded and pending');
});

test('acknowledging the pending terminal update completes the task; others are stale', () => {
  const pending = { state: 'TASK_FINISHED' as const, statusUpdateState: 'TASK_FINISHED' as const, statusUpdateUuid: U1 };
  assert.deepEqual(applyAcknowledge(pending, U2), { kind: 'stale' });
  const ack = applyAcknowledge(pending, U1);
  assert.equal(ack.kind, 'acknowledged');
  assert.equal(ack.kind === 'acknowledged' && ack.complete, true);
  const running = applyAcknowledge({ state: 'TASK_RUNNING', statusUpdateState: 'TASK_RUNNING', statusUpdateUuid: U1 }, U1);
  assert.equal(running.kind === 'acknowledged' && running.complete, false);
});

test('master transitions: terminal ones recover resources; a terminal task is left alone', () => {
  assert.equal(applyMasterTransition({ state: 'TASK_STAGING' }, 'TASK_KILLED').recoverResources, true);
  assert.equal(applyMasterTransition({ state: 'TASK_RUNNING' }, 'TASK_UNREACHABLE').recoverResources, false);
  const done = applyMasterTransition({ state: 'TASK_FAILED' }, 'TASK_LOST');
  assert.equal(done.next.state, 'TASK_FAILED');
  assert.equal(done.recoverResources, false);
  assert.equal(completesAfterMasterTransition({ state: 'TASK_LOST' }), true);
  assert.equal(completesAfterMasterTransition({ state: 'TASK_LOST', statusUpdateState: 'TASK_RUNNING', statusUpdateUuid: U1 }), true);
  assert.equal(completesAfterMasterTransition({ state: 'TASK_UNREACHABLE' }), false);
});

test('partition-aware states become TASK_LOST for other frameworks', () => {
  for (const s of ['TASK_UNREACHABLE', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN'] as const) {
    assert.equal(stateForFramework(s, false), 'TASK_LOST');
    assert.equal(stateForFramework(s, true), s);
  }
  assert.equal(stateForFramework('TASK_RUNNING', false), 'TASK_RUNNING');
  assert.equal(unreachableState(true), 'TASK_UNREACHABLE');
  assert.equal(unreachableState(false), 'TASK_LOST');
});

test('explicit reconciliation of an unknown task follows the agent standing', () => {
  assert.equal(reconcileUnknownTask('registered', true)?.state, 'TASK_GONE');
  assert.equal(reconcileUnknownTask('unreachable', true)?.state, 'TASK_UNREACHABLE');
  assert.equal(reconcileUnknownTask('gone', true)?.state, 'TASK_GONE_BY_OPERATOR');
  assert.equal(reconcileUnknownTask('unknown', true)?.state, 'TASK_UNKNOWN');
  assert.equal(reconcileUnknownTask('recovering', true), undefined);
  for (const s of ['registered', 'unreachable', 'gone', 'unknown'] as const) {
    assert.equal(reconcileUnknownTask(s, false)?.state, 'TASK_LOST');
  }
});

test('reconciliation reports the unacknowledged update, not a state the framework has not been sent', () => {
  // RUNNING forwarded, not acknowledged; the agent's latest_state says the task finished since.
  const d = applyAgentUpdate({ state: 'TASK_STARTING' }, { state: 'TASK_RUNNING', uuid: U1 }, 'TASK_FINISHED');
  assert.equal(d.next.state, 'TASK_FINISHED');
  assert.equal(reconciledState(d.next), 'TASK_RUNNING');
  // Nothing pending: the latest state.
  assert.equal(reconciledState({ state: 'TASK_FINISHED' }), 'TASK_FINISHED');
});

test("a master transition supersedes a pending agent update (it is what the framework was told last)", () => {
  const d = applyMasterTransition({ state: 'TASK_RUNNING', statusUpdateState: 'TASK_RUNNING', statusUpdateUuid: U1 }, 'TASK_UNREACHABLE');
  assert.deepEqual(d.next, { state: 'TASK_UNREACHABLE' });
  assert.equal(reconciledState(d.next), 'TASK_UNREACHABLE');
});
