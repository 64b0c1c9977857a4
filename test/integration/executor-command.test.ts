// The command executor as a real process against a TEST DOUBLE of the agent's executor endpoint
// (`AgentExecutorApiDouble` below): a small HTTP server on 127.0.0.1 that speaks the v1 executor
// API, validates every call with the protocol module's decoder, and lets each test script the
// events and acknowledgements.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeExecutorCall, encodeExecutorEvent, encodeRecord } from '../../src/protocol/index.ts';
import type { ExecutorEvent, TaskInfo, ValidExecutorCall } from '../../src/protocol/index.ts';
import { tempDir, waitFor } from '../helpers/process.ts';

const MAIN = resolve(import.meta.dirname, '../../src/executor/command/main.ts');
const FRAMEWORK_ID = 'fw-0000';

type Status = NonNullable<ValidExecutorCall['update']>['status'];

/** TEST DOUBLE of the agent's `POST /api/v1/executor`. */
class AgentExecutorApiDouble {
  readonly calls: ValidExecutorCall[] = [];
  readonly rejected: string[] = [];
  /** Acknowledge every UPDATE as soon as it is accepted. */
  autoAck = true;
  #server: Server;
  #stream: ServerResponse | undefined;
  #subscribed: (call: ValidExecutorCall) => ExecutorEvent[] = () => [];

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<AgentExecutorApiDouble> {
    const server = createServer();
    const double = new AgentExecutorApiDouble(server);
    server.on('request', (req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => double.#handle(Buffer.concat(parts).toString('utf8'), res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return double;
  }

  get endpoint(): string {
    const address = this.#server.address();
    assert.ok(address !== null && typeof address === 'object');
    return `127.0.0.1:${address.port}`;
  }

  /** Events sent right after SUBSCRIBED for each SUBSCRIBE (e.g. the LAUNCH). */
  onSubscribe(events: (call: ValidExecutorCall) => ExecutorEvent[]): void {
    this.#subscribed = events;
  }

  #handle(body: string, res: ServerResponse): void {
    const decoded = decodeExecutorCall(JSON.parse(body));
    if (!decoded.ok) {
      this.rejected.push(body);
      res.writeHead(400).end(JSON.stringify(decoded.errors));
      return;
    }
    const call = decoded.value;
    this.calls.push(call);
    if (call.type === 'SUBSCRIBE') {
      this.#stream?.destroy();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      this.#stream = res;
      this.send({
        type: 'SUBSCRIBED',
        subscribed: {
          executor_info: { executor_id: call.executor_id, framework_id: call.framework_id, command: { value: MAIN } },
          framework_info: { user: 'test', name: 'test', id: { value: FRAMEWORK_ID }, capabilities: this.frameworkCapabilities.map((type) => ({ type })) },
          agent_info: { hostname: 'localhost', id: { value: 'S0' } },
        },
      } as ExecutorEvent);
      for (const event of this.#subscribed(call)) this.send(event);
      return;
    }
    res.writeHead(202).end();
    if (call.type === 'UPDATE' && this.autoAck) this.acknowledge(call.update.status);
  }

  frameworkCapabilities: string[] = [];

  send(event: ExecutorEvent): void {
    this.#stream?.write(encodeRecord(JSON.stringify(encodeExecutorEvent(event))));
  }

  acknowledge(status: Status): void {
    this.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid! } });
  }

  /** Ends the event stream, as an agent that restarts or dies does. */
  dropStream(): void {
    this.#stream?.destroy();
    this.#stream = undefined;
  }

  get updates(): Status[] {
    return this.calls.flatMap((c) => (c.type === 'UPDATE' ? [c.update.status] : []));
  }

  states(): string[] {
    return this.updates.map((s) => s.state);
  }

  async stop(): Promise<void> {
    this.#stream?.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

type RunningExecutor = { child: ChildProcess; sandbox: string; stdout: () => string; stderr: () => string; exited: Promise<number | null> };

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function startExecutor(agent: AgentExecutorApiDouble, executorId: string, env: Record<string, string> = {}): RunningExecutor {
  const sandbox = tempDir('agora-executor-');
  const child = spawn(process.execPath, [MAIN], {
    cwd: sandbox.path,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      MESOS_FRAMEWORK_ID: FRAMEWORK_ID,
      MESOS_EXECUTOR_ID: executorId,
      MESOS_SLAVE_ID: 'S0',
      MESOS_AGENT_ENDPOINT: agent.endpoint,
      MESOS_DIRECTORY: sandbox.path,
      MESOS_SANDBOX: sandbox.path,
      MESOS_CHECKPOINT: '0',
      MESOS_HTTP_COMMAND_EXECUTOR: '1',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    sandbox.cleanup();
  });
  return { child, sandbox: sandbox.path, stdout: () => stdout, stderr: () => stderr, exited };
}

function launch(task: Partial<TaskInfo> & { command?: TaskInfo['command'] }, taskId: string): ExecutorEvent {
  return {
    type: 'LAUNCH',
    launch: {
      task: {
        name: taskId,
        task_id: { value: taskId },
        agent_id: { value: 'S0' },
        resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: 'dev' } }],
        ...task,
      },
    },
  } as ExecutorEvent;
}

