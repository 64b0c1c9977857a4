// The default executor's shell (house style B2): it owns the session with the agent
// (session.ts), one nested container per task (nested-container.ts), the timers and the checkers,
// feeds what happens into the pure group machine (group-machine.ts) and carries out its effects.
//
// Exit: once the machine says the executor is done (it ran tasks, or was shut down, and every
// task ended) and the agent acknowledged every update, the executor exits 0; 60 s after being
// done with updates still unacknowledged it exits 1 (the command executor's fail-safe). Mesos's
// default executor instead sleeps 1 s and exits, acknowledged or not.
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { ContainerID } from '../../protocol/index.ts';
import { readTaskChecks } from '../command/check-spec.ts';
import type { TaskChecks } from '../command/check-spec.ts';
import { createTaskCheckers } from '../command/checker.ts';
import type { CheckerFactory, TaskChecker } from '../command/checks.ts';
import type { ExecutorConfig } from '../command/config.ts';
import { shutdownGraceMs } from '../command/kill-plan.ts';
import { buildLaunchSpec } from '../command/launch-spec.ts';
import type { ExecutorLog } from '../command/log.ts';
import { statusUpdate, type Json, type LaunchedTask } from '../command/wire.ts';
import { executorDone, INITIAL_GROUP_MACHINE, step, type GroupEffect, type GroupInput, type GroupLaunchTask, type GroupMachine } from './group-machine.ts';
import { NestedContainer, prepareTaskSandbox } from './nested-container.ts';
import { AgentSession, type AgentTransport } from './session.ts';
import { containerIdString, nestedContainerId, parseDefaultExecutorEvent, withContainerStatus } from './wire.ts';

/** Exit 1 if the agent has not acknowledged every update this long after the last task ended. */
export const TERMINAL_ACK_TIMEOUT_MS = 60_000;

export type DefaultExecutorOptions = {
  config: ExecutorConfig;
  /** The environment the tasks inherit (the executor's own). */
  taskEnv: Readonly<Record<string, string | undefined>>;
  transport: AgentTransport;
  clock: Clock;
  log: ExecutorLog;
  /** Fresh status-update uuids (newStatusUuid). */
  newUuid: () => string;
  /** Fresh nested container ids (a UUID string). */
  newContainerId: () => string;
  /** Ends the process; called exactly once. */
  exit: (code: number) => void;
  checkers?: CheckerFactory;
  random?: () => number;
  terminalAckTimeoutMs?: number;
  registrationTimeoutMs?: number;
};

type TaskTimer = 'escalation' | 'max_completion';

export class DefaultExecutor {
  readonly #o: DefaultExecutorOptions;
  readonly #session: AgentSession;
  readonly #checkers: CheckerFactory;
  #machine: GroupMachine = INITIAL_GROUP_MACHINE;
  readonly #inputs: GroupInput[] = [];
  #applying = false;
  #exiting = false;
  /** No acknowledgement can come any more: exit as soon as every task has ended. */
  #agentGone = false;
  /** The executor's own container (SUBSCRIBED), parent of every task's container. */
  #containerId: ContainerID | undefined;
  readonly #containers = new Map<string, NestedContainer>();
  readonly #checkersByTask = new Map<string, TaskChecker>();
  readonly #timers = new Map<string, TimerHandle>();
  #ackTimer: TimerHandle | undefined;
  /** Tasks of which some update was acknowledged: no longer re-sent in SUBSCRIBE. */
  readonly #acknowledgedTasks = new Set<string>();

