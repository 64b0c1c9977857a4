// Retry and reconnect delays: the one exponential backoff every component uses (the agent's
// re-subscription to the master and its status update retries, the framework SDK's reconnects
// and call retries, the command executor's re-subscription and update posts).
//
// Pure: the attempt number, the bounds and the random draw are arguments; no timers here.
//
//   ceiling(attempt) = min(maxMs, initialMs × 2^attempt)
//   jitter 'none'  : delay = ceiling                                   (status update retries)
//   jitter 'full'  : delay = floor(random × ceiling)                   (Mesos agent registration)
//   jitter 'equal' : delay = ceiling / 2 + random × ceiling / 2        (SDK, command executor)
//
// Jitter keeps many clients cut off by the same event (a master failover, an agent restart) from
// coming back in lockstep.

/** How the random draw spreads a delay below its ceiling. */
export type BackoffJitter = 'none' | 'full' | 'equal';

export type BackoffPolicy = {
  /** The ceiling of the first attempt (attempt 0). */
  initialMs: number;
  /** The ceiling never grows past this. */
  maxMs: number;
  /** Default 'equal'. */
  jitter?: BackoffJitter | undefined;
};

/** 2^30 × any sane initial delay is already past every cap; the clamp keeps the math finite. */
const MAX_DOUBLINGS = 30;

/** The upper bound of the delay before retry number `attempt` (0-based). */
export function backoffCeiling(attempt: number, policy: Pick<BackoffPolicy, 'initialMs' | 'maxMs'>): number {
  const doublings = Math.min(Math.max(0, Math.floor(attempt)), MAX_DOUBLINGS);
  return Math.max(0, Math.min(policy.maxMs, policy.initialMs * 2 ** doublings));
}

/**
 * Delay before retry number `attempt` (0-based). `random` is a draw in [0, 1) (pass anything for
 * jitter 'none'); values outside [0, 1] are clamped so a bad source cannot exceed the ceiling.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const ceiling = backoffCeiling(attempt, policy);
  const r = Number.isFinite(random) ? Math.min(1, Math.max(0, random)) : 0;
  switch (policy.jitter ?? 'equal') {
    case 'none':
      return ceiling;
    case 'full':
      return Math.floor(r * ceiling);
    case 'equal':
      return ceiling / 2 + (ceiling / 2) * r;
  }
}
