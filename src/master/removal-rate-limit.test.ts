import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../common/clock.ts';
import { formatRemovalRate, nextGrantAt, parseRemovalRate, RemovalRateLimiter } from './removal-rate-limit.ts';

test('parseRemovalRate reads Mesos N/DURATION and names the flag on bad input', () => {
  assert.deepEqual(parseRemovalRate('1/10mins'), { permits: 1, durationMs: 600_000 });
  assert.deepEqual(parseRemovalRate('2/3hrs'), { permits: 2, durationMs: 3 * 3_600_000 });
  assert.equal(formatRemovalRate(parseRemovalRate('1/10mins')), '1/10mins');
  for (const bad of ['', '10mins', '0/1mins', '-1/1mins', '1.5/1mins', 'x/1mins', '1/', '1/10', '1/0secs', '1/abc']) {
    assert.throws(() => parseRemovalRate(bad), /--agent_removal_rate_limit: .*<agents>\/<duration>/, bad);
  }
});

test('nextGrantAt spaces grants evenly and never banks idle time', () => {
  const rate = { permits: 2, durationMs: 60_000 };
  assert.equal(nextGrantAt(undefined, 1000, 1000), 1000);
  assert.equal(nextGrantAt(rate, undefined, 5), 5);
  assert.equal(nextGrantAt(rate, 0, 10), 30_000);
  assert.equal(nextGrantAt(rate, 0, 1_000_000), 1_000_000);
});

test('unlimited: every removal runs at once, synchronously', () => {
  const clock = new ManualClock();
  const limiter = new RemovalRateLimiter(undefined, clock);
  const done: string[] = [];
  for (const id of ['a', 'b', 'c']) limiter.schedule(id, () => done.push(id));
  assert.deepEqual(done, ['a', 'b', 'c']);
  assert.equal(limiter.pending, 0);
});

test('1/10mins: the first removal at once, then one every 10 minutes, in order', () => {
  const clock = new ManualClock();
  const limiter = new RemovalRateLimiter(parseRemovalRate('1/10mins'), clock);
  const done: string[] = [];
  for (const id of ['a', 'b', 'c']) limiter.schedule(id, () => done.push(id));
  assert.deepEqual(done, ['a']);
  assert.ok(limiter.has('b') && limiter.has('c'));
  clock.advance(599_999);
  assert.deepEqual(done, ['a']);
  clock.advance(1);
  assert.deepEqual(done, ['a', 'b']);
  clock.advance(600_000);
  assert.deepEqual(done, ['a', 'b', 'c']);
  assert.equal(limiter.pending, 0);
  // Idle for an hour: the next one runs at once, but only one of two (no banked permits).
  clock.advance(3_600_000);
  limiter.schedule('d', () => done.push('d'));
  limiter.schedule('e', () => done.push('e'));
  assert.deepEqual(done.slice(3), ['d']);
  clock.advance(600_000);
  assert.deepEqual(done.slice(3), ['d', 'e']);
});

test('a waiting agent that comes back is cancelled and never removed; the next one takes its turn', () => {
  const clock = new ManualClock();
  const limiter = new RemovalRateLimiter(parseRemovalRate('1/1mins'), clock);
  const done: string[] = [];
  for (const id of ['a', 'b', 'c']) limiter.schedule(id, () => done.push(id));
  assert.equal(limiter.schedule('b', () => done.push('b again')), false, 'already waiting');
  assert.equal(limiter.cancel('b'), true);
  assert.equal(limiter.cancel('b'), false);
  assert.equal(limiter.cancel('a'), false, 'already removed');
  clock.advance(60_000);
  assert.deepEqual(done, ['a', 'c']);
  clock.advance(600_000);
  assert.deepEqual(done, ['a', 'c']);
});

test('cancelling the whole queue stops the timer; clear drops everything', () => {
  const clock = new ManualClock();
  const limiter = new RemovalRateLimiter(parseRemovalRate('1/1mins'), clock);
  const done: string[] = [];
  limiter.schedule('a', () => done.push('a'));
  limiter.schedule('b', () => done.push('b'));
  limiter.cancel('b');
  clock.advance(10_000);
  // The spacing still counts from a's grant.
  limiter.schedule('c', () => done.push('c'));
  assert.deepEqual(done, ['a']);
  clock.advance(50_000);
  assert.deepEqual(done, ['a', 'c']);
  limiter.schedule('d', () => done.push('d'));
  limiter.clear();
  clock.advance(600_000);
  assert.deepEqual(done, ['a', 'c']);
});