  constructor(options: DefaultExecutorOptions) {
    this.#o = options;
    this.#checkers = options.checkers ?? createTaskCheckers({ clock: options.clock, log: options.log });
    this.#session = new AgentSession({
      config: options.config,
      transport: options.transport,
      clock: options.clock,
      log: options.log,
      ...(options.random ? { random: options.random } : {}),
      ...(options.registrationTimeoutMs !== undefined ? { registrationTimeoutMs: options.registrationTimeoutMs } : {}),
      onEvent: (json) => this.#onEvent(json),
      unacknowledgedTasks: () => this.#unacknowledgedTasks(),
      onAgentLost: (reason) => {
        this.#agentGone = true;
        this.shutdown(reason);
      },
    });
  }

  start(): void {
    this.#session.start();
  }

  /** SHUTDOWN, a lost agent or a signal: kill every task within the shutdown grace period. */
  shutdown(reason: string): void {
    if (this.#exiting) return;
    this.#o.log.info('shutting down', { reason });
    this.#apply({ kind: 'shutdown', graceMs: shutdownGraceMs(this.#o.config.shutdownGraceMs) });
  }

  #unacknowledgedTasks(): Json[] {
    return [...this.#machine.tasks.values()].filter((t) => !this.#acknowledgedTasks.has(t.task.taskId)).map((t) => t.task.raw);
  }

  #onEvent(json: unknown): void {
    if (this.#exiting) return;
    const { log } = this.#o;
    const parsed = parseDefaultExecutorEvent(json);
    if (!parsed.ok) {
      log.error('invalid event from the agent', { error: parsed.error });
      // A LAUNCH_GROUP that cannot be read still gets an answer for each task it named.
      if (parsed.taskIds.length > 0) this.#launch(parsed.taskIds.map((id) => unreadableTask(id)), `Invalid task group: ${parsed.error}`);
      return;
    }
    const event = parsed.event;
    switch (event.type) {
      case 'SUBSCRIBED':
        log.info('subscribed to the agent', { agent_hostname: event.agentHostname, container_id: event.containerId && containerIdString(event.containerId) });
        this.#containerId = event.containerId ?? this.#containerId;
        this.#session.subscribed();
        this.#apply({ kind: 'subscribed', taskKillingCapable: event.taskKillingCapable });
        return;
      case 'LAUNCH_GROUP':
        log.info('launching task group', { task_ids: event.tasks.map((t) => t.taskId).join(',') });
        this.#launch(event.tasks, undefined);
        return;
      case 'LAUNCH':
        // As Mesos: LAUNCH never goes to the default executor.
        log.error('LAUNCH is for the command executor, not the default executor');
        this.shutdown('unexpected LAUNCH');
        return;
      case 'KILL':
        log.info('kill received', { task_id: event.taskId, grace_period_ns: event.graceNs });
        this.#apply({ kind: 'kill', taskId: event.taskId, graceNs: event.graceNs });
        return;
      case 'ACKNOWLEDGED':
        if (!this.#session.acknowledge(event.uuid)) {
          log.warn('acknowledgement for an unknown status update', { task_id: event.taskId, uuid: event.uuid });
          return;
        }
        this.#acknowledgedTasks.add(event.taskId);
        this.#maybeExit();
        return;
      case 'SHUTDOWN':
        this.shutdown('shutdown requested by the agent');
        return;
      case 'MESSAGE':
        log.info('framework message ignored: the default executor takes no messages');
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

  /** Builds each task's container id, launch spec and checks, and hands the group to the machine. */
  #launch(tasks: readonly LaunchedTask[], invalid: string | undefined): void {
    const { taskEnv, config } = this.#o;
    const group: GroupLaunchTask[] = tasks.map((task) => ({
      task,
      containerId: this.#o.newContainerId(),
      spec: invalid !== undefined ? { ok: false, message: invalid } : buildLaunchSpec(task, taskEnv, config.sandbox),
      checks: invalid !== undefined ? { ok: true, checks: {} } : readTaskChecks(task, taskEnv, config.sandbox),
    }));
    this.#apply({ kind: 'launch_group', tasks: group });
  }

  #apply(input: GroupInput): void {
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
    this.#maybeExit();
  }

  #carryOut(effect: GroupEffect): void {
    const { log, clock } = this.#o;
    switch (effect.kind) {
      case 'update':
        this.#sendUpdate(effect);
        return;
      case 'spawn':
        this.#spawn(effect.taskId, effect.containerId, effect.spec);
        return;
      case 'signal': {
        const container = this.#containers.get(effect.taskId);
        log.info('signalling the task process group', { task_id: effect.taskId, signal: effect.signal, pid: container?.pid });
        container?.signalGroup(effect.signal);
        return;
      }
      case 'schedule_escalation':
        this.#setTaskTimer(effect.taskId, 'escalation', Math.max(0, effect.at - clock.now()), () => this.#apply({ kind: 'escalate', taskId: effect.taskId }));
        return;
      case 'schedule_max_completion':
        this.#setTaskTimer(effect.taskId, 'max_completion', effect.afterMs, () => this.#apply({ kind: 'max_completion_time_reached', taskId: effect.taskId }));
        return;
      case 'cancel_timers':
        this.#clearTaskTimer(effect.taskId, 'escalation');
        this.#clearTaskTimer(effect.taskId, 'max_completion');
        return;
      case 'start_checks':
        this.#startChecks(effect.taskId, effect.checks);
        return;
      case 'stop_checks':
        this.#checkersByTask.get(effect.taskId)?.stop();
        this.#checkersByTask.delete(effect.taskId);
        return;
      case 'ignored':
        log.info('input ignored', { reason: effect.reason });
        return;
    }
  }

  #spawn(taskId: string, childId: string, spec: Parameters<NestedContainer['spawn']>[0]): void {
    const { log } = this.#o;
    const id = containerIdString(nestedContainerId(this.#containerId, childId));
    let logDir: string;
    try {
      logDir = prepareTaskSandbox(this.#o.config.sandbox, taskId, childId);
    } catch (err) {
      const message = `cannot prepare the task's sandbox: ${(err as Error).message}`;
      this.#apply({ kind: 'spawn_failed', taskId, message });
      return;
    }
    const container = new NestedContainer();
    this.#containers.set(taskId, container);
    const result = container.spawn(spec, logDir, (exit) => {
      log.info('task process exited', { task_id: taskId, pid: container.pid, code: exit.code, signal: exit.signal });
      this.#apply({ kind: 'exited', taskId, exit });
    });
    if (result.ok) {
      log.info('task process started', { task_id: taskId, container_id: id, pid: result.pid, file: spec.file });
      this.#apply({ kind: 'spawned', taskId });
    } else {
      void result.message.then((message) => {
        log.error('failed to start the task process', { task_id: taskId, error: message });
        this.#apply({ kind: 'spawn_failed', taskId, message });
      });
    }
  }

  #startChecks(taskId: string, checks: TaskChecks): void {
    const pid = this.#containers.get(taskId)?.pid;
    if (pid === undefined) return;
    this.#checkersByTask.get(taskId)?.stop();
    const checker = this.#checkers({
      taskId,
      pid,
      checks,
      reportHealth: (r) => this.#apply({ kind: 'health', taskId, healthy: r.healthy, killTask: r.killTask }),
      reportCheck: (status) => this.#apply({ kind: 'check', taskId, status }),
    });
    if (checker !== undefined) this.#checkersByTask.set(taskId, checker);
    this.#o.log.info('task checks started', { task_id: taskId, health_check: checks.health?.probe.type, check: checks.check?.probe.type });
  }

  #sendUpdate(effect: Extract<GroupEffect, { kind: 'update' }>): void {
    const uuid = this.#o.newUuid();
    const { kind: _kind, ...fields } = effect;
    const task = this.#machine.tasks.get(effect.taskId);
    let update = statusUpdate(this.#session.identity, { ...fields, uuid, timestamp: this.#o.clock.now() / 1000 });
    if (task !== undefined) update = withContainerStatus(update, nestedContainerId(this.#containerId, task.containerId));
    this.#o.log.info('sending status update', { task_id: effect.taskId, state: effect.state, uuid, message: effect.message, reason: effect.reason, healthy: effect.healthy });
    this.#session.send(update);
  }

  #maybeExit(): void {
    if (this.#exiting) return;
    if (!executorDone(this.#machine)) {
      if (this.#ackTimer !== undefined) this.#o.clock.clearTimeout(this.#ackTimer);
      this.#ackTimer = undefined;
      return;
    }
    if (this.#session.pending === 0) {
      this.#o.log.info('every task ended and every update was acknowledged; exiting');
      this.#exit(0);
      return;
    }
    if (this.#agentGone) {
      this.#o.log.warn('exiting with unacknowledged status updates: the agent is gone', { unacknowledged: this.#session.pending });
      this.#exit(0);
      return;
    }
    this.#ackTimer ??= this.#o.clock.setTimeout(() => {
      this.#o.log.error('did not receive acknowledgements for every status update from the agent', { unacknowledged: this.#session.pending });
      this.#exit(1);
    }, this.#o.terminalAckTimeoutMs ?? TERMINAL_ACK_TIMEOUT_MS);
  }

  #setTaskTimer(taskId: string, name: TaskTimer, ms: number, fn: () => void): void {
    this.#clearTaskTimer(taskId, name);
    const key = `${name}:${taskId}`;
    this.#timers.set(
      key,
      this.#o.clock.setTimeout(() => {
        this.#timers.delete(key);
        if (!this.#exiting) fn();
      }, ms),
    );
  }

  #clearTaskTimer(taskId: string, name: TaskTimer): void {
    const key = `${name}:${taskId}`;
    const handle = this.#timers.get(key);
    if (handle !== undefined) this.#o.clock.clearTimeout(handle);
    this.#timers.delete(key);
  }

  #exit(code: number): void {
    if (this.#exiting) return;
    this.#exiting = true;
    for (const handle of this.#timers.values()) this.#o.clock.clearTimeout(handle);
    this.#timers.clear();
    if (this.#ackTimer !== undefined) this.#o.clock.clearTimeout(this.#ackTimer);
    for (const checker of this.#checkersByTask.values()) checker.stop();
    this.#session.close();
    // Whatever the tasks left in their process groups goes with the executor, as the agent would
    // destroy the container anyway.
    for (const container of this.#containers.values()) container.signalGroup('SIGKILL');
    this.#o.exit(code);
  }
}

/** A task of an unreadable LAUNCH_GROUP, known only by its id. */
function unreadableTask(taskId: string): LaunchedTask {
  return {
    taskId,
    name: '',
    raw: { task_id: { value: taskId } },
    command: undefined,
    killPolicyGraceNs: undefined,
    maxCompletionNs: undefined,
    allocationRole: undefined,
    healthCheck: undefined,
    check: undefined,
  };
}
