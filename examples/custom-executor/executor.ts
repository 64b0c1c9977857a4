// An example custom executor.
//
// A custom executor is a program a framework ships for the agent to run its tasks, in place of
// the built-in command executor. The agent starts it once per ExecutorInfo (several tasks naming
// the same executor_id share one executor process) and talks to it through the v1 executor HTTP
// API on the agent, `POST http://$MESOS_AGENT_ENDPOINT/api/v1/executor`:
//
//   executor                                         agent
//     ── SUBSCRIBE ─────────────────────────────────▶  one long POST; its answer is the event stream
//     ◀─────────────────────────────────── SUBSCRIBED
//     ◀─────────────────────────────────────── LAUNCH  once per task
//     ── UPDATE TASK_RUNNING (uuid) ────────────────▶  every other call is its own short POST (202)
//     ◀───────────────────────────────── ACKNOWLEDGED  the framework acknowledged that uuid
//     ◀────────────────────────────────────── MESSAGE  from the framework...
//     ── MESSAGE ───────────────────────────────────▶  ...and back to it (this executor echoes)
//     ── UPDATE TASK_FINISHED (uuid) ───────────────▶
//     ◀───────────────────────────────────── SHUTDOWN  kill what is left and exit
//
// The agent also sends KILL (one task), HEARTBEAT (every 30 minutes) and ERROR (then give up).
//
// The work: each task's `data` (base64) holds a JSON job. This executor knows one job,
//   {"job": "count", "to": 5, "step_ms": 200}
// It counts to `to`, one step every `step_ms`, reports each step as a TASK_RUNNING update with the
// message "counted 3 of 5", and ends with TASK_FINISHED. Tasks run side by side, each on its own
// timer in this one process.
//
// The agent starts this program with the environment it needs (reference §4.4); it is not meant
// to be run by hand. It reuses this repository's wire codec (src/protocol), as any TypeScript
// executor built on Agora would.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { parseDuration } from '../../src/common/units.ts';
import { decodeExecutorEvent, encodeExecutorCall, formatDecodeErrors, isTerminalTaskState, readJsonRecords } from '../../src/protocol/index.ts';
import type { ExecutorCall, TaskInfo, TaskState, TaskStatus, ValidExecutorEvent } from '../../src/protocol/index.ts';

// ---------------------------------------------------------------------------------------------
// Configuration: the agent describes this executor in its environment.

type Config = {
  endpoint: URL;
  frameworkId: string;
  executorId: string;
  /**
   * A checkpointing framework's executors outlive an agent restart: when the stream breaks they
   * re-subscribe. Everyone else's exit, because no agent will ever talk to them again.
   */
  checkpoint: boolean;
  /** Longest wait between two SUBSCRIBE attempts while re-subscribing. */
  subscriptionBackoffMaxMs: number;
  /** How long to keep trying to re-subscribe before giving up. */
  recoveryTimeoutMs: number;
  /** After SHUTDOWN the agent waits this long, then kills the executor. */
  shutdownGracePeriodMs: number;
};

function readConfig(env: NodeJS.ProcessEnv): Config {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set: this program is started by an agent, as a framework's custom executor`);
    return value;
  };
  // Durations are stout strings such as "2secs" or "15mins".
  const duration = (name: string, fallback: string): number => parseDuration(env[name] || fallback);
  return {
    endpoint: new URL(`http://${required('MESOS_AGENT_ENDPOINT')}/api/v1/executor`),
    frameworkId: required('MESOS_FRAMEWORK_ID'),
    executorId: required('MESOS_EXECUTOR_ID'),
    checkpoint: env.MESOS_CHECKPOINT === '1',
    subscriptionBackoffMaxMs: duration('MESOS_SUBSCRIPTION_BACKOFF_MAX', '2secs'),
    recoveryTimeoutMs: duration('MESOS_RECOVERY_TIMEOUT', '15mins'),
    shutdownGracePeriodMs: duration('MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD', '5secs'),
  };
}

