import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffCeiling, backoffDelay } from './backoff.ts';

test('the ceiling doubles from the initial delay up to the cap', () => {
  const policy = { initialMs: 500, maxMs: 30_000 };
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffCeiling(a, policy)), [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  assert.equal(backoffCeiling(1_000_000, policy), 30_000, 'huge attempt numbers stay finite');
  assert.equal(backoffCeiling(-3, policy), 500, 'a negative attempt counts as the first');
  assert.equal(backoffCeiling(0, { initialMs: 100, maxMs: 40 }), 40, 'a cap below the initial delay wins');
  assert.equal(backoffCeiling(5, { initialMs: 0, maxMs: 1000 }), 0);
});

test("jitter 'none': exactly the ceiling (status update retries: 10 s doubling to 10 min)", () => {
  const seq = [0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, { initialMs: 10_000, maxMs: 600_000, jitter: 'none' }, 0.7));
  assert.deepEqual(seq, [10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000]);
});

test("jitter 'full': uniform in [0, ceiling), whole milliseconds (Mesos agent registration)", () => {
  const policy = { initialMs: 1000, maxMs: 60_000, jitter: 'full' as const };
  const top = 0.999999;
  assert.equal(backoffDelay(0, policy, top), 999);
  assert.equal(backoffDelay(1, policy, top), 1999);
  assert.equal(backoffDelay(5, policy, top), 31_999);
  assert.equal(backoffDelay(6, policy, top), 59_999);
  assert.equal(backoffDelay(500, policy, top), 59_999);
  assert.equal(backoffDelay(3, policy, 0), 0);
  assert.equal(backoffDelay(1, policy, 0.5), 1000);
});

test("jitter 'equal' (the default): in the upper half of the ceiling", () => {
  const policy = { initialMs: 500, maxMs: 30_000 };
  assert.equal(backoffDelay(0, policy, 0), 250);
  assert.equal(backoffDelay(0, policy, 0.999999), 499.99975);
  assert.equal(backoffDelay(3, policy, 0), 2000);
  assert.equal(backoffDelay(20, policy, 1), 30_000);
  assert.equal(backoffDelay(1000, policy, 0), 15_000);
});

test('a random draw outside [0, 1] cannot push a delay past its ceiling', () => {
  const policy = { initialMs: 100, maxMs: 100, jitter: 'full' as const };
  assert.equal(backoffDelay(0, policy, 7), 100);
  assert.equal(backoffDelay(0, policy, -1), 0);
  assert.equal(backoffDelay(0, policy, Number.NaN), 0);
  assert.equal(backoffDelay(0, { initialMs: 100, maxMs: 100 }, 2), 100);
});

test('the delay never decreases from one attempt to the next for a fixed draw', () => {
  for (const jitter of ['none', 'full', 'equal'] as const) {
    for (const r of [0, 0.3, 0.99]) {
      let previous = -1;
      for (let attempt = 0; attempt < 40; attempt++) {
        const d = backoffDelay(attempt, { initialMs: 7, maxMs: 5000, jitter }, r);
        assert.ok(d >= previous, `${jitter} r=${r} attempt ${attempt}: ${d} < ${previous}`);
        assert.ok(d <= 5000);
        previous = d;
      }
    }
  }
});
