import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSignal, terminalStatus, terminationMessage } from './termination.ts';

test('messages use the Mesos wording', () => {
  assert.equal(terminationMessage({ code: 3, signal: null }), 'Command exited with status 3');
  assert.equal(terminationMessage({ code: 0, signal: null }), 'Command exited with status 0');
  assert.equal(terminationMessage({ code: null, signal: 'SIGKILL' }), 'Command terminated with signal Killed');
  assert.equal(terminationMessage({ code: null, signal: 'SIGTERM' }), 'Command terminated with signal Terminated');
  assert.equal(describeSignal('SIGSEGV'), 'Segmentation fault');
  assert.equal(describeSignal('SIGRTMIN'), 'SIGRTMIN');
});

test('exit 0 finishes, anything else fails with REASON_COMMAND_EXECUTOR_FAILED', () => {
  assert.deepEqual(terminalStatus({ code: 0, signal: null }, undefined), {
    state: 'TASK_FINISHED',
    message: 'Command exited with status 0',
  });
  assert.deepEqual(terminalStatus({ code: 3, signal: null }, undefined), {
    state: 'TASK_FAILED',
    message: 'Command exited with status 3',
    reason: 'REASON_COMMAND_EXECUTOR_FAILED',
  });
  assert.equal(terminalStatus({ code: null, signal: 'SIGSEGV' }, undefined).state, 'TASK_FAILED');
});

test('a killed task is KILLED even when it exits 0 on SIGTERM', () => {
  assert.equal(terminalStatus({ code: 0, signal: null }, 'kill').state, 'TASK_KILLED');
  assert.equal(terminalStatus({ code: null, signal: 'SIGKILL' }, 'shutdown').state, 'TASK_KILLED');
  assert.equal(terminalStatus({ code: null, signal: 'SIGTERM' }, 'kill').reason, undefined);
});

test('health-check kills carry healthy=false; max completion time fails the task', () => {
  assert.equal(terminalStatus({ code: null, signal: 'SIGTERM' }, 'health_check').healthy, false);
  assert.deepEqual(terminalStatus({ code: null, signal: 'SIGKILL' }, 'max_completion_time'), {
    state: 'TASK_FAILED',
    message: 'Command terminated with signal Killed',
    reason: 'REASON_MAX_COMPLETION_TIME_REACHED',
  });
});
