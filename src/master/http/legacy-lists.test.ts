import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TASK_LIMIT, pageTasks, parseTaskListQuery, taskSortKey } from './legacy-lists.ts';

type T = { id: string; statuses: { timestamp?: number }[] };
const task = (id: string, ...timestamps: number[]): T => ({ id, statuses: timestamps.map((timestamp) => ({ timestamp })) });

test('parseTaskListQuery: defaults, and upstream fallbacks for values that do not parse', () => {
  assert.deepEqual(parseTaskListQuery(new URLSearchParams('')), { limit: DEFAULT_TASK_LIMIT, offset: 0, order: 'des', frameworkId: undefined, taskId: undefined });
  assert.deepEqual(parseTaskListQuery(new URLSearchParams('limit=5&offset=2&order=asc&framework_id=f&task_id=t')), { limit: 5, offset: 2, order: 'asc', frameworkId: 'f', taskId: 't' });
  const bad = parseTaskListQuery(new URLSearchParams('limit=-1&offset=x&order=ASC'));
  assert.equal(bad.limit, DEFAULT_TASK_LIMIT, 'a negative limit falls back to the default');
  assert.equal(bad.offset, 0, 'an offset that is not a number falls back to 0');
  assert.equal(bad.order, 'des', "only exactly 'asc' is ascending");
  assert.equal(parseTaskListQuery(new URLSearchParams('limit=0')).limit, 0, 'limit=0 is a valid (empty) page');
});

test('taskSortKey is the first status timestamp, as upstream (statuses(0))', () => {
  assert.equal(taskSortKey(task('a', 10, 30, 20)), 10);
  assert.equal(taskSortKey(task('a')), undefined);
});

test('pageTasks orders newest first by default, oldest first with asc, and cuts [offset, offset+limit)', () => {
  const tasks = [task('b', 20), task('none'), task('a', 10, 50), task('c', 30)];
  const ids = (order: 'asc' | 'des', offset = 0, limit = 100): string[] => pageTasks(tasks, { order, offset, limit }).map((t) => t.id);
  assert.deepEqual(ids('des'), ['c', 'b', 'a', 'none'], 'descending; a task without statuses comes last');
  assert.deepEqual(ids('asc'), ['none', 'a', 'b', 'c'], 'ascending; a task without statuses comes first');
  assert.deepEqual(ids('asc', 1, 1), ['a']);
  assert.deepEqual(ids('des', 3, 10), ['none']);
  assert.deepEqual(ids('des', 10, 10), [], 'an offset past the end is an empty page');
  assert.deepEqual(ids('des', 0, 0), []);
});

test('pageTasks keeps the input order among equal keys in both directions', () => {
  const tasks = [task('x', 5), task('y', 5), task('z', 5), task('n1'), task('n2')];
  assert.deepEqual(pageTasks(tasks, { order: 'des', offset: 0, limit: 10 }).map((t) => t.id), ['x', 'y', 'z', 'n1', 'n2']);
  assert.deepEqual(pageTasks(tasks, { order: 'asc', offset: 0, limit: 10 }).map((t) => t.id), ['n1', 'n2', 'x', 'y', 'z']);
});
