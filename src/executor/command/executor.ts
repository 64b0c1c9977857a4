// The command executor's shell (house style B2): it owns the connection to the agent, the task's
// process, the timers and the unacknowledged updates, feeds what happens into the pure task
// machine (task-machine.ts) and carries out the effects it returns.
//
// Delivery of status updates (reference §4.2): every update gets a fresh 16-byte uuid and is kept
// until the agent sends ACKNOWLEDGED for it. Updates go out one at a time, in order, over the
// call connection; after a reconnect they all travel in SUBSCRIBE's unacknowledged_updates, with
// the TaskInfo in unacknowledged_tasks until some update of the task has been acknowledged. The
// executor exits once its terminal update is acknowledged, or 60 s after sending it (Mesos's
// fail-safe, exit status 1).
//
// Losing the agent: a checkpointing executor (MESOS_CHECKPOINT=1) re-subscribes with backoff
// capped at MESOS_SUBSCRIPTION_BACKOFF_MAX for up to MESOS_RECOVERY_TIMEOUT; any other executor
// shuts down at once (kills its task and exits), as Mesos's executor library does.
import { backoffDelay, type BackoffPolicy } from '../../common/backoff.ts';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { AgentCallError } from './agent-client.ts';
import type { EventStream, StreamHandlers } from './agent-client.ts';
import { readTaskChecks } from './check-spec.ts';
import type { TaskChecks } from './check-spec.ts';
import { createTaskCheckers } from './checker.ts';
import type { CheckerFactory, TaskChecker } from './checks.ts';
import type { ExecutorConfig } from './config.ts';
import { shutdownGraceMs } from './kill-plan.ts';
import { buildLaunchSpec } from './launch-spec.ts';
import type { ExecutorLog } from './log.ts';
import { INITIAL_TASK_MACHINE, step } from './task-machine.ts';
import type { TaskEffect, TaskInput, TaskMachine } from './task-machine.ts';
import { TaskProcess } from './task-process.ts';
import { parseExecutorEvent, statusUpdate, subscribeCall, updateCall } from './wire.ts';
import type { ExecutorEventIn, ExecutorIdentity, OutgoingUpdate } from './wire.ts';

/** Mesos's fail-safe: exit if the terminal update is not acknowledged within this time. */
export const TERMINAL_ACK_TIMEOUT_MS = 60_000;
/** How long the first SUBSCRIBE may be retried (the agent's executor_registration_timeout). */
export const REGISTRATION_TIMEOUT_MS = 60_000;
const FIRST_BACKOFF_MS = 100;
const PROBE_BACKOFF: BackoffPolicy = { initialMs: FIRST_BACKOFF_MS, maxMs: 400, jitter: 'equal' };
/** A failed update post is retried 1 s, 2 s, 4 s ... up to 10 s (no jitter: one executor, one agent). */
const POST_RETRY_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 10_000, jitter: 'none' };

/** What the executor needs from the transport (AgentClient, or a fake in tests). */
export type AgentTransport = {
  subscribe(call: unknown, handlers: StreamHandlers): Promise<EventStream>;
  post(call: unknown): Promise<void>;
  /** Resolves true once the agent accepts connections (cheap polling while it is down). */
  probe?(): Promise<boolean>;
  close(): void;
};

export type CommandExecutorOptions = {
  config: ExecutorConfig;
  /** The environment the task inherits (the executor's own). */
  taskEnv: Readonly<Record<string, string | undefined>>;
  transport: AgentTransport;
  clock: Clock;
  log: ExecutorLog;
  /** Fresh status-update uuids (newStatusUuid). */
  newUuid: () => string;
  /** Ends the process; called exactly once. */
  exit: (code: number) => void;
  /** Health checks and checks; the real ones (checker.ts) by default. */
  checkers?: CheckerFactory;
  /** Jitter source for the re-subscribe backoff; Math.random by default. */
  random?: () => number;
  terminalAckTimeoutMs?: number;
  registrationTimeoutMs?: number;
};

type Connection = 'disconnected' | 'subscribing' | 'subscribed';
type TimerName = 'resubscribe' | 'recovery' | 'escalation' | 'max_completion' | 'terminal_ack' | 'post_retry';

export class CommandExecutor {
  readonly #o: CommandExecutorOptions;
  readonly #id: ExecutorIdentity;
  readonly #process = new TaskProcess();
  readonly #checkers: CheckerFactory;

  #machine: TaskMachine = INITIAL_TASK_MACHINE;
  readonly #inputs: TaskInput[] = [];
  #applying = false;

