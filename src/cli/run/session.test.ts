import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { AgentClient } from '../../client/index.ts';
import { json, TestDoubleServer } from '../../client/testing/test-double-server.ts';
import type { FrameworkInfo, SubscribedEvent, TaskInfo, TaskStatus, ValidSchedulerEvent } from '../../protocol/index.ts';
import { SchedulerUnreachableError, SubscriptionLostError, wireId, type ClientState, type IdLike } from '../../scheduler/index.ts';
import { INTERRUPTED, runTask, type RunDeps, type RunScheduler } from './session.ts';
import type { RunSpec } from './task-spec.ts';

type Call = { type: string; [k: string]: unknown };

/** A fake of the framework SDK's client: the test pushes events and reads the calls made. */
class FakeScheduler implements RunScheduler {
  readonly calls: Call[] = [];
  info: FrameworkInfo | undefined;
  state: ClientState = 'idle';
  /** What subscribe() does; by default it succeeds as framework f1. */
  subscribeResult: () => Promise<SubscribedEvent> = () => Promise.resolve({ framework_id: { value: 'f1' } });
  onCall: (call: Call) => void = () => {};
  #queue: ValidSchedulerEvent[] = [];
  #wake: (() => void) | undefined;
  /** The state each pushed update's uuid stands for, so acknowledgements can be checked. */
  readonly #uuidStates = new Map<string, string>();
  #error: Error | undefined;

  push(event: ValidSchedulerEvent): void {
    if (event.type === 'UPDATE' && event.update.status.uuid) this.#uuidStates.set(event.update.status.uuid, event.update.status.state);
    this.#queue.push(event);
    this.#wake?.();
  }

  /** Closes the client with `error`, as the SDK does when the subscription is lost. */
  fail(error: Error): void {
    this.#error = error;
    this.close();
  }

  async *#iterate(): AsyncGenerator<ValidSchedulerEvent> {
    while (this.state !== 'closed') {
      const next = this.#queue.shift();
      if (next) yield next;
      else await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    if (this.#error) throw this.#error;
  }

  events(): AsyncGenerator<ValidSchedulerEvent> {
    return this.#iterate();
  }
  async subscribe(info: FrameworkInfo): Promise<SubscribedEvent> {
    this.info = info;
    this.state = 'connecting';
    const subscribed = await this.subscribeResult();
    this.state = 'subscribed';
    return subscribed;
  }
  #record(call: Call): Promise<void> {
    this.calls.push(call);
    this.onCall(call);
    return Promise.resolve();
  }
  launch(offerIds: readonly IdLike[], tasks: readonly TaskInfo[]) {
    return this.#record({ type: 'LAUNCH', offerId: wireId(offerIds[0]!).value, task: tasks[0] });
  }
  decline(offerIds: readonly IdLike[]) {
    return this.#record({ type: 'DECLINE', offerIds: offerIds.map((id) => wireId(id).value) });
  }
  acknowledge(_agentId: IdLike, _taskId: IdLike, uuid: string) {
    return this.#record({ type: 'ACKNOWLEDGE', state: this.#uuidStates.get(uuid) });
  }
  kill(taskId: IdLike) {
    return this.#record({ type: 'KILL', taskId: wireId(taskId).value });
  }
  teardown() {
    this.close();
    return this.#record({ type: 'TEARDOWN' });
  }
  close(): void {
    this.state = 'closed';
    this.#wake?.();
  }
}

const SPEC: RunSpec = { name: 'hello', taskId: 'hello.1', cpus: 0.1, mem: 32, role: '*', env: {}, uris: [], argv: ['sh', '-c', 'echo hi; exit 3'] };

