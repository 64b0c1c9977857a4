// Retry delays, as pure functions of the attempt number (randomness is an argument).

/**
 * Delay before the `attempt`-th (0-based) attempt to (re-)subscribe to the master, as Mesos's
 * agent registration: uniformly random in [0, factor], then the upper bound doubles with every
 * attempt up to `maxMs` (1 minute in Mesos). The jitter keeps a fleet of agents from
 * stampeding a master that just came back.
 */
export function subscribeBackoffMs(attempt: number, factorMs: number, maxMs: number, random: () => number): number {
  const bound = Math.min(factorMs * 2 ** Math.min(attempt, 30), maxMs);
  return Math.floor(random() * bound);
}

/**
 * Interval before re-sending an unacknowledged status update for the `attempt`-th (0-based)
 * time: `minMs`, doubling up to `maxMs` (Mesos: 10 s doubling to 10 min).
 */
export function statusUpdateRetryMs(attempt: number, minMs: number, maxMs: number): number {
  return Math.min(minMs * 2 ** Math.min(attempt, 30), maxMs);
}
