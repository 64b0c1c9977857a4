// The decisions of health checks and checks, as pure functions (house style B2): what a probe
// result means, when a health result is reported, when the task is killed, and when a check
// result is reported. Semantics of Mesos's checker library (src/checks/health_checker.cpp,
// checker.cpp):
//
// Health checks
//   - A failure while the task has never been healthy and is still within
//     `grace_period_seconds` of the checker's start is ignored (the grace period includes
//     `delay_seconds`; a grace period of 0 ignores nothing). The first success ends the grace
//     period for good.
//   - Every counted failure is reported (`healthy: false`), not only the first; the task is
//     killed once `consecutive_failures` failures in a row were counted.
//   - A success is reported (`healthy: true`) only when it changes something: the first success
//     ever, and the first success after failures.
//   - A probe that times out or cannot run is a failure.
// Checks
//   - No interpretation: the result (exit code, HTTP status code, TCP connect succeeded) goes to
//     the framework in `check_status` whenever it differs from the last one sent, starting from
//     the empty status (the check's type with no result). A probe that times out or cannot run
//     has no result: the empty status.
import type { CheckStatusInfo } from '../../protocol/index.ts';
import type { CheckType } from './check-spec.ts';

/** What one probe run produced. */
export type ProbeResult =
  | { type: 'COMMAND'; exitCode: number }
  | { type: 'HTTP'; statusCode: number }
  | { type: 'TCP'; succeeded: boolean }
  /** The probe could not produce a result: timed out, could not start, killed by a signal. */
  | { type: 'error'; message: string };

/** Whether a probe result counts as healthy; `statuses` empty means 200-399. */
export function interpretHealth(result: ProbeResult, statuses: readonly number[]): { healthy: true } | { healthy: false; why: string } {
  switch (result.type) {
    case 'COMMAND':
      return result.exitCode === 0 ? { healthy: true } : { healthy: false, why: `command exited with status ${result.exitCode}` };
    case 'HTTP': {
      const code = result.statusCode;
      const ok = statuses.length > 0 ? statuses.includes(code) : code >= 200 && code < 400;
      return ok ? { healthy: true } : { healthy: false, why: `unexpected HTTP response code ${code}` };
    }
    case 'TCP':
      return result.succeeded ? { healthy: true } : { healthy: false, why: 'TCP connection failed' };
    case 'error':
      return { healthy: false, why: result.message };
  }
}

export type HealthState = {
  /** When the checker started (the task was spawned), ms since the epoch. */
  readonly startedAt: number;
  /** No success yet: the grace period may still apply and a success is news. */
  readonly initializing: boolean;
  readonly consecutiveFailures: number;
};

export type HealthPolicy = { gracePeriodMs: number; consecutiveFailures: number };

export type HealthStep = {
  state: HealthState;
  /** What to tell the executor, if anything. */
  report?: { healthy: boolean; killTask: boolean };
  /** Set when a failure was ignored because of the grace period. */
  inGracePeriod?: true;
};

export function initialHealth(now: number): HealthState {
  return { startedAt: now, initializing: true, consecutiveFailures: 0 };
}

/** One probe outcome at time `now`. */
export function stepHealth(state: HealthState, healthy: boolean, policy: HealthPolicy, now: number): HealthStep {
  if (healthy) {
    const news = state.initializing || state.consecutiveFailures > 0;
    const next: HealthState = { ...state, initializing: false, consecutiveFailures: 0 };
    return news ? { state: next, report: { healthy: true, killTask: false } } : { state: next };
  }
  if (state.initializing && policy.gracePeriodMs > 0 && now - state.startedAt <= policy.gracePeriodMs) {
    return { state, inGracePeriod: true };
  }
  const consecutiveFailures = state.consecutiveFailures + 1;
  return {
    state: { ...state, consecutiveFailures },
    report: { healthy: false, killTask: consecutiveFailures >= policy.consecutiveFailures },
  };
}

/** The status of a check with no result (yet): its type and an empty result message. */
export function emptyCheckStatus(type: CheckType): CheckStatusInfo {
  switch (type) {
    case 'COMMAND':
      return { type, command: {} };
    case 'HTTP':
      return { type, http: {} };
    case 'TCP':
      return { type, tcp: {} };
  }
}

/** The check status a probe result gives (the empty status when there is no result). */
export function checkStatusOf(type: CheckType, result: ProbeResult): CheckStatusInfo {
  switch (result.type) {
    case 'COMMAND':
      return { type, command: { exit_code: result.exitCode } };
    case 'HTTP':
      return { type, http: { status_code: result.statusCode } };
    case 'TCP':
      return { type, tcp: { succeeded: result.succeeded } };
    case 'error':
      return emptyCheckStatus(type);
  }
}

/** Equality of two check statuses as the executor builds them. */
export function sameCheckStatus(a: CheckStatusInfo, b: CheckStatusInfo): boolean {
  return (
    a.type === b.type &&
    a.command?.exit_code === b.command?.exit_code &&
    a.http?.status_code === b.http?.status_code &&
    a.tcp?.succeeded === b.tcp?.succeeded &&
    (a.command === undefined) === (b.command === undefined) &&
    (a.http === undefined) === (b.http === undefined) &&
    (a.tcp === undefined) === (b.tcp === undefined)
  );
}
