// The default executor's task groups as a pure function: state and input in, new state and
// effects out (house style B2). The shell (executor.ts) owns the processes, timers, checkers and
// the connection; it feeds what happens in here and carries the effects out.
//
// Each task of a LAUNCH_GROUP runs as its own nested container (a process group) and moves
// through:
//
//              spawned                 process exited
//   launching ──────────▶ running ─────────────────────────▶ terminated
//   TASK_STARTING   TASK_RUNNING   │   TASK_FINISHED / FAILED / KILLED
//       │ bad command, bad check,  │ KILL / SHUTDOWN / health check / max completion time:
//       │ spawn error: TASK_FAILED │   [TASK_KILLING] SIGTERM to the process group,
//       ▼                          ▼   SIGKILL when the grace period ends
//   terminated
//
// Group rule (Mesos default_executor.cpp `waited`): when a task of a group ends TASK_FAILED or
// TASK_KILLED, every other live task of that group is killed (with its own kill policy), once per
// group; they end TASK_KILLED. A task that FINISHes leaves the others alone. SHUTDOWN kills every
// live task of every group with the shutdown grace period. The executor is done once it has run
// something (or was shut down) and every task is terminated (`executorDone`); the shell then exits
// as soon as the agent has acknowledged every update.
import type { CheckStatusInfo, TaskState } from '../../protocol/index.ts';
import { emptyCheckStatus } from '../command/check-logic.ts';
import type { TaskChecks, TaskChecksResult } from '../command/check-spec.ts';
import { killGraceMs, planKill, type Escalation } from '../command/kill-plan.ts';
import type { LaunchSpec, LaunchSpecResult } from '../command/launch-spec.ts';
import type { UpdateEffect } from '../command/task-machine.ts';
import { terminationMessage, type KillCause, type ProcessExit } from '../command/termination.ts';
import type { LaunchedTask } from '../command/wire.ts';

export type GroupTaskPhase = 'launching' | 'running' | 'terminated';

export type GroupTask = {
  readonly task: LaunchedTask;
  /** Which LAUNCH_GROUP the task came in (0, 1, ...). */
  readonly group: number;
  /** The nested container's own id (its parent is the executor's container). */
  readonly containerId: string;
  readonly phase: GroupTaskPhase;
  readonly checks: TaskChecks | undefined;
  /** Set by the first kill; decides TASK_KILLED vs. FAILED at exit. */
  readonly killedBy: KillCause | undefined;
  readonly escalation: Escalation | undefined;
  /** A kill that arrived while the process was being started: carried out once it runs. */
  readonly pendingKillMs: number | undefined;
  readonly healthy: boolean | undefined;
  readonly checkStatus: CheckStatusInfo | undefined;
};

export type GroupMachine = {
  readonly tasks: ReadonlyMap<string, GroupTask>;
  /** Task ids of each group, in launch order. */
  readonly groups: readonly (readonly string[])[];
  /** Groups whose tasks are being killed because one of them failed or was killed. */
  readonly killedGroups: ReadonlySet<number>;
  readonly shuttingDown: boolean;
  readonly taskKillingCapable: boolean;
};

export const INITIAL_GROUP_MACHINE: GroupMachine = {
  tasks: new Map(),
  groups: [],
  killedGroups: new Set(),
  shuttingDown: false,
  taskKillingCapable: false,
};

/** A task of a LAUNCH_GROUP with what the shell read from it. */
export type GroupLaunchTask = { task: LaunchedTask; containerId: string; spec: LaunchSpecResult; checks: TaskChecksResult };

export type GroupInput =
  | { kind: 'subscribed'; taskKillingCapable: boolean }
  | { kind: 'launch_group'; tasks: readonly GroupLaunchTask[] }
  | { kind: 'spawned'; taskId: string }
  | { kind: 'spawn_failed'; taskId: string; message: string }
  | { kind: 'exited'; taskId: string; exit: ProcessExit }
  | { kind: 'kill'; taskId: string; graceNs: number | undefined }
  /** SHUTDOWN from the agent, a lost agent, or a signal to the executor. */
  | { kind: 'shutdown'; graceMs: number }
  | { kind: 'escalate'; taskId: string }
  | { kind: 'max_completion_time_reached'; taskId: string }
  | { kind: 'health'; taskId: string; healthy: boolean; killTask: boolean }
  | { kind: 'check'; taskId: string; status: CheckStatusInfo };

/** A status update of one task, as the command executor's machine makes them. */
export type GroupUpdate = UpdateEffect;

