import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entriesToForget } from './pruning.ts';

const DAY = 86_400_000;

test('count: the oldest go first until at most maxCount remain, whatever order they come in', () => {
  const entries = [
    { id: 'c', since: 3 },
    { id: 'a', since: 1 },
    { id: 'b', since: 2 },
  ];
  assert.deepEqual(entriesToForget(entries, 10, DAY, 1), ['a', 'b']);
  assert.deepEqual(entriesToForget(entries, 10, DAY, 3), []);
  assert.deepEqual(entriesToForget(entries, 10, DAY, 0), ['a', 'b', 'c']);
});

test('age: anything older than maxAge goes, even within the count', () => {
  const now = 30 * DAY;
  const entries = [
    { id: 'old', since: now - 15 * DAY },
    { id: 'edge', since: now - 14 * DAY },
    { id: 'new', since: now - DAY },
  ];
  assert.deepEqual(entriesToForget(entries, now, 14 * DAY, 100), ['old'], 'exactly maxAge old is kept (Mesos: age > max)');
  assert.deepEqual(entriesToForget(entries, now, 14 * DAY, 1), ['old', 'edge']);
  assert.deepEqual(entriesToForget([], now, 14 * DAY, 0), []);
});
