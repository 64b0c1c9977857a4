// The Docker executor's shell (Mesos's `mesos-docker-executor`, reference containerizers.md
// §3.3): one task per executor, run as the Docker container `mesos-<container id>` through the
// Engine API. It reuses the command executor's pure task machine (task-machine.ts: STARTING,
// RUNNING, kill escalation, checks, terminal update) and its wire/agent-client/config pieces,
// and replaces the process by a container:
//
//   spawn effect        → create + start the container, follow its output into the sandbox's
//                          stdout/stderr; `spawned` (TASK_RUNNING) once the daemon reports it running
//   signal SIGTERM      → `docker stop -t <remaining grace>` (the image's stop signal, then SIGKILL)
//   signal SIGKILL      → `docker kill` (the grace period ran out, or a shorter kill came)
//   container exit      → `exited`; the terminal message says "Container exited with status N",
//                          and an OOM kill under the memory limit becomes TASK_FAILED /
//                          REASON_CONTAINER_LIMITATION_MEMORY
//   health checks       → COMMAND probes run inside the container (`docker exec`); HTTP/TCP probes
//                          go to 127.0.0.1 with the host network, else to the container's IP
//
// Update delivery and the agent connection follow the command executor exactly (see its
// executor.ts): updates kept until ACKNOWLEDGED, one post at a time, re-sent in SUBSCRIBE after a
// reconnect; checkpointing executors re-subscribe after an agent restart, others shut down.
import { backoffDelay, type BackoffPolicy } from '../../common/backoff.ts';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { AgentCallError } from '../command/agent-client.ts';
import type { EventStream, StreamHandlers } from '../command/agent-client.ts';
import { readTaskChecks, type TaskChecks } from '../command/check-spec.ts';
import type { CheckerFactory, TaskChecker } from '../command/checks.ts';
import type { ExecutorConfig } from '../command/config.ts';
import { shutdownGraceMs } from '../command/kill-plan.ts';
import type { ExecutorLog } from '../command/log.ts';
import { INITIAL_TASK_MACHINE, step, type TaskEffect, type TaskInput, type TaskMachine } from '../command/task-machine.ts';
import { parseExecutorEvent, statusUpdate, subscribeCall, updateCall, type ExecutorEventIn, type ExecutorIdentity, type OutgoingUpdate } from '../command/wire.ts';
import { dockerTerminalUpdate } from './termination.ts';
import { planTaskContainer, type ContainerExit, type TaskContainer } from './task-container.ts';

export const TERMINAL_ACK_TIMEOUT_MS = 60_000;
const REGISTRATION_TIMEOUT_MS = 60_000;
const FIRST_BACKOFF_MS = 100;
const POST_RETRY_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 10_000, jitter: 'none' };

export type AgentTransport = {
  subscribe(call: unknown, handlers: StreamHandlers): Promise<EventStream>;
  post(call: unknown): Promise<void>;
  close(): void;
};

export type DockerExecutorSettings = {
  /** The container id the agent chose: the container is `mesos-<id>`. */
  containerId: string;
  /** Agora's ownership labels for the container. */
  ownerLabels: Record<string, string>;
  /** Mesos variables passed into the container. */
  containerEnv: Record<string, string>;
};

export type DockerExecutorOptions = {
  config: ExecutorConfig;
  docker: DockerExecutorSettings;
  /** Makes the task container handle (TaskContainer over the Engine API, or a fake). */
  container: (name: string) => TaskContainer;
  transport: AgentTransport;
  clock: Clock;
  log: ExecutorLog;
  newUuid: () => string;
  exit: (code: number) => void;
  /** Health checks; built by main.ts once the container is known. */
  checkers: (container: TaskContainer) => CheckerFactory;
  /** The executor's own stdout/stderr (the sandbox files), where the container's output goes. */
  sinks: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
  random?: () => number;
};

type TimerName = 'resubscribe' | 'recovery' | 'escalation' | 'max_completion' | 'terminal_ack' | 'post_retry';

export class DockerExecutor {
  readonly #o: DockerExecutorOptions;
  readonly #id: ExecutorIdentity;
  #machine: TaskMachine = INITIAL_TASK_MACHINE;
  readonly #inputs: TaskInput[] = [];
  #applying = false;
  #container: TaskContainer | undefined;
  #exit: ContainerExit | undefined;
  #checker: TaskChecker | undefined;

