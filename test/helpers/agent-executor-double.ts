// A TEST DOUBLE of the agent's executor endpoint (`POST /api/v1/executor`) and a launcher for the
// real command executor against it, shared by the executor integration tests. The double is a
// small HTTP server on 127.0.0.1 that speaks the v1 executor API, validates every call with the
// protocol module's decoder, and lets each test script the events and acknowledgements.
// (Extracted from test/integration/executor-command.test.ts, which still has its own copy.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { decodeExecutorCall, encodeExecutorEvent, encodeRecord } from '../../src/protocol/index.ts';
import type { ExecutorEvent, TaskInfo, ValidExecutorCall } from '../../src/protocol/index.ts';
import { tempDir } from './process.ts';

export const COMMAND_EXECUTOR_MAIN = resolve(import.meta.dirname, '../../src/executor/command/main.ts');
export const FRAMEWORK_ID = 'fw-0000';

export type ExecutorStatus = NonNullable<ValidExecutorCall['update']>['status'];

export class AgentExecutorApiDouble {
  readonly calls: ValidExecutorCall[] = [];
  readonly rejected: string[] = [];
  /** Acknowledge every UPDATE as soon as it is accepted. */
  autoAck = true;
  frameworkCapabilities: string[] = [];
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
          executor_info: { executor_id: call.executor_id, framework_id: call.framework_id, command: { value: COMMAND_EXECUTOR_MAIN } },
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

  send(event: ExecutorEvent): void {
    this.#stream?.write(encodeRecord(JSON.stringify(encodeExecutorEvent(event))));
  }

  acknowledge(status: ExecutorStatus): void {
    this.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid! } });
  }

  /** Ends the event stream, as an agent that restarts or dies does. */
  dropStream(): void {
    this.#stream?.destroy();
    this.#stream = undefined;
  }

  get updates(): ExecutorStatus[] {
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

export type RunningExecutor = { child: ChildProcess; sandbox: string; stdout: () => string; stderr: () => string; exited: Promise<number | null> };

/** The Mesos environment the agent gives a command executor talking to `agent` with sandbox `sandbox`. */
export function commandExecutorEnv(agent: AgentExecutorApiDouble, executorId: string, sandbox: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    MESOS_FRAMEWORK_ID: FRAMEWORK_ID,
    MESOS_EXECUTOR_ID: executorId,
    MESOS_SLAVE_ID: 'S0',
    MESOS_AGENT_ENDPOINT: agent.endpoint,
    MESOS_DIRECTORY: sandbox,
    MESOS_SANDBOX: sandbox,
    MESOS_CHECKPOINT: '0',
    MESOS_HTTP_COMMAND_EXECUTOR: '1',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
  };
}

/**
 * Starts the real command executor against `agent` with a fresh sandbox. Returns the handle and
 * a cleanup that kills it (if still running) and removes the sandbox.
 */
export function startCommandExecutor(agent: AgentExecutorApiDouble, executorId: string, env: Record<string, string> = {}): { executor: RunningExecutor; cleanup: () => Promise<void> } {
  const sandbox = tempDir('agora-executor-');
  const child = spawn(process.execPath, [COMMAND_EXECUTOR_MAIN], {
    cwd: sandbox.path,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...commandExecutorEnv(agent, executorId, sandbox.path), ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    sandbox.cleanup();
  };
  return { executor: { child, sandbox: sandbox.path, stdout: () => stdout, stderr: () => stderr, exited }, cleanup };
}

/** A LAUNCH event for a task with a small cpus resource (role `dev`). */
export function launchEvent(task: Partial<TaskInfo>, taskId: string): ExecutorEvent {
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
