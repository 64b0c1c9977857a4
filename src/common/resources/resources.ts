// `Resources`: an immutable multiset of resource entries with Mesos's arithmetic
// (src/common/resources.cpp), laid out for the allocator's hot path.
//
// Representation: one array of entries sorted by `compareEntries` (key, then value). Entries
// with equal keys exist only for WHOLE (indivisible) resources; for MERGE and SHARED resources
// a key occurs at most once. So `add`, `subtract`, `contains` and `equals` are linear merges of
// two sorted arrays (Mesos scans quadratically), scalars are integer thousandths and ranges are
// coalesced flat arrays. No piece is ever empty.
//
// Immutable: every operation returns a new Resources (or `this`/the argument when nothing
// changes) and never modifies its inputs, so values can be shared freely between offers, the
// allocator and snapshots. Unchanged entries are shared between results, not copied.
import { InvalidArgumentError } from '../errors.ts';
import {
  SHARED,
  WHOLE,
  compareEntries,
  sameValue,
  type Reservation,
  type ResourceEntry,
  type ResourceValueType,
} from './entry.ts';
import { containsRanges, subtractRanges, unionRanges, toRangeObjects, type Range } from './ranges.ts';
import { isStrictSubroleOf, roleError } from './roles.ts';
import { fromThousandths } from './scalar.ts';
import { containsSet, subtractSets, unionSets } from './sets.ts';

export class Resources implements Iterable<ResourceEntry> {
  /** The empty Resources. */
  static readonly EMPTY: Resources = new Resources([]);

  /** Entries in canonical order. Treat as read-only: Resources never copies it defensively. */
  readonly entries: readonly ResourceEntry[];

  private constructor(entries: readonly ResourceEntry[]) {
    this.entries = entries;
  }

  /**
   * Builds a Resources from entries in any order, merging those Mesos would merge and dropping
   * empty ones. The entries must be valid (see `validateResource`).
   */
  static fromEntries(entries: Iterable<ResourceEntry>): Resources {
    const sorted = [...entries].filter((e) => !isEmptyEntry(e)).sort(compareEntries);
    const out: ResourceEntry[] = [];
    for (const e of sorted) {
      const last = out.at(-1);
      if (last !== undefined && last.key === e.key && e.kind !== WHOLE) out[out.length - 1] = plus(last, e);
      else out.push(e);
    }
    return out.length === 0 ? Resources.EMPTY : new Resources(out);
  }

  /** Number of entries (a shared resource with count 3 is one entry). */
  get size(): number {
    return this.entries.length;
  }

  isEmpty(): boolean {
    return this.entries.length === 0;
  }

  [Symbol.iterator](): Iterator<ResourceEntry> {
    return this.entries[Symbol.iterator]();
  }

  /** Sum (Mesos `+`): ranges and sets are unioned, scalars added, shared counts added. */
  add(that: Resources): Resources {
    const a = this.entries;
    const b = that.entries;
    if (b.length === 0) return this;
    if (a.length === 0) return that;
    const out: ResourceEntry[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const x = a[i]!;
      const y = b[j]!;
      if (x.key === y.key) {
        if (x.kind === WHOLE) {
          const iEnd = groupEnd(a, i);
          const jEnd = groupEnd(b, j);
          mergeGroups(out, a, i, iEnd, b, j, jEnd);
          i = iEnd;
          j = jEnd;
        } else {
          out.push(plus(x, y));
          i++;
          j++;
        }
      } else if (x.key < y.key) {
        out.push(x);
        i++;
      } else {
        out.push(y);
        j++;
      }
    }
    while (i < a.length) out.push(a[i++]!);
    while (j < b.length) out.push(b[j++]!);
    return new Resources(out);
  }

  /**
   * Difference (Mesos `-`): takes away what it can and drops pieces that become empty or
   * negative. Pieces of `that` with no counterpart here are ignored, so subtraction never
   * fails; check `contains` first when over-subtracting would be a bug.
   */
  subtract(that: Resources): Resources {
    const a = this.entries;
    const b = that.entries;
    if (a.length === 0 || b.length === 0) return this;
    const out: ResourceEntry[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const x = a[i]!;
      const y = b[j]!;
      if (x.key === y.key) {
        if (x.kind === WHOLE) {
          const iEnd = groupEnd(a, i);
          const jEnd = groupEnd(b, j);
          removeGroup(out, a, i, iEnd, b, j, jEnd);
          i = iEnd;
          j = jEnd;
        } else {
          const rest = minus(x, y);
          if (rest !== undefined) out.push(rest);
          i++;
          j++;
        }
      } else if (x.key < y.key) {
        out.push(x);
        i++;
      } else {
        j++;
      }
    }
    while (i < a.length) out.push(a[i++]!);
    return out.length === 0 ? Resources.EMPTY : new Resources(out);
  }

