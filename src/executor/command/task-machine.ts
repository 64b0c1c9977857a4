// The command executor's task lifecycle as a pure function: state and input in, new state and
// effects out (house style B2). The shell (executor.ts) owns the process, the timers and the
// connection, feeds inputs in and carries the effects out.
//
//            LAUNCH                spawned                 process exited
//   idle ───────────────▶ launching ──────────▶ running ───────────────────────▶ terminated
//     │   TASK_STARTING       │      TASK_RUNNING   │   TASK_FINISHED / FAILED / KILLED
//     │                       │ bad command,        │ KILL / SHUTDOWN / max completion time:
//     │ SHUTDOWN: exit        │ spawn error         │   [TASK_KILLING] SIGTERM to the process
//     ▼                       ▼ TASK_FAILED         │   group, SIGKILL when the grace period ends
//   (exit)                terminated                ▼   (the phase stays `running` until exit)
//
// After the terminal update the executor waits for its acknowledgement, then exits.
//
// Checks (check-spec.ts, checker.ts) run while the task is `running` and no kill has started. A
// health result becomes TASK_RUNNING with `healthy` (REASON_TASK_HEALTH_CHECK_STATUS_UPDATED), a
// check result TASK_RUNNING with `check_status` (REASON_TASK_CHECK_STATUS_UPDATED); as in Mesos
// each carries the latest value of the other, every update made from scratch (STARTING, RUNNING,
// KILLING, the terminal one) carries the empty `check_status` of the task's check, and a task
// killed by its health check ends TASK_KILLED with `healthy: false`.
import { killGraceMs, planKill } from './kill-plan.ts';
import type { Escalation } from './kill-plan.ts';
import type { TaskChecks, TaskChecksResult } from './check-spec.ts';
import { emptyCheckStatus } from './check-logic.ts';
import type { LaunchSpec, LaunchSpecResult } from './launch-spec.ts';
import { terminalStatus } from './termination.ts';
import type { KillCause, ProcessExit } from './termination.ts';
import type { LaunchedTask } from './wire.ts';
import type { CheckStatusInfo, TaskState, TaskStatusReason } from '../../protocol/index.ts';

export type TaskPhase = 'idle' | 'launching' | 'running' | 'terminated';

export type TaskMachine = {
  readonly phase: TaskPhase;
  readonly task: LaunchedTask | undefined;
  /** The framework has TASK_KILLING_STATE (from SUBSCRIBED's framework_info). */
  readonly taskKillingCapable: boolean;
  /** Set by the first kill; decides TASK_KILLED vs. FAILED at exit. */
  readonly killedBy: KillCause | undefined;
  readonly escalation: Escalation | undefined;
  /** The task's health check and check, once launched. */
  readonly checks: TaskChecks | undefined;
  /** The last `healthy` reported, carried by check updates. */
  readonly healthy: boolean | undefined;
  /** The last `check_status` reported, carried by health updates. */
  readonly checkStatus: CheckStatusInfo | undefined;
};

export const INITIAL_TASK_MACHINE: TaskMachine = {
  phase: 'idle',
  task: undefined,
  taskKillingCapable: false,
  killedBy: undefined,
  escalation: undefined,
  checks: undefined,
  healthy: undefined,
  checkStatus: undefined,
};

export type TaskInput =
  | { kind: 'subscribed'; taskKillingCapable: boolean }
  /** LAUNCH with the launch spec and checks the shell read from it (buildLaunchSpec, readTaskChecks). */
  | { kind: 'launch'; task: LaunchedTask; spec: LaunchSpecResult; checks: TaskChecksResult }
  /** A LAUNCH whose TaskInfo could not be read but that named its task. */
  | { kind: 'launch_unreadable'; taskId: string; error: string }
  | { kind: 'spawned' }
  | { kind: 'spawn_failed'; message: string }
  | { kind: 'exited'; exit: ProcessExit }
  | { kind: 'kill'; taskId: string; graceNs: number | undefined }
  /** SHUTDOWN from the agent, LAUNCH_GROUP, a lost agent or a signal to the executor. */
  | { kind: 'shutdown'; graceMs: number }
  | { kind: 'escalate' }
  | { kind: 'max_completion_time_reached' }
  /** A health check result; `killTask` when the check gave up on the task. */
  | { kind: 'health'; healthy: boolean; killTask: boolean }
  /** A check status that differs from the last one the checker reported. */
  | { kind: 'check'; status: CheckStatusInfo };

export type UpdateEffect = {
  kind: 'update';
  taskId: string;
  state: TaskState;
  message?: string;
  reason?: TaskStatusReason;
  healthy?: boolean;
  checkStatus?: CheckStatusInfo;
};

