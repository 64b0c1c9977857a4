// The example custom executor (examples/custom-executor/executor.ts) on its own, against a small
// stand-in for the agent's executor endpoint, to reach what a healthy cluster never shows: a
// broken event stream. A checkpointing executor re-subscribes with its unacknowledged tasks and
// updates (reference §4.2, §4.4); a non-checkpointing one exits; a refused SUBSCRIBE ends it.
// Every call the executor makes is checked with the agent's own decoder and validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { decodeExecutorCall, encodeExecutorEvent, encodeRecord, formatDecodeErrors } from '../../src/protocol/index.ts';
import type { ExecutorEvent, TaskInfo, ValidExecutorCall } from '../../src/protocol/index.ts';
import { spawnProcess, tempDir, type Spawned } from '../helpers/process.ts';

const EXECUTOR = join(import.meta.dirname, '../../examples/custom-executor/executor.ts');

type Call<T extends ValidExecutorCall['type']> = Extract<ValidExecutorCall, { type: T }>;

/** Plays the agent's side of `POST /api/v1/executor`: records calls, streams the events we choose. */
class FakeAgent {
  readonly calls: ValidExecutorCall[] = [];
  /** The current SUBSCRIBE response, i.e. the event stream. */
  stream: ServerResponse | undefined;
  /** Answer SUBSCRIBE with this status instead of a stream. */
  refuseWith: number | undefined;
  readonly #server: Server;
  #waiters: { match: (c: ValidExecutorCall) => boolean; resolve: (c: ValidExecutorCall) => void }[] = [];
  #taken = new Set<ValidExecutorCall>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<FakeAgent> {
    const server = createServer();
    const agent = new FakeAgent(server);
    server.on('request', (req, res) => void agent.#handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return agent;
  }

  get endpoint(): string {
    return `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const decoded = decodeExecutorCall(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    if (req.url !== '/api/v1/executor' || !decoded.ok) {
      res.writeHead(400).end(decoded.ok ? `wrong path ${req.url}` : formatDecodeErrors(decoded.errors));
      assert.fail(`the executor sent an invalid call to ${req.url}: ${decoded.ok ? 'wrong path' : formatDecodeErrors(decoded.errors)}`);
    }
    const call = decoded.value;
    if (call.type === 'SUBSCRIBE') {
      if (this.refuseWith !== undefined) {
        res.writeHead(this.refuseWith, { 'Content-Type': 'text/plain' }).end('Executor cannot be found');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.flushHeaders();
        this.stream = res;
      }
    } else {
      res.writeHead(202).end();
    }
    this.calls.push(call);
    const i = this.#waiters.findIndex((w) => w.match(call));
    if (i >= 0) {
      this.#taken.add(call);
      this.#waiters.splice(i, 1)[0]!.resolve(call);
    }
  }

  /** The first call (not taken yet) that matches, waiting for it if need be. */
  next<T extends ValidExecutorCall['type']>(type: T, match: (c: Call<T>) => boolean = () => true, timeoutMs = 10_000): Promise<Call<T>> {
    const test = (c: ValidExecutorCall): boolean => c.type === type && match(c as Call<T>);
    const seen = this.calls.find((c) => !this.#taken.has(c) && test(c));
    if (seen) {
      this.#taken.add(seen);
      return Promise.resolve(seen as Call<T>);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching ${type} call within ${timeoutMs} ms; calls: ${this.calls.map((c) => c.type).join(', ')}`)), timeoutMs);
      this.#waiters.push({ match: test, resolve: (c) => (clearTimeout(timer), resolve(c as Call<T>)) });
    });
  }

  send(event: ExecutorEvent): void {
    assert.ok(this.stream, 'no executor is subscribed');
    this.stream.write(encodeRecord(JSON.stringify(encodeExecutorEvent(event))));
  }

  subscribed(): void {
    this.send({
      type: 'SUBSCRIBED',
      subscribed: {
        executor_info: { executor_id: { value: 'E' } },
        framework_info: { user: 'tester', name: 'example-test', id: { value: 'F' } },
        agent_info: { hostname: '127.0.0.1' },
        container_id: { value: 'C' },
      },
    });
  }

  /** Ends the event stream cleanly: events written before are still delivered. */
  endStream(): void {
    this.stream?.end();
    this.stream = undefined;
  }

  async stop(): Promise<void> {
    this.endStream();
    this.#server.closeAllConnections();
    this.#server.close();
  }
}

function countingTask(id: string, job: unknown): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: 'A' },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }],
    data: Buffer.from(JSON.stringify(job)).toString('base64'),
  };
}

function startExecutor(t: { after(fn: () => unknown): void }, agent: FakeAgent, checkpoint: boolean): { executor: Spawned; exited: Promise<number | null> } {
  const sandbox = tempDir('agora-example-executor-');
  const executor = spawnProcess(process.execPath, [EXECUTOR], {
    MESOS_AGENT_ENDPOINT: agent.endpoint,
    MESOS_FRAMEWORK_ID: 'F',
    MESOS_EXECUTOR_ID: 'E',
    MESOS_DIRECTORY: sandbox.path,
    MESOS_SANDBOX: sandbox.path,
    MESOS_CHECKPOINT: checkpoint ? '1' : '0',
    MESOS_SUBSCRIPTION_BACKOFF_MAX: '50ms',
    MESOS_RECOVERY_TIMEOUT: '10secs',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '2secs',
  });
  const exited = once(executor.child, 'close').then(([code]) => code as number | null);
  t.after(async () => {
    await executor.stop();
    await agent.stop();
    sandbox.cleanup();
  });
  return { executor, exited };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms).unref())]);
}

