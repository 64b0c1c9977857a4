// Sandbox garbage collection (Mesos slave/gc.cpp): the shell around gc-policy.ts. It owns the
// timers (through the agent's Clock), measures the work dir's disk usage every
// --disk_watch_interval, detaches due sandboxes from `/files` and removes them, then removes the
// executor and framework directories they leave empty.
//
// Safety, because this deletes directories on the operator's disk:
// - only paths strictly inside the work dir are removed, and only when the path itself is a real
//   directory (not a symlink) whose real path is still inside the real work dir; `fs.rm` unlinks
//   symlinks inside the tree without following them;
// - right before removing, the path is checked again against the live executors (`liveSandboxes`):
//   a sandbox of an executor that is not TERMINATED, or a directory holding one, is never removed;
// - parents are removed with rmdir(2), which refuses non-empty directories, so a new executor of
//   the same framework created meanwhile keeps its directories.
import { lstatSync, readdirSync, readlinkSync, realpathSync, rmdirSync, statfsSync, unlinkSync, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Clock, TimerHandle } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import type { Counter, Metrics } from '../common/metrics.ts';
import { decideGc, diskUsageFromStatfs, type GcEntry, type GcPolicy } from './gc-policy.ts';
import { LATEST } from './paths.ts';
import { isWithin } from './sandbox-path.ts';

export type SandboxGcOptions = {
  workDir: string;
  clock: Clock;
  logger: Logger;
  /** The registry `gc/*` metrics are added to. */
  metrics: Metrics;
  policy: GcPolicy;
  /** --disk_watch_interval, ms. */
  diskWatchIntervalMs: number;
  /** Sandboxes of executors that are not TERMINATED: never removed, nor any directory holding one. */
  liveSandboxes: () => Iterable<string>;
  /** Fraction of the work dir's filesystem in use (default: statfs(2)); undefined when unknown. */
  measureUsage?: (workDir: string) => number | undefined;
};

const IN_USE = 'a running executor uses it';

type Scheduled = GcEntry & { detach: (() => void) | undefined };

/** statfs(2) of `dir`: the fraction of its filesystem's blocks in use. */
export function statfsUsage(dir: string): number | undefined {
  try {
    const fs = statfsSync(dir);
    return diskUsageFromStatfs(fs.blocks, fs.bfree);
  } catch {
    return undefined;
  }
}

export class SandboxGc {
  readonly #o: SandboxGcOptions;
  readonly #log: Logger;
  readonly #workDir: string;
  readonly #scheduled = new Map<string, Scheduled>();
  readonly #removing = new Set<Promise<void>>();
  readonly #succeeded: Counter;
  readonly #failed: Counter;
  #usage: number | undefined;
  #dueTimer: TimerHandle | undefined;
  #dueAt: number | undefined;
  #diskWatch: TimerHandle | undefined;
  #stopped = false;

