// The command executor's shell (house style B2): the task runs as a process group. The rest is
// shared with the Docker executor (common/task-executor.ts): the pure task machine
// (task-machine.ts, run by common/task-driver.ts) and the agent session
// (common/agent-session.ts: SUBSCRIBE and re-subscription, status-update delivery until
// acknowledged, the recovery and terminal-acknowledgement deadlines).
//
// The executor exits once its terminal update is acknowledged, or 60 s after sending it (Mesos's
// fail-safe, exit status 1). A checkpointing executor (MESOS_CHECKPOINT=1) survives an agent
// restart by re-subscribing for up to MESOS_RECOVERY_TIMEOUT; any other executor shuts down at
// once when it loses the agent (kills its task and exits), as Mesos's executor library does.
import { REGISTRATION_TIMEOUT_MS, TERMINAL_ACK_TIMEOUT_MS, type AgentTransport } from '../common/agent-session.ts';
import { TaskExecutor, type TaskExecutorOptions } from '../common/task-executor.ts';
import { readTaskChecks } from './check-spec.ts';
import type { TaskChecks } from './check-spec.ts';
import { createTaskCheckers } from './checker.ts';
import type { CheckerContext, CheckerFactory, TaskChecker } from './checks.ts';
import { buildLaunchSpec } from './launch-spec.ts';
import type { LaunchSpec } from './launch-spec.ts';
import { TaskProcess } from './task-process.ts';
import type { ProcessExit } from './termination.ts';
import { LAUNCH_FILE_ENV } from '../../common/oci/launch-file.ts';
import type { LaunchedTask } from './wire.ts';

export { REGISTRATION_TIMEOUT_MS, TERMINAL_ACK_TIMEOUT_MS, type AgentTransport };

export type CommandExecutorOptions = TaskExecutorOptions & {
  /** The environment the task inherits (the executor's own). */
  taskEnv: Readonly<Record<string, string | undefined>>;
  /** Health checks and checks; the real ones (checker.ts) by default. */
  checkers?: CheckerFactory;
};

export class CommandExecutor extends TaskExecutor {
  readonly #taskEnv: Readonly<Record<string, string | undefined>>;
  readonly #process = new TaskProcess();
  readonly #checkers: CheckerFactory;

  constructor(options: CommandExecutorOptions) {
    super(options, 'command');
    this.#taskEnv = options.taskEnv;
    this.#checkers = options.checkers ?? createTaskCheckers({ clock: options.clock, log: options.log });
  }

  protected launch(task: LaunchedTask): void {
    this.options.log.info('launching task', { task_id: task.taskId });
    const sandbox = this.options.config.sandbox;
    this.driver.apply({ kind: 'launch', task, spec: buildLaunchSpec(task, this.#taskEnv, sandbox), checks: readTaskChecks(task, this.#taskEnv, sandbox) });
  }

  protected spawn(spec: LaunchSpec): void {
    const log = this.options.log;
    const onExit = (exit: ProcessExit): void => {
      log.info('task process exited', { pid: this.#process.pid, code: exit.code, signal: exit.signal });
      this.driver.apply({ kind: 'exited', exit });
    };
    // In a Linux container the containerizer names its launch file in the environment.
    const result = this.#process.spawn(spec, { onExit }, { containerLaunch: process.env[LAUNCH_FILE_ENV] });
    if (result.ok) {
      log.info('task process started', { pid: result.pid, file: spec.file });
      this.driver.apply({ kind: 'spawned' });
    } else {
      void result.message.then((message) => {
        log.error('failed to start the task process', { error: message });
        this.driver.apply({ kind: 'spawn_failed', message });
      });
    }
  }

  protected signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    this.options.log.info('signalling the task process group', { signal, pid: this.#process.pid });
    this.#process.signalGroup(signal);
  }

  protected startChecks(checks: TaskChecks, report: Pick<CheckerContext, 'reportHealth' | 'reportCheck'>): TaskChecker | undefined {
    const task = this.driver.machine.task;
    const pid = this.#process.pid;
    if (task === undefined || pid === undefined) return undefined;
    const checker = this.#checkers({ taskId: task.taskId, pid, checks, ...report });
    this.options.log.info('task checks started', { task_id: task.taskId, health_check: checks.health?.probe.type, check: checks.check?.probe.type });
    return checker;
  }

  protected beforeExit(code: number): void {
    // Whatever the command left behind in its process group goes with the executor, as the
    // agent would destroy the container anyway.
    this.#process.signalGroup('SIGKILL');
    this.options.exit(code);
  }
}