export type GroupEffect =
  | GroupUpdate
  | { kind: 'spawn'; taskId: string; containerId: string; spec: LaunchSpec }
  | { kind: 'signal'; taskId: string; signal: 'SIGTERM' | 'SIGKILL' }
  /** (Re)arm the task's SIGKILL timer for this time. */
  | { kind: 'schedule_escalation'; taskId: string; at: number }
  | { kind: 'schedule_max_completion'; taskId: string; afterMs: number }
  /** Disarm the task's escalation and max-completion timers. */
  | { kind: 'cancel_timers'; taskId: string }
  | { kind: 'start_checks'; taskId: string; checks: TaskChecks }
  | { kind: 'stop_checks'; taskId: string }
  /** An input that changed nothing, with why (the shell logs it). */
  | { kind: 'ignored'; reason: string };

export type GroupStep = { machine: GroupMachine; effects: GroupEffect[] };

/** The executor has nothing left to run: it ran something (or was shut down) and all of it ended. */
export function executorDone(machine: GroupMachine): boolean {
  if (machine.tasks.size === 0) return machine.shuttingDown;
  for (const t of machine.tasks.values()) if (t.phase !== 'terminated') return false;
  return true;
}

/** Tasks that have not terminated, for logs and SUBSCRIBE. */
export function liveTasks(machine: GroupMachine): GroupTask[] {
  return [...machine.tasks.values()].filter((t) => t.phase !== 'terminated');
}

/** An update made from scratch carries the empty status of the task's check, if it has one. */
function fresh(t: GroupTask, state: TaskState, extra: Omit<GroupUpdate, 'kind' | 'taskId' | 'state'> = {}): GroupUpdate {
  const update: GroupUpdate = { kind: 'update', taskId: t.task.taskId, state, ...extra };
  if (t.checks?.check !== undefined) update.checkStatus = emptyCheckStatus(t.checks.check.probe.type);
  return update;
}

function withTask(machine: GroupMachine, t: GroupTask): GroupMachine {
  const tasks = new Map(machine.tasks);
  tasks.set(t.task.taskId, t);
  return { ...machine, tasks };
}

/** The terminal state of a task whose process ended (Mesos `waited`, plus max completion time). */
export function terminalOf(exit: ProcessExit, killedBy: KillCause | undefined): Pick<GroupUpdate, 'state' | 'message' | 'reason' | 'healthy'> {
  const message = terminationMessage(exit);
  if (killedBy === 'max_completion_time') return { state: 'TASK_FAILED', message, reason: 'REASON_MAX_COMPLETION_TIME_REACHED' };
  if (killedBy === 'health_check') return { state: 'TASK_KILLED', message, healthy: false };
  if (killedBy !== undefined) return { state: 'TASK_KILLED', message };
  if (exit.signal === null && exit.code === 0) return { state: 'TASK_FINISHED', message };
  return { state: 'TASK_FAILED', message };
}

/** Ends a task that never ran (bad command or check, spawn error), then applies the group rule. */
function failBeforeRunning(machine: GroupMachine, t: GroupTask, message: string, now: number): GroupStep {
  const ended: GroupTask = { ...t, phase: 'terminated' };
  const effects: GroupEffect[] = [{ kind: 'cancel_timers', taskId: t.task.taskId }, fresh(t, 'TASK_FAILED', { message, reason: 'REASON_CONTAINER_LAUNCH_FAILED' })];
  return groupRule(withTask(machine, ended), ended, 'TASK_FAILED', effects, now);
}

/** Starts (or shortens) the kill of a live task. */
function killTask(machine: GroupMachine, t: GroupTask, graceMs: number, cause: KillCause, now: number): GroupStep {
  if (t.phase === 'launching') {
    // The process is being started: kill it as soon as it runs.
    const pending = t.pendingKillMs === undefined ? graceMs : Math.min(t.pendingKillMs, graceMs);
    return { machine: withTask(machine, { ...t, killedBy: t.killedBy ?? cause, pendingKillMs: pending }), effects: [] };
  }
  if (t.phase !== 'running') return { machine, effects: [{ kind: 'ignored', reason: `kill of terminated task '${t.task.taskId}'` }] };
  const plan = planKill(t.escalation, graceMs, now);
  const taskId = t.task.taskId;
  if (plan.kind === 'unchanged') return { machine, effects: [{ kind: 'ignored', reason: `a kill of '${taskId}' with a shorter grace period is already in progress` }] };
  if (plan.kind === 'reschedule') {
    return { machine: withTask(machine, { ...t, escalation: plan.escalation }), effects: [{ kind: 'schedule_escalation', taskId, at: plan.escalation.sigkillAt }] };
  }
  const effects: GroupEffect[] = [];
  // TASK_KILLING only for frameworks that understand it, never for a max-completion kill (which
  // ends TASK_FAILED).
  if (machine.taskKillingCapable && cause !== 'max_completion_time') effects.push(fresh(t, 'TASK_KILLING'));
  effects.push(
    { kind: 'stop_checks', taskId },
    { kind: 'signal', taskId, signal: 'SIGTERM' },
    { kind: 'schedule_escalation', taskId, at: plan.escalation.sigkillAt },
  );
  return { machine: withTask(machine, { ...t, killedBy: cause, escalation: plan.escalation }), effects };
}

