// Allocator-specific operations on the resource model (src/common/resources): scalar quantity
// vectors of a Resources value, "chopping" unreserved scalars down to a quantity (Mesos's
// `shrinkResources`, which the library does not have), and stripping what a framework is not
// capable of receiving (Mesos's `stripIncapableResources`).
import { Resources, type ResourceEntry } from '../common/resources/index.ts';
import type { ScalarSpace, ScalarVec } from './vector.ts';

/** Framework capabilities the allocator looks at, as bits. */
export const CAP_MULTI_ROLE = 1;
export const CAP_GPU = 2;
export const CAP_REVOCABLE = 4;
export const CAP_SHARED = 8;
export const CAP_REFINEMENT = 16;

/** Which entries a quantity vector counts. */
export type VecFilter = 'all' | 'unreservedNonRevocable' | 'reserved';

/** dst += scalar quantities of `resources` (those passing `filter`); registers new names. */
export function addScalars(dst: ScalarVec, resources: Resources, space: ScalarSpace, filter: VecFilter = 'all'): void {
  const entries = resources.entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.type !== 'SCALAR') continue;
    if (filter === 'unreservedNonRevocable' && (!e.isUnreserved || e.isRevocable)) continue;
    if (filter === 'reserved' && e.isUnreserved) continue;
    dst[space.slot(e.name)]! += e.thousandths;
  }
}

/** A new vector of the scalar quantities of `resources`. */
export function scalarsOf(resources: Resources, space: ScalarSpace, filter: VecFilter = 'all'): ScalarVec {
  const v = space.zero();
  addScalars(v, resources, space, filter);
  return v;
}

/**
 * Scalar quantities in a vector only as long as the slots registered so far (for long-lived
 * records such as filters; read slots beyond the end as zero).
 */
export function compactScalarsOf(resources: Resources, space: ScalarSpace): ScalarVec {
  const v = new Float64Array(space.size);
  for (const e of resources.entries) {
    if (e.type !== 'SCALAR') continue;
    const slot = space.slot(e.name);
    if (slot < v.length) v[slot]! += e.thousandths;
    else return scalarsOf(resources, space);
  }
  return v;
}

/**
 * The part of `resources` that fits in `limit` (thousandths per slot; +Infinity = no limit), taken
 * in canonical order. Divisible scalars are cut; indivisible ones (MOUNT disks, persistent
 * volumes, shared resources) are taken whole or not at all. Non-scalars are dropped: callers
 * pass only the unreserved non-revocable scalars quota applies to.
 */
export function shrinkTo(resources: Resources, limit: ScalarVec, space: ScalarSpace): Resources {
  const remaining = limit.slice();
  const out: ResourceEntry[] = [];
  let changed = false;
  for (const e of resources.entries) {
    if (e.type !== 'SCALAR') {
      changed = true;
      continue;
    }
    const slot = space.slot(e.name);
    const room = remaining[slot]!;
    if (room <= 0) {
      changed = true;
      continue;
    }
    if (e.thousandths <= room) {
      out.push(e);
      remaining[slot] = room - e.thousandths;
    } else if (e.kind === 0 /* MERGE: divisible */) {
      out.push(e.withValue(room, e.ranges, e.set));
      remaining[slot] = 0;
      changed = true;
    } else {
      changed = true;
    }
  }
  return changed ? Resources.fromEntries(out) : resources;
}

/** Whether an entry can go to a framework with capability bits `caps`. */
export function capableOf(e: ResourceEntry, caps: number): boolean {
  if (e.isRevocable && (caps & CAP_REVOCABLE) === 0) return false;
  if (e.isShared && (caps & CAP_SHARED) === 0) return false;
  if (e.hasRefinedReservations && (caps & CAP_REFINEMENT) === 0) return false;
  return true;
}

/** `resources` without what the framework cannot receive (revocable, shared, refined). */
export function stripIncapable(resources: Resources, caps: number): Resources {
  return resources.filter((e) => capableOf(e, caps));
}

/** Whether quota applies to this entry: an unreserved, non-revocable scalar. */
export function isQuotaScalar(e: ResourceEntry): boolean {
  return e.type === 'SCALAR' && e.isUnreserved && !e.isRevocable;
}

/**
 * Quantity of `name` in thousandths as Mesos's `ResourceQuantities::fromResources` counts it:
 * scalars by value, RANGES and SET by item count (x1000). `min_allocatable_resources` uses it.
 */
export function itemCount(resources: Resources, name: string): number {
  let n = 0;
  for (const e of resources.entries) {
    if (e.name !== name) continue;
    if (e.type === 'SCALAR') n += e.thousandths;
    else n += e.quantityThousandths;
  }
  return n;
}