  #connection: Connection = 'disconnected';
  #stream: EventStream | undefined;
  #everSubscribed = false;
  /** No acknowledgement can come any more: exit right after the terminal update. */
  #agentGone = false;
  #exiting = false;
  /** The last SUBSCRIBE failed because the agent is down or recovering (logged once). */
  #waitingForAgent = false;
  /** Re-subscribe attempts since the last SUBSCRIBED (the backoff's attempt number). */
  #resubscribeAttempt = 0;
  /** Failed posts in a row (the post retry backoff's attempt number). */
  #postFailures = 0;

  /** Unacknowledged updates by uuid, in the order they were made. */
  readonly #unacknowledged = new Map<string, OutgoingUpdate>();
  #taskAcknowledged = false;
  /** Uuids carried by the SUBSCRIBE in flight: the agent has them once SUBSCRIBED arrives. */
  #sentInSubscribe = new Set<string>();
  #queue: OutgoingUpdate[] = [];
  #posting = false;
  #lastUuid: string | undefined;
  #terminalUuid: string | undefined;
  #checker: TaskChecker | undefined;

  readonly #timers = new Map<TimerName, TimerHandle>();

  constructor(options: CommandExecutorOptions) {
    this.#o = options;
    this.#id = { frameworkId: options.config.frameworkId, executorId: options.config.executorId };
    this.#checkers = options.checkers ?? createTaskCheckers({ clock: options.clock, log: options.log });
  }

  start(): void {
    this.#subscribe();
  }

