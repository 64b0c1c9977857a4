// `--agent_removal_rate_limit` (master-features §6.3): how fast agents that fail their health
// checks are marked unreachable, so that a network blip (or a master's own stall) cannot mark the
// whole cluster unreachable in one go and send every framework TASK_UNREACHABLE/TASK_LOST at once.
//
// The value is Mesos' `N/DURATION` (`1/10mins`, `2/3hrs`): N removals per DURATION, granted
// evenly spaced (one every DURATION/N), first come first served, as libprocess' RateLimiter did
// (no bursts: an idle hour does not bank removals). Unset means unlimited: removal at once.
//
// An agent waiting in the queue that answers a ping or re-subscribes is taken out of it (cancel)
// and never marked. Metrics: master/slave_unreachable_scheduled (queued), _completed (marked,
// counted by agents.ts), _canceled (taken out before its turn).
import type { Clock, TimerHandle } from '../common/clock.ts';
import { InvalidArgumentError } from '../common/errors.ts';
import { formatDuration, parseDuration } from '../common/units.ts';

export type RemovalRate = { readonly permits: number; readonly durationMs: number };

/** Parses `N/DURATION`; throws naming the flag on anything else. */
export function parseRemovalRate(text: string, flag = '--agent_removal_rate_limit'): RemovalRate {
  const slash = text.indexOf('/');
  const bad = (why: string): InvalidArgumentError =>
    new InvalidArgumentError(`${flag}: '${text}' is not a rate of the form <agents>/<duration> (e.g. 1/10mins): ${why}`);
  if (slash < 0) throw bad("missing '/'");
  const permitsText = text.slice(0, slash).trim();
  const permits = Number(permitsText);
  if (!/^\d+$/.test(permitsText) || !Number.isSafeInteger(permits) || permits < 1) throw bad('the number of agents must be a positive integer');
  let durationMs: number;
  try {
    durationMs = parseDuration(text.slice(slash + 1).trim());
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (!(durationMs > 0)) throw bad('the duration must be positive');
  return { permits, durationMs };
}

export function formatRemovalRate(rate: RemovalRate): string {
  return `${rate.permits}/${formatDuration(rate.durationMs)}`;
}

/** What the limiter needs of a clock: the master passes its own timers (cleared on stop). */
export type LimiterTimers = Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;

/**
 * Pure spacing rule: given when the last removal was granted, the earliest time the next may be.
 * `undefined` rate: no limit.
 */
export function nextGrantAt(rate: RemovalRate | undefined, lastGrantAt: number | undefined, now: number): number {
  if (rate === undefined || lastGrantAt === undefined) return now;
  return Math.max(now, lastGrantAt + rate.durationMs / rate.permits);
}

/**
 * A FIFO of pending removals, granted at the configured rate. `schedule` runs the removal at once
 * when it may (synchronously, so an unlimited master behaves exactly as without a limiter).
 */
export class RemovalRateLimiter {
  readonly #rate: RemovalRate | undefined;
  readonly #timers: LimiterTimers;
  readonly #queue = new Map<string, () => void>();
  #lastGrantAt: number | undefined;
  #timer: TimerHandle | undefined;

  constructor(rate: RemovalRate | undefined, timers: LimiterTimers) {
    this.#rate = rate;
    this.#timers = timers;
  }

  get rate(): RemovalRate | undefined {
    return this.#rate;
  }

  /** Whether `id` is waiting for its turn. */
  has(id: string): boolean {
    return this.#queue.has(id);
  }

  get pending(): number {
    return this.#queue.size;
  }

  /** Queues `remove` for `id` (a second schedule of a waiting id is ignored); false if ignored. */
  schedule(id: string, remove: () => void): boolean {
    if (this.#queue.has(id)) return false;
    this.#queue.set(id, remove);
    this.#drain();
    return true;
  }

  /** Takes `id` out of the queue; true if it was waiting. */
  cancel(id: string): boolean {
    const had = this.#queue.delete(id);
    if (had && this.#queue.size === 0 && this.#timer !== undefined) {
      this.#timers.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    return had;
  }

  /** Drops everything (master stop); nothing queued runs afterwards. */
  clear(): void {
    this.#queue.clear();
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #drain(): void {
    if (this.#timer !== undefined) return;
    for (;;) {
      const first = this.#queue.entries().next();
      if (first.done === true) return;
      const now = this.#timers.now();
      const at = nextGrantAt(this.#rate, this.#lastGrantAt, now);
      if (at > now) {
        this.#timer = this.#timers.setTimeout(() => {
          this.#timer = undefined;
          this.#drain();
        }, at - now);
        return;
      }
      const [id, remove] = first.value;
      this.#queue.delete(id);
      this.#lastGrantAt = now;
      remove();
    }
  }
}
