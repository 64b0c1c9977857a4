// Runs the pure task machine (command/task-machine.ts) for an executor shell: feeds inputs in one
// at a time (machine-runner.ts), owns the escalation and max-completion timers and the task's
// checker, and hands the effects that touch the task or the agent to its host. The command
// executor's host is a process group; the Docker executor's is a container.
// task-executor.ts connects a driver to the agent session.
import type { Clock } from '../../common/clock.ts';
import type { TaskChecks } from '../command/check-spec.ts';
import type { CheckerContext, TaskChecker } from '../command/checks.ts';
import type { LaunchSpec } from '../command/launch-spec.ts';
import type { ExecutorLog } from '../command/log.ts';
import { INITIAL_TASK_MACHINE, step } from '../command/task-machine.ts';
import type { TaskEffect, TaskInput, TaskMachine, UpdateEffect } from '../command/task-machine.ts';
import { MachineRunner } from './machine-runner.ts';
import { NamedTimers } from './named-timers.ts';

/** What the driver asks of its executor. */
export type TaskHost = {
  /** Send this status update to the agent. */
  update(effect: UpdateEffect): void;
  /** Start the task; report back with the driver's `spawned`/`spawn_failed` and `exited` inputs. */
  spawn(spec: LaunchSpec): void;
  signal(signal: 'SIGTERM' | 'SIGKILL'): void;
  /** Start the task's checker with these reporting callbacks (undefined: nothing to check). */
  startChecks(checks: TaskChecks, report: Pick<CheckerContext, 'reportHealth' | 'reportCheck'>): TaskChecker | undefined;
  /** The last update was terminal: finish once the agent acknowledged it. */
  awaitTerminalAck(): void;
  /** End the executor now. */
  exit(code: number): void;
};

type TimerName = 'escalation' | 'max_completion';

export class TaskDriver {
  readonly #clock: Clock;
  readonly #log: ExecutorLog;
  readonly #host: TaskHost;
  readonly #timers: NamedTimers<TimerName>;
  readonly #runner: MachineRunner<TaskMachine, TaskInput, TaskEffect>;
  #checker: TaskChecker | undefined;

  constructor(o: { clock: Clock; log: ExecutorLog; host: TaskHost }) {
    this.#clock = o.clock;
    this.#log = o.log;
    this.#host = o.host;
    this.#timers = new NamedTimers(o.clock);
    this.#runner = new MachineRunner({ initial: INITIAL_TASK_MACHINE, step, carryOut: (effect) => this.#carryOut(effect), now: () => o.clock.now() });
  }

  get machine(): TaskMachine {
    return this.#runner.machine;
  }

  /** Steps the machine with `input` and carries out what it decides. */
  apply(input: TaskInput): void {
    this.#runner.apply(input);
  }

  /** No input is stepped any more; timers and the checker are stopped. */
  stop(): void {
    this.#runner.stop();
    this.#timers.stop();
    this.#checker?.stop();
    this.#checker = undefined;
  }

  #carryOut(effect: TaskEffect): void {
    switch (effect.kind) {
      case 'update':
        this.#host.update(effect);
        return;
      case 'spawn':
        this.#host.spawn(effect.spec);
        return;
      case 'signal':
        this.#host.signal(effect.signal);
        return;
      case 'schedule_escalation':
        this.#timers.set('escalation', Math.max(0, effect.at - this.#clock.now()), () => this.apply({ kind: 'escalate' }));
        return;
      case 'schedule_max_completion':
        this.#timers.set('max_completion', effect.afterMs, () => this.apply({ kind: 'max_completion_time_reached' }));
        return;
      case 'cancel_timers':
        this.#timers.clear('escalation');
        this.#timers.clear('max_completion');
        return;
      case 'start_checks':
        this.#checker?.stop();
        this.#checker = this.#host.startChecks(effect.checks, {
          reportHealth: (r) => this.apply({ kind: 'health', healthy: r.healthy, killTask: r.killTask }),
          reportCheck: (status) => this.apply({ kind: 'check', status }),
        });
        return;
      case 'stop_checks':
        this.#checker?.stop();
        this.#checker = undefined;
        return;
      case 'await_terminal_ack':
        this.#host.awaitTerminalAck();
        return;
      case 'exit':
        (effect.code === 0 ? this.#log.info : this.#log.error)('exiting', { reason: effect.reason });
        this.#host.exit(effect.code);
        return;
      case 'ignored':
        this.#log.info('input ignored', { reason: effect.reason });
        return;
    }
  }
}

