import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { AgentClient } from '../../client/index.ts';
import { json, TestDoubleServer } from '../../client/testing/test-double-server.ts';
import type { FrameworkInfo, TaskInfo, TaskStatus, ValidSchedulerEvent } from '../../protocol/index.ts';
import type { FrameworkConnection } from './framework.ts';
import { INTERRUPTED, runTask, type RunDeps } from './session.ts';
import type { RunSpec } from './task-spec.ts';

/** A fake framework connection: the test pushes events and reads the calls made. */
class FakeConnection implements FrameworkConnection {
  readonly frameworkId = 'f1';
  readonly calls: { type: string; [k: string]: unknown }[] = [];
  info: FrameworkInfo | undefined;
  #queue: ValidSchedulerEvent[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  onCall: (call: { type: string; [k: string]: unknown }) => void = () => {};

  push(event: ValidSchedulerEvent): void {
    this.#queue.push(event);
    this.#wake?.();
  }

  async *#iterate(): AsyncGenerator<ValidSchedulerEvent> {
    while (!this.#closed) {
      const next = this.#queue.shift();
      if (next) yield next;
      else await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  events(): AsyncIterable<ValidSchedulerEvent> {
    return this.#iterate();
  }
  #record(call: { type: string; [k: string]: unknown }): Promise<void> {
    this.calls.push(call);
    this.onCall(call);
    return Promise.resolve();
  }
  launch(offerId: string, task: TaskInfo) {
    return this.#record({ type: 'LAUNCH', offerId, task });
  }
  decline(offerIds: string[]) {
    return this.#record({ type: 'DECLINE', offerIds });
  }
  acknowledge(status: TaskStatus) {
    return this.#record({ type: 'ACKNOWLEDGE', state: status.state });
  }
  kill(taskId: string) {
    return this.#record({ type: 'KILL', taskId });
  }
  teardown() {
    this.close();
    return this.#record({ type: 'TEARDOWN' });
  }
  close(): void {
    this.#closed = true;
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

function update(state: TaskStatus['state'], message?: string): ValidSchedulerEvent {
  const status: TaskStatus = { task_id: { value: 'hello.1' }, state, agent_id: { value: 'S0' }, uuid: 'AAAAAAAAAAAAAAAAAAAAAA==' };
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

function deps(conn: FakeConnection, overrides: Partial<RunDeps> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  let interrupt: () => void = () => {};
  const d: RunDeps = {
    connect: (info) => {
      conn.info = info;
      return Promise.resolve(conn);
    },
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
    const conn = new FakeConnection();
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
    const conn = new FakeConnection();
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
  const conn = new FakeConnection();
  const t = deps(conn, { offerTimeoutMs: 50 });
  assert.equal(await runTask(SPEC, t.d), 69);
  assert.match(t.err(), /no offer with cpus 0.1, mem 32 MB, role '\*' arrived/);
  assert.equal(conn.calls.at(-1)?.type, 'TEARDOWN');

  const conn2 = new FakeConnection();
  const t2 = deps(conn2, { json: true });
  const done = runTask(SPEC, t2.d);
  conn2.push({ type: 'ERROR', error: { message: 'Framework has been removed' } });
  assert.equal(await done, 1);
  const lines = t2.err().trim().split('\n').map((l) => JSON.parse(l) as { event: string });
  assert.deepEqual(lines.map((l) => l.event), ['subscribed', 'error']);
});