/**
 * After `ended` reached `state`: a FAILED or KILLED task takes the rest of its group down, once
 * per group, unless the whole executor is shutting down anyway.
 */
function groupRule(machine: GroupMachine, ended: GroupTask, state: TaskState, effects: GroupEffect[], now: number): GroupStep {
  if ((state !== 'TASK_FAILED' && state !== 'TASK_KILLED') || machine.shuttingDown || machine.killedGroups.has(ended.group)) {
    return { machine, effects };
  }
  let next: GroupMachine = { ...machine, killedGroups: new Set([...machine.killedGroups, ended.group]) };
  for (const id of machine.groups[ended.group] ?? []) {
    const other = next.tasks.get(id);
    // MESOS-8051: a task already being killed keeps its kill.
    if (other === undefined || other.phase === 'terminated' || other.killedBy !== undefined) continue;
    const killed = killTask(next, other, killGraceMs(undefined, other.task.killPolicyGraceNs), 'kill', now);
    next = killed.machine;
    effects.push(...killed.effects);
  }
  return { machine: next, effects };
}

function launchGroup(machine: GroupMachine, input: Extract<GroupInput, { kind: 'launch_group' }>, now: number): GroupStep {
  const newTasks = input.tasks.filter((t) => !machine.tasks.has(t.task.taskId));
  const effects: GroupEffect[] = [];
  if (newTasks.length < input.tasks.length) effects.push({ kind: 'ignored', reason: 'LAUNCH_GROUP repeats tasks this executor already has' });
  if (newTasks.length === 0) return { machine, effects };
  const group = machine.groups.length;
  let next: GroupMachine = { ...machine, groups: [...machine.groups, newTasks.map((t) => t.task.taskId)] };
  const added: GroupTask[] = [];
  for (const l of newTasks) {
    const t: GroupTask = {
      task: l.task,
      group,
      containerId: l.containerId,
      phase: 'launching',
      checks: l.checks.ok ? l.checks.checks : undefined,
      killedBy: undefined,
      escalation: undefined,
      pendingKillMs: undefined,
      healthy: undefined,
      checkStatus: undefined,
    };
    next = withTask(next, t);
    added.push(t);
    effects.push(fresh(t, 'TASK_STARTING'));
  }
  if (machine.shuttingDown) {
    // Mesos ignores a launch during shutdown; answering keeps the tasks from waiting for the agent.
    for (const t of added) {
      next = withTask(next, { ...t, phase: 'terminated' });
      effects.push(fresh(t, 'TASK_KILLED', { message: 'The executor is shutting down', reason: 'REASON_EXECUTOR_TERMINATED' }));
    }
    return { machine: next, effects };
  }
  // Tasks that cannot run fail first, so the group rule sees them before anything is spawned.
  const runnable: GroupLaunchTask[] = [];
  for (const l of newTasks) {
    const problem = !l.spec.ok ? l.spec.message : !l.checks.ok ? l.checks.message : undefined;
    if (problem === undefined) {
      runnable.push(l);
      continue;
    }
    const failed = failBeforeRunning(next, next.tasks.get(l.task.taskId)!, problem, now);
    next = failed.machine;
    effects.push(...failed.effects);
  }
  for (const l of runnable) {
    const t = next.tasks.get(l.task.taskId)!;
    if (t.killedBy !== undefined && l.spec.ok) {
      // Its group was already taken down by a task that could not run: it never starts.
      next = withTask(next, { ...t, phase: 'terminated' });
      effects.push(fresh(t, 'TASK_KILLED', { message: 'Killed before it started: another task of its group failed' }));
      continue;
    }
    if (l.spec.ok) effects.push({ kind: 'spawn', taskId: t.task.taskId, containerId: t.containerId, spec: l.spec.spec });
  }
  return { machine: next, effects };
}

