// Time as a dependency. Everything with a timer (offer timeouts, heartbeats, backoff, filter
// expiry) takes a Clock, so tests advance a ManualClock instead of sleeping and decision code
// receives `now` as an argument.

export type TimerHandle = { readonly id: number };

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

/** The real clock. Timers are unref'd so that a pending timer never keeps a process alive. */
export class SystemClock implements Clock {
  #nextId = 1;
  readonly #timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    const t = setTimeout(() => {
      this.#timers.delete(id);
      fn();
    }, ms);
    t.unref();
    this.#timers.set(id, t);
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    const t = this.#timers.get(handle.id);
    if (t) clearTimeout(t);
    this.#timers.delete(handle.id);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    const t = setInterval(fn, ms);
    t.unref();
    this.#timers.set(id, t);
    return { id };
  }

  clearInterval(handle: TimerHandle): void {
    const t = this.#timers.get(handle.id);
    if (t) clearInterval(t);
    this.#timers.delete(handle.id);
  }
}

type ManualTimer = { id: number; due: number; seq: number; fn: () => void; every: number | undefined };

/**
 * A clock that moves only when told to. `advance(ms)` fires due timers in order of due time
 * (ties in creation order), with `now()` equal to each timer's due time while it runs, so a
 * timer set from inside a callback fires in the same advance if it falls due within it.
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #seq = 0;
  readonly #timers = new Map<number, ManualTimer>();

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, undefined);
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle.id);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  clearInterval(handle: TimerHandle): void {
    this.#timers.delete(handle.id);
  }

  /** Number of timers not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`cannot advance a clock by a negative amount (${ms} ms)`);
    const target = this.#now + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.#timers.values()) {
        if (t.due <= target && (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      this.#now = next.due;
      if (next.every === undefined) {
        this.#timers.delete(next.id);
      } else {
        next.due += next.every;
        next.seq = this.#seq++;
      }
      next.fn();
    }
    this.#now = target;
  }

  #add(fn: () => void, ms: number, every: number | undefined): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, due: this.#now + Math.max(0, ms), seq: this.#seq++, fn, every });
    return { id };
  }
}
