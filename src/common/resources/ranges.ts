// Ranges of non-negative integers (ports, ephemeral ports), kept normalized: a flat array
// [begin0, end0, begin1, end1, ...] sorted by begin, inclusive bounds, with no two ranges
// overlapping or touching ([1-2] and [3-4] coalesce into [1-4], as Mesos's `coalesce`). With that
// invariant, union, difference and containment are single linear merges and equality is
// element-wise. Bounds are uint64 on the wire; we accept integers up to 2^53 - 1, the largest a
// JSON number carries exactly in JavaScript.

/** A normalized list of ranges: flat [begin, end] pairs, sorted, disjoint and non-adjacent. */
export type RangeList = readonly number[];

/** A range as it appears on the wire (`Value.Range`). */
export type Range = { readonly begin: number; readonly end: number };

export const EMPTY_RANGES: RangeList = Object.freeze([]);

/** Number of ranges in a normalized list. */
export function rangeCount(ranges: RangeList): number {
  return ranges.length >> 1;
}

/** Number of integers covered, e.g. [31000-32000] covers 1001 ports. */
export function rangesSize(ranges: RangeList): number {
  let total = 0;
  for (let i = 0; i < ranges.length; i += 2) total += ranges[i + 1]! - ranges[i]! + 1;
  return total;
}

/**
 * Why a list of ranges from one Resource is invalid (inverted, fractional, negative or
 * overlapping bounds), or undefined when it is valid. Adjacent ranges are allowed: they are
 * coalesced, as Mesos does. Overlap is refused, as Mesos's `Resources::validate` does.
 */
export function checkRanges(ranges: readonly Range[]): string | undefined {
  for (const { begin, end } of ranges) {
    for (const bound of [begin, end]) {
      if (!Number.isSafeInteger(bound) || bound < 0) {
        return `range bound ${String(bound)} is not a non-negative integer below 2^53`;
      }
    }
    if (begin > end) return `range begin ${begin} is greater than end ${end}`;
  }
  const sorted = [...ranges].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const current = sorted[i]!;
    if (current.begin <= previous.end) {
      return `ranges ${previous.begin}-${previous.end} and ${current.begin}-${current.end} overlap`;
    }
  }
  return undefined;
}

/** Sorts and coalesces arbitrary (already checked) ranges into a normalized list. */
export function normalizeRanges(ranges: readonly Range[]): RangeList {
  if (ranges.length === 0) return EMPTY_RANGES;
  const sorted = [...ranges].sort((a, b) => a.begin - b.begin || a.end - b.end);
  const out: number[] = [];
  for (const { begin, end } of sorted) appendRange(out, begin, end);
  return out;
}

/** Converts a normalized list back to wire ranges. */
export function toRangeObjects(ranges: RangeList): Range[] {
  const out: Range[] = [];
  for (let i = 0; i < ranges.length; i += 2) out.push({ begin: ranges[i]!, end: ranges[i + 1]! });
  return out;
}

// Appends [begin, end] to a normalized list whose last begin is <= begin, coalescing with the
// last range when they overlap or touch.
function appendRange(out: number[], begin: number, end: number): void {
  const n = out.length;
  if (n > 0 && begin <= out[n - 1]! + 1) {
    if (end > out[n - 1]!) out[n - 1] = end;
  } else {
    out.push(begin, end);
  }
}

/** Union of two normalized lists (Mesos `Ranges +`). */
export function unionRanges(a: RangeList, b: RangeList): RangeList {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) {
      appendRange(out, a[i]!, a[i + 1]!);
      i += 2;
    } else {
      appendRange(out, b[j]!, b[j + 1]!);
      j += 2;
    }
  }
  return out;
}

/** Difference a - b of two normalized lists (Mesos `Ranges -`): removes what b covers. */
export function subtractRanges(a: RangeList, b: RangeList): RangeList {
  if (a.length === 0 || b.length === 0) return a;
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let begin = a[i]!;
    const end = a[i + 1]!;
    // Skip the ranges of b that end before this range starts; they cannot affect later ranges
    // of a either, since a is sorted.
    while (j < b.length && b[j + 1]! < begin) j += 2;
    let k = j;
    while (k < b.length && b[k]! <= end) {
      if (b[k]! > begin) out.push(begin, b[k]! - 1);
      begin = b[k + 1]! + 1;
      if (begin > end) break;
      k += 2;
    }
    if (begin <= end) out.push(begin, end);
  }
  return out.length === 0 ? EMPTY_RANGES : out;
}

/** Whether every integer in b is also in a (Mesos `Ranges <=`, reversed). */
export function containsRanges(a: RangeList, b: RangeList): boolean {
  let i = 0;
  for (let j = 0; j < b.length; j += 2) {
    const begin = b[j]!;
    const end = b[j + 1]!;
    // Because a is coalesced, a range of b can only fit inside a single range of a.
    while (i < a.length && a[i + 1]! < begin) i += 2;
    if (i >= a.length || a[i]! > begin || a[i + 1]! < end) return false;
  }
  return true;
}

/** Whether two normalized lists cover the same integers. */
export function rangesEqual(a: RangeList, b: RangeList): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A total order on normalized lists, used to sort indivisible resources canonically. */
export function compareRanges(a: RangeList, b: RangeList): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Mesos's text for ranges: `[31000-31005, 31010-31010]` (the legacy JSON uses this). */
export function formatRanges(ranges: RangeList): string {
  const parts: string[] = [];
  for (let i = 0; i < ranges.length; i += 2) parts.push(`${ranges[i]}-${ranges[i + 1]}`);
  return `[${parts.join(', ')}]`;
}
