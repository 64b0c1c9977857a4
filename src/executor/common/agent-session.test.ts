import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../common/clock.ts';
import { AgentCallError, type EventStream, type StreamHandlers } from '../command/agent-client.ts';
import type { ExecutorLog } from '../command/log.ts';
import type { Json } from '../command/wire.ts';
import { AgentSession, readExecutorEvent, REGISTRATION_TIMEOUT_MS, TERMINAL_ACK_TIMEOUT_MS, type AgentSessionOptions, type AgentTransport } from './agent-session.ts';

/** Lets promise callbacks (the transport's answers) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type Deferred<T> = { promise: Promise<T>; resolve(value: T): void; reject(err: unknown): void };
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

type SubscribeCall = { call: Json; handlers: StreamHandlers; answer: Deferred<EventStream>; closed: boolean };
type PostCall = { call: Json; answer: Deferred<void> };

/** A transport whose every call waits until the test answers it. */
class FakeTransport implements AgentTransport {
  readonly subscribes: SubscribeCall[] = [];
  readonly posts: PostCall[] = [];
  readonly probes: Deferred<boolean>[] = [];
  closed = false;

  subscribe(call: unknown, handlers: StreamHandlers): Promise<EventStream> {
    const entry: SubscribeCall = { call: call as Json, handlers, answer: deferred(), closed: false };
    this.subscribes.push(entry);
    return entry.answer.promise;
  }

  post(call: unknown): Promise<void> {
    const entry: PostCall = { call: call as Json, answer: deferred() };
    this.posts.push(entry);
    return entry.answer.promise;
  }

  probe(): Promise<boolean> {
    const d = deferred<boolean>();
    this.probes.push(d);
    return d.promise;
  }

  close(): void {
    this.closed = true;
  }

  get last(): SubscribeCall {
    return this.subscribes.at(-1)!;
  }

  /** Opens the last SUBSCRIBE's stream and sends SUBSCRIBED on it. */
  async accept(): Promise<void> {
    const sub = this.last;
    sub.answer.resolve({ close: () => (sub.closed = true) });
    await settle();
    sub.handlers.onEvent({ type: 'SUBSCRIBED', subscribed: { framework_info: { user: 'u', name: 'n' }, agent_info: { hostname: 'agent-1' } } });
  }

  ack(taskId: string, uuid: string): void {
    this.last.handlers.onEvent({ type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: taskId }, uuid } });
  }
}

const silentLog: ExecutorLog = { info() {}, warn() {}, error() {} };
const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5051'), { code: 'ECONNREFUSED' });
const TASK = { taskId: 'task-1', raw: { task_id: { value: 'task-1' }, name: 'task-1' } };

function harness(overrides: Partial<AgentSessionOptions> = {}, o: { probe?: boolean } = {}) {
  const clock = new ManualClock();
  // Without probe(): an older transport, or one that cannot tell "nobody listens".
  const transport = o.probe === false ? Object.assign(new FakeTransport(), { probe: undefined }) : new FakeTransport();
  const seen: string[] = [];
  let uuid = 0;
  let task: typeof TASK | undefined;
  const session = new AgentSession({
    id: { frameworkId: 'fw', executorId: 'ex' },
    checkpoint: true,
    recoveryTimeoutMs: 10_000,
    subscriptionBackoffMaxMs: 2000,
    transport,
    clock,
    log: silentLog,
    newUuid: () => `uuid-${++uuid}`,
    parseEvent: readExecutorEvent,
    tasks: () => (task === undefined ? [] : [task]),
    random: () => 0,
    hooks: {
      subscribed: () => seen.push('subscribed'),
      event: (e) => seen.push(`event:${e.type}`),
      launchUnreadable: (taskIds) => seen.push(`unreadable:${taskIds.join(',')}`),
      agentLost: (reason) => seen.push(`lost:${reason}`),
      finished: (code) => seen.push(`finished:${code}`),
    },
    ...overrides,
  });
  return { clock, transport, session, seen, setTask: (t: typeof TASK | undefined) => (task = t) };
}

const update = (state: string) => ({ taskId: 'task-1', state: state as 'TASK_RUNNING' });
const postedUuid = (p: PostCall | undefined): string => ((p!.call.update as Json).status as Json).uuid as string;
const subscribeBody = (s: SubscribeCall): Json => s.call.subscribe as Json;