async function newAgent(): Promise<AgentExecutorApiDouble> {
  const agent = await AgentExecutorApiDouble.start();
  cleanups.push(() => agent.stop());
  return agent;
}

test('sh -c "echo hi; exit 3": STARTING, RUNNING, FAILED with the Mesos message; stdout, env and cwd', async () => {
  const agent = await newAgent();
  agent.onSubscribe(() => [
    launch({ command: { shell: true, value: 'echo hi; echo "$MESOS_TASK_ID $FOO $MESOS_ALLOCATION_ROLE"; pwd; exit 3', environment: { variables: [{ name: 'FOO', type: 'VALUE', value: 'bar' }] } } }, 'echo-3'),
  ]);
  const executor = startExecutor(agent, 'echo-3');
  assert.equal(await executor.exited, 0, executor.stderr());
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
  const failed = agent.updates[2]!;
  assert.equal(failed.message, 'Command exited with status 3');
  assert.equal(failed.reason, 'REASON_COMMAND_EXECUTOR_FAILED');
  for (const status of agent.updates) {
    assert.equal(status.source, 'SOURCE_EXECUTOR');
    assert.equal(status.executor_id?.value, 'echo-3');
    assert.equal(Buffer.from(status.uuid!, 'base64').length, 16);
    assert.ok(typeof status.timestamp === 'number' && Math.abs(status.timestamp - Date.now() / 1000) < 60);
  }
  assert.equal(new Set(agent.updates.map((s) => s.uuid)).size, 3, 'every update has a fresh uuid');
  const lines = executor.stdout().trim().split('\n');
  assert.equal(lines[0], 'hi');
  assert.equal(lines[1], 'echo-3 bar dev');
  assert.equal(realpathSync(lines[2]!), realpathSync(executor.sandbox), 'the task runs in the sandbox');
  assert.equal(agent.rejected.length, 0);
});

test('KILL with a 1 s grace period: a task that traps SIGTERM gets SIGKILL; TASK_KILLING for capable frameworks', async () => {
  const agent = await newAgent();
  agent.frameworkCapabilities = ['TASK_KILLING_STATE'];
  agent.onSubscribe(() => [launch({ command: { shell: true, value: 'trap "echo got-term" TERM; echo ready; while true; do sleep 0.05; done' } }, 'stubborn')]);
  const executor = startExecutor(agent, 'stubborn');
  await waitFor(() => agent.states().includes('TASK_RUNNING') && executor.stdout().includes('ready'));
  const killedAt = Date.now();
  agent.send({ type: 'KILL', kill: { task_id: { value: 'stubborn' }, kill_policy: { grace_period: { nanoseconds: 1_000_000_000 } } } });
  assert.equal(await executor.exited, 0, executor.stderr());
  const elapsed = Date.now() - killedAt;
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
  assert.equal(agent.updates[3]!.message, 'Command terminated with signal Killed');
  assert.ok(executor.stdout().includes('got-term'), 'the task saw SIGTERM first');
  assert.ok(elapsed >= 950, `SIGKILL came only after the grace period (${elapsed} ms)`);
});

test('KILL of `sleep 30` without TASK_KILLING_STATE: SIGTERM ends it, TASK_KILLED, no TASK_KILLING', async () => {
  const agent = await newAgent();
  agent.onSubscribe(() => [launch({ command: { shell: true, value: 'sleep 30' } }, 'sleepy')]);
  const executor = startExecutor(agent, 'sleepy');
  await waitFor(() => agent.states().includes('TASK_RUNNING'));
  agent.send({ type: 'KILL', kill: { task_id: { value: 'sleepy' }, kill_policy: { grace_period: { nanoseconds: 1_000_000_000 } } } });
  assert.equal(await executor.exited, 0, executor.stderr());
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
  assert.equal(agent.updates[2]!.message, 'Command terminated with signal Terminated');
});

