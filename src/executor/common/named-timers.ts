// A few one-shot timers known by name, over a Clock: setting a name replaces its pending timer,
// and once stopped no timer fires any more. The executors' backoff, recovery, escalation and
// acknowledgement timers all follow that pattern.
import type { Clock, TimerHandle } from '../../common/clock.ts';

export class NamedTimers<Name extends string> {
  readonly #clock: Clock;
  readonly #timers = new Map<Name, TimerHandle>();
  #stopped = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Runs `fn` after `ms`, replacing the pending timer of the same name. */
  set(name: Name, ms: number, fn: () => void): void {
    if (this.#stopped) return;
    this.clear(name);
    this.#timers.set(
      name,
      this.#clock.setTimeout(() => {
        this.#timers.delete(name);
        if (!this.#stopped) fn();
      }, ms),
    );
  }

  has(name: Name): boolean {
    return this.#timers.has(name);
  }

  clear(name: Name): void {
    const handle = this.#timers.get(name);
    if (handle !== undefined) this.#clock.clearTimeout(handle);
    this.#timers.delete(name);
  }

  /** Clears every timer; later `set` calls do nothing. */
  stop(): void {
    this.#stopped = true;
    for (const name of [...this.#timers.keys()]) this.clear(name);
  }
}