  /**
   * Whether every piece of `that` is covered here (Mesos `contains`): scalars no larger,
   * ranges and sets subsets, shared counts no larger, and for indivisible resources an equal
   * piece for each one (counted: two equal MOUNT disks are not contained in one).
   */
  contains(that: Resources): boolean {
    const a = this.entries;
    const b = that.entries;
    let i = 0;
    let j = 0;
    while (j < b.length) {
      const y = b[j]!;
      while (i < a.length && a[i]!.key < y.key) i++;
      if (i >= a.length) return false;
      const x = a[i]!;
      if (x.key !== y.key) return false;
      if (x.kind === WHOLE) {
        const iEnd = groupEnd(a, i);
        const jEnd = groupEnd(b, j);
        if (!containsGroup(a, i, iEnd, b, j, jEnd)) return false;
        i = iEnd;
        j = jEnd;
      } else {
        if (!covers(x, y)) return false;
        i++;
        j++;
      }
    }
    return true;
  }

  /** Equality as Mesos defines it: each contains the other. */
  equals(that: Resources): boolean {
    if (this === that) return true;
    const a = this.entries;
    const b = that.entries;
    if (a.length !== b.length) return false;
    for (let k = 0; k < a.length; k++) {
      const x = a[k]!;
      const y = b[k]!;
      if (x.key !== y.key || x.count !== y.count || !sameValue(x, y)) return false;
    }
    return true;
  }

  /** The entries for which `predicate` holds. */
  filter(predicate: (entry: ResourceEntry) => boolean): Resources {
    const kept = this.entries.filter(predicate);
    if (kept.length === this.entries.length) return this;
    return kept.length === 0 ? Resources.EMPTY : new Resources(kept);
  }

  /** Reserved resources; with `role`, only those whose innermost reservation is to `role`. */
  reserved(role?: string): Resources {
    return this.filter((e) => e.isReserved(role));
  }

  /** Resources reserved to `role` or to one of its descendants. */
  reservedToRoleSubtree(role: string): Resources {
    return this.filter((e) => e.isReservedToRoleSubtree(role));
  }

  unreserved(): Resources {
    return this.filter((e) => e.isUnreserved);
  }

  /** What a framework in `role` may be offered: unreserved, or reserved to `role` or an ancestor. */
  allocatableTo(role: string): Resources {
    return this.filter((e) => e.isAllocatableTo(role));
  }

  /** Resources allocated to `role` or one of its descendants. */
  allocatedToRoleSubtree(role: string): Resources {
    return this.filter((e) => e.isAllocatedToRoleSubtree(role));
  }

  revocable(): Resources {
    return this.filter((e) => e.isRevocable);
  }

  nonRevocable(): Resources {
    return this.filter((e) => !e.isRevocable);
  }

  shared(): Resources {
    return this.filter((e) => e.isShared);
  }

  nonShared(): Resources {
    return this.filter((e) => !e.isShared);
  }

  persistentVolumes(): Resources {
    return this.filter((e) => e.isPersistentVolume);
  }

  /** Only the SCALAR entries. */
  scalars(): Resources {
    return this.filter((e) => e.type === 'SCALAR');
  }

  /** Only the entries named `name`. */
  named(name: string): Resources {
    return this.filter((e) => e.name === name);
  }

  /** Reserved resources grouped by their innermost reservation role. */
  reservations(): Map<string, Resources> {
    return this.groupBy((e) => e.reservationRole);
  }

  /** Allocated resources grouped by allocation role (unallocated entries are left out). */
  allocations(): Map<string, Resources> {
    return this.groupBy((e) => e.allocationRole);
  }

  /**
   * The same resources with every reservation removed, merged as unreserved resources (Mesos
   * `flatten()`, later `toUnreserved()`). Allocation info, disk and flags are kept.
   */
  flatten(): Resources {
    if (this.entries.every((e) => e.isUnreserved)) return this;
    return Resources.fromEntries(this.entries.map((e) => (e.isUnreserved ? e : e.withIdentity(e.identity.withReservations([])))));
  }

  /** Marks every entry as allocated to `role` (sets `allocation_info.role`). */
  allocate(role: string): Resources {
    const error = roleError(role);
    if (error !== undefined) throw new InvalidArgumentError(`cannot allocate to an invalid role: ${error}`, { role });
    if (this.entries.every((e) => e.allocationRole === role)) return this;
    return Resources.fromEntries(this.entries.map((e) => e.withAllocationRole(role)));
  }