export function step(machine: GroupMachine, input: GroupInput, now: number): GroupStep {
  if (input.kind === 'subscribed') return { machine: { ...machine, taskKillingCapable: input.taskKillingCapable }, effects: [] };
  if (input.kind === 'launch_group') return launchGroup(machine, input, now);
  if (input.kind === 'shutdown') {
    let next: GroupMachine = { ...machine, shuttingDown: true };
    const effects: GroupEffect[] = [];
    for (const t of liveTasks(machine)) {
      const killed = killTask(next, next.tasks.get(t.task.taskId)!, input.graceMs, 'shutdown', now);
      next = killed.machine;
      effects.push(...killed.effects);
    }
    return { machine: next, effects };
  }

  const t = machine.tasks.get(input.taskId);
  if (t === undefined) return { machine, effects: [{ kind: 'ignored', reason: `${input.kind} for unknown task '${input.taskId}'` }] };
  const taskId = input.taskId;
  switch (input.kind) {
    case 'spawned': {
      if (t.phase !== 'launching') return { machine, effects: [{ kind: 'ignored', reason: 'spawned outside of launching' }] };
      const running: GroupTask = { ...t, phase: 'running', killedBy: undefined, pendingKillMs: undefined };
      const effects: GroupEffect[] = [fresh(t, 'TASK_RUNNING')];
      const next = withTask(machine, running);
      if (t.pendingKillMs !== undefined) {
        const killed = killTask(next, running, t.pendingKillMs, t.killedBy ?? 'kill', now);
        return { machine: killed.machine, effects: [...effects, ...killed.effects] };
      }
      if (t.checks?.health !== undefined || t.checks?.check !== undefined) effects.push({ kind: 'start_checks', taskId, checks: t.checks });
      const maxNs = t.task.maxCompletionNs;
      if (maxNs !== undefined && maxNs > 0) effects.push({ kind: 'schedule_max_completion', taskId, afterMs: maxNs / 1e6 });
      return { machine: next, effects };
    }
    case 'spawn_failed':
      if (t.phase !== 'launching') return { machine, effects: [{ kind: 'ignored', reason: 'spawn failure outside of launching' }] };
      return failBeforeRunning(machine, t, `Failed to launch the task: ${input.message}`, now);
    case 'exited': {
      if (t.phase !== 'running') return { machine, effects: [{ kind: 'ignored', reason: 'exit of a task that is not running' }] };
      const end = terminalOf(input.exit, t.killedBy);
      const ended: GroupTask = { ...t, phase: 'terminated' };
      const effects: GroupEffect[] = [{ kind: 'cancel_timers', taskId }, { kind: 'stop_checks', taskId }, fresh(t, end.state, end)];
      return groupRule(withTask(machine, ended), ended, end.state, effects, now);
    }
    case 'kill':
      // As Mesos: the executor is killing everything already.
      if (machine.shuttingDown) return { machine, effects: [{ kind: 'ignored', reason: 'kill during shutdown' }] };
      return killTask(machine, t, killGraceMs(input.graceNs, t.task.killPolicyGraceNs), 'kill', now);
    case 'escalate':
      if (t.phase !== 'running' || t.escalation === undefined) return { machine, effects: [{ kind: 'ignored', reason: 'escalation with no kill in progress' }] };
      return { machine, effects: [{ kind: 'signal', taskId, signal: 'SIGKILL' }] };
    case 'max_completion_time_reached':
      if (t.phase !== 'running' || t.killedBy !== undefined) return { machine, effects: [{ kind: 'ignored', reason: 'max completion time after a kill' }] };
      return killTask(machine, t, 0, 'max_completion_time', now);
    case 'health': {
      if (t.phase !== 'running' || t.killedBy !== undefined) return { machine, effects: [{ kind: 'ignored', reason: 'health result after a kill' }] };
      const reported: GroupUpdate = { kind: 'update', taskId, state: 'TASK_RUNNING', healthy: input.healthy, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED' };
      if (t.checkStatus !== undefined) reported.checkStatus = t.checkStatus;
      const next = withTask(machine, { ...t, healthy: input.healthy });
      if (!input.killTask) return { machine: next, effects: [reported] };
      const killed = killTask(next, next.tasks.get(taskId)!, killGraceMs(undefined, t.task.killPolicyGraceNs), 'health_check', now);
      return { machine: killed.machine, effects: [reported, ...killed.effects] };
    }
    case 'check': {
      if (t.phase !== 'running' || t.killedBy !== undefined) return { machine, effects: [{ kind: 'ignored', reason: 'check result after a kill' }] };
      const reported: GroupUpdate = { kind: 'update', taskId, state: 'TASK_RUNNING', checkStatus: input.status, reason: 'REASON_TASK_CHECK_STATUS_UPDATED' };
      if (t.healthy !== undefined) reported.healthy = t.healthy;
      return { machine: withTask(machine, { ...t, checkStatus: input.status }), effects: [reported] };
    }
  }
}
