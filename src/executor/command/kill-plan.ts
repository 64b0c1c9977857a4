// The kill escalation plan of the command executor, as Mesos's launcher/executor.cpp does it:
// SIGTERM to the task's process group, then SIGKILL when the grace period runs out.
//
//   grace period of a KILL:     the KILL event's kill_policy, else the task's kill_policy, else 3 s
//                               (Mesos keeps 3 s "for backwards compatibility")
//   grace period of a SHUTDOWN: MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD minus a 1 s buffer, so the
//                               agent does not destroy the container before TASK_KILLED is sent
//
// A second kill while one is in progress may only shorten the grace period, never lengthen it:
// a scheduler retrying its kill must be a no-op, and nobody may "slow down" a kill in progress.

/** Mesos's default grace period for a KILL without a kill policy. */
export const DEFAULT_KILL_GRACE_MS = 3000;
/** Time kept back from the shutdown grace period to report TASK_KILLED before the agent acts. */
export const SHUTDOWN_BUFFER_MS = 1000;

/** Nanoseconds from a DurationInfo, as parsed from the wire (a number; undefined if absent). */
export function killGraceMs(eventPolicyNs: number | undefined, taskPolicyNs: number | undefined): number {
  const ns = eventPolicyNs ?? taskPolicyNs;
  if (ns === undefined) return DEFAULT_KILL_GRACE_MS;
  return Math.max(0, ns / 1e6);
}

export function shutdownGraceMs(executorShutdownGraceMs: number): number {
  return Math.max(0, executorShutdownGraceMs - SHUTDOWN_BUFFER_MS);
}

/** A kill in progress: when SIGTERM went out and when SIGKILL is due (ms since the epoch). */
export type Escalation = { startedAt: number; sigkillAt: number };

export type KillStep =
  /** First kill: send SIGTERM now and SIGKILL at `escalation.sigkillAt`. */
  | { kind: 'terminate'; escalation: Escalation }
  /** A later kill with a shorter grace period: move SIGKILL earlier (possibly to now). */
  | { kind: 'reschedule'; escalation: Escalation }
  /** A later kill that would not shorten the grace period: nothing changes. */
  | { kind: 'unchanged' };

/** What a kill with `graceMs` does at time `now`, given the escalation already running (if any). */
export function planKill(current: Escalation | undefined, graceMs: number, now: number): KillStep {
  if (current === undefined) return { kind: 'terminate', escalation: { startedAt: now, sigkillAt: now + graceMs } };
  const wanted = current.startedAt + graceMs;
  if (wanted >= current.sigkillAt) return { kind: 'unchanged' };
  return { kind: 'reschedule', escalation: { startedAt: current.startedAt, sigkillAt: Math.max(now, wanted) } };
}
