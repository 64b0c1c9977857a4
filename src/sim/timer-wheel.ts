// One timer for every simulated agent and framework in the process. Thousands of agents each
// with their own setTimeout/setInterval cost a libuv timer and a closure apiece and fire in a
// storm; the wheel keeps due callbacks in slots of `tickMs` and runs one clock interval, only
// while something is scheduled. Callbacks run at most one tick late, never early.
import type { Clock, TimerHandle } from '../common/clock.ts';

type Entry = { fn: () => void; cancelled: boolean };

/** What `schedule` returns: cancel it before it fires and it never runs. */
export type WheelTimer = { cancel(): void };

export class TimerWheel {
  readonly #clock: Clock;
  readonly #tickMs: number;
  /** Slot number (absolute tick) → callbacks due in it. */
  readonly #slots = new Map<number, Entry[]>();
  /** The first slot not yet run. */
  #cursor: number;
  #pending = 0;
  #interval: TimerHandle | undefined;
  #onError: (err: unknown) => void;

  constructor(clock: Clock, options: { tickMs?: number; onError?: (err: unknown) => void } = {}) {
    this.#clock = clock;
    this.#tickMs = options.tickMs ?? 10;
    this.#cursor = Math.floor(clock.now() / this.#tickMs);
    this.#onError = options.onError ?? ((err) => queueMicrotask(() => { throw err; }));
  }

  /** The wheel's clock, for timestamps that must agree with its timers. */
  now(): number {
    return this.#clock.now();
  }

  /** Callbacks waiting to run. */
  get size(): number {
    return this.#pending;
  }

  /** Runs `fn` once, `delayMs` from now (0: on the next tick). */
  schedule(delayMs: number, fn: () => void): WheelTimer {
    const due = Math.max(this.#cursor, Math.ceil((this.#clock.now() + Math.max(0, delayMs)) / this.#tickMs));
    const entry: Entry = { fn, cancelled: false };
    let slot = this.#slots.get(due);
    if (slot === undefined) this.#slots.set(due, (slot = []));
    slot.push(entry);
    this.#pending++;
    this.#start();
    return {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.#pending--;
      },
    };
  }

  /** Runs `fn` every `everyMs` until the returned timer is cancelled. */
  every(everyMs: number, fn: () => void): WheelTimer {
    let current: WheelTimer | undefined;
    let stopped = false;
    const arm = (): void => {
      current = this.schedule(everyMs, () => {
        if (stopped) return;
        arm();
        fn();
      });
    };
    arm();
    return {
      cancel: () => {
        stopped = true;
        current?.cancel();
      },
    };
  }

  /** Runs every slot that is due now; the clock interval calls it. */
  runDue(): void {
    const now = Math.floor(this.#clock.now() / this.#tickMs);
    while (this.#cursor <= now) {
      const slot = this.#slots.get(this.#cursor);
      this.#slots.delete(this.#cursor);
      this.#cursor++;
      if (slot === undefined) continue;
      for (const entry of slot) {
        if (entry.cancelled) continue;
        entry.cancelled = true;
        this.#pending--;
        try {
          entry.fn();
        } catch (err) {
          this.#onError(err);
        }
      }
    }
    if (this.#pending === 0) this.stop();
  }

  #start(): void {
    if (this.#interval !== undefined) return;
    // Slots skipped while idle hold only cancelled entries; start from the present.
    const now = Math.floor(this.#clock.now() / this.#tickMs);
    if (now > this.#cursor) {
      for (const slot of this.#slots.keys()) if (slot < now) this.#slots.delete(slot);
      this.#cursor = now;
    }
    this.#interval = this.#clock.setInterval(() => this.runDue(), this.#tickMs);
  }

  /** Stops the interval; scheduled callbacks stay and run once something is scheduled again. */
  stop(): void {
    if (this.#interval === undefined) return;
    this.#clock.clearInterval(this.#interval);
    this.#interval = undefined;
  }

  /** Drops everything scheduled and stops. */
  clear(): void {
    this.#slots.clear();
    this.#pending = 0;
    this.stop();
  }
}
