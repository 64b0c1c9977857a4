import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskState } from '../protocol/index.ts';
import { ManualClock } from '../common/clock.ts';
import { silentLogger } from '../common/log.ts';
import { StatusUpdateManager, TaskUpdateStream, type StatusUpdate } from './status-updates.ts';

let n = 0;
const upd = (task: string, state: TaskState, uuid = `uuid-${n++}`): StatusUpdate => ({
  frameworkId: 'F',
  executorId: task,
  status: { task_id: { value: task }, state, uuid },
});

test('stream: the first update goes out, later ones queue behind it', () => {
  const s = new TaskUpdateStream();
  const a = upd('t', 'TASK_STARTING');
  const b = upd('t', 'TASK_RUNNING');
  assert.deepEqual(s.update(a), { kind: 'forward' });
  assert.deepEqual(s.update(b), { kind: 'queued' });
  assert.equal(s.inFlight, a);
});

test('stream: only the in-flight uuid can be acknowledged; the next one follows', () => {
  const s = new TaskUpdateStream();
  const a = upd('t', 'TASK_RUNNING');
  const b = upd('t', 'TASK_FINISHED');
  s.update(a);
  s.update(b);
  assert.equal(s.acknowledge(b.status.uuid!).kind, 'error');
  const ack = s.acknowledge(a.status.uuid!);
  assert.equal(ack.kind, 'acknowledged');
  assert.equal(ack.kind === 'acknowledged' && ack.next, b);
  assert.equal(ack.kind === 'acknowledged' && ack.closed, false);
  assert.deepEqual(s.acknowledge(a.status.uuid!), { kind: 'duplicate' });
  const last = s.acknowledge(b.status.uuid!);
  assert.equal(last.kind === 'acknowledged' && last.closed, true);
  assert.equal(s.closed, true);
});

test('stream: duplicates are ignored, updates after an acknowledged terminal one refused', () => {
  const s = new TaskUpdateStream();
  const a = upd('t', 'TASK_FAILED');
  s.update(a);
  assert.deepEqual(s.update({ ...a }), { kind: 'duplicate' });
  s.acknowledge(a.status.uuid!);
  assert.deepEqual(s.update({ ...a }), { kind: 'duplicate' });
  assert.equal(s.update(upd('t', 'TASK_RUNNING')).kind, 'error');
  assert.equal(s.acknowledge('nope').kind, 'error');
});

test('stream: nothing new after a terminal update, even before it is acknowledged', () => {
  const s = new TaskUpdateStream();
  assert.equal(s.update(upd('t', 'TASK_RUNNING')).kind, 'forward');
  const killed = upd('t', 'TASK_KILLED');
  assert.equal(s.update(killed).kind, 'queued');
  // An executor's step timer racing its kill: a late TASK_RUNNING must not follow TASK_KILLED.
  assert.deepEqual(s.update(upd('t', 'TASK_RUNNING')), { kind: 'error', message: "task 't' already has a terminal update (TASK_KILLED)" });
  assert.equal(s.update(upd('t', 'TASK_FAILED')).kind, 'error', 'nor a second terminal one');
  assert.deepEqual(s.update({ ...killed }), { kind: 'duplicate' }, 'a re-sent terminal update is still a duplicate');
  assert.equal(s.pending.length, 2);
});

test('stream: an update without uuid is an error', () => {
  const s = new TaskUpdateStream();
  assert.equal(s.update({ frameworkId: 'F', status: { task_id: { value: 't' }, state: 'TASK_RUNNING' } }).kind, 'error');
});

function manager(opts: { retryMinMs?: number; retryMaxMs?: number } = {}) {
  const clock = new ManualClock();
  const sent: StatusUpdate[] = [];
  const m = new StatusUpdateManager({ clock, logger: silentLogger(), forward: (u) => sent.push(u), ...opts });
  return { clock, sent, m };
}