function offer(id: string, agentPort: number, cpus: number) {
  return {
    id: { value: id },
    framework_id: { value: 'f1' },
    agent_id: { value: 'S0' },
    hostname: 'a1',
    url: { scheme: 'http', address: { hostname: 'a1', ip: '127.0.0.1', port: agentPort }, path: '/slave(1)' },
    resources: [
      { name: 'cpus', type: 'SCALAR' as const, scalar: { value: cpus } },
      { name: 'mem', type: 'SCALAR' as const, scalar: { value: 128 } },
    ],
  };
}

let updates = 0;
function update(state: TaskStatus['state'], message?: string): ValidSchedulerEvent {
  const uuid = Buffer.alloc(16, ++updates).toString('base64');
  const status: TaskStatus = { task_id: { value: 'hello.1' }, state, agent_id: { value: 'S0' }, uuid };
  if (message) status.message = message;
  return { type: 'UPDATE', update: { status } };
}

/** A test double of the agent: /state names the sandbox, /files/read serves stdout and stderr. */
async function agentDouble(files: Record<string, string>): Promise<TestDoubleServer> {
  const double = await new TestDoubleServer().start();
  double.handle((req, res) => {
    if (req.path === '/state') {
      return json(res, 200, { frameworks: [{ id: 'f1', executors: [{ id: 'hello.1', directory: '/sandbox', tasks: [{ id: 'hello.1' }] }] }] });
    }
    const content = files[req.query.get('path') ?? ''];
    if (content === undefined) return json(res, 404, {});
    const offset = Number(req.query.get('offset'));
    json(res, 200, { offset, data: content.slice(offset) });
  });
  return double;
}

function deps(conn: FakeScheduler, overrides: Partial<RunDeps> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  let interrupt: () => void = () => {};
  const d: RunDeps = {
    scheduler: conn,
    agent: (url) => new AgentClient(url),
    stdout,
    stderr,
    json: false,
    onInterrupt: (h) => {
      interrupt = h;
      return () => {};
    },
    offerTimeoutMs: 5000,
    pollMs: 20,
    user: 'tester',
    ...overrides,
  };
  return { d, out: () => out, err: () => err, interrupt: () => interrupt() };
}

test('declines offers that do not fit, launches on one that does, copies output, exits with the status', async () => {
  const agent = await agentDouble({ '/sandbox/stdout': 'hi\n', '/sandbox/stderr': 'warn\n' });
  try {
    const conn = new FakeScheduler();
    const t = deps(conn);
    conn.onCall = (call) => {
      if (call.type === 'LAUNCH') {
        conn.push(update('TASK_STARTING'));
        conn.push(update('TASK_RUNNING'));
        conn.push(update('TASK_FAILED', 'Command exited with status 3'));
      }
    };
    const done = runTask(SPEC, t.d);
    conn.push({ type: 'OFFERS', offers: { offers: [offer('o1', agent.port, 0.05), offer('o2', agent.port, 2)] } });
    assert.equal(await done, 3);
    assert.deepEqual(conn.info, { user: 'tester', name: 'agora-run (hello)', roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }], failover_timeout: 0 });
    assert.deepEqual(
      conn.calls.map((c) => c.type),
      ['LAUNCH', 'DECLINE', 'ACKNOWLEDGE', 'ACKNOWLEDGE', 'ACKNOWLEDGE', 'TEARDOWN'],
    );
    assert.deepEqual(conn.calls.find((c) => c.type === 'DECLINE')?.offerIds, ['o1']);
    assert.equal((conn.calls.find((c) => c.type === 'LAUNCH')?.task as TaskInfo).command?.arguments?.[2], 'echo hi; exit 3');
    assert.equal(conn.calls.at(-1)?.type, 'TEARDOWN', 'the framework is torn down at the end');
    assert.equal(t.out(), 'hi\n');
    assert.match(t.err(), /warn\n/);
    assert.match(t.err(), /agora run: task hello.1 is TASK_RUNNING/);
    assert.match(t.err(), /agora run: task hello.1 is TASK_FAILED: Command exited with status 3/);
  } finally {
    await agent.close();
  }
});

