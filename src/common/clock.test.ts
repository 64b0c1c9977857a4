import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from './clock.ts';

test('manual clock fires timers in due order with now() at the due time', () => {
  const c = new ManualClock(1000);
  const fired: string[] = [];
  c.setTimeout(() => fired.push(`b@${c.now()}`), 20);
  c.setTimeout(() => fired.push(`a@${c.now()}`), 10);
  c.setTimeout(() => fired.push(`late@${c.now()}`), 100);
  c.advance(50);
  assert.deepEqual(fired, ['a@1010', 'b@1020']);
  assert.equal(c.now(), 1050);
  assert.equal(c.pending, 1);
});

test('ties fire in creation order and a timer set inside a callback fires in the same advance', () => {
  const c = new ManualClock(0);
  const fired: number[] = [];
  c.setTimeout(() => {
    fired.push(1);
    c.setTimeout(() => fired.push(3), 5);
  }, 10);
  c.setTimeout(() => fired.push(2), 10);
  c.advance(15);
  assert.deepEqual(fired, [1, 2, 3]);
});

test('intervals repeat until cleared; cleared timeouts never fire', () => {
  const c = new ManualClock(0);
  let ticks = 0;
  const h = c.setInterval(() => ticks++, 10);
  const t = c.setTimeout(() => assert.fail('cleared timer fired'), 5);
  c.clearTimeout(t);
  c.advance(35);
  assert.equal(ticks, 3);
  c.clearInterval(h);
  c.advance(100);
  assert.equal(ticks, 3);
  assert.throws(() => c.advance(-1), /negative/);
});
