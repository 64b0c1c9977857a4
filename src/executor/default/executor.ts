// The default executor's shell (house style B2): one nested container per task
// (nested-container.ts), the timers and the checkers; it feeds what happens into the pure group
// machine (group-machine.ts, run by common/machine-runner.ts) and carries out its effects. The
// session with the agent is the other executors' (common/agent-session.ts: subscription,
// re-subscription after an agent restart, TCP probing while it is down, update delivery until
// acknowledged, the recovery window), re-sending the TaskInfo of each task none of whose updates
// was acknowledged yet, and reporting each task's nested container in its updates.
//
// Exit: once the machine says the executor is done (it ran tasks, or was shut down, and every
// task ended) and the agent acknowledged every update, the executor exits 0; 60 s after being
// done with updates still unacknowledged it exits 1 (the command executor's fail-safe). Mesos's
// default executor instead sleeps 1 s and exits, acknowledged or not.
import type { ContainerID } from '../../protocol/index.ts';
import { readTaskChecks } from '../command/check-spec.ts';
import type { TaskChecks } from '../command/check-spec.ts';
import { createTaskCheckers } from '../command/checker.ts';
import type { CheckerFactory, TaskChecker } from '../command/checks.ts';
import { shutdownGraceMs } from '../command/kill-plan.ts';
import { buildLaunchSpec, type LaunchSpec } from '../command/launch-spec.ts';
import { TaskProcess, type SpawnResult } from '../command/task-process.ts';
import type { ProcessExit } from '../command/termination.ts';
import type { LaunchedTask } from '../command/wire.ts';
import { AgentSession, isPassiveEvent, logPassiveEvent, type SessionEvent } from '../common/agent-session.ts';
import { sessionSettings, type ExecutorOptions } from '../common/executor-options.ts';
import { MachineRunner } from '../common/machine-runner.ts';
import { NamedTimers } from '../common/named-timers.ts';
import { executorDone, INITIAL_GROUP_MACHINE, step, type GroupEffect, type GroupInput, type GroupLaunchTask, type GroupMachine } from './group-machine.ts';
import { prepareTaskSandbox, withTaskLogs } from './nested-container.ts';
import { containerIdString, nestedContainerId, parseDefaultExecutorEvent, type DefaultExecutorEvent } from './wire.ts';

export { TERMINAL_ACK_TIMEOUT_MS, type AgentTransport } from '../common/agent-session.ts';

export type DefaultExecutorOptions = ExecutorOptions & {
  /** The environment the tasks inherit (the executor's own). */
  taskEnv: Readonly<Record<string, string | undefined>>;
  /** Fresh nested container ids (a UUID string). */
  newContainerId: () => string;
  checkers?: CheckerFactory;
};

/** A task's timer: `escalation:<task id>` or `max_completion:<task id>`. */
type TaskTimer = `${'escalation' | 'max_completion'}:${string}`;

export class DefaultExecutor {
  readonly #o: DefaultExecutorOptions;
  readonly #session: AgentSession<DefaultExecutorEvent>;
  readonly #runner: MachineRunner<GroupMachine, GroupInput, GroupEffect>;
  readonly #timers: NamedTimers<TaskTimer>;
  readonly #checkers: CheckerFactory;
  #exiting = false;
  /** The executor's own container (SUBSCRIBED), parent of every task's container. */
  #containerId: ContainerID | undefined;
  readonly #containers = new Map<string, TaskProcess>();
  readonly #checkersByTask = new Map<string, TaskChecker>();

  constructor(options: DefaultExecutorOptions) {
    this.#o = options;
    this.#checkers = options.checkers ?? createTaskCheckers({ clock: options.clock, log: options.log });
    this.#timers = new NamedTimers(options.clock);
    this.#runner = new MachineRunner({ initial: INITIAL_GROUP_MACHINE, step, carryOut: (effect) => this.#carryOut(effect), now: () => options.clock.now() });
    this.#session = new AgentSession({
      ...sessionSettings(options),
      parseEvent: parseDefaultExecutorEvent,
      tasks: () => [...this.#runner.machine.tasks.values()].map((t) => t.task),
      hooks: {
        subscribed: (event) => {
          this.#containerId = event.containerId ?? this.#containerId;
          this.#apply({ kind: 'subscribed', taskKillingCapable: event.taskKillingCapable });
        },
        event: (event) => this.#onEvent(event),
        // A LAUNCH_GROUP that cannot be read still gets an answer for each task it named.
        launchUnreadable: (taskIds, error) => this.#launch(taskIds.map(unreadableTask), `Invalid task group: ${error}`),
        agentLost: (reason) => this.shutdown(reason),
        finished: (code) => this.#exit(code),
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

  #onEvent(event: SessionEvent<DefaultExecutorEvent>): void {
    const { log } = this.#o;
    if (isPassiveEvent(event)) {
      logPassiveEvent(event, log, 'default');
      return;
    }
    switch (event.type) {
      case 'LAUNCH_GROUP':
        log.info('launching task group', { task_ids: event.tasks.map((t) => t.taskId).join(','), container_id: this.#containerId && containerIdString(this.#containerId) });
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
      case 'SHUTDOWN':
        this.shutdown('shutdown requested by the agent');
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
    this.#runner.apply(input);
    if (this.#exiting) return;
    // Done: exit once the agent has every update (the session says when); a later LAUNCH_GROUP
    // makes the executor busy again.
    if (executorDone(this.#runner.machine)) this.#session.awaitAllAcknowledged();
    else this.#session.stopAwaiting();
  }

  #carryOut(effect: GroupEffect): void {
    const { log, clock } = this.#o;
    switch (effect.kind) {
      case 'update': {
        const { kind: _kind, ...fields } = effect;
        const task = this.#runner.machine.tasks.get(effect.taskId);
        this.#session.sendUpdate(fields, task && nestedContainerId(this.#containerId, task.containerId));
        return;
      }
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
        this.#timers.set(`escalation:${effect.taskId}`, Math.max(0, effect.at - clock.now()), () => this.#apply({ kind: 'escalate', taskId: effect.taskId }));
        return;
      case 'schedule_max_completion':
        this.#timers.set(`max_completion:${effect.taskId}`, effect.afterMs, () => this.#apply({ kind: 'max_completion_time_reached', taskId: effect.taskId }));
        return;
      case 'cancel_timers':
        this.#timers.clear(`escalation:${effect.taskId}`);
        this.#timers.clear(`max_completion:${effect.taskId}`);
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

  #spawn(taskId: string, childId: string, spec: LaunchSpec): void {
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
    const container = new TaskProcess();
    this.#containers.set(taskId, container);
    const onExit = (exit: ProcessExit): void => {
      log.info('task process exited', { task_id: taskId, pid: container.pid, code: exit.code, signal: exit.signal });
      this.#apply({ kind: 'exited', taskId, exit });
    };
    let result: SpawnResult;
    try {
      result = withTaskLogs(logDir, (stdio) => container.spawn(spec, { onExit }, { stdio }));
    } catch (err) {
      result = { ok: false, message: Promise.resolve((err as Error).message) };
    }
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

  #exit(code: number): void {
    if (this.#exiting) return;
    this.#exiting = true;
    this.#runner.stop();
    this.#timers.stop();
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