test('Ctrl-C kills the launched task, waits for it to end, tears down and exits 130', async () => {
  const agent = await agentDouble({});
  try {
    const conn = new FakeScheduler();
    const t = deps(conn);
    conn.onCall = (call) => {
      if (call.type === 'LAUNCH') conn.push(update('TASK_RUNNING'));
      if (call.type === 'ACKNOWLEDGE' && call.state === 'TASK_RUNNING') t.interrupt();
      if (call.type === 'KILL') conn.push(update('TASK_KILLED', 'Command terminated with signal Terminated'));
    };
    const done = runTask(SPEC, t.d);
    conn.push({ type: 'OFFERS', offers: { offers: [offer('o1', agent.port, 1)] } });
    assert.equal(await done, INTERRUPTED);
    assert.deepEqual(
      conn.calls.map((c) => c.type),
      ['LAUNCH', 'ACKNOWLEDGE', 'KILL', 'ACKNOWLEDGE', 'TEARDOWN'],
    );
    assert.match(t.err(), /interrupted; killing task hello.1/);
  } finally {
    await agent.close();
  }
});

test('no fitting offer within the offer timeout: exit 69 with a hint; an ERROR event: exit 1', async () => {
  const conn = new FakeScheduler();
  const t = deps(conn, { offerTimeoutMs: 50 });
  assert.equal(await runTask(SPEC, t.d), 69);
  assert.match(t.err(), /no offer with cpus 0.1, mem 32 MB, role '\*' arrived/);
  assert.equal(conn.calls.at(-1)?.type, 'TEARDOWN');

  const conn2 = new FakeScheduler();
  const t2 = deps(conn2, { json: true });
  const done = runTask(SPEC, t2.d);
  conn2.push({ type: 'ERROR', error: { message: 'Framework has been removed' } });
  assert.equal(await done, 1);
  const lines = t2.err().trim().split('\n').map((l) => JSON.parse(l) as { event: string });
  assert.deepEqual(lines.map((l) => l.event), ['subscribed', 'error']);
});

test('a lost subscription ends the run with 69 and the reason; a closed client is not torn down', async () => {
  const conn = new FakeScheduler();
  const t = deps(conn);
  const done = runTask(SPEC, t.d);
  await waitUntil(() => conn.state === 'subscribed');
  conn.fail(new SubscriptionLostError('http://m:5050/api/v1/scheduler', 'the master closed the event stream'));
  assert.equal(await done, 69);
  assert.match(t.err(), /agora run: lost the subscription to the master at http:\/\/m:5050\/api\/v1\/scheduler: the master closed the event stream/);
  assert.deepEqual(conn.calls, [], 'no TEARDOWN on a closed client');
});

test('a failed SUBSCRIBE is thrown to the command; Ctrl-C while subscribing exits 130', async () => {
  const conn = new FakeScheduler();
  const unreachable = new SchedulerUnreachableError('http://m:5050/api/v1/scheduler', 'connection refused');
  conn.subscribeResult = () => Promise.reject(unreachable);
  await assert.rejects(runTask(SPEC, deps(conn).d), (err: unknown) => err === unreachable);

  const hanging = new FakeScheduler();
  let rejectSubscribe: (err: Error) => void = () => {};
  hanging.subscribeResult = () => new Promise((_resolve, reject) => (rejectSubscribe = reject));
  const realClose = hanging.close.bind(hanging);
  // The SDK rejects a pending subscribe() when it is closed.
  hanging.close = () => {
    realClose();
    rejectSubscribe(new Error('the scheduler client is closed'));
  };
  const t = deps(hanging);
  const done = runTask(SPEC, t.d);
  await waitUntil(() => hanging.state === 'connecting');
  t.interrupt();
  assert.equal(await done, INTERRUPTED);
  assert.match(t.err(), /agora run: interrupted before the framework was subscribed/);
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(check(), 'condition reached');
}