  /** A local shutdown (SIGTERM to the executor): kill the task within the shutdown grace period. */
  shutdown(reason: string): void {
    if (this.#exiting) return;
    this.#o.log.info('shutting down', { reason });
    this.#apply({ kind: 'shutdown', graceMs: shutdownGraceMs(this.#o.config.shutdownGraceMs) });
  }

  // -------------------------------------------------------------------------------------------
  // Connection.

  #subscribe(): void {
    if (this.#exiting) return;
    this.#connection = 'subscribing';
    const updates = [...this.#unacknowledged.values()];
    this.#sentInSubscribe = new Set(updates.map((u) => u.status.uuid));
    const task = this.#machine.task;
    const tasks = task !== undefined && !this.#taskAcknowledged ? [task.raw] : [];
    const call = subscribeCall(this.#id, updates, tasks);
    if (this.#everSubscribed) this.#o.log.info('re-subscribing to the agent', { unacknowledged_updates: updates.length, unacknowledged_tasks: tasks.length });
    this.#o.transport
      .subscribe(call, { onEvent: (event) => this.#onEvent(event), onClose: (reason) => this.#onDisconnected(reason) })
      .then(
        (stream) => {
          if (this.#exiting) stream.close();
          else this.#stream = stream;
        },
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
    const restarting = agentRestarting(err);
    // While the agent restarts, every 100 ms would log 20 lines a restart: say it once.
    if (!restarting || !this.#waitingForAgent) this.#o.log.warn('subscription to the agent failed', { error: (err as Error).message });
    this.#waitingForAgent = restarting;
    if (connectionRefused(err) && this.#o.transport.probe) this.#scheduleProbe();
    else this.#scheduleResubscribe(restarting);
  }

  /**
   * Nobody listens at the agent's address: poll it with TCP connects (100 ms doubling up to
   * 400 ms, jittered) and subscribe once one succeeds. Polling faster costs more than it saves:
   * a hundred executors waking every 100 ms took most of a 2-core host from the agent starting up.
   */
  #scheduleProbe(attempt = 0): void {
    this.#armRecoveryWindow();
    const delay = backoffDelay(attempt, PROBE_BACKOFF, (this.#o.random ?? Math.random)());
    this.#setTimer('resubscribe', delay, () => {
      void this.#o.transport.probe!().then((listening) => {
        if (this.#exiting) return;
        if (listening) this.#subscribe();
        else this.#scheduleProbe(attempt + 1);
      });
    });
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
    this.#scheduleResubscribe();
  }

  /** The agent has this long to take the executor back (MESOS_RECOVERY_TIMEOUT), then it exits. */
  #armRecoveryWindow(): void {
    if (this.#timers.has('recovery')) return;
    const { config } = this.#o;
    const windowMs = config.checkpoint ? config.recoveryTimeoutMs : (this.#o.registrationTimeoutMs ?? REGISTRATION_TIMEOUT_MS);
    this.#setTimer('recovery', windowMs, () => {
      this.#o.log.error('the agent did not come back in time', { timeout_ms: windowMs });
      this.#agentGone = true;
      this.shutdown('the agent did not come back in time');
    });
  }

  #scheduleResubscribe(agentIsRestarting = false): void {
    const { config } = this.#o;
    this.#armRecoveryWindow();
    // 100 ms doubling up to MESOS_SUBSCRIPTION_BACKOFF_MAX, with jitter in [50%, 100%] so the
    // executors of a restarted agent do not re-subscribe in lockstep. While the agent is still
    // recovering (503) the pace stays at the first step instead: such a failure costs the agent
    // nothing, and the executor must be back within the agent's
    // --executor_reregistration_timeout (2 s by default) once the agent is up. (While nobody
    // listens at all, #scheduleProbe polls instead.)
    const policy: BackoffPolicy = { initialMs: FIRST_BACKOFF_MS, maxMs: config.subscriptionBackoffMaxMs, jitter: 'equal' };
    const attempt = agentIsRestarting ? 0 : this.#resubscribeAttempt++;
    const delay = backoffDelay(attempt, policy, (this.#o.random ?? Math.random)());
    this.#setTimer('resubscribe', delay, () => this.#subscribe());
  }

  #onSubscribed(event: Extract<ExecutorEventIn, { type: 'SUBSCRIBED' }>): void {
    this.#o.log.info('subscribed to the agent', { agent_hostname: event.agentHostname, task_killing_state: event.taskKillingCapable });
    this.#connection = 'subscribed';
    this.#everSubscribed = true;
    this.#resubscribeAttempt = 0;
    this.#waitingForAgent = false;
    this.#clearTimer('recovery');
    this.#apply({ kind: 'subscribed', taskKillingCapable: event.taskKillingCapable });
    // Updates made while the SUBSCRIBE was in flight were not in it.
    this.#queue = [...this.#unacknowledged.values()].filter((u) => !this.#sentInSubscribe.has(u.status.uuid));
    this.#drain();
  }

  // -------------------------------------------------------------------------------------------
  // Events.

  #onEvent(json: unknown): void {
    if (this.#exiting) return;
    const parsed = parseExecutorEvent(json);
    const log = this.#o.log;
    if (!parsed.ok) {
      log.error('invalid event from the agent', { error: parsed.error });
      if (parsed.taskId !== undefined) this.#apply({ kind: 'launch_unreadable', taskId: parsed.taskId, error: parsed.error });
      return;
    }
    const event = parsed.event;
    switch (event.type) {
      case 'SUBSCRIBED':
        this.#onSubscribed(event);
        return;
      case 'LAUNCH': {
        const task = event.task;
        log.info('launching task', { task_id: task.taskId });
        const { taskEnv, config } = this.#o;
        this.#apply({ kind: 'launch', task, spec: buildLaunchSpec(task, taskEnv, config.sandbox), checks: readTaskChecks(task, taskEnv, config.sandbox) });
        return;
      }
      case 'LAUNCH_GROUP':
        log.error('LAUNCH_GROUP is for the default executor, not the command executor');
        this.shutdown('unexpected LAUNCH_GROUP');
        return;
      case 'KILL':
        log.info('kill received', { task_id: event.taskId, grace_period_ns: event.graceNs });
        this.#apply({ kind: 'kill', taskId: event.taskId, graceNs: event.graceNs });
        return;
      case 'ACKNOWLEDGED':
        this.#onAcknowledged(event.taskId, event.uuid);
        return;
      case 'SHUTDOWN':
        this.shutdown('shutdown requested by the agent');
        return;
      case 'MESSAGE':
        log.info('framework message ignored: the command executor takes no messages');
        return;
      case 'ERROR':
        log.error('error event from the agent', { message: event.message });
        return;
      case 'HEARTBEAT':
        return;
      case 'UNKNOWN':
        log.warn('unknown event ignored', { type: event.name });
        return;
    }
  }

  #onAcknowledged(taskId: string, uuid: string): void {
    if (!this.#unacknowledged.delete(uuid)) {
      this.#o.log.warn('acknowledgement for an unknown status update', { task_id: taskId, uuid });
      return;
    }
    if (this.#machine.task?.taskId === taskId) this.#taskAcknowledged = true;
    if (uuid === this.#terminalUuid) {
      this.#o.log.info('terminal status update acknowledged; exiting', { task_id: taskId });
      this.#exit(0);
    }
  }

  // -------------------------------------------------------------------------------------------
  // The task machine and its effects.

  #apply(input: TaskInput): void {
    // Effects may feed inputs back (spawn -> spawned); queue them so each step completes first.
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
        this.#sendUpdate(effect);
        return;
      case 'spawn': {
        const result = this.#process.spawn(effect.spec, {
          onExit: (exit) => {
            log.info('task process exited', { pid: this.#process.pid, code: exit.code, signal: exit.signal });
            this.#apply({ kind: 'exited', exit });
          },
        });
        if (result.ok) {
          log.info('task process started', { pid: result.pid, file: effect.spec.file });
          this.#apply({ kind: 'spawned' });
        } else {
          void result.message.then((message) => {
            log.error('failed to start the task process', { error: message });
            this.#apply({ kind: 'spawn_failed', message });
          });
        }
        return;
      }
      case 'signal':
        log.info('signalling the task process group', { signal: effect.signal, pid: this.#process.pid });
        this.#process.signalGroup(effect.signal);
        return;
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
        if (this.#agentGone) {
          log.warn('exiting without an acknowledgement of the terminal update: the agent is gone');
          this.#exit(0);
          return;
        }
        this.#setTimer('terminal_ack', this.#o.terminalAckTimeoutMs ?? TERMINAL_ACK_TIMEOUT_MS, () => {
          log.error('did not receive an acknowledgement for the terminal status update from the agent');
          this.#exit(1);
        });
        return;
      case 'exit':
        (effect.code === 0 ? log.info : log.error)('exiting', { reason: effect.reason });
        this.#exit(effect.code);
        return;
      case 'ignored':
        log.info('input ignored', { reason: effect.reason });
        return;
    }
  }

  #startChecks(checks: TaskChecks): void {
    const task = this.#machine.task;
    const pid = this.#process.pid;
    if (task === undefined || pid === undefined) return;
    this.#checker?.stop();
    this.#checker = this.#checkers({
      taskId: task.taskId,
      pid,
      checks,
      reportHealth: (r) => this.#apply({ kind: 'health', healthy: r.healthy, killTask: r.killTask }),
      reportCheck: (status) => this.#apply({ kind: 'check', status }),
    });
    this.#o.log.info('task checks started', { task_id: task.taskId, health_check: checks.health?.probe.type, check: checks.check?.probe.type });
  }

  #sendUpdate(effect: Extract<TaskEffect, { kind: 'update' }>): void {
    const uuid = this.#o.newUuid();
    const { kind: _kind, ...fields } = effect;
    const update = statusUpdate(this.#id, { ...fields, uuid, timestamp: this.#o.clock.now() / 1000 });
    this.#unacknowledged.set(uuid, update);
    this.#lastUuid = uuid;
    this.#o.log.info('sending status update', { task_id: effect.taskId, state: effect.state, uuid, message: effect.message, reason: effect.reason, healthy: effect.healthy });
    if (this.#connection === 'subscribed') {
      this.#queue.push(update);
      this.#drain();
    }
  }

  /** Posts queued updates one at a time, in order; a failed post is retried with backoff. */
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
          // Retrying cannot help; it stays unacknowledged and goes out again on re-subscribe.
          this.#o.log.error('the agent rejected a status update', { uuid: next.status.uuid, status: err.status, body: err.body });
          this.#queue.shift();
          this.#drain();
          return;
        }
        const retryMs = backoffDelay(this.#postFailures++, POST_RETRY_BACKOFF, 0);
        this.#o.log.warn('status update not delivered; retrying', { uuid: next.status.uuid, error: (err as Error).message, retry_ms: retryMs });
        this.#setTimer('post_retry', retryMs, () => this.#drain());
      },
    );
  }

  // -------------------------------------------------------------------------------------------

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

  #exit(code: number): void {
    if (this.#exiting) return;
    this.#exiting = true;
    for (const name of [...this.#timers.keys()]) this.#clearTimer(name);
    this.#checker?.stop();
    this.#stream?.close();
    this.#o.transport.close();
    // Whatever the command left behind in its process group goes with the executor, as the
    // agent would destroy the container anyway.
    this.#process.signalGroup('SIGKILL');
    this.#o.exit(code);
  }
}

/** A SUBSCRIBE failure that means the agent is restarting: nobody listens yet, or it recovers. */
function agentRestarting(err: unknown): boolean {
  if (err instanceof AgentCallError) return err.status === 503;
  return connectionRefused(err);
}

function connectionRefused(err: unknown): boolean {
  const code = (err as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code ?? (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return code === 'ECONNREFUSED';
}
