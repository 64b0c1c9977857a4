// Reconnect and retry delays: exponential from `initialMs`, capped at `maxMs`, with "equal
// jitter" (half fixed, half random) so that many frameworks cut off by a master failover do not
// come back in lockstep. Pure: the attempt number and the random draw are arguments.

export type BackoffPolicy = { initialMs: number; maxMs: number };

/** The subscription's default: 0.5 s, 1 s, 2 s, ... up to 30 s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

/** Delay before retry number `attempt` (0-based); `random` is a draw in [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + (ceiling / 2) * random;
}