  /** Clears `allocation_info` on every entry. */
  unallocate(): Resources {
    if (this.entries.every((e) => e.allocationRole === undefined)) return this;
    return Resources.fromEntries(this.entries.map((e) => e.withAllocationRole(undefined)));
  }

  /**
   * Pushes a reservation onto every entry's stack (RESERVE). It must be a valid refinement: to
   * any role when unreserved, else DYNAMIC and to a strict descendant of the current role.
   */
  pushReservation(reservation: Reservation): Resources {
    const roleProblem = roleError(reservation.role);
    if (roleProblem !== undefined) throw new InvalidArgumentError(`invalid reservation: ${roleProblem}`);
    if (reservation.role === '*') throw new InvalidArgumentError("invalid reservation: role '*' cannot be reserved");
    for (const e of this.entries) {
      const current = e.reservationRole;
      if (current === undefined) continue;
      if (reservation.type !== 'DYNAMIC') {
        throw new InvalidArgumentError(`invalid refined reservation of '${e.toString()}': a refined reservation cannot be STATIC`);
      }
      if (!isStrictSubroleOf(reservation.role, current)) {
        throw new InvalidArgumentError(
          `invalid refined reservation of '${e.toString()}': role '${reservation.role}' is not a refinement of '${current}'`,
        );
      }
    }
    return Resources.fromEntries(this.entries.map((e) => e.withIdentity(e.identity.withReservations([...e.reservations, reservation]))));
  }

  /** Pops the innermost reservation of every entry (UNRESERVE); every entry must be reserved. */
  popReservation(): Resources {
    const unreserved = this.entries.find((e) => e.isUnreserved);
    if (unreserved !== undefined) {
      throw new InvalidArgumentError(`cannot pop a reservation from unreserved resource '${unreserved.toString()}'`);
    }
    return Resources.fromEntries(this.entries.map((e) => e.withIdentity(e.identity.withReservations(e.reservations.slice(0, -1)))));
  }

  /**
   * How many copies of the piece equal to `entry` (identity and value) are here: the count of a
   * shared resource, the number of equal indivisible pieces, else 0 or 1.
   */
  count(entry: ResourceEntry): number {
    let total = 0;
    for (const e of this.entries) if (e.key === entry.key && sameValue(e, entry)) total += e.count;
    return total;
  }

  /** Sorted distinct resource names. */
  names(): string[] {
    return [...new Set(this.entries.map((e) => e.name))].sort();
  }

  /** Value type of each name (a well-formed Resources has one type per name). */
  types(): Map<string, ResourceValueType> {
    return new Map(this.entries.map((e) => [e.name, e.type]));
  }

  /** Total of the SCALAR entries named `name` in thousandths, or undefined if there are none. */
  scalarThousandths(name: string): number | undefined {
    let total: number | undefined;
    for (const e of this.entries) {
      if (e.name === name && e.type === 'SCALAR') total = (total ?? 0) + e.thousandths;
    }
    return total;
  }

  /**
   * Total of the SCALAR entries named `name` (all roles, Mesos `get<Value::Scalar>`), or
   * undefined if there are none. A shared resource counts once whatever its count, as in Mesos.
   */
  scalar(name: string): number | undefined {
    const t = this.scalarThousandths(name);
    return t === undefined ? undefined : fromThousandths(t);
  }

  /** Union of the RANGES entries named `name`, or undefined if there are none. */
  ranges(name: string): Range[] | undefined {
    let total: readonly number[] | undefined;
    for (const e of this.entries) {
      if (e.name === name && e.type === 'RANGES') total = total === undefined ? e.ranges : unionRanges(total, e.ranges);
    }
    return total === undefined ? undefined : toRangeObjects(total);
  }

  /** Union of the SET entries named `name`, sorted, or undefined if there are none. */
  set(name: string): string[] | undefined {
    let total: readonly string[] | undefined;
    for (const e of this.entries) {
      if (e.name === name && e.type === 'SET') total = total === undefined ? e.set : unionSets(total, e.set);
    }
    return total === undefined ? undefined : [...total];
  }

  cpus(): number | undefined {
    return this.scalar('cpus');
  }

  /** Memory in MB. */
  mem(): number | undefined {
    return this.scalar('mem');
  }

  /** Disk in MB. */
  disk(): number | undefined {
    return this.scalar('disk');
  }

  gpus(): number | undefined {
    return this.scalar('gpus');
  }

  ports(): Range[] | undefined {
    return this.ranges('ports');
  }

  /** Mesos-style description, e.g. `cpus:4; mem:1024; ports:[31000-32000]`. */
  toString(): string {
    return this.entries.map((e) => e.toString()).join('; ');
  }

