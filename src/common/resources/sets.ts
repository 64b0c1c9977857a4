// Set values (`Value.Set`), kept as sorted arrays of distinct strings so that union, difference
// and containment are linear merges and equality is element-wise. Mesos keeps insertion order;
// set semantics do not depend on order, and a canonical order makes output deterministic.

/** A canonical set: strictly increasing (by UTF-16 code units) array of distinct items. */
export type ItemSet = readonly string[];

export const EMPTY_SET: ItemSet = Object.freeze([]);

/** Why the items of one Resource are invalid (duplicates), or undefined. */
export function checkSetItems(items: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item)) return `duplicate set item '${item}'`;
    seen.add(item);
  }
  return undefined;
}

/** Canonical form of checked (duplicate-free) items. */
export function normalizeSet(items: readonly string[]): ItemSet {
  if (items.length === 0) return EMPTY_SET;
  return [...items].sort(compareStrings);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function unionSets(a: ItemSet, b: ItemSet): ItemSet {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

export function subtractSets(a: ItemSet, b: ItemSet): ItemSet {
  if (a.length === 0 || b.length === 0) return a;
  const out: string[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) continue;
    out.push(x);
  }
  return out.length === 0 ? EMPTY_SET : out;
}

export function containsSet(a: ItemSet, b: ItemSet): boolean {
  if (b.length > a.length) return false;
  let i = 0;
  for (const y of b) {
    while (i < a.length && a[i]! < y) i++;
    if (i >= a.length || a[i] !== y) return false;
    i++;
  }
  return true;
}

export function setsEqual(a: ItemSet, b: ItemSet): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function compareSets(a: ItemSet, b: ItemSet): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareStrings(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Mesos's text for a set: `{a, b}` (the legacy JSON uses this). */
export function formatSet(items: ItemSet): string {
  return `{${items.join(', ')}}`;
}