test('manager: nothing is sent while paused; resume flushes the in-flight update only', () => {
  const { sent, m } = manager();
  const a = upd('t1', 'TASK_RUNNING');
  const b = upd('t1', 'TASK_FINISHED');
  const c = upd('t2', 'TASK_RUNNING');
  m.update(a);
  m.update(b);
  m.update(c);
  assert.deepEqual(sent, []);
  m.resume();
  assert.deepEqual(sent, [a, c]);
});

test('manager: retries 10 s, 20 s, 40 s ... up to 10 min until acknowledged', () => {
  const { clock, sent, m } = manager();
  m.resume();
  const a = upd('t', 'TASK_RUNNING');
  m.update(a);
  const times: number[] = [];
  const start = clock.now();
  for (let i = 0; i < 9; i++) {
    const before = sent.length;
    while (sent.length === before) clock.advance(1000);
    times.push((clock.now() - start) / 1000);
  }
  // cumulative: 10, 30, 70, 150, 310, 630, 1230, 1830, 2430
  assert.deepEqual(times, [10, 30, 70, 150, 310, 630, 1230, 1830, 2430]);
  assert.ok(sent.every((u) => u === a));
  m.acknowledge('F', 't', a.status.uuid!);
  const count = sent.length;
  clock.advance(3_600_000);
  assert.equal(sent.length, count);
});

test('manager: the next update goes out on ack, with a fresh backoff', () => {
  const { clock, sent, m } = manager({ retryMinMs: 100, retryMaxMs: 1000 });
  m.resume();
  const a = upd('t', 'TASK_RUNNING');
  const b = upd('t', 'TASK_FINISHED');
  m.update(a);
  m.update(b);
  clock.advance(300); // a retried at 100 and 300
  assert.deepEqual(sent, [a, a, a]);
  assert.equal(m.acknowledge('F', 't', a.status.uuid!).kind, 'acknowledged');
  assert.deepEqual(sent, [a, a, a, b]);
  clock.advance(100);
  assert.deepEqual(sent, [a, a, a, b, b]);
  assert.equal(m.acknowledge('F', 't', b.status.uuid!).kind, 'acknowledged');
  assert.deepEqual(m.pending('F', 't'), []);
  // The closed stream was removed: acks for it are now errors, new updates start a new stream.
  assert.equal(m.acknowledge('F', 't', b.status.uuid!).kind, 'error');
});

test('manager: pause stops retries; cleanup forgets a framework', () => {
  const { clock, sent, m } = manager({ retryMinMs: 100 });
  m.resume();
  m.update(upd('t', 'TASK_RUNNING'));
  m.pause();
  clock.advance(10_000);
  assert.equal(sent.length, 1);
  m.cleanup('F');
  m.resume();
  assert.equal(sent.length, 1);
  assert.deepEqual(m.pending('F', 't'), []);
});

test('manager: restore replays acknowledged updates as such and re-sends only the pending one', () => {
  const clock = new ManualClock();
  const sent: StatusUpdate[] = [];
  const m = new StatusUpdateManager({ clock, logger: silentLogger(), forward: (u) => sent.push(u) });
  const running = upd('r', 'TASK_RUNNING');
  const finished = upd('r', 'TASK_FINISHED');
  m.restore([running, finished], [finished]);
  assert.equal(sent.length, 0, 'nothing goes out before resume()');
  m.resume();
  assert.deepEqual(sent, [finished]);
  assert.equal(m.update(running).kind, 'duplicate', 'an executor re-sending an acknowledged update is not forwarded again');
  assert.equal(m.wasAcknowledged('F', 'r', running.status.uuid!), true, 'so the agent can answer it ACKNOWLEDGED');
  assert.equal(m.update(finished).kind, 'duplicate');
  assert.equal(m.wasAcknowledged('F', 'r', finished.status.uuid!), false, 'still waiting for the framework');
  assert.equal(m.wasAcknowledged('F', 'other', running.status.uuid!), false);
  assert.equal(m.acknowledge('F', 'r', finished.status.uuid!).kind, 'acknowledged');
});
