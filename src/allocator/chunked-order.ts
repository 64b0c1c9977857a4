// A sorted sequence kept as a list of small sorted chunks (a one-level B-tree). The DRF sorter
// repositions one child per allocation; in a plain sorted array that moves O(n) pointers (a
// framework going from the front to the back of 3000 siblings moves 3000), here at most one
// chunk of up to MAX_CHUNK entries shifts, and chunks are found by binary search on their
// last element. Iteration in order is chunk by chunk.

/** Largest chunk before it is split in two. */
const MAX_CHUNK = 64;

export class ChunkedOrder<T> {
  readonly chunks: T[][] = [];
  #size = 0;
  readonly #compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  get size(): number {
    return this.#size;
  }

  clear(): void {
    this.chunks.length = 0;
    this.#size = 0;
  }

  /** Inserts `item` at its sorted place. */
  insert(item: T): void {
    const chunks = this.chunks;
    this.#size++;
    if (chunks.length === 0) {
      chunks.push([item]);
      return;
    }
    let c = this.#chunkFor(item);
    if (c === chunks.length) c--;
    const chunk = chunks[c]!;
    // Shift by hand: Array#splice allocates its result array on every call.
    const at = this.#lowerBound(chunk, item);
    chunk.push(item);
    for (let i = chunk.length - 1; i > at; i--) chunk[i] = chunk[i - 1]!;
    chunk[at] = item;
    if (chunk.length > MAX_CHUNK) chunks.splice(c + 1, 0, chunk.splice(chunk.length >> 1));
  }

  /** Removes `item` (found by its current sort key); returns whether it was there. */
  remove(item: T): boolean {
    const chunks = this.chunks;
    const c = this.#chunkFor(item);
    if (c < chunks.length) {
      const chunk = chunks[c]!;
      const i = this.#lowerBound(chunk, item);
      if (chunk[i] === item) {
        this.#removeAt(c, i);
        return true;
      }
    }
    // Fall back to a scan (only if the caller changed the key without telling us).
    for (let k = 0; k < chunks.length; k++) {
      const i = chunks[k]!.indexOf(item);
      if (i >= 0) {
        this.#removeAt(k, i);
        return true;
      }
    }
    return false;
  }

  /** Replaces `from` by `to`, which must sort at the same place. */
  replace(from: T, to: T): void {
    for (const chunk of this.chunks) {
      const i = chunk.indexOf(from);
      if (i >= 0) {
        chunk[i] = to;
        return;
      }
    }
  }

  /** Re-sorts everything (after every key changed). */
  resort(): void {
    const all: T[] = [];
    for (const chunk of this.chunks) for (const x of chunk) all.push(x);
    all.sort(this.#compare);
    this.chunks.length = 0;
    for (let i = 0; i < all.length; i += MAX_CHUNK >> 1) this.chunks.push(all.slice(i, i + (MAX_CHUNK >> 1)));
  }

  /** All items in order (for tests and small sorters). */
  toArray(): T[] {
    const out: T[] = [];
    for (const chunk of this.chunks) for (const x of chunk) out.push(x);
    return out;
  }

  #removeAt(c: number, i: number): void {
    const chunk = this.chunks[c]!;
    for (let k = i + 1; k < chunk.length; k++) chunk[k - 1] = chunk[k]!;
    chunk.length--;
    this.#size--;
    if (chunk.length === 0) this.chunks.splice(c, 1);
  }

  // Index of the first chunk whose last item is >= item (chunks.length if none).
  #chunkFor(item: T): number {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = chunks[mid]!;
      if (this.#compare(chunk[chunk.length - 1]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #lowerBound(chunk: T[], item: T): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#compare(chunk[mid]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