export type TaskEffect =
  | UpdateEffect
  | { kind: 'spawn'; spec: LaunchSpec }
  | { kind: 'signal'; signal: 'SIGTERM' | 'SIGKILL' }
  /** (Re)arm the SIGKILL timer for this time; replaces an earlier one. */
  | { kind: 'schedule_escalation'; at: number }
  | { kind: 'schedule_max_completion'; afterMs: number }
  /** Disarm the escalation and max-completion timers. */
  | { kind: 'cancel_timers' }
  | { kind: 'start_checks'; checks: TaskChecks }
  | { kind: 'stop_checks' }
  /** The last update was terminal: exit once it is acknowledged. */
  | { kind: 'await_terminal_ack' }
  | { kind: 'exit'; code: number; reason: string }
  /** An input that changed nothing, with why (the shell logs it). */
  | { kind: 'ignored'; reason: string };

export type Step = { machine: TaskMachine; effects: TaskEffect[] };

const MULTIPLE_TASKS = 'Attempted to run multiple tasks using a "command" executor';

function update(taskId: string, state: TaskState, extra: Omit<UpdateEffect, 'kind' | 'taskId' | 'state'> = {}): UpdateEffect {
  return { kind: 'update', taskId, state, ...extra };
}

/** An update made from scratch: it carries the empty status of the task's check, if any. */
function fresh(machine: TaskMachine, taskId: string, state: TaskState, extra: Omit<UpdateEffect, 'kind' | 'taskId' | 'state'> = {}): UpdateEffect {
  const check = machine.checks?.check;
  return check === undefined ? update(taskId, state, extra) : update(taskId, state, { ...extra, checkStatus: emptyCheckStatus(check.probe.type) });
}

function failLaunch(machine: TaskMachine, taskId: string, message: string): Step {
  return {
    machine: { ...machine, phase: 'terminated' },
    effects: [
      { kind: 'cancel_timers' },
      fresh(machine, taskId, 'TASK_FAILED', { message, reason: 'REASON_COMMAND_EXECUTOR_FAILED' }),
      { kind: 'await_terminal_ack' },
    ],
  };
}

/** A kill of the running task with `graceMs`, for `cause`; follows the escalation plan. */
function kill(machine: TaskMachine, graceMs: number, cause: KillCause, now: number): Step {
  const plan = planKill(machine.escalation, graceMs, now);
  if (plan.kind === 'unchanged') return { machine, effects: [{ kind: 'ignored', reason: 'a kill with a longer or equal grace period is already in progress' }] };
  if (plan.kind === 'reschedule') {
    return { machine: { ...machine, escalation: plan.escalation }, effects: [{ kind: 'schedule_escalation', at: plan.escalation.sigkillAt }] };
  }
  const effects: TaskEffect[] = [];
  // TASK_KILLING only for frameworks that understand it, and never for a max-completion kill,
  // which ends in TASK_FAILED (as Mesos).
  if (machine.taskKillingCapable && cause !== 'max_completion_time' && machine.task) {
    effects.push(fresh(machine, machine.task.taskId, 'TASK_KILLING'));
  }
  effects.push({ kind: 'stop_checks' }, { kind: 'signal', signal: 'SIGTERM' }, { kind: 'schedule_escalation', at: plan.escalation.sigkillAt });
  return { machine: { ...machine, killedBy: cause, escalation: plan.escalation }, effects };
}