/** One JSON line per log record on stderr; the agent keeps it in the sandbox's `stderr` file. */
function log(msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), component: 'counting-executor', msg, ...fields })}\n`);
}

// ---------------------------------------------------------------------------------------------
// The job a task asks for.

type CountJob = { to: number; stepMs: number };

/** Reads a task's `data`. Throws an Error whose message says what is wrong (it becomes the TASK_FAILED message). */
function parseJob(task: TaskInfo): CountJob {
  if (task.data === undefined) throw new Error('task has no data: expected a job such as {"job":"count","to":5}');
  let spec: unknown;
  try {
    spec = JSON.parse(Buffer.from(task.data, 'base64').toString('utf8'));
  } catch {
    throw new Error('task data is not JSON: expected a job such as {"job":"count","to":5}');
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new Error('task data must be a JSON object');
  const { job, to, step_ms: stepMs = 200 } = spec as Record<string, unknown>;
  if (job !== 'count') throw new Error(`unknown job ${JSON.stringify(job)}: this executor only knows "count"`);
  if (typeof to !== 'number' || !Number.isInteger(to) || to < 1 || to > 10_000) throw new Error('job.to must be an integer from 1 to 10000');
  if (typeof stepMs !== 'number' || !(stepMs >= 10 && stepMs <= 60_000)) throw new Error('job.step_ms must be a number from 10 to 60000');
  return { to, stepMs };
}

// ---------------------------------------------------------------------------------------------
// Talking to the agent.

/** The agent refused SUBSCRIBE with an HTTP status (rather than the connection failing). */
class SubscribeRefused extends Error {
  readonly status: number;
  constructor(status: number, body: string) {
    super(`the agent answered SUBSCRIBE with ${status}: ${body}`);
    this.status = status;
  }
}

/**
 * Sends SUBSCRIBE and resolves with the response once the agent answered 200: its body is the
 * RecordIO event stream.
 *
 * NOTE: node:http rather than fetch, because fetch gives up on a response body that stays quiet
 * for 300 s, and the agent sends only one HEARTBEAT every 30 minutes. TCP keep-alive probes notice
 * an agent host that vanished without closing the connection.
 */
function openEventStream(endpoint: URL, call: ExecutorCall): Promise<IncomingMessage> {
  const body = JSON.stringify(encodeExecutorCall(call));
  return new Promise((resolve, reject) => {
    const req = request(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body) },
    });
    req.on('socket', (socket) => socket.setKeepAlive(true, 10_000));
    req.on('error', reject);
    req.on('response', (response) => {
      if (response.statusCode === 200) return resolve(response);
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => reject(new SubscribeRefused(response.statusCode ?? 0, text.trim())));
    });
    req.end(body);
  });
}

/** Any call but SUBSCRIBE: a short POST that the agent answers 202 Accepted. */
async function postCall(endpoint: URL, call: ExecutorCall): Promise<void> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(encodeExecutorCall(call)),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`the agent answered ${call.type} with ${response.status}: ${text.trim()}`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The executor.

type Task = {
  info: TaskInfo;
  /**
   * Whether any update of this task has been acknowledged. Until then the agent may not know that
   * we received the task, so a re-SUBSCRIBE lists it in `unacknowledged_tasks`.
   */
  acknowledged: boolean;
  /** The counting timer, while the task runs. */
  timer: NodeJS.Timeout | undefined;
  /** A terminal update (FINISHED, FAILED, KILLED) was sent. */
  done: boolean;
};

class CountingExecutor {
  readonly #config: Config;
  /** Tasks from LAUNCH until their terminal update is acknowledged. */
  readonly #tasks = new Map<string, Task>();
  /**
   * Updates sent but not acknowledged yet, by uuid. A re-SUBSCRIBE hands them back to the agent
   * (`unacknowledged_updates`), so an update lost with a broken connection is not lost for good.
   */
  readonly #unacknowledged = new Map<string, TaskStatus>();
  /** Calls go out one at a time, in order: the agent must see a task's updates in the order we made them. */
  #outbox: Promise<void> = Promise.resolve();
  #stream: IncomingMessage | undefined;
  #shuttingDown = false;

  constructor(config: Config) {
    this.#config = config;
  }

  /** Subscribes, handles events, and re-subscribes while allowed. Never returns: the process exits. */
  async run(): Promise<never> {
    let attempt = 0;
    let disconnectedAt = Date.now();
    for (;;) {
      let reason: string;
      try {
        this.#stream = await openEventStream(this.#config.endpoint, this.#subscribeCall());
        attempt = 0;
        await this.#readEvents(this.#stream);
        reason = 'the agent closed the event stream';
      } catch (err) {
        // 4xx: the agent does not know this executor (or the call is wrong); retrying cannot help.
        if (err instanceof SubscribeRefused && err.status >= 400 && err.status < 500) return this.#exit(1, 'subscription refused', { error: err.message });
        reason = (err as Error).message;
      }
      this.#stream = undefined;
      if (this.#shuttingDown) return this.#waitForever(); // #shutdown() exits the process
      if (attempt === 0) disconnectedAt = Date.now();
      if (!this.#config.checkpoint) return this.#exit(1, 'lost the agent and the framework does not checkpoint; exiting', { reason });
      if (Date.now() - disconnectedAt > this.#config.recoveryTimeoutMs) return this.#exit(1, 'could not re-subscribe within the recovery timeout', { reason });
      const delayMs = Math.min(this.#config.subscriptionBackoffMaxMs, 100 * 2 ** attempt++);
      log('disconnected from the agent; subscribing again', { reason, delay_ms: delayMs });
      await sleep(delayMs);
    }
  }

  /** SUBSCRIBE: empty the first time; after a reconnect it carries what the agent may have missed. */
  #subscribeCall(): ExecutorCall {
    const unacknowledgedTasks = [...this.#tasks.values()].filter((t) => !t.acknowledged).map((t) => t.info);
    const unacknowledgedUpdates = [...this.#unacknowledged.values()].map((status) => ({ status }));
    return {
      ...this.#ids(),
      type: 'SUBSCRIBE',
      subscribe: {
        ...(unacknowledgedTasks.length > 0 ? { unacknowledged_tasks: unacknowledgedTasks } : {}),
        ...(unacknowledgedUpdates.length > 0 ? { unacknowledged_updates: unacknowledgedUpdates } : {}),
      },
    };
  }

  async #readEvents(stream: IncomingMessage): Promise<void> {
    for await (const record of readJsonRecords(stream)) {
      const decoded = decodeExecutorEvent(record);
      if (!decoded.ok) {
        log('ignoring an event that does not decode', { errors: formatDecodeErrors(decoded.errors) });
        continue;
      }
      this.#onEvent(decoded.value);
    }
  }

  #onEvent(event: ValidExecutorEvent): void {
    switch (event.type) {
      case 'SUBSCRIBED':
        log('subscribed', { agent: event.subscribed.agent_info.hostname, container_id: event.subscribed.container_id?.value });
        return;
      case 'LAUNCH':
        return this.#launch(event.launch.task);
      case 'LAUNCH_GROUP':
        // Task groups are the default executor's business; refuse them politely.
        for (const info of event.launch_group.task_group.tasks ?? []) {
          this.#tasks.set(info.task_id.value, { info, acknowledged: false, timer: undefined, done: false });
          this.#finish(info.task_id.value, 'TASK_FAILED', 'this executor does not run task groups');
        }
        return;
      case 'KILL':
        return this.#kill(event.kill.task_id.value);
      case 'ACKNOWLEDGED':
        return this.#onAcknowledged(event.acknowledged.task_id.value, event.acknowledged.uuid);
      case 'MESSAGE':
        return this.#echo(event.message.data);
      case 'SHUTDOWN':
        void this.#shutdown();
        return;
      case 'ERROR':
        // The agent reports a problem it cannot fix for us (e.g. a call it could not accept).
        this.#exit(1, 'the agent reported an error', { error: event.error.message });
        return;
      case 'HEARTBEAT':
        return; // Its only purpose is to keep the connection busy.
      case 'UNKNOWN':
        return; // A newer agent; nothing we understand.
    }
  }

  #launch(info: TaskInfo): void {
    const taskId = info.task_id.value;
    if (this.#tasks.has(taskId)) return log('ignoring a second LAUNCH of a task we already run', { task_id: taskId });
    const task: Task = { info, acknowledged: false, timer: undefined, done: false };
    this.#tasks.set(taskId, task);
    let job: CountJob;
    try {
      job = parseJob(info);
    } catch (err) {
      return this.#finish(taskId, 'TASK_FAILED', (err as Error).message);
    }
    log('task launched', { task_id: taskId, to: job.to, step_ms: job.stepMs });
    this.#update(taskId, 'TASK_RUNNING', `counting to ${job.to}`);
    let counted = 0;
    task.timer = setInterval(() => {
      counted++;
      if (counted < job.to) this.#update(taskId, 'TASK_RUNNING', `counted ${counted} of ${job.to}`);
      else this.#finish(taskId, 'TASK_FINISHED', `counted to ${job.to}`);
    }, job.stepMs);
  }

  #kill(taskId: string): void {
    const task = this.#tasks.get(taskId);
    if (task === undefined || task.done) return log('ignoring KILL of a task that is not running', { task_id: taskId });
    this.#finish(taskId, 'TASK_KILLED', 'killed by the framework');
  }

  /** Stops the task's work and sends its terminal update. */
  #finish(taskId: string, state: TaskState, message: string): void {
    const task = this.#tasks.get(taskId);
    if (task === undefined || task.done) return;
    clearInterval(task.timer);
    task.timer = undefined;
    task.done = true;
    log('task ended', { task_id: taskId, state, message });
    this.#update(taskId, state, message);
  }

  /** Sends a status update. Each has a fresh 16-byte uuid, which the acknowledgement names. */
  #update(taskId: string, state: TaskState, message: string): void {
    const status: TaskStatus = {
      task_id: { value: taskId },
      state,
      message,
      source: 'SOURCE_EXECUTOR',
      executor_id: { value: this.#config.executorId },
      timestamp: Date.now() / 1000,
      uuid: randomBytes(16).toString('base64'),
    };
    this.#unacknowledged.set(status.uuid!, status);
    // If the POST fails the update stays unacknowledged, and the next SUBSCRIBE re-sends it.
    this.#send({ ...this.#ids(), type: 'UPDATE', update: { status } }).catch((err: unknown) =>
      log('status update not delivered; it is re-sent when we subscribe again', { task_id: taskId, state, error: (err as Error).message }),
    );
  }

  #onAcknowledged(taskId: string, uuid: string): void {
    const status = this.#unacknowledged.get(uuid);
    this.#unacknowledged.delete(uuid);
    const task = this.#tasks.get(taskId);
    if (task !== undefined) task.acknowledged = true;
    // Once its terminal update is acknowledged, the task is over for everyone.
    if (status !== undefined && isTerminalTaskState(status.state)) this.#tasks.delete(taskId);
  }

  /** Framework MESSAGE in, executor MESSAGE out: the framework receives "echo: <its data>". */
  #echo(data: string): void {
    const text = Buffer.from(data, 'base64');
    log('message from the framework', { bytes: text.length });
    const reply = Buffer.concat([Buffer.from('echo: '), text]).toString('base64');
    this.#send({ ...this.#ids(), type: 'MESSAGE', message: { data: reply } }).catch((err: unknown) =>
      log('could not echo the message', { error: (err as Error).message }),
    );
  }

  /** SHUTDOWN: kill every task, let the agent have the final updates, and exit. */
  async #shutdown(): Promise<void> {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const [taskId, task] of this.#tasks) if (!task.done) this.#finish(taskId, 'TASK_KILLED', 'the executor was shut down');
    // Leave well before the agent's grace period ends and it kills us.
    await Promise.race([this.#outbox, sleep(this.#config.shutdownGracePeriodMs / 2)]);
    this.#stream?.destroy();
    this.#exit(0, 'exiting after SHUTDOWN');
  }

  #send(call: ExecutorCall): Promise<void> {
    const sent = this.#outbox.then(() => postCall(this.#config.endpoint, call));
    this.#outbox = sent.catch(() => {}); // one failed call must not hold up the next
    return sent;
  }

  #ids(): Pick<ExecutorCall, 'framework_id' | 'executor_id'> {
    return { framework_id: { value: this.#config.frameworkId }, executor_id: { value: this.#config.executorId } };
  }

  #exit(code: number, msg: string, fields: Record<string, unknown> = {}): never {
    log(msg, { ...fields, exit_code: code });
    process.exit(code);
  }

  #waitForever(): Promise<never> {
    return new Promise(() => {});
  }
}

try {
  const config = readConfig(process.env);
  log('executor started', { executor_id: config.executorId, framework_id: config.frameworkId, agent: config.endpoint.host });
  await new CountingExecutor(config).run();
} catch (err) {
  log('executor failed', { error: (err as Error).message, exit_code: 1 });
  process.exit(1);
}