  #connection: 'disconnected' | 'subscribing' | 'subscribed' = 'disconnected';
  #stream: EventStream | undefined;
  #agentGone = false;
  #exiting = false;
  #resubscribeAttempt = 0;
  #postFailures = 0;
  readonly #unacknowledged = new Map<string, OutgoingUpdate>();
  #taskAcknowledged = false;
  #sentInSubscribe = new Set<string>();
  #queue: OutgoingUpdate[] = [];
  #posting = false;
  #lastUuid: string | undefined;
  #terminalUuid: string | undefined;
  readonly #timers = new Map<TimerName, TimerHandle>();

  constructor(options: DockerExecutorOptions) {
    this.#o = options;
    this.#id = { frameworkId: options.config.frameworkId, executorId: options.config.executorId };
  }

  start(): void {
    this.#subscribe();
  }

  shutdown(reason: string): void {
    if (this.#exiting) return;
    this.#o.log.info('shutting down', { reason });
    this.#apply({ kind: 'shutdown', graceMs: shutdownGraceMs(this.#o.config.shutdownGraceMs) });
  }

  // -------------------------------------------------------------------------------------------
  // Connection (as the command executor's).

  #subscribe(): void {
    if (this.#exiting) return;
    this.#connection = 'subscribing';
    const updates = [...this.#unacknowledged.values()];
    this.#sentInSubscribe = new Set(updates.map((u) => u.status.uuid));
    const task = this.#machine.task;
    const tasks = task !== undefined && !this.#taskAcknowledged ? [task.raw] : [];
    this.#o.transport
      .subscribe(subscribeCall(this.#id, updates, tasks), { onEvent: (e) => this.#onEvent(e), onClose: (r) => this.#onDisconnected(r) })
      .then(
        (stream) => (this.#exiting ? stream.close() : (this.#stream = stream)),
        (err: unknown) => this.#onSubscribeFailed(err),
      );
  }

  #onSubscribeFailed(err: unknown): void {
    if (this.#exiting) return;
    this.#connection = 'disconnected';
    if (err instanceof AgentCallError && err.permanent) {
      this.#o.log.error('the agent refused the subscription', { status: err.status, body: err.body });
      this.#agentGone = true;
      this.shutdown('the agent refused the subscription');
      return;
    }
    this.#scheduleResubscribe(agentRestarting(err));
  }

  #onDisconnected(reason: string): void {
    if (this.#exiting) return;
    this.#stream = undefined;
    this.#connection = 'disconnected';
    this.#queue = [];
    this.#o.log.warn('disconnected from the agent', { reason, checkpoint: this.#o.config.checkpoint });
    if (!this.#o.config.checkpoint) {
      this.#agentGone = true;
      this.shutdown('lost the agent and the framework does not checkpoint');
      return;
    }
    this.#scheduleResubscribe(false);
  }

  #scheduleResubscribe(agentIsRestarting: boolean): void {
    const { config } = this.#o;
    if (!this.#timers.has('recovery')) {
      const windowMs = config.checkpoint ? config.recoveryTimeoutMs : REGISTRATION_TIMEOUT_MS;
      this.#setTimer('recovery', windowMs, () => {
        this.#agentGone = true;
        this.shutdown('the agent did not come back in time');
      });
    }
    const policy: BackoffPolicy = { initialMs: FIRST_BACKOFF_MS, maxMs: config.subscriptionBackoffMaxMs, jitter: 'equal' };
    const attempt = agentIsRestarting ? 0 : this.#resubscribeAttempt++;
    this.#setTimer('resubscribe', backoffDelay(attempt, policy, (this.#o.random ?? Math.random)()), () => this.#subscribe());
  }

  #onEvent(json: unknown): void {
    if (this.#exiting) return;
    const parsed = parseExecutorEvent(json);
    if (!parsed.ok) {
      this.#o.log.error('invalid event from the agent', { error: parsed.error });
      if (parsed.taskId !== undefined) this.#apply({ kind: 'launch_unreadable', taskId: parsed.taskId, error: parsed.error });
      return;
    }
    const event: ExecutorEventIn = parsed.event;
    switch (event.type) {
      case 'SUBSCRIBED':
        this.#connection = 'subscribed';
        this.#resubscribeAttempt = 0;
        this.#clearTimer('recovery');
        this.#o.log.info('subscribed to the agent', { task_killing_state: event.taskKillingCapable });
        this.#apply({ kind: 'subscribed', taskKillingCapable: event.taskKillingCapable });
        this.#queue = [...this.#unacknowledged.values()].filter((u) => !this.#sentInSubscribe.has(u.status.uuid));
        this.#drain();
        return;
      case 'LAUNCH':
        this.#launch(event.task);
        return;
      case 'LAUNCH_GROUP':
        this.shutdown('LAUNCH_GROUP is for the default executor, not the Docker executor');
        return;
      case 'KILL':
        this.#o.log.info('kill received', { task_id: event.taskId, grace_period_ns: event.graceNs });
        this.#apply({ kind: 'kill', taskId: event.taskId, graceNs: event.graceNs });
        return;
      case 'ACKNOWLEDGED':
        this.#onAcknowledged(event.taskId, event.uuid);
        return;
      case 'SHUTDOWN':
        this.shutdown('shutdown requested by the agent');
        return;
      case 'ERROR':
        this.#o.log.error('error event from the agent', { message: event.message });
        return;
      default:
        return;
    }
  }

  #launch(task: Extract<ExecutorEventIn, { type: 'LAUNCH' }>['task']): void {
    const { config, docker } = this.#o;
    this.#o.log.info('launching task', { task_id: task.taskId, container: `mesos-${docker.containerId}` });
    const plan = planTaskContainer({ raw: task.raw, containerId: docker.containerId, sandbox: config.sandbox, environment: docker.containerEnv, ownerLabels: docker.ownerLabels });
    const checks = readTaskChecks(task, {}, config.sandbox);
    this.#planned = plan;
    // The machine's spec is the command executor's; only its `ok` matters here, `spawn` runs the plan.
    const spec = plan.ok ? { ok: true as const, spec: { file: '', args: [], argv0: '', env: {}, cwd: config.sandbox } } : plan;
    this.#apply({ kind: 'launch', task, spec, checks });
  }

  #planned: ReturnType<typeof planTaskContainer> | undefined;

  #onAcknowledged(taskId: string, uuid: string): void {
    if (!this.#unacknowledged.delete(uuid)) return;
    if (this.#machine.task?.taskId === taskId) this.#taskAcknowledged = true;
    if (uuid === this.#terminalUuid) {
      this.#o.log.info('terminal status update acknowledged; exiting', { task_id: taskId });
      this.#exitNow(0);
    }
  }

  // -------------------------------------------------------------------------------------------
  // The task machine and its effects.

  #apply(input: TaskInput): void {
    this.#inputs.push(input);
    if (this.#applying) return;
    this.#applying = true;
    try {
      for (let next = this.#inputs.shift(); next !== undefined && !this.#exiting; next = this.#inputs.shift()) {
        const result = step(this.#machine, next, this.#o.clock.now());
        this.#machine = result.machine;
        for (const effect of result.effects) {
          if (this.#exiting) break;
          this.#carryOut(effect);
        }
      }
    } finally {
      this.#applying = false;
      this.#inputs.length = 0;
    }
  }

  #carryOut(effect: TaskEffect): void {
    const { log, clock } = this.#o;
    switch (effect.kind) {
      case 'update':
        this.#sendUpdate(effect.state === 'TASK_FINISHED' || effect.state === 'TASK_FAILED' || effect.state === 'TASK_KILLED' ? dockerTerminalUpdate(effect, this.#exit) : effect);
        return;
      case 'spawn':
        void this.#startContainer();
        return;
      case 'signal': {
        const container = this.#container;
        if (!container) return;
        if (effect.signal === 'SIGTERM') {
          const graceMs = Math.max(0, (this.#machine.escalation?.sigkillAt ?? clock.now()) - clock.now());
          log.info('stopping the container', { container: container.name, grace_ms: graceMs });
          container.stop(graceMs).catch((err: unknown) => log.warn('docker stop failed', { error: (err as Error).message }));
        } else {
          log.info('killing the container', { container: container.name });
          container.kill('SIGKILL').catch((err: unknown) => log.warn('docker kill failed', { error: (err as Error).message }));
        }
        return;
      }
      case 'schedule_escalation':
        this.#setTimer('escalation', Math.max(0, effect.at - clock.now()), () => this.#apply({ kind: 'escalate' }));
        return;
      case 'schedule_max_completion':
        this.#setTimer('max_completion', effect.afterMs, () => this.#apply({ kind: 'max_completion_time_reached' }));
        return;
      case 'cancel_timers':
        this.#clearTimer('escalation');
        this.#clearTimer('max_completion');
        return;
      case 'start_checks':
        this.#startChecks(effect.checks);
        return;
      case 'stop_checks':
        this.#checker?.stop();
        this.#checker = undefined;
        return;
      case 'await_terminal_ack':
        this.#terminalUuid = this.#lastUuid;
        if (this.#agentGone) return this.#exitNow(0);
        this.#setTimer('terminal_ack', TERMINAL_ACK_TIMEOUT_MS, () => this.#exitNow(1));
        return;
      case 'exit':
        this.#exitNow(effect.code);
        return;
      case 'ignored':
        log.info('input ignored', { reason: effect.reason });
        return;
    }
  }

  async #startContainer(): Promise<void> {
    const plan = this.#planned;
    if (!plan?.ok) return;
    const container = this.#o.container(plan.name);
    this.#container = container;
    try {
      const inspect = await container.start(plan.body, this.#o.sinks as never);
      this.#o.log.info('container started', { container: plan.name, pid: inspect.State.Pid });
    } catch (err) {
      const message = (err as Error).message;
      this.#o.log.error('failed to start the container', { container: plan.name, error: message });
      this.#apply({ kind: 'spawn_failed', message });
      return;
    }
    void container.wait().then(
      (exit) => {
        this.#exit = exit;
        this.#o.log.info('container exited', { container: plan.name, code: exit.code, oom_killed: exit.oomKilled });
        this.#apply({ kind: 'exited', exit: { code: exit.code, signal: null } });
      },
      (err: unknown) => {
        this.#o.log.error('lost track of the container', { container: plan.name, error: (err as Error).message });
        this.#exit = { code: -1, oomKilled: false, error: (err as Error).message };
        this.#apply({ kind: 'exited', exit: { code: null, signal: null } });
      },
    );
    this.#apply({ kind: 'spawned' });
  }

  #startChecks(checks: TaskChecks): void {
    const task = this.#machine.task;
    const container = this.#container;
    if (!task || !container) return;
    this.#checker?.stop();
    this.#checker = this.#o.checkers(container)({
      taskId: task.taskId,
      pid: container.inspect?.State.Pid ?? 0,
      checks,
      reportHealth: (r) => this.#apply({ kind: 'health', healthy: r.healthy, killTask: r.killTask }),
      reportCheck: (status) => this.#apply({ kind: 'check', status }),
    });
  }

  #sendUpdate(effect: Extract<TaskEffect, { kind: 'update' }>): void {
    const uuid = this.#o.newUuid();
    const { kind: _kind, ...fields } = effect;
    const update = statusUpdate(this.#id, { ...fields, uuid, timestamp: this.#o.clock.now() / 1000 });
    this.#unacknowledged.set(uuid, update);
    this.#lastUuid = uuid;
    this.#o.log.info('sending status update', { task_id: effect.taskId, state: effect.state, uuid, message: effect.message, reason: effect.reason });
    if (this.#connection === 'subscribed') {
      this.#queue.push(update);
      this.#drain();
    }
  }

  #drain(): void {
    if (this.#posting || this.#exiting || this.#connection !== 'subscribed' || this.#timers.has('post_retry')) return;
    while (this.#queue[0] !== undefined && !this.#unacknowledged.has(this.#queue[0].status.uuid)) this.#queue.shift();
    const next = this.#queue[0];
    if (next === undefined) return;
    this.#posting = true;
    this.#o.transport.post(updateCall(this.#id, next)).then(
      () => {
        this.#posting = false;
        this.#postFailures = 0;
        if (this.#queue[0] === next) this.#queue.shift();
        this.#drain();
      },
      (err: unknown) => {
        this.#posting = false;
        if (this.#exiting || this.#queue[0] !== next) return;
        if (err instanceof AgentCallError && err.permanent) {
          this.#queue.shift();
          this.#drain();
          return;
        }
        this.#setTimer('post_retry', backoffDelay(this.#postFailures++, POST_RETRY_BACKOFF, 0), () => this.#drain());
      },
    );
  }

  #setTimer(name: TimerName, ms: number, fn: () => void): void {
    this.#clearTimer(name);
    this.#timers.set(
      name,
      this.#o.clock.setTimeout(() => {
        this.#timers.delete(name);
        if (!this.#exiting) fn();
      }, ms),
    );
  }

  #clearTimer(name: TimerName): void {
    const handle = this.#timers.get(name);
    if (handle !== undefined) this.#o.clock.clearTimeout(handle);
    this.#timers.delete(name);
  }

  #exitNow(code: number): void {
    if (this.#exiting) return;
    this.#exiting = true;
    for (const name of [...this.#timers.keys()]) this.#clearTimer(name);
    this.#checker?.stop();
    this.#stream?.close();
    this.#o.transport.close();
    const container = this.#container;
    // A container still running when the executor leaves (agent gone) is stopped at once, as
    // Mesos's destroy does; a finished one stays for the agent's --docker_remove_delay.
    if (container && this.#exit === undefined) {
      void container.kill('SIGKILL').catch(() => {}).finally(() => this.#o.exit(code));
      return;
    }
    this.#o.exit(code);
  }
}

function agentRestarting(err: unknown): boolean {
  if (err instanceof AgentCallError) return err.status === 503;
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  return (e?.code ?? e?.cause?.code) === 'ECONNREFUSED';
}
