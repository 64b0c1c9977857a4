// A queue of events read from a RecordIO stream, for test doubles: `next(type, match)` waits for
// the first unread event of that type that matches, leaving the others for later calls.

export class EventQueue<E extends { type: string }> {
  readonly #events: E[] = [];
  readonly #consumed = new Set<E>();
  #waiters: (() => void)[] = [];
  #ended: Error | undefined;

  push(event: E): void {
    this.#events.push(event);
    this.#wake();
  }

  end(reason: Error): void {
    this.#ended = reason;
    this.#wake();
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }

  /** Every event received so far, in order. */
  all(): readonly E[] {
    return this.#events;
  }

  /** Unread events of a type (without consuming them). */
  pending<T extends E['type']>(type: T): Extract<E, { type: T }>[] {
    return this.#events.filter((e) => e.type === type && !this.#consumed.has(e)) as Extract<E, { type: T }>[];
  }

  async next<T extends E['type']>(type: T, match: (e: Extract<E, { type: T }>) => boolean = () => true, timeoutMs = 15_000): Promise<Extract<E, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.#events.find((e) => e.type === type && !this.#consumed.has(e) && match(e as Extract<E, { type: T }>));
      if (found !== undefined) {
        this.#consumed.add(found);
        return found as Extract<E, { type: T }>;
      }
      if (this.#ended !== undefined) throw new Error(`stream ended while waiting for ${type}: ${this.#ended.message}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${type}; received: ${this.#events.map((e) => e.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves true if an event of `type` matching arrives within `ms`, else false (for "no re-offer" checks). */
  async arrivesWithin<T extends E['type']>(type: T, ms: number, match: (e: Extract<E, { type: T }>) => boolean = () => true): Promise<boolean> {
    try {
      await this.next(type, match, ms);
      return true;
    } catch {
      return false;
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
