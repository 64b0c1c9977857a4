import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getStateResponse, taskJson } from '../client/testing/fixtures.ts';
import { NotFoundError } from '../common/errors.ts';
import { decodeMasterResponse, type MasterGetStateResponse } from '../protocol/index.ts';
import { UsageError } from './errors.ts';
import { findTask } from './task-lookup.ts';

function state(tasks: unknown[], completed: unknown[] = []): MasterGetStateResponse {
  const decoded = decodeMasterResponse(getStateResponse({ tasks, completed }));
  assert.ok(decoded.ok && decoded.value.type === 'GET_STATE');
  return decoded.value.get_state;
}

test('exact id, then unique prefix, then unique name', () => {
  const s = state([taskJson('web.a1', 'TASK_RUNNING'), taskJson('web.b2', 'TASK_RUNNING'), taskJson('db.c3', 'TASK_RUNNING')]);
  assert.equal(findTask(s, 'web.b2').task.task_id.value, 'web.b2');
  assert.equal(findTask(s, 'web.a').task.task_id.value, 'web.a1');
  assert.equal(findTask(s, 'db').task.task_id.value, 'db.c3');
  assert.throws(() => findTask(s, 'web'), (err: unknown) => err instanceof UsageError && /matches 2 tasks/.test(err.message) && /web\.a1/.test(err.message));
  assert.throws(() => findTask(s, 'nope'), NotFoundError);
});

test('completed tasks are found too; a single live task wins over completed ones with its id', () => {
  const s = state([taskJson('job', 'TASK_RUNNING')], [taskJson('job', 'TASK_FINISHED'), taskJson('old', 'TASK_FAILED')]);
  assert.equal(findTask(s, 'job').task.state, 'TASK_RUNNING');
  const found = findTask(s, 'old');
  assert.equal(found.completed, true);
  assert.throws(() => findTask(s, 'job', 'other-framework'), NotFoundError);
  assert.equal(findTask(s, 'job', 'demo').task.state, 'TASK_RUNNING', 'a framework is also matched by name');
});
