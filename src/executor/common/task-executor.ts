// The shell of an executor that runs one task (the command and Docker executors): a TaskDriver
// (the pure task machine, its timers and checker) wired to an AgentSession (subscription,
// re-subscription, update delivery). A subclass says how the task runs — a process group, a
// container — by implementing the TaskHost methods it owns and `launch`.
//
//   agent ──events──▶ AgentSession ──LAUNCH/KILL/SUBSCRIBED──▶ TaskDriver ──effects──▶ subclass
//         ◀─updates──              ◀──────── update / awaitTerminalAck ───────────────┘
//
// SHUTDOWN, LAUNCH_GROUP (the default executor's) and a lost agent shut the task down within the
// shutdown grace period; the executor exits when the session is finished or the machine says so.
import type { TaskChecks } from '../command/check-spec.ts';
import type { CheckerContext, TaskChecker } from '../command/checks.ts';
import { shutdownGraceMs } from '../command/kill-plan.ts';
import type { LaunchSpec } from '../command/launch-spec.ts';
import type { UpdateEffect } from '../command/task-machine.ts';
import type { LaunchedTask } from '../command/wire.ts';
import { AgentSession, isPassiveEvent, logPassiveEvent, readExecutorEvent, type SessionEvent } from './agent-session.ts';
import { sessionSettings, type ExecutorOptions } from './executor-options.ts';
import { TaskDriver } from './task-driver.ts';

export type TaskExecutorOptions = ExecutorOptions;

export abstract class TaskExecutor {
  protected readonly driver: TaskDriver;
  protected readonly session: AgentSession;
  protected readonly options: TaskExecutorOptions;
  /** Names the executor in log lines ("command", "Docker"). */
  readonly #kind: string;
  #exiting = false;

  constructor(options: TaskExecutorOptions, kind: string) {
    this.options = options;
    this.#kind = kind;
    const { clock, log } = options;
    this.driver = new TaskDriver({
      clock,
      log,
      host: {
        update: (effect) => this.sendUpdate(effect),
        spawn: (spec) => this.spawn(spec),
        signal: (signal) => this.signal(signal),
        startChecks: (checks, report) => this.startChecks(checks, report),
        awaitTerminalAck: () => this.session.awaitTerminalAck(),
        exit: (code) => this.exit(code),
      },
    });
    this.session = new AgentSession({
      ...sessionSettings(options),
      parseEvent: readExecutorEvent,
      tasks: () => {
        const task = this.driver.machine.task;
        return task === undefined ? [] : [task];
      },
      hooks: {
        subscribed: (event) => this.driver.apply({ kind: 'subscribed', taskKillingCapable: event.taskKillingCapable }),
        event: (event) => this.#onEvent(event),
        // A LAUNCH names one task.
        launchUnreadable: ([taskId], error) => {
          if (taskId !== undefined) this.driver.apply({ kind: 'launch_unreadable', taskId, error });
        },
        agentLost: (reason) => this.shutdown(reason),
        finished: (code) => this.exit(code),
      },
    });
  }

  start(): void {
    this.session.start();
  }

  /** A local shutdown (SIGTERM to the executor): kill the task within the shutdown grace period. */
  shutdown(reason: string): void {
    if (this.#exiting) return;
    this.options.log.info('shutting down', { reason });
    this.driver.apply({ kind: 'shutdown', graceMs: shutdownGraceMs(this.options.config.shutdownGraceMs) });
  }

  /** LAUNCH: read the task and apply `launch` to the driver. */
  protected abstract launch(task: LaunchedTask): void;
  /** Start the task (the driver's `spawn` effect). */
  protected abstract spawn(spec: LaunchSpec): void;
  protected abstract signal(signal: 'SIGTERM' | 'SIGKILL'): void;
  protected abstract startChecks(checks: TaskChecks, report: Pick<CheckerContext, 'reportHealth' | 'reportCheck'>): TaskChecker | undefined;
  /** Last words before the process ends (the driver and session are stopped already). */
  protected abstract beforeExit(code: number): void;

  /** Sends a status update the machine made; a subclass may reword it first. */
  protected sendUpdate(effect: UpdateEffect): void {
    const { kind: _kind, ...fields } = effect;
    this.session.sendUpdate(fields);
  }

  protected exit(code: number): void {
    if (this.#exiting) return;
    this.#exiting = true;
    this.driver.stop();
    this.session.close();
    this.beforeExit(code);
  }

  #onEvent(event: SessionEvent): void {
    const log = this.options.log;
    if (isPassiveEvent(event)) {
      logPassiveEvent(event, log, this.#kind);
      return;
    }
    switch (event.type) {
      case 'LAUNCH':
        this.launch(event.task);
        return;
      case 'LAUNCH_GROUP':
        log.error(`LAUNCH_GROUP is for the default executor, not the ${this.#kind} executor`);
        this.shutdown('unexpected LAUNCH_GROUP');
        return;
      case 'KILL':
        log.info('kill received', { task_id: event.taskId, grace_period_ns: event.graceNs });
        this.driver.apply({ kind: 'kill', taskId: event.taskId, graceNs: event.graceNs });
        return;
      case 'SHUTDOWN':
        this.shutdown('shutdown requested by the agent');
        return;
    }
  }
}
