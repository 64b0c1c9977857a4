// The numeric core of the allocator: scalar resource quantities as fixed-width Float64Arrays
// indexed by resource name, instead of name-keyed maps or Resource lists, on every hot path
// (DRF shares, quota consumption, headroom, min-allocatable checks, filter pre-checks).
//
// Values are integer thousandths (Mesos fixed-point scalars, see src/common/resources/scalar.ts),
// so sums and differences are exact. A `ScalarSpace` assigns each scalar resource name a slot the
// first time it is seen (through the resources library's `ScalarIndex`, so cpus/mem/disk/gpus
// have the same slots 0-3 everywhere). Unlike the library's growable `ScalarVector`, every vector
// the allocator owns is a bare Float64Array of fixed `capacity` and loops run to `space.size`:
// registering a new name never reallocates anything and the inner loops carry no bounds logic.
import { InvalidArgumentError } from '../common/errors.ts';
import { ScalarIndex } from '../common/resources/index.ts';

/** A scalar quantity vector: slot i holds thousandths of resource `space.nameOf(i)`. */
export type ScalarVec = Float64Array;

/** The names every cluster has, pre-registered so their slots are stable and small. */
export const WELL_KNOWN_SCALARS = ['cpus', 'mem', 'disk', 'gpus'] as const;

/** Default number of distinct scalar resource names one allocator supports. */
export const DEFAULT_SCALAR_CAPACITY = 32;

/** The name → slot registry shared by every vector of one allocator. */
export class ScalarSpace {
  readonly capacity: number;
  readonly index: ScalarIndex;

  constructor(capacity: number = DEFAULT_SCALAR_CAPACITY) {
    this.capacity = capacity;
    this.index = new ScalarIndex(WELL_KNOWN_SCALARS);
  }

  /** Number of registered names: loops over vectors run from 0 to `size`. */
  get size(): number {
    return this.index.size;
  }

  /** The slot of `name`, registering it on first sight. */
  slot(name: string): number {
    // The four well-known names have fixed slots (see WELL_KNOWN_SCALARS): skip the map.
    if (name === 'cpus') return 0;
    if (name === 'mem') return 1;
    if (name === 'disk') return 2;
    if (name === 'gpus') return 3;
    const found = this.index.find(name);
    if (found !== -1) return found;
    if (this.index.size >= this.capacity) {
      throw new InvalidArgumentError(`more than ${this.capacity} distinct scalar resource names`, { name });
    }
    return this.index.slotOf(name);
  }

  /** The slot of `name`, or -1 when it was never registered. */
  find(name: string): number {
    return this.index.find(name);
  }

  nameOf(slot: number): string {
    return this.index.nameOf(slot) ?? `#${slot}`;
  }

  names(): readonly string[] {
    return this.index.names();
  }

  /** A zero vector. */
  zero(): ScalarVec {
    return new Float64Array(this.capacity);
  }

  /** A vector with every slot set to +Infinity (an absent limit). */
  unbounded(): ScalarVec {
    return new Float64Array(this.capacity).fill(Infinity);
  }

  /** A vector from `{name: thousandths}`; names are registered as needed. */
  fromRecord(record: Readonly<Record<string, number>>, fill = 0): ScalarVec {
    const v = fill === 0 ? this.zero() : new Float64Array(this.capacity).fill(fill);
    for (const [name, value] of Object.entries(record)) v[this.slot(name)] = value;
    return v;
  }

  /** `{name: thousandths}` of the non-zero, finite slots (for output and tests). */
  toRecord(v: ScalarVec): Record<string, number> {
    const out: Record<string, number> = {};
    const names = this.index.names();
    for (let i = 0; i < names.length; i++) {
      const x = v[i]!;
      if (x !== 0 && Number.isFinite(x)) out[names[i]!] = x;
    }
    return out;
  }
}

/** dst += src over the first n slots. */
export function addInto(dst: ScalarVec, src: ScalarVec, n: number): void {
  for (let i = 0; i < n; i++) dst[i]! += src[i]!;
}

/** dst -= src over the first n slots. */
export function subInto(dst: ScalarVec, src: ScalarVec, n: number): void {
  for (let i = 0; i < n; i++) dst[i]! -= src[i]!;
}

/** dst = a - b, clamped at zero (ResourceQuantities subtraction never goes negative). */
export function subClamped(dst: ScalarVec, a: ScalarVec, b: ScalarVec, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = a[i]! - b[i]!;
    dst[i] = x > 0 ? x : 0;
  }
}

/** dst = min(dst, src) slot by slot. */
export function minInto(dst: ScalarVec, src: ScalarVec, n: number): void {
  for (let i = 0; i < n; i++) if (src[i]! < dst[i]!) dst[i] = src[i]!;
}

/** Whether a <= b in every slot (a "fits in" b). */
export function fitsIn(a: ScalarVec, b: ScalarVec, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i]! > b[i]!) return false;
  return true;
}

/** Whether every slot is zero. */
export function isZero(a: ScalarVec, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== 0) return false;
  return true;
}

/** Whether some slot is positive. */
export function anyPositive(a: ScalarVec, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i]! > 0) return true;
  return false;
}

/** Whether two vectors are equal over the first n slots. */
export function vecEquals(a: ScalarVec, b: ScalarVec, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Copies the first n slots of src into dst. */
export function copyInto(dst: ScalarVec, src: ScalarVec, n: number): void {
  for (let i = 0; i < n; i++) dst[i] = src[i]!;
}

/** Sets the first n slots to zero. */
export function clear(dst: ScalarVec, n: number): void {
  dst.fill(0, 0, n);
}

/**
 * The DRF dominant share: max over slots of allocation / total, skipping slots whose total is
 * zero and slots marked in `excluded` (`--fair_sharing_excluded_resource_names`).
 */
export function dominantShare(alloc: ScalarVec, total: ScalarVec, n: number, excluded?: Uint8Array): number {
  let share = 0;
  for (let i = 0; i < n; i++) {
    const t = total[i]!;
    if (t <= 0 || (excluded !== undefined && excluded[i] === 1)) continue;
    const s = alloc[i]! / t;
    if (s > share) share = s;
  }
  return share;
}

/** Bit mask of slots holding a positive value (slots beyond 31 fold onto bit 31). */
export function positiveMask(a: ScalarVec, n: number): number {
  let mask = 0;
  for (let i = 0; i < n; i++) if (a[i]! > 0) mask |= 1 << (i < 31 ? i : 31);
  return mask;
}

/** Bit mask of slots that are zero or below (used for "capped" quota dimensions). */
export function nonPositiveMask(a: ScalarVec, n: number): number {
  let mask = 0;
  for (let i = 0; i < n; i++) if (!(a[i]! > 0)) mask |= 1 << (i < 31 ? i : 31);
  return mask;
}