test('shell=false: value is the executable and arguments the whole argv, including argv[0]', async () => {
  const agent = await newAgent();
  // Node reports its own argv[0] as process.argv0, so it can show what the executor passed.
  const script = 'console.log([process.argv0, ...process.argv.slice(1)].join("|"))';
  agent.onSubscribe(() => [launch({ command: { shell: false, value: process.execPath, arguments: ['my-argv0', '-e', script, 'first', 'two words'] } }, 'argv')]);
  const executor = startExecutor(agent, 'argv');
  assert.equal(await executor.exited, 0, executor.stderr());
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  assert.equal(agent.updates[2]!.message, 'Command exited with status 0');
  assert.equal(executor.stdout().trim(), 'my-argv0|first|two words');
});

test('updates are kept until acknowledged and re-sent when a checkpointing executor re-subscribes', async () => {
  const agent = await newAgent();
  agent.autoAck = false;
  let subscriptions = 0;
  agent.onSubscribe(() => (subscriptions++ === 0 ? [launch({ command: { shell: true, value: 'echo done' } }, 'reliable')] : []));
  const executor = startExecutor(agent, 'reliable', { MESOS_CHECKPOINT: '1', MESOS_SUBSCRIPTION_BACKOFF_MAX: '100ms', MESOS_RECOVERY_TIMEOUT: '30secs' });
  await waitFor(() => agent.states().includes('TASK_FINISHED'));
  const sent = agent.updates.map((s) => s.uuid);
  // The agent "restarts": the stream breaks before anything was acknowledged.
  agent.dropStream();
  const resubscribe = await waitFor(() => agent.calls.filter((c) => c.type === 'SUBSCRIBE')[1]);
  assert.equal(executor.child.exitCode, null, 'the executor waits for the acknowledgement');
  assert.deepEqual(
    resubscribe.subscribe.unacknowledged_updates?.map((u) => u.status.uuid),
    sent,
    'every unacknowledged update travels in the new SUBSCRIBE, in order',
  );
  assert.deepEqual(resubscribe.subscribe.unacknowledged_tasks?.map((t) => t.task_id.value), ['reliable']);
  for (const update of resubscribe.subscribe.unacknowledged_updates ?? []) agent.acknowledge(update.status);
  assert.equal(await executor.exited, 0, executor.stderr());
});

test('a non-checkpointing executor kills its task and exits when the agent goes away', async () => {
  const agent = await newAgent();
  agent.onSubscribe(() => [launch({ command: { shell: true, value: 'sleep 30' } }, 'orphan')]);
  const executor = startExecutor(agent, 'orphan');
  await waitFor(() => agent.states().includes('TASK_RUNNING'));
  agent.dropStream();
  assert.equal(await executor.exited, 0, executor.stderr());
  assert.match(executor.stderr(), /lost the agent and the framework does not checkpoint/);
});

test('SHUTDOWN kills the task (TASK_KILLED) and exits', async () => {
  const agent = await newAgent();
  agent.onSubscribe(() => [launch({ command: { shell: true, value: 'sleep 30' } }, 'shut')]);
  const executor = startExecutor(agent, 'shut');
  await waitFor(() => agent.states().includes('TASK_RUNNING'));
  agent.send({ type: 'SHUTDOWN' });
  assert.equal(await executor.exited, 0, executor.stderr());
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
});

test('a SECRET variable or a missing executable fails the task with a clear message', async () => {
  const agent = await newAgent();
  agent.onSubscribe(() => [
    launch({ command: { shell: true, value: 'true', environment: { variables: [{ name: 'TOKEN', type: 'SECRET', secret: { type: 'REFERENCE', reference: { name: 's' } } }] } } }, 'secret'),
  ]);
  const secret = startExecutor(agent, 'secret');
  assert.equal(await secret.exited, 0, secret.stderr());
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_FAILED']);
  assert.equal(agent.updates[1]!.message, "Secret environment variables are not supported by the command executor yet: 'TOKEN'");

  const agent2 = await newAgent();
  agent2.onSubscribe(() => [launch({ command: { shell: false, value: '/nonexistent/agora-test-binary', arguments: ['x'] } }, 'missing')]);
  const missing = startExecutor(agent2, 'missing');
  assert.equal(await missing.exited, 0, missing.stderr());
  assert.deepEqual(agent2.states(), ['TASK_STARTING', 'TASK_FAILED']);
  assert.match(agent2.updates[1]!.message ?? '', /^Failed to launch the command: spawn \/nonexistent\/agora-test-binary ENOENT/);
});