  constructor(options: SandboxGcOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'gc' });
    this.#workDir = resolve(options.workDir);
    this.#succeeded = options.metrics.counter('gc/path_removals_succeeded');
    this.#failed = options.metrics.counter('gc/path_removals_failed');
    options.metrics.gauge('gc/path_removals_pending', () => this.pending);
  }

  /** Paths scheduled or being removed. */
  get pending(): number {
    return this.#scheduled.size + this.#removing.size;
  }

  /** The last measured disk usage of the work dir (undefined before the first measurement). */
  get diskUsage(): number | undefined {
    return this.#usage;
  }

  /** Starts the disk watch; the first measurement is one interval from now, as in Mesos. */
  start(): void {
    if (this.#stopped || this.#diskWatch) return;
    this.#diskWatch = this.#o.clock.setInterval(() => this.#watchDisk(), this.#o.diskWatchIntervalMs);
  }

  /**
   * Schedules `path` (a terminated executor's sandbox) for removal after the GC delay, counted
   * from now. `detach` runs right before the removal (the `/files` attachment goes first, so no
   * half-removed sandbox is served). Scheduling a path again restarts its delay.
   */
  schedule(path: string, detach?: () => void): void {
    if (this.#stopped) return;
    const full = resolve(path);
    if (!isWithin(this.#workDir, full) || full === this.#workDir) {
      this.#log.error({ path: full, work_dir: this.#workDir }, 'refusing to schedule a path outside the work dir for removal');
      return;
    }
    this.#scheduled.set(full, { path: full, scheduledAt: this.#o.clock.now(), detach });
    this.#check();
  }

  /**
   * Schedules a sandbox found on disk at start-up (left by an executor that ended before this
   * agent process, or by an earlier agent id), its delay counted from `since` (the directory's
   * mtime, as Mesos does on recovery), so restarting the agent does not postpone every removal by
   * another --gc_delay. A path already scheduled keeps its entry.
   */
  scheduleFound(path: string, since: number): void {
    if (this.#scheduled.has(resolve(path))) return;
    this.schedule(path);
    const entry = this.#scheduled.get(resolve(path));
    if (!entry) return;
    entry.scheduledAt = Math.min(entry.scheduledAt, since);
    this.#check();
  }

  /** Stops the timers; resolves once removals in flight have finished. Pending paths stay on disk. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#diskWatch) this.#o.clock.clearInterval(this.#diskWatch);
    if (this.#dueTimer) this.#o.clock.clearTimeout(this.#dueTimer);
    this.#diskWatch = this.#dueTimer = this.#dueAt = undefined;
    while (this.#removing.size > 0) await Promise.allSettled([...this.#removing]);
  }

  /** Resolves once every removal started so far has finished (for tests and shutdown). */
  async settled(): Promise<void> {
    while (this.#removing.size > 0) await Promise.allSettled([...this.#removing]);
  }

  #watchDisk(): void {
    const usage = (this.#o.measureUsage ?? statfsUsage)(this.#workDir);
    if (usage === undefined) this.#log.warn({ work_dir: this.#workDir }, 'cannot measure disk usage of the work dir');
    this.#usage = usage;
    this.#check();
  }

  /** Removes what is due and arms the timer for the next one. */
  #check(): void {
    if (this.#stopped) return;
    const decision = decideGc([...this.#scheduled.values()], this.#o.clock.now(), this.#o.policy, this.#usage);
    for (const path of decision.due) {
      const entry = this.#scheduled.get(path);
      this.#scheduled.delete(path);
      if (entry) this.#startRemoval(entry, decision.delayMs);
    }
    this.#arm(decision.nextDueAt);
  }

  #arm(dueAt: number | undefined): void {
    if (dueAt === this.#dueAt) return;
    if (this.#dueTimer) this.#o.clock.clearTimeout(this.#dueTimer);
    this.#dueTimer = undefined;
    this.#dueAt = dueAt;
    if (dueAt === undefined) return;
    this.#dueTimer = this.#o.clock.setTimeout(() => {
      this.#dueTimer = this.#dueAt = undefined;
      this.#check();
    }, Math.max(0, dueAt - this.#o.clock.now()));
  }

  #startRemoval(entry: Scheduled, delayMs: number): void {
    const removal = this.#remove(entry, delayMs);
    this.#removing.add(removal);
    void removal.finally(() => this.#removing.delete(removal));
  }

  async #remove(entry: Scheduled, delayMs: number): Promise<void> {
    const { path } = entry;
    const refusal = this.#refusal(path);
    if (refusal === IN_USE) {
      // Not a failure: the executor directory was reused (a new run); its own end schedules it again.
      this.#log.info({ path }, 'not removing sandbox: a running executor uses it');
      return;
    }
    if (refusal !== undefined) {
      this.#failed.inc();
      this.#log.warn({ path, why: refusal }, 'not removing sandbox');
      return;
    }
    entry.detach?.();
    try {
      await rm(path, { recursive: true, force: true });
    } catch (err) {
      this.#failed.inc();
      this.#log.warn({ path, err: (err as Error).message }, 'cannot remove sandbox');
      return;
    }
    this.#succeeded.inc();
    this.#log.info({ path, gc_delay_ms: delayMs, disk_usage: this.#usage }, 'removed sandbox');
    this.#removeEmptyParents(path);
  }

  /** Why `path` must not be removed, or undefined when it may. */
  #refusal(path: string): string | undefined {
    for (const live of this.#o.liveSandboxes()) {
      if (isWithin(path, resolve(live))) return IN_USE;
    }
    let realWorkDir: string;
    try {
      realWorkDir = realpathSync(this.#workDir);
      const stats = lstatSync(path);
      if (stats.isSymbolicLink()) return 'it is a symlink';
      if (!stats.isDirectory()) return 'it is not a directory';
      const real = realpathSync(path);
      if (real === realWorkDir || !isWithin(realWorkDir, real)) return 'it resolves outside the work dir';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'it no longer exists';
      return (err as Error).message;
    }
    return undefined;
  }

  /**
   * After `<fw>/executors/<ex>/runs/<container>` went: a `runs/latest` link left dangling, then
   * `runs`, `<ex>`, `executors` and `<fw>` each when empty (Mesos collects the executor and
   * framework directories too). rmdir(2) refuses anything that is not empty.
   */
  #removeEmptyParents(runDir: string): void {
    const runs = dirname(runDir);
    const latest = join(runs, LATEST);
    try {
      if (!existsSync(join(runs, readlinkSync(latest)))) unlinkSync(latest);
    } catch {
      // No latest link, or not a link: nothing to tidy.
    }
    const live = [...this.#o.liveSandboxes()].map((p) => resolve(p));
    let dir = runs;
    // runs, <ex>, executors, <fw>: four levels at most, never the work dir or above it.
    for (let level = 0; level < 4; level++) {
      if (!isWithin(this.#workDir, dir) || dir === this.#workDir) return;
      if (live.some((p) => isWithin(dir, p))) return;
      try {
        if (readdirSync(dir).length > 0) return;
        rmdirSync(dir);
      } catch {
        return;
      }
      dir = dirname(dir);
    }
  }
}

/**
 * Every executor run directory (sandbox) under `<work_dir>/slaves`, with its mtime: the
 * `slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>` level, `latest` links skipped.
 */
export function findSandboxes(workDir: string): { path: string; mtimeMs: number }[] {
  const out: { path: string; mtimeMs: number }[] = [];
  const dirs = (dir: string): string[] => {
    try {
      return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== LATEST).map((e) => join(dir, e.name));
    } catch {
      return [];
    }
  };
  for (const agent of dirs(join(workDir, 'slaves'))) {
    for (const framework of dirs(join(agent, 'frameworks'))) {
      for (const executor of dirs(join(framework, 'executors'))) {
        for (const run of dirs(join(executor, 'runs'))) {
          try {
            out.push({ path: run, mtimeMs: lstatSync(run).mtimeMs });
          } catch {
            // Gone meanwhile.
          }
        }
      }
    }
  }
  return out;
}