describe('AgentSession', () => {
  it('subscribes, posts updates one at a time in order, and forgets them once acknowledged', async () => {
    const { transport, session, seen } = harness();
    session.start();
    assert.equal(transport.subscribes.length, 1);
    assert.equal(session.connection, 'subscribing');
    await transport.accept();
    assert.deepEqual(seen, ['subscribed']);
    assert.equal(session.connection, 'subscribed');

    const first = session.sendUpdate(update('TASK_STARTING'));
    const second = session.sendUpdate(update('TASK_RUNNING'));
    assert.equal(transport.posts.length, 1, 'the second update waits for the first post');
    assert.equal(postedUuid(transport.posts[0]), first);
    transport.posts[0]!.answer.resolve();
    await settle();
    assert.equal(transport.posts.length, 2);
    assert.equal(postedUuid(transport.posts[1]), second);

    transport.ack('task-1', first);
    assert.deepEqual(
      session.unacknowledged().map((u) => u.status.uuid),
      [second],
    );
    transport.last.handlers.onEvent({ type: 'KILL', kill: { task_id: { value: 'task-1' } } });
    assert.deepEqual(seen, ['subscribed', 'event:KILL']);
  });

  it('retries a failed post 1 s, then 2 s later; drops a permanently rejected one from the queue but keeps it unacknowledged', async () => {
    const { clock, transport, session } = harness();
    session.start();
    await transport.accept();
    const uuid = session.sendUpdate(update('TASK_RUNNING'));
    transport.posts[0]!.answer.reject(new Error('socket hang up'));
    await settle();
    clock.advance(999);
    assert.equal(transport.posts.length, 1);
    clock.advance(1);
    assert.equal(transport.posts.length, 2);
    transport.posts[1]!.answer.reject(new AgentCallError(503, 'busy'));
    await settle();
    clock.advance(1999);
    assert.equal(transport.posts.length, 2);
    clock.advance(1);
    assert.equal(transport.posts.length, 3);

    transport.posts[2]!.answer.reject(new AgentCallError(400, 'bad update'));
    await settle();
    clock.advance(60_000);
    assert.equal(transport.posts.length, 3, 'no retry of a permanent rejection');
    assert.deepEqual(
      session.unacknowledged().map((u) => u.status.uuid),
      [uuid],
    );
  });

  it('after a lost stream (checkpointing) re-subscribes with backoff, carrying the unacknowledged updates and task', async () => {
    const { clock, transport, session, seen, setTask } = harness();
    session.start();
    await transport.accept();
    setTask(TASK);
    const starting = session.sendUpdate(update('TASK_STARTING'));
    transport.last.handlers.onClose('the agent closed the event stream');
    assert.equal(session.connection, 'disconnected');
    // The post in flight fails with the connection; it is not retried on its own.
    transport.posts[0]!.answer.reject(new Error('socket hang up'));
    await settle();

    // Backoff 100 ms with equal jitter and random 0: 50 ms.
    clock.advance(49);
    assert.equal(transport.subscribes.length, 1);
    clock.advance(1);
    assert.equal(transport.subscribes.length, 2);
    const body = subscribeBody(transport.last);
    assert.deepEqual(
      (body.unacknowledged_updates as Json[]).map((u) => (u.status as Json).uuid),
      [starting],
    );
    assert.deepEqual(body.unacknowledged_tasks, [TASK.raw]);

    // An update made while the SUBSCRIBE is in flight is posted once SUBSCRIBED arrives; the one
    // carried in the SUBSCRIBE is not posted again.
    const running = session.sendUpdate(update('TASK_RUNNING'));
    const postsBefore = transport.posts.length;
    await transport.accept();
    assert.equal(transport.posts.length, postsBefore + 1);
    assert.equal(postedUuid(transport.posts.at(-1)), running);
    assert.deepEqual(seen, ['subscribed', 'subscribed']);

    // Once an update of the task is acknowledged, the task no longer travels in SUBSCRIBE.
    transport.ack('task-1', starting);
    transport.last.handlers.onClose('gone again');
    clock.advance(50);
    assert.equal(subscribeBody(transport.last).unacknowledged_tasks, undefined);
  });

  it('a non-checkpointing executor loses the agent at once when the stream ends', async () => {
    const { clock, transport, session, seen } = harness({ checkpoint: false });
    session.start();
    await transport.accept();
    transport.last.handlers.onClose('the agent closed the event stream');
    assert.deepEqual(seen, ['subscribed', 'lost:lost the agent and the framework does not checkpoint']);
    assert.ok(session.agentGone);
    clock.advance(10_000);
    assert.equal(transport.subscribes.length, 1);
  });

  it('polls a down agent with TCP probes (50, 100, 200, 200 ms with no jitter draw) and subscribes once it listens', async () => {
    const { clock, transport, session } = harness();
    session.start();
    transport.last.answer.reject(refused());
    await settle();
    const probeTimes: number[] = [];
    const start = clock.now();
    for (let i = 0; i < 4; i++) {
      const before = transport.probes.length;
      while (transport.probes.length === before) clock.advance(1);
      probeTimes.push(clock.now() - start);
      if (i < 3) {
        transport.probes.at(-1)!.resolve(false);
        await settle();
      }
    }
    assert.deepEqual(probeTimes, [50, 150, 350, 550]);
    assert.equal(transport.subscribes.length, 1, 'no SUBSCRIBE while nobody listens');
    transport.probes.at(-1)!.resolve(true);
    await settle();
    assert.equal(transport.subscribes.length, 2);
  });

  it('re-subscribes without probing when the transport cannot probe, and at the first step while the agent answers 503', async () => {
    const { clock, transport: t, session } = harness({}, { probe: false });
    session.start();
    for (let i = 0; i < 3; i++) {
      t.last.answer.reject(new AgentCallError(503, 'recovering'));
      await settle();
      const before = t.subscribes.length;
      clock.advance(49);
      assert.equal(t.subscribes.length, before);
      clock.advance(1);
      assert.equal(t.subscribes.length, before + 1, 'still at the first backoff step');
    }
    // Other failures move up the backoff: 50, 100, 200 ... (random 0 → half the ceiling).
    t.last.answer.reject(new Error('socket hang up'));
    await settle();
    clock.advance(50);
    assert.equal(t.subscribes.length, 5);
    t.last.answer.reject(new Error('socket hang up'));
    await settle();
    clock.advance(99);
    assert.equal(t.subscribes.length, 5);
    clock.advance(1);
    assert.equal(t.subscribes.length, 6);
  });

  it('gives up when the agent is not back within the recovery timeout, or refuses the subscription', async () => {
    const { clock, transport, session, seen } = harness({ recoveryTimeoutMs: 5000 });
    session.start();
    transport.last.answer.reject(refused());
    await settle();
    for (let elapsed = 0; elapsed < 4999; elapsed += 1) {
      clock.advance(1);
      const probes = transport.probes.splice(0);
      for (const probe of probes) probe.resolve(false);
      if (probes.length > 0) await settle();
    }
    assert.deepEqual(seen, []);
    clock.advance(1);
    assert.deepEqual(seen, ['lost:the agent did not come back in time']);

    const refusedHarness = harness();
    refusedHarness.session.start();
    refusedHarness.transport.last.answer.reject(new AgentCallError(401, 'unauthorized'));
    await settle();
    assert.deepEqual(refusedHarness.seen, ['lost:the agent refused the subscription']);
  });

  it('a first SUBSCRIBE of a non-checkpointing executor is retried for the registration timeout', async () => {
    const { clock, transport, session, seen } = harness({ checkpoint: false }, { probe: false });
    session.start();
    for (;;) {
      transport.last.answer.reject(new Error('socket hang up'));
      await settle();
      if (seen.length > 0) break;
      const before = transport.subscribes.length;
      while (transport.subscribes.length === before && seen.length === 0) clock.advance(100);
    }
    assert.deepEqual(seen, ['lost:the agent did not come back in time']);
    assert.ok(clock.now() - 1_700_000_000_000 >= REGISTRATION_TIMEOUT_MS);
  });

  it('finishes with 0 when the terminal update is acknowledged, with 1 when no acknowledgement comes, at once when the agent is gone', async () => {
    const acked = harness();
    acked.session.start();
    await acked.transport.accept();
    const terminal = acked.session.sendUpdate(update('TASK_FINISHED'));
    acked.session.awaitTerminalAck();
    acked.transport.ack('task-1', terminal);
    assert.deepEqual(acked.seen, ['subscribed', 'finished:0']);

    const silent = harness();
    silent.session.start();
    await silent.transport.accept();
    silent.session.sendUpdate(update('TASK_FINISHED'));
    silent.session.awaitTerminalAck();
    silent.clock.advance(TERMINAL_ACK_TIMEOUT_MS - 1);
    assert.deepEqual(silent.seen, ['subscribed']);
    silent.clock.advance(1);
    assert.deepEqual(silent.seen, ['subscribed', 'finished:1']);

    const gone = harness({ checkpoint: false });
    gone.session.start();
    await gone.transport.accept();
    gone.transport.last.handlers.onClose('gone');
    gone.session.sendUpdate(update('TASK_KILLED'));
    gone.session.awaitTerminalAck();
    assert.deepEqual(gone.seen, ['subscribed', 'lost:lost the agent and the framework does not checkpoint', 'finished:0']);
  });

  it('several tasks: each TaskInfo travels in SUBSCRIBE until one of its updates is acknowledged; an update names its container', async () => {
    const tasks = ['a', 'b'].map((id) => ({ taskId: id, raw: { task_id: { value: id } } }));
    const { clock, transport, session } = harness({ tasks: () => tasks });
    session.start();
    assert.deepEqual(subscribeBody(transport.last).unacknowledged_tasks, [tasks[0]!.raw, tasks[1]!.raw]);
    await transport.accept();
    const container = { value: 'child', parent: { value: 'executor' } };
    const a = session.sendUpdate({ taskId: 'a', state: 'TASK_RUNNING' }, container);
    session.sendUpdate({ taskId: 'b', state: 'TASK_RUNNING' });
    const posted = (transport.posts[0]!.call.update as Json).status as Json;
    assert.deepEqual(posted.container_status, { container_id: container });
    transport.ack('a', a);
    transport.last.handlers.onClose('gone');
    clock.advance(50);
    const body = subscribeBody(transport.last);
    assert.deepEqual(body.unacknowledged_tasks, [tasks[1]!.raw], 'only the task none of whose updates was acknowledged');
    assert.equal((body.unacknowledged_updates as Json[]).length, 1);
  });

  it('awaitAllAcknowledged finishes once every update is acknowledged, with 1 after the fail-safe, not after stopAwaiting, at once when the agent is lost', async () => {
    const all = harness();
    all.session.start();
    await all.transport.accept();
    const first = all.session.sendUpdate({ taskId: 'a', state: 'TASK_FINISHED' });
    const second = all.session.sendUpdate({ taskId: 'b', state: 'TASK_KILLED' });
    all.session.awaitAllAcknowledged();
    all.transport.ack('b', second);
    assert.deepEqual(all.seen, ['subscribed'], 'one update is still unacknowledged');
    all.session.awaitAllAcknowledged();
    all.transport.ack('a', first);
    assert.deepEqual(all.seen, ['subscribed', 'finished:0']);

    const nothingPending = harness();
    nothingPending.session.awaitAllAcknowledged();
    assert.deepEqual(nothingPending.seen, ['finished:0']);

    const silent = harness();
    silent.session.start();
    await silent.transport.accept();
    silent.session.sendUpdate({ taskId: 'a', state: 'TASK_FINISHED' });
    silent.session.awaitAllAcknowledged();
    silent.clock.advance(TERMINAL_ACK_TIMEOUT_MS / 2);
    silent.session.awaitAllAcknowledged();
    silent.clock.advance(TERMINAL_ACK_TIMEOUT_MS / 2);
    assert.deepEqual(silent.seen, ['subscribed', 'finished:1'], 'asking again keeps the first deadline');

    const busyAgain = harness();
    busyAgain.session.start();
    await busyAgain.transport.accept();
    const done = busyAgain.session.sendUpdate({ taskId: 'a', state: 'TASK_FINISHED' });
    busyAgain.session.awaitAllAcknowledged();
    busyAgain.session.stopAwaiting();
    busyAgain.transport.ack('a', done);
    busyAgain.clock.advance(TERMINAL_ACK_TIMEOUT_MS);
    assert.deepEqual(busyAgain.seen, ['subscribed']);

    const lost = harness({ checkpoint: false });
    lost.session.start();
    await lost.transport.accept();
    lost.session.sendUpdate({ taskId: 'a', state: 'TASK_FINISHED' });
    lost.session.awaitAllAcknowledged();
    lost.transport.last.handlers.onClose('gone');
    lost.session.awaitAllAcknowledged();
    assert.deepEqual(lost.seen, ['subscribed', 'lost:lost the agent and the framework does not checkpoint', 'finished:0']);
  });

  it('hands an unreadable LAUNCH that names its task to the executor', async () => {
    const { transport, session, seen } = harness();
    session.start();
    await transport.accept();
    transport.last.handlers.onEvent({ type: 'LAUNCH', launch: { task: { task_id: { value: 'bad-task' }, name: 7 } } });
    transport.last.handlers.onEvent({ type: 'LAUNCH', launch: {} });
    assert.deepEqual(seen, ['subscribed', 'unreadable:bad-task']);
  });

  it('close() stops everything: no timer, no hook, the stream and transport closed', async () => {
    const { clock, transport, session, seen } = harness();
    session.start();
    await transport.accept();
    session.sendUpdate(update('TASK_RUNNING'));
    transport.posts[0]!.answer.reject(new Error('socket hang up'));
    await settle();
    assert.equal(clock.pending, 1, 'the post retry');
    const stream = transport.last;
    session.close();
    assert.equal(clock.pending, 0);
    assert.ok(stream.closed);
    assert.ok(transport.closed);
    stream.handlers.onEvent({ type: 'SHUTDOWN' });
    stream.handlers.onClose('closed by the executor');
    clock.advance(60_000);
    assert.deepEqual(seen, ['subscribed']);
    assert.equal(transport.subscribes.length, 1);
  });
});
