import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideGc, diskUsageFromStatfs, gcDelayForUsage, type GcPolicy } from './gc-policy.ts';

const WEEK = 7 * 24 * 3_600_000;
const policy: GcPolicy = { gcDelayMs: WEEK, diskHeadroom: 0.1 };

test('unmeasured disk usage leaves the configured delay', () => {
  assert.equal(gcDelayForUsage(policy, undefined), WEEK);
  assert.equal(gcDelayForUsage(policy, Number.NaN), WEEK);
});

test('the delay shrinks as gc_delay × (1 − headroom − usage)', () => {
  assert.equal(gcDelayForUsage(policy, 0), Math.floor(WEEK * 0.9));
  assert.equal(gcDelayForUsage(policy, 0.5), Math.floor(WEEK * 0.4));
  assert.equal(gcDelayForUsage({ gcDelayMs: 1000, diskHeadroom: 0.1 }, 0.7), 200);
  assert.equal(gcDelayForUsage({ gcDelayMs: 1000, diskHeadroom: 0 }, 0.25), 750);
});

test('usage at or beyond 1 − headroom removes at once, never a negative delay', () => {
  assert.equal(gcDelayForUsage(policy, 0.9), 0);
  assert.equal(gcDelayForUsage(policy, 0.95), 0);
  assert.equal(gcDelayForUsage(policy, 1.5), 0);
  assert.equal(gcDelayForUsage({ gcDelayMs: 1000, diskHeadroom: 1 }, 0), 0);
});

test('a usage below 0 is treated as 0, so the delay never exceeds gc_delay', () => {
  assert.equal(gcDelayForUsage({ gcDelayMs: 1000, diskHeadroom: 0 }, -3), 1000);
});

test('paths are due once older than the delay; the next due time is the oldest remaining', () => {
  const p = { gcDelayMs: 1000, diskHeadroom: 0 };
  const entries = [
    { path: '/w/c', scheduledAt: 500 },
    { path: '/w/a', scheduledAt: 0 },
    { path: '/w/b', scheduledAt: 100 },
  ];
  assert.deepEqual(decideGc(entries, 999, p, undefined), { due: [], nextDueAt: 1000, delayMs: 1000 });
  assert.deepEqual(decideGc(entries, 1000, p, undefined), { due: ['/w/a'], nextDueAt: 1100, delayMs: 1000 });
  assert.deepEqual(decideGc(entries, 1500, p, undefined), { due: ['/w/a', '/w/b', '/w/c'], nextDueAt: undefined, delayMs: 1000 });
  assert.deepEqual(decideGc([], 0, p, undefined), { due: [], nextDueAt: undefined, delayMs: 1000 });
});

test('a filling disk makes old paths due early and moves the next due time closer', () => {
  const p = { gcDelayMs: 10_000, diskHeadroom: 0.1 };
  const entries = [
    { path: '/w/old', scheduledAt: 0 },
    { path: '/w/new', scheduledAt: 4_000 },
  ];
  // usage 0: delay 9 s, nothing due at 5 s.
  assert.deepEqual(decideGc(entries, 5_000, p, 0), { due: [], nextDueAt: 9_000, delayMs: 9_000 });
  // usage 0.5: delay 4 s, the old one is due, the new one at 8 s.
  assert.deepEqual(decideGc(entries, 5_000, p, 0.5), { due: ['/w/old'], nextDueAt: 8_000, delayMs: 4_000 });
  // usage 0.9: everything at once.
  assert.deepEqual(decideGc(entries, 5_000, p, 0.9), { due: ['/w/old', '/w/new'], nextDueAt: undefined, delayMs: 0 });
});

test('disk usage from statfs block counts', () => {
  assert.equal(diskUsageFromStatfs(1000, 250), 0.75);
  assert.equal(diskUsageFromStatfs(1000, 1000), 0);
  assert.equal(diskUsageFromStatfs(0, 0), undefined);
  assert.equal(diskUsageFromStatfs(1000, -1), undefined);
});