// A job that never ends by itself during the test: its only update is the first TASK_RUNNING.
const SLOW_JOB = { job: 'count', to: 10_000, step_ms: 60_000 };

test('a checkpointing executor re-subscribes with its unacknowledged tasks and updates, then serves messages, kills and shutdown', async (t) => {
  const agent = await FakeAgent.start();
  const { executor, exited } = startExecutor(t, agent, true);

  const first = await agent.next('SUBSCRIBE');
  assert.deepEqual(first.subscribe, {}, 'nothing to report on the first SUBSCRIBE');
  assert.equal(first.executor_id.value, 'E');
  assert.equal(first.framework_id.value, 'F');
  agent.subscribed();
  agent.send({ type: 'LAUNCH', launch: { task: countingTask('acked', SLOW_JOB) } });
  agent.send({ type: 'LAUNCH', launch: { task: countingTask('unacked', SLOW_JOB) } });
  const ackedRunning = await agent.next('UPDATE', (c) => c.update.status.task_id.value === 'acked');
  const unackedRunning = await agent.next('UPDATE', (c) => c.update.status.task_id.value === 'unacked');
  for (const update of [ackedRunning, unackedRunning]) {
    assert.equal(update.update.status.state, 'TASK_RUNNING');
    assert.equal(update.update.status.source, 'SOURCE_EXECUTOR');
    assert.equal(Buffer.from(update.update.status.uuid!, 'base64').length, 16);
  }

  // Acknowledge one task's update, then break the stream (the agent restarted, say).
  agent.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: 'acked' }, uuid: ackedRunning.update.status.uuid! } });
  agent.endStream();

  // The executor comes back, and hands over exactly what the agent may not know about.
  const second = await agent.next('SUBSCRIBE');
  assert.deepEqual((second.subscribe.unacknowledged_tasks ?? []).map((task) => task.task_id.value), ['unacked']);
  assert.deepEqual(
    (second.subscribe.unacknowledged_updates ?? []).map((u) => [u.status.task_id.value, u.status.state, u.status.uuid]),
    [['unacked', 'TASK_RUNNING', unackedRunning.update.status.uuid]],
  );
  agent.subscribed();

  // Framework messages are echoed back.
  agent.send({ type: 'MESSAGE', message: { data: Buffer.from('ping').toString('base64') } });
  const echo = await agent.next('MESSAGE');
  assert.equal(Buffer.from(echo.message.data, 'base64').toString('utf8'), 'echo: ping');

  // KILL ends one task; a job the executor does not know fails with a reason.
  agent.send({ type: 'KILL', kill: { task_id: { value: 'unacked' } } });
  const killed = await agent.next('UPDATE', (c) => c.update.status.task_id.value === 'unacked');
  assert.equal(killed.update.status.state, 'TASK_KILLED');
  agent.send({ type: 'LAUNCH', launch: { task: countingTask('bad', { job: 'dance' }) } });
  const failed = await agent.next('UPDATE', (c) => c.update.status.task_id.value === 'bad');
  assert.equal(failed.update.status.state, 'TASK_FAILED');
  assert.match(failed.update.status.message ?? '', /unknown job "dance"/);

  // SHUTDOWN: the last running task is killed and the executor exits 0 on its own.
  agent.send({ type: 'SHUTDOWN' });
  const shutdownKill = await agent.next('UPDATE', (c) => c.update.status.task_id.value === 'acked');
  assert.equal(shutdownKill.update.status.state, 'TASK_KILLED');
  assert.equal(await withTimeout(exited, 5_000, 'the executor did not exit after SHUTDOWN'), 0, executor.output.join('\n'));
});

test('an executor whose framework does not checkpoint exits when the agent goes away', async (t) => {
  const agent = await FakeAgent.start();
  const { executor, exited } = startExecutor(t, agent, false);
  await agent.next('SUBSCRIBE');
  agent.subscribed();
  agent.send({ type: 'LAUNCH', launch: { task: countingTask('t', SLOW_JOB) } });
  await agent.next('UPDATE');
  agent.endStream();
  assert.equal(await withTimeout(exited, 5_000, 'the executor did not exit'), 1);
  assert.ok(executor.output.some((l) => l.includes('lost the agent')), executor.output.join('\n'));
  assert.equal(agent.calls.filter((c) => c.type === 'SUBSCRIBE').length, 1, 'no second SUBSCRIBE');
});

test('an executor the agent refuses to subscribe exits at once', async (t) => {
  const agent = await FakeAgent.start();
  agent.refuseWith = 400;
  const { executor, exited } = startExecutor(t, agent, true);
  assert.equal(await withTimeout(exited, 5_000, 'the executor did not exit'), 1);
  assert.ok(executor.output.some((l) => l.includes('subscription refused')), executor.output.join('\n'));
});
