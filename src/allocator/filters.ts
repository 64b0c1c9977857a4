// Offer filters ("refuse these resources on this agent for N seconds"), indexed so that the
// allocation loop pays almost nothing for them.
//
// A filter is keyed (framework, role, agent) and remembers the refused resources; a candidate
// offer is filtered only if the refused resources contain it, so an agent that frees more is
// offered again before expiry (Mesos's RefusedOfferFilter). Filters expire on the clock the
// caller passes in: `expire(now)` pops every filter whose time has come off a min-heap.
//
// The index: one bit per framework in a per-agent bitset says "this framework has some filter on
// this agent". The loop tests that bit first (a load and a mask); only a set bit leads to the
// per-pair list, then a scalar pre-check on quantity vectors, and only then `Resources.contains`.
import type { Resources } from '../common/resources/index.ts';
import type { ScalarVec } from './vector.ts';

// Whether a <= b slot by slot, reading slots past the end of b (a compact vector) as zero.
function fitsWithin(a: ScalarVec, b: ScalarVec, n: number): boolean {
  const m = b.length < n ? b.length : n;
  for (let i = 0; i < m; i++) if (a[i]! > b[i]!) return false;
  for (let i = m; i < n; i++) if (a[i]! > 0) return false;
  return true;
}

/** One refusal. */
export type OfferFilter = {
  readonly framework: number;
  readonly agent: number;
  readonly role: string;
  readonly refused: Resources;
  readonly refusedScalars: ScalarVec;
  /** Milliseconds on the caller's clock after which the filter no longer applies. */
  readonly expiresAt: number;
  removed: boolean;
};

export class OfferFilters {
  // agent index -> framework index -> filters of that pair
  readonly #byPair = new Map<number, Map<number, OfferFilter[]>>();
  readonly #byFramework = new Map<number, Set<OfferFilter>>();
  readonly #bits: (Uint32Array | undefined)[] = [];
  readonly #heap: OfferFilter[] = [];
  #count = 0;

  /** Number of live filters. */
  get size(): number {
    return this.#count;
  }

  add(filter: OfferFilter): void {
    let perAgent = this.#byPair.get(filter.agent);
    if (perAgent === undefined) this.#byPair.set(filter.agent, (perAgent = new Map()));
    let list = perAgent.get(filter.framework);
    if (list === undefined) perAgent.set(filter.framework, (list = []));
    list.push(filter);
    let mine = this.#byFramework.get(filter.framework);
    if (mine === undefined) this.#byFramework.set(filter.framework, (mine = new Set()));
    mine.add(filter);
    this.#setBit(filter.agent, filter.framework, true);
    this.#count++;
    // Removed filters stay in the heap until they surface; rebuild when they dominate.
    if (this.#heap.length > 2 * this.#count + 1024) this.#rebuildHeap();
    this.#push(filter);
  }

  #rebuildHeap(): void {
    const live = this.#heap.filter((f) => !f.removed);
    this.#heap.length = 0;
    for (const f of live) this.#push(f);
  }

  /** Cheap test: does the framework have any filter on the agent? */
  mayFilter(agent: number, framework: number): boolean {
    const bits = this.#bits[agent];
    if (bits === undefined) return false;
    const word = framework >>> 5;
    return word < bits.length && (bits[word]! & (1 << (framework & 31))) !== 0;
  }

  /**
   * Whether a filter of (framework, role, agent) contains the candidate offer. `n` is the
   * number of scalar slots in use.
   */
  isFiltered(agent: number, framework: number, role: string, candidate: Resources, scalars: ScalarVec, n: number): boolean {
    if (!this.mayFilter(agent, framework)) return false;
    const list = this.#byPair.get(agent)?.get(framework);
    if (list === undefined) return false;
    for (const f of list) {
      if (f.role !== role) continue;
      if (!fitsWithin(scalars, f.refusedScalars, n)) continue;
      if (f.refused.contains(candidate)) return true;
    }
    return false;
  }

  /** Removes every filter that expires at or before `now`; returns how many. */
  expire(now: number): number {
    let removed = 0;
    const heap = this.#heap;
    while (heap.length > 0 && heap[0]!.expiresAt <= now) {
      const f = this.#pop();
      if (!f.removed) {
        this.#remove(f);
        removed++;
      }
    }
    return removed;
  }

  /** The earliest expiry among live filters (for a caller scheduling the next cycle). */
  nextExpiry(): number | undefined {
    while (this.#heap.length > 0 && this.#heap[0]!.removed) this.#pop();
    return this.#heap[0]?.expiresAt;
  }

  /** Removes a framework's filters, for the given roles or all of them. */
  removeFramework(framework: number, roles?: ReadonlySet<string>): void {
    const mine = this.#byFramework.get(framework);
    if (mine === undefined) return;
    for (const f of [...mine]) if (roles === undefined || roles.has(f.role)) this.#remove(f);
  }

  /** Removes every filter on an agent. */
  removeAgent(agent: number): void {
    const perAgent = this.#byPair.get(agent);
    if (perAgent === undefined) return;
    for (const list of [...perAgent.values()]) for (const f of [...list]) this.#remove(f);
  }

  /** Live filters of a framework (for tests and diagnostics). */
  ofFramework(framework: number): OfferFilter[] {
    return [...(this.#byFramework.get(framework) ?? [])];
  }

  #remove(f: OfferFilter): void {
    if (f.removed) return;
    f.removed = true;
    this.#count--;
    const perAgent = this.#byPair.get(f.agent);
    const list = perAgent?.get(f.framework);
    if (perAgent !== undefined && list !== undefined) {
      const i = list.indexOf(f);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) {
        perAgent.delete(f.framework);
        this.#setBit(f.agent, f.framework, false);
        if (perAgent.size === 0) this.#byPair.delete(f.agent);
      }
    }
    const mine = this.#byFramework.get(f.framework);
    if (mine !== undefined) {
      mine.delete(f);
      if (mine.size === 0) this.#byFramework.delete(f.framework);
    }
  }

  #setBit(agent: number, framework: number, on: boolean): void {
    if (agent >= this.#bits.length) {
      if (!on) return;
      // Grow densely (holes would turn the array into a slow dictionary).
      while (this.#bits.length <= agent) this.#bits.push(undefined);
    }
    let bits = this.#bits[agent];
    const word = framework >>> 5;
    if (bits === undefined || word >= bits.length) {
      if (!on) return;
      const grown = new Uint32Array(Math.max(word + 1, (bits?.length ?? 0) * 2, 4));
      if (bits !== undefined) grown.set(bits);
      this.#bits[agent] = bits = grown;
    }
    if (on) bits[word]! |= 1 << (framework & 31);
    else bits[word]! &= ~(1 << (framework & 31));
  }

  // Binary min-heap on expiresAt; removed filters are dropped lazily when they surface.
  #push(f: OfferFilter): void {
    const heap = this.#heap;
    heap.push(f);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.expiresAt <= f.expiresAt) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = f;
  }

  #pop(): OfferFilter {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const r = l + 1;
        const c = r < heap.length && heap[r]!.expiresAt < heap[l]!.expiresAt ? r : l;
        if (heap[c]!.expiresAt >= last.expiresAt) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}
