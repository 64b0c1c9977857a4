import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusUpdateRetryMs, subscribeBackoffMs } from './backoff.ts';

test('subscribe backoff: random within a bound that doubles from the factor to the cap', () => {
  const top = () => 0.999999;
  assert.equal(subscribeBackoffMs(0, 1000, 60_000, top), 999);
  assert.equal(subscribeBackoffMs(1, 1000, 60_000, top), 1999);
  assert.equal(subscribeBackoffMs(5, 1000, 60_000, top), 31_999);
  assert.equal(subscribeBackoffMs(6, 1000, 60_000, top), 59_999);
  assert.equal(subscribeBackoffMs(500, 1000, 60_000, top), 59_999);
  assert.equal(subscribeBackoffMs(3, 1000, 60_000, () => 0), 0);
  assert.equal(subscribeBackoffMs(1, 1000, 60_000, () => 0.5), 1000);
});

test('status update retry: 10 s doubling to 10 min', () => {
  const seq = [0, 1, 2, 3, 4, 5, 6, 7].map((a) => statusUpdateRetryMs(a, 10_000, 600_000));
  assert.deepEqual(seq, [10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000]);
});
