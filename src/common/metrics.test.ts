import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from './metrics.ts';

test('counters, gauges and timers appear in the snapshot under Mesos names', () => {
  const m = new Metrics();
  const c = m.counter('master/messages_decline_offers');
  c.inc();
  c.inc(2);
  assert.equal(m.counter('master/messages_decline_offers').value, 3);
  let running = 7;
  m.gauge('master/tasks_running', () => running);
  const t = m.timer('allocator/mesos/allocation_run');
  for (let i = 1; i <= 100; i++) t.record(i);
  running = 8;
  const s = m.snapshot();
  assert.equal(s['master/messages_decline_offers'], 3);
  assert.equal(s['master/tasks_running'], 8);
  assert.equal(s['allocator/mesos/allocation_run_ms'], 100);
  assert.equal(s['allocator/mesos/allocation_run_ms/count'], 100);
  assert.equal(s['allocator/mesos/allocation_run_ms/p50'], 51);
  assert.equal(s['allocator/mesos/allocation_run_ms/max'], 100);
});

test('a failing gauge is left out; kinds cannot be mixed; prefixes can be removed', () => {
  const m = new Metrics();
  m.gauge('bad', () => {
    throw new Error('x');
  });
  m.gauge('master/frameworks/f1/subscribed', () => 1);
  assert.deepEqual(m.snapshot(), { 'master/frameworks/f1/subscribed': 1 });
  assert.throws(() => m.counter('bad'), /is a gauge, not a counter/);
  m.removePrefix('master/frameworks/f1/');
  assert.deepEqual(Object.keys(m.snapshot()), []);
});

test('grouped gauges share one reading per snapshot; a key left out or a reading that throws leaves its gauges out', () => {
  const m = new Metrics();
  let reads = 0;
  let tasks = ['TASK_RUNNING', 'TASK_RUNNING', 'TASK_FAILED'];
  m.gaugeGroup({ 'master/tasks_running': 'TASK_RUNNING', 'master/tasks_failed': 'TASK_FAILED', 'master/tasks_lost': 'TASK_LOST' }, () => {
    reads++;
    const counts: Record<string, number> = {};
    for (const t of tasks) counts[t] = (counts[t] ?? 0) + 1;
    return counts;
  });
  assert.deepEqual(m.snapshot(), { 'master/tasks_failed': 1, 'master/tasks_running': 2 });
  assert.equal(reads, 1);
  tasks = ['TASK_LOST'];
  assert.deepEqual(m.snapshot(), { 'master/tasks_lost': 1 });
  assert.equal(reads, 2);
  m.gaugeGroup({ broken: 'x' }, () => {
    throw new Error('x');
  });
  assert.deepEqual(Object.keys(m.snapshot()), ['master/tasks_lost']);
  assert.throws(() => m.counter('broken'), /is a gauge, not a counter/);
  m.gauge('master/tasks_lost', () => 9);
  assert.equal(m.snapshot()['master/tasks_lost'], 9);
});

test('prometheus text sanitises names', () => {
  const m = new Metrics();
  m.gauge('master/cpus_total', () => 4);
  assert.equal(m.prometheus(), 'master_cpus_total 4\n');
});
