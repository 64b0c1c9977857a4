import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../common/clock.ts';
import { TimerWheel } from './timer-wheel.ts';
import { planTask } from './sim-executor.ts';

test('the wheel runs callbacks in due order, never early, at most one tick late', () => {
  const clock = new ManualClock(1_000_000);
  const wheel = new TimerWheel(clock, { tickMs: 10 });
  const ran: string[] = [];
  wheel.schedule(25, () => ran.push('b'));
  wheel.schedule(5, () => ran.push('a'));
  const cancelled = wheel.schedule(15, () => ran.push('x'));
  cancelled.cancel();
  assert.equal(wheel.size, 2);
  clock.advance(5);
  assert.deepEqual(ran, []);
  clock.advance(5);
  assert.deepEqual(ran, ['a']);
  clock.advance(20);
  assert.deepEqual(ran, ['a', 'b']);
  assert.equal(wheel.size, 0);
});

test('every() repeats until cancelled, and the wheel restarts after idling', () => {
  const clock = new ManualClock(0);
  const wheel = new TimerWheel(clock, { tickMs: 10 });
  let n = 0;
  const t = wheel.every(100, () => n++);
  clock.advance(350);
  assert.equal(n, 3);
  t.cancel();
  clock.advance(1000);
  assert.equal(n, 3);
  let later = false;
  wheel.schedule(50, () => (later = true));
  clock.advance(60);
  assert.equal(later, true);
});

test('a task plan comes from the labels, or the defaults', () => {
  const timing = { startingMs: 1, runningMs: 2, durationMs: 1000 };
  const base = { name: 't', task_id: { value: 't' }, agent_id: { value: 'a' } };
  assert.deepEqual(planTask(base, timing), { startingMs: 1, runningMs: 2, durationMs: 1000, endState: 'TASK_FINISHED' });
  const labelled = { ...base, labels: { labels: [{ key: 'agora.sim/duration_ms', value: '-1' }, { key: 'agora.sim/end_state', value: 'TASK_FAILED' }] } };
  assert.deepEqual(planTask(labelled, timing), { startingMs: 1, runningMs: 2, durationMs: undefined, endState: 'TASK_FAILED' });
  const bad = { ...base, labels: { labels: [{ key: 'agora.sim/duration_ms', value: 'soon' }, { key: 'agora.sim/end_state', value: 'TASK_RUNNING' }] } };
  assert.deepEqual(planTask(bad, timing), { startingMs: 1, runningMs: 2, durationMs: 1000, endState: 'TASK_FINISHED' });
});
