// Pure: when the sandboxes of terminated executors are due for removal (Mesos slave/gc.cpp and
// the agent's disk watch). A path is scheduled when its executor terminated; it is due once it is
// older than the current GC delay:
//
//   delay = gc_delay                                              until the disk was measured
//   delay = max(0, gc_delay × (1 − gc_disk_headroom − usage))     after each --disk_watch_interval
//
// so a filling disk shortens every pending delay (usage >= 1 − headroom removes everything at
// once), and a draining one lengthens it again, never beyond gc_delay. No I/O, no timers: the
// shell (gc.ts) passes `now` and the measured usage, and applies the decision.

/** A directory waiting for removal, with the time its executor terminated (ms since epoch). */
export type GcEntry = { path: string; scheduledAt: number };

export type GcPolicy = {
  /** --gc_delay, ms. */
  gcDelayMs: number;
  /** --gc_disk_headroom, in [0, 1]. */
  diskHeadroom: number;
};

export type GcDecision = {
  /** Paths old enough to remove now, oldest first. */
  due: string[];
  /** When the oldest remaining path becomes due at the current usage; undefined when none remain. */
  nextDueAt: number | undefined;
  /** The delay that was applied, ms. */
  delayMs: number;
};

/**
 * The GC delay for a disk usage (fraction of the filesystem in use, 0..1); `undefined` usage (not
 * measured yet, or the measurement failed) leaves the configured delay.
 */
export function gcDelayForUsage(policy: GcPolicy, usage: number | undefined): number {
  if (usage === undefined || !Number.isFinite(usage)) return policy.gcDelayMs;
  const factor = Math.max(0, 1 - policy.diskHeadroom - Math.min(1, Math.max(0, usage)));
  // Round down so a shortened delay never ends later than the formula says.
  return Math.min(policy.gcDelayMs, Math.floor(policy.gcDelayMs * factor));
}

/** Splits the entries into those due at `now` and the time the next one will be. */
export function decideGc(entries: readonly GcEntry[], now: number, policy: GcPolicy, usage: number | undefined): GcDecision {
  const delayMs = gcDelayForUsage(policy, usage);
  const sorted = [...entries].sort((a, b) => a.scheduledAt - b.scheduledAt);
  const due: string[] = [];
  let nextDueAt: number | undefined;
  for (const entry of sorted) {
    const dueAt = entry.scheduledAt + delayMs;
    if (dueAt <= now) due.push(entry.path);
    else nextDueAt = nextDueAt === undefined ? dueAt : Math.min(nextDueAt, dueAt);
  }
  return { due, nextDueAt, delayMs };
}

/** The fraction of a filesystem in use, from statfs(2) block counts (Mesos fs::usage). */
export function diskUsageFromStatfs(blocks: number, freeBlocks: number): number | undefined {
  if (!(blocks > 0) || freeBlocks < 0) return undefined;
  return Math.min(1, Math.max(0, (blocks - freeBlocks) / blocks));
}
