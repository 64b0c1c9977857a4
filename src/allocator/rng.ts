// Seeded randomness for the allocator. Decision code never calls Math.random(): the caller passes
// an `Rng` (a function returning a float in [0, 1)), seeded from something it can log, so a cycle
// can be replayed exactly (Nomad seeds its node shuffle from the evaluation id the same way).

/** A source of uniform floats in [0, 1). */
export type Rng = () => number;

/** mulberry32: a tiny, fast 32-bit generator; plenty for shuffling agents. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives a 32-bit seed from a string (an id, a cycle number) with FNV-1a. */
export function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** In-place Fisher-Yates shuffle of the first `n` entries. */
export function shuffle<T>(items: T[] | Int32Array, rng: Rng, n: number = items.length): void {
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
}
