import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_KILL_GRACE_MS, killGraceMs, planKill, shutdownGraceMs } from './kill-plan.ts';

test('grace period: KILL event policy, then task policy, then 3 s', () => {
  assert.equal(killGraceMs(1e9, 30e9), 1000);
  assert.equal(killGraceMs(undefined, 30e9), 30_000);
  assert.equal(killGraceMs(undefined, undefined), DEFAULT_KILL_GRACE_MS);
  assert.equal(killGraceMs(0, 30e9), 0, 'an explicit zero grace period means SIGKILL at once');
  assert.equal(killGraceMs(-5, undefined), 0);
});

test('shutdown keeps a 1 s buffer out of the executor shutdown grace period', () => {
  assert.equal(shutdownGraceMs(5000), 4000);
  assert.equal(shutdownGraceMs(500), 0);
});

test('the first kill sends SIGTERM and schedules SIGKILL', () => {
  assert.deepEqual(planKill(undefined, 1000, 10_000), { kind: 'terminate', escalation: { startedAt: 10_000, sigkillAt: 11_000 } });
});

test('later kills only shorten the grace period (Mesos: 20,30 -> 20; 20,20 -> 20; 20,5 -> 5)', () => {
  const running = { startedAt: 0, sigkillAt: 20_000 };
  assert.deepEqual(planKill(running, 30_000, 1000), { kind: 'unchanged' });
  assert.deepEqual(planKill(running, 20_000, 1000), { kind: 'unchanged' });
  assert.deepEqual(planKill(running, 5000, 1000), { kind: 'reschedule', escalation: { startedAt: 0, sigkillAt: 5000 } });
  // Already past the shorter deadline: SIGKILL now.
  assert.deepEqual(planKill(running, 5000, 7000), { kind: 'reschedule', escalation: { startedAt: 0, sigkillAt: 7000 } });
});