  private groupBy(roleOf: (entry: ResourceEntry) => string | undefined): Map<string, Resources> {
    const groups = new Map<string, ResourceEntry[]>();
    for (const e of this.entries) {
      const role = roleOf(e);
      if (role === undefined) continue;
      let list = groups.get(role);
      if (list === undefined) groups.set(role, (list = []));
      list.push(e);
    }
    // A subsequence of a canonical array is canonical, so no re-sorting is needed.
    return new Map([...groups].map(([role, list]) => [role, new Resources(list)]));
  }
}

function isEmptyEntry(e: ResourceEntry): boolean {
  if (e.count <= 0) return true;
  switch (e.type) {
    case 'SCALAR':
      return e.thousandths <= 0;
    case 'RANGES':
      return e.ranges.length === 0;
    case 'SET':
      return e.set.length === 0;
  }
}

// Index just past the run of entries sharing a[start].key.
function groupEnd(a: readonly ResourceEntry[], start: number): number {
  const key = a[start]!.key;
  let end = start + 1;
  while (end < a.length && a[end]!.key === key) end++;
  return end;
}

// Combines two MERGE or SHARED entries with the same key.
function plus(x: ResourceEntry, y: ResourceEntry): ResourceEntry {
  if (x.kind === SHARED) return x.withCount(x.count + y.count);
  switch (x.type) {
    case 'SCALAR':
      return x.withValue(x.thousandths + y.thousandths, x.ranges, x.set);
    case 'RANGES':
      return x.withValue(0, unionRanges(x.ranges, y.ranges), x.set);
    case 'SET':
      return x.withValue(0, x.ranges, unionSets(x.set, y.set));
  }
}

// x - y for MERGE or SHARED entries with the same key; undefined when nothing is left (Mesos
// drops a piece that became empty or negative).
function minus(x: ResourceEntry, y: ResourceEntry): ResourceEntry | undefined {
  if (x.kind === SHARED) return x.count > y.count ? x.withCount(x.count - y.count) : undefined;
  switch (x.type) {
    case 'SCALAR': {
      const rest = x.thousandths - y.thousandths;
      return rest > 0 ? x.withValue(rest, x.ranges, x.set) : undefined;
    }
    case 'RANGES': {
      const rest = subtractRanges(x.ranges, y.ranges);
      return rest.length === 0 ? undefined : rest === x.ranges ? x : x.withValue(0, rest, x.set);
    }
    case 'SET': {
      const rest = subtractSets(x.set, y.set);
      return rest.length === 0 ? undefined : rest === x.set ? x : x.withValue(0, x.ranges, rest);
    }
  }
}

// Whether x covers y, for MERGE or SHARED entries with the same key.
function covers(x: ResourceEntry, y: ResourceEntry): boolean {
  if (x.kind === SHARED) return x.count >= y.count;
  switch (x.type) {
    case 'SCALAR':
      return y.thousandths <= x.thousandths;
    case 'RANGES':
      return containsRanges(x.ranges, y.ranges);
    case 'SET':
      return containsSet(x.set, y.set);
  }
}

// Merges two sorted runs of WHOLE entries with the same key, keeping every piece.
function mergeGroups(
  out: ResourceEntry[],
  a: readonly ResourceEntry[],
  i: number,
  iEnd: number,
  b: readonly ResourceEntry[],
  j: number,
  jEnd: number,
): void {
  while (i < iEnd && j < jEnd) out.push(compareEntries(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!);
  while (i < iEnd) out.push(a[i++]!);
  while (j < jEnd) out.push(b[j++]!);
}

// Multiset difference of two sorted runs of WHOLE entries: each piece of b removes one equal
// piece of a, if there is one; unequal pieces are untouched (Mesos needs left == right).
function removeGroup(
  out: ResourceEntry[],
  a: readonly ResourceEntry[],
  i: number,
  iEnd: number,
  b: readonly ResourceEntry[],
  j: number,
  jEnd: number,
): void {
  while (i < iEnd) {
    const x = a[i]!;
    while (j < jEnd && compareEntries(b[j]!, x) < 0) j++;
    if (j < jEnd && compareEntries(b[j]!, x) === 0) j++;
    else out.push(x);
    i++;
  }
}

// Multiset inclusion of sorted runs of WHOLE entries: each piece of b needs its own equal piece in a.
function containsGroup(
  a: readonly ResourceEntry[],
  i: number,
  iEnd: number,
  b: readonly ResourceEntry[],
  j: number,
  jEnd: number,
): boolean {
  while (j < jEnd) {
    const y = b[j]!;
    while (i < iEnd && compareEntries(a[i]!, y) < 0) i++;
    if (i >= iEnd || compareEntries(a[i]!, y) !== 0) return false;
    i++;
    j++;
  }
  return true;
}