export function step(machine: TaskMachine, input: TaskInput, now: number): Step {
  switch (input.kind) {
    case 'subscribed':
      return { machine: { ...machine, taskKillingCapable: input.taskKillingCapable }, effects: [] };

    case 'launch': {
      if (machine.task !== undefined) {
        if (machine.task.taskId === input.task.taskId) return { machine, effects: [{ kind: 'ignored', reason: 'duplicate LAUNCH of the running task' }] };
        return { machine, effects: [update(input.task.taskId, 'TASK_FAILED', { message: MULTIPLE_TASKS, reason: 'REASON_COMMAND_EXECUTOR_FAILED' })] };
      }
      const checks = input.checks.ok ? input.checks.checks : undefined;
      const launching: TaskMachine = { ...machine, phase: 'launching', task: input.task, checks };
      const starting = fresh(launching, input.task.taskId, 'TASK_STARTING');
      // A bad command or an invalid check: the task is not run.
      if (!input.spec.ok || !input.checks.ok) {
        const message = !input.spec.ok ? input.spec.message : input.checks.ok ? '' : input.checks.message;
        const failed = failLaunch(launching, input.task.taskId, message);
        return { machine: failed.machine, effects: [starting, ...failed.effects] };
      }
      return { machine: launching, effects: [starting, { kind: 'spawn', spec: input.spec.spec }] };
    }

    case 'launch_unreadable':
      if (machine.task !== undefined) {
        return { machine, effects: [update(input.taskId, 'TASK_FAILED', { message: MULTIPLE_TASKS, reason: 'REASON_COMMAND_EXECUTOR_FAILED' })] };
      }
      return failLaunch({ ...machine, phase: 'launching' }, input.taskId, `Invalid task: ${input.error}`);

    case 'spawned': {
      if (machine.phase !== 'launching' || !machine.task) return { machine, effects: [{ kind: 'ignored', reason: 'spawned outside of launching' }] };
      const effects: TaskEffect[] = [fresh(machine, machine.task.taskId, 'TASK_RUNNING')];
      if (machine.checks?.health !== undefined || machine.checks?.check !== undefined) effects.push({ kind: 'start_checks', checks: machine.checks });
      const maxNs = machine.task.maxCompletionNs;
      if (maxNs !== undefined && maxNs > 0) effects.push({ kind: 'schedule_max_completion', afterMs: maxNs / 1e6 });
      return { machine: { ...machine, phase: 'running' }, effects };
    }

    case 'spawn_failed':
      if (machine.phase !== 'launching' || !machine.task) return { machine, effects: [{ kind: 'ignored', reason: 'spawn failure outside of launching' }] };
      return failLaunch(machine, machine.task.taskId, `Failed to launch the command: ${input.message}`);

    case 'exited': {
      if (machine.phase !== 'running' || !machine.task) return { machine, effects: [{ kind: 'ignored', reason: 'exit of a process that is not running' }] };
      const { state, ...details } = terminalStatus(input.exit, machine.killedBy);
      return {
        machine: { ...machine, phase: 'terminated' },
        effects: [{ kind: 'cancel_timers' }, { kind: 'stop_checks' }, fresh(machine, machine.task.taskId, state, details), { kind: 'await_terminal_ack' }],
      };
    }

    case 'kill': {
      if (machine.phase === 'idle') {
        // As Mesos (MESOS-8297): a kill before the launch means the agent lost the LAUNCH; the
        // executor exits and the agent reports the task.
        return { machine, effects: [{ kind: 'exit', code: 1, reason: 'kill received before the task was launched' }] };
      }
      if (!machine.task || machine.task.taskId !== input.taskId) return { machine, effects: [{ kind: 'ignored', reason: `kill for unknown task '${input.taskId}'` }] };
      if (machine.phase !== 'running') return { machine, effects: [{ kind: 'ignored', reason: 'kill of a task that is not running' }] };
      return kill(machine, killGraceMs(input.graceNs, machine.task.killPolicyGraceNs), 'kill', now);
    }

    case 'shutdown':
      if (machine.phase === 'idle') return { machine, effects: [{ kind: 'exit', code: 0, reason: 'shutdown with no task launched' }] };
      if (machine.phase !== 'running') return { machine, effects: [{ kind: 'ignored', reason: 'shutdown while the task is already terminated' }] };
      return kill(machine, input.graceMs, 'shutdown', now);

    case 'escalate':
      if (machine.phase !== 'running' || machine.escalation === undefined) return { machine, effects: [{ kind: 'ignored', reason: 'escalation with no kill in progress' }] };
      return { machine, effects: [{ kind: 'signal', signal: 'SIGKILL' }] };

    case 'max_completion_time_reached':
      if (machine.phase !== 'running' || machine.killedBy !== undefined) return { machine, effects: [{ kind: 'ignored', reason: 'max completion time after a kill' }] };
      return kill(machine, 0, 'max_completion_time', now);

    case 'health': {
      // No health updates after a kill started or the task ended (Mesos does the same).
      if (machine.phase !== 'running' || machine.killedBy !== undefined || !machine.task) return { machine, effects: [{ kind: 'ignored', reason: 'health result after a kill' }] };
      const reported = update(machine.task.taskId, 'TASK_RUNNING', { healthy: input.healthy, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED' });
      if (machine.checkStatus !== undefined) reported.checkStatus = machine.checkStatus;
      const healthy: TaskMachine = { ...machine, healthy: input.healthy };
      if (!input.killTask) return { machine: healthy, effects: [reported] };
      const killed = kill(healthy, killGraceMs(undefined, machine.task.killPolicyGraceNs), 'health_check', now);
      return { machine: killed.machine, effects: [reported, ...killed.effects] };
    }

    case 'check': {
      if (machine.phase !== 'running' || machine.killedBy !== undefined || !machine.task) return { machine, effects: [{ kind: 'ignored', reason: 'check result after a kill' }] };
      const reported = update(machine.task.taskId, 'TASK_RUNNING', { checkStatus: input.status, reason: 'REASON_TASK_CHECK_STATUS_UPDATED' });
      if (machine.healthy !== undefined) reported.healthy = machine.healthy;
      return { machine: { ...machine, checkStatus: input.status }, effects: [reported] };
    }
  }
}
