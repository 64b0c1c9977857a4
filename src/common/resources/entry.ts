// One resource "piece" of a Resources value: an identity (name, type, reservation stack, disk,
// revocable, shared, provider, allocation role) plus an amount (scalar, ranges or set; for shared
// resources also a count). Entries are immutable; arithmetic makes new ones and reuses the
// identity object (`ResourceIdentity`), whose canonical `key` decides which entries merge.
//
// Mesos decides merging with `addable`/`subtractable` (src/common/resources.cpp). Encoded here:
//   MERGE  - ordinary resources: entries with the same key merge by summing their values.
//   WHOLE  - indivisible resources (persistent volumes, MOUNT and BLOCK disks, RAW disks with an
//            id): never merged; subtraction and containment need an exactly equal entry.
//   SHARED - shared resources (shared persistent volumes): entries equal in identity *and*
//            value merge by adding their counts; the key includes the value.
import type { Label, Volume } from '../../protocol/index.ts';
import { invariant } from '../errors.ts';
import { compareRanges, formatRanges, rangesEqual, rangesSize, type RangeList } from './ranges.ts';
import { formatThousandths, fromThousandths } from './scalar.ts';
import { compareSets, formatSet, setsEqual, type ItemSet } from './sets.ts';
import { isRoleInSubtree, isStrictSubroleOf } from './roles.ts';

/** The value types a resource can have (attributes may also be TEXT; resources may not). */
export type ResourceValueType = 'SCALAR' | 'RANGES' | 'SET';

export type ReservationType = 'STATIC' | 'DYNAMIC';

/**
 * One level of a reservation stack (post-refinement `ReservationInfo` with `type` and `role`
 * set). `labels` is absent rather than empty.
 */
export type Reservation = {
  readonly type: ReservationType;
  readonly role: string;
  readonly principal?: string;
  readonly labels?: readonly Label[];
};

export type DiskSourceType = 'PATH' | 'MOUNT' | 'BLOCK' | 'RAW';

/** `Resource.DiskInfo.Source` with a known type; empty `metadata` is absent. */
export type DiskSource = {
  readonly type: DiskSourceType;
  readonly path?: { readonly root?: string };
  readonly mount?: { readonly root?: string };
  readonly vendor?: string;
  readonly id?: string;
  readonly metadata?: readonly Label[];
  readonly profile?: string;
};

/** `Resource.DiskInfo`. `volume` and `persistence.principal` do not take part in identity. */
export type DiskInfo = {
  readonly persistence?: { readonly id: string; readonly principal?: string };
  readonly volume?: Volume;
  readonly source?: DiskSource;
};

export const MERGE = 0;
export const WHOLE = 1;
export const SHARED = 2;
/** How entries with equal keys combine; see the file comment. */
export type EntryKind = typeof MERGE | typeof WHOLE | typeof SHARED;

/** Everything about a resource except its amount and allocation role. */
export class ResourceIdentity {
  readonly name: string;
  readonly type: ResourceValueType;
  /** The reservation stack, outermost first; the last entry is the current reservation. */
  readonly reservations: readonly Reservation[];
  readonly disk: DiskInfo | undefined;
  readonly revocable: boolean;
  readonly shared: boolean;
  readonly providerId: string | undefined;
  readonly kind: EntryKind;
  /** Canonical text of the identity: equal keys mean Mesos would consider the metadata equal. */
  readonly key: string;

  constructor(fields: {
    name: string;
    type: ResourceValueType;
    reservations?: readonly Reservation[];
    disk?: DiskInfo | undefined;
    revocable?: boolean;
    shared?: boolean;
    providerId?: string | undefined;
  }) {
    this.name = fields.name;
    this.type = fields.type;
    this.reservations = fields.reservations ?? [];
    this.disk = fields.disk;
    this.revocable = fields.revocable ?? false;
    this.shared = fields.shared ?? false;
    this.providerId = fields.providerId;
    this.kind = kindOf(this.disk, this.shared);
    this.key = identityKey(this);
  }

  /** A copy with other reservations (and so another key). */
  withReservations(reservations: readonly Reservation[]): ResourceIdentity {
    return new ResourceIdentity({ ...this, reservations });
  }

  /** The role of the innermost reservation, or undefined when unreserved. */
  get reservationRole(): string | undefined {
    return this.reservations.at(-1)?.role;
  }
}

function kindOf(disk: DiskInfo | undefined, shared: boolean): EntryKind {
  if (shared) return SHARED;
  if (disk === undefined) return MERGE;
  if (disk.persistence !== undefined) return WHOLE;
  const source = disk.source;
  if (source === undefined) return MERGE;
  if (source.type === 'MOUNT' || source.type === 'BLOCK') return WHOLE;
  if (source.type === 'RAW' && source.id !== undefined) return WHOLE;
  return MERGE;
}

// Labels compare as an unordered collection in Mesos, so the key sorts them.
function labelsKey(labels: readonly Label[] | undefined): string[] | null {
  if (labels === undefined) return null;
  return labels.map((l) => JSON.stringify([l.key, l.value ?? null])).sort();
}

function identityKey(id: ResourceIdentity): string {
  // The name goes first, outside the JSON, so most comparisons between keys end early.
  const parts: unknown[] = [id.type];
  if (id.reservations.length > 0) {
    parts.push(id.reservations.map((r) => [r.type, r.role, r.principal ?? null, labelsKey(r.labels)]));
  } else {
    parts.push(0);
  }
  const disk = id.disk;
  if (disk !== undefined) {
    const s = disk.source;
    parts.push([
      disk.persistence?.id ?? null,
      s === undefined
        ? null
        : [
            s.type,
            s.path === undefined ? null : [s.path.root ?? null],
            s.mount === undefined ? null : [s.mount.root ?? null],
            s.vendor ?? null,
            s.id ?? null,
            labelsKey(s.metadata),
            s.profile ?? null,
          ],
    ]);
  } else {
    parts.push(0);
  }
  parts.push(id.revocable ? 1 : 0, id.shared ? 1 : 0, id.providerId ?? null);
  return `${id.name}\u0000${JSON.stringify(parts)}`;
}

/**
 * An immutable resource piece. Exactly one of `thousandths` (SCALAR), `ranges` (RANGES) or `set`
 * (SET) is meaningful, as `identity.type` says. Never empty: Resources drops empty pieces.
 */
export class ResourceEntry {
  readonly identity: ResourceIdentity;
  /** `Resource.allocation_info.role`, or undefined when not allocated. Part of identity. */
  readonly allocationRole: string | undefined;
  /** Merge key: identity key + allocation role (+ the value, for shared resources). */
  readonly key: string;
  readonly kind: EntryKind;
  /** SCALAR amount in integer thousandths (0.5 cpus is 500); 0 for other types. */
  readonly thousandths: number;
  /** RANGES amount, normalized; empty for other types. */
  readonly ranges: RangeList;
  /** SET amount, sorted; empty for other types. */
  readonly set: ItemSet;
  /** How many copies of a shared resource this entry stands for; always 1 if not shared. */
  readonly count: number;

  constructor(
    identity: ResourceIdentity,
    allocationRole: string | undefined,
    thousandths: number,
    ranges: RangeList,
    set: ItemSet,
    count: number,
    // Only for the with* methods below: the key of an entry with the same identity, allocation
    // role and, if shared, value, so arithmetic does not rebuild key strings.
    key: string = entryKey(identity, allocationRole, thousandths, ranges, set),
  ) {
    this.identity = identity;
    this.allocationRole = allocationRole;
    this.kind = identity.kind;
    this.thousandths = thousandths;
    this.ranges = ranges;
    this.set = set;
    this.count = count;
    this.key = key;
  }

  get name(): string {
    return this.identity.name;
  }

  get type(): ResourceValueType {
    return this.identity.type;
  }

  /** SCALAR amount as a double (0.5), as the wire carries it. */
  get scalar(): number {
    return fromThousandths(this.thousandths);
  }

  get reservations(): readonly Reservation[] {
    return this.identity.reservations;
  }

  get reservationRole(): string | undefined {
    return this.identity.reservationRole;
  }

  get isUnreserved(): boolean {
    return this.identity.reservations.length === 0;
  }

  /** Reserved at all (`role` undefined) or reserved with `role` as the innermost role. */
  isReserved(role?: string): boolean {
    const current = this.identity.reservationRole;
    return current !== undefined && (role === undefined || role === current);
  }

  /** Reserved to `role` or to one of its descendants (Mesos `isReservedToRoleSubtree`). */
  isReservedToRoleSubtree(role: string): boolean {
    const current = this.identity.reservationRole;
    return current !== undefined && isRoleInSubtree(current, role);
  }

  /** Unreserved, or reserved to `role` or one of its ancestors (Mesos `isAllocatableTo`). */
  isAllocatableTo(role: string): boolean {
    const current = this.identity.reservationRole;
    return current === undefined || current === role || isStrictSubroleOf(role, current);
  }

  /** Allocated to `role` or one of its descendants (Mesos `isAllocatedToRoleSubtree`). */
  isAllocatedToRoleSubtree(role: string): boolean {
    return this.allocationRole !== undefined && isRoleInSubtree(this.allocationRole, role);
  }

  get isDynamicallyReserved(): boolean {
    return this.identity.reservations.at(-1)?.type === 'DYNAMIC';
  }

  get hasRefinedReservations(): boolean {
    return this.identity.reservations.length > 1;
  }

  get isPersistentVolume(): boolean {
    return this.identity.disk?.persistence !== undefined;
  }

  get isRevocable(): boolean {
    return this.identity.revocable;
  }

  get isShared(): boolean {
    return this.identity.shared;
  }

  /** Quantity as Mesos `ResourceQuantities::fromResources` counts it, in thousandths. */
  get quantityThousandths(): number {
    switch (this.identity.type) {
      case 'SCALAR':
        return this.thousandths;
      case 'RANGES':
        return rangesSize(this.ranges) * 1000;
      case 'SET':
        return this.set.length * 1000;
    }
  }

  /**
   * This scalar entry cut down to at most `thousandths` (Mesos `Resources::shrink`, used to fit
   * allocations to quota): itself when already small enough, a smaller copy when divisible, and
   * undefined for an indivisible piece (persistent volume, MOUNT/BLOCK disk, shared resource)
   * that is larger than the target.
   */
  shrinkTo(thousandths: number): ResourceEntry | undefined {
    invariant(this.identity.type === 'SCALAR', `cannot shrink non-scalar resource '${this.toString()}'`);
    if (this.thousandths <= thousandths) return this;
    if (this.kind !== MERGE || thousandths <= 0) return undefined;
    return this.withValue(thousandths, this.ranges, this.set);
  }

  /** A copy with another amount (same identity, allocation and count). */
  withValue(thousandths: number, ranges: RangeList, set: ItemSet): ResourceEntry {
    const key = this.kind === SHARED ? undefined : this.key;
    return new ResourceEntry(this.identity, this.allocationRole, thousandths, ranges, set, this.count, key);
  }

  withCount(count: number): ResourceEntry {
    return new ResourceEntry(this.identity, this.allocationRole, this.thousandths, this.ranges, this.set, count, this.key);
  }

  withAllocationRole(role: string | undefined): ResourceEntry {
    return new ResourceEntry(this.identity, role, this.thousandths, this.ranges, this.set, this.count);
  }

  withIdentity(identity: ResourceIdentity): ResourceEntry {
    return new ResourceEntry(identity, this.allocationRole, this.thousandths, this.ranges, this.set, this.count);
  }

  /** Mesos-style description for messages: `cpus(reservations: [(STATIC,ads)]):4`. */
  toString(): string {
    return describeEntry(this);
  }
}

function entryKey(identity: ResourceIdentity, allocationRole: string | undefined, thousandths: number, ranges: RangeList, set: ItemSet): string {
  let key = allocationRole === undefined ? identity.key : `${identity.key}\u0001${allocationRole}`;
  if (identity.kind === SHARED) key += `\u0002${valueText(identity.type, thousandths, ranges, set)}`;
  return key;
}

/** Whether two entries carry the same amount (same type assumed). */
export function sameValue(a: ResourceEntry, b: ResourceEntry): boolean {
  switch (a.identity.type) {
    case 'SCALAR':
      return a.thousandths === b.thousandths;
    case 'RANGES':
      return rangesEqual(a.ranges, b.ranges);
    case 'SET':
      return setsEqual(a.set, b.set);
  }
}

/** Total order: by key, then by value. Sorting by it gives the canonical order of a Resources. */
export function compareEntries(a: ResourceEntry, b: ResourceEntry): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  switch (a.identity.type) {
    case 'SCALAR':
      return a.thousandths - b.thousandths;
    case 'RANGES':
      return compareRanges(a.ranges, b.ranges);
    case 'SET':
      return compareSets(a.set, b.set);
  }
}

function valueText(type: ResourceValueType, thousandths: number, ranges: RangeList, set: ItemSet): string {
  switch (type) {
    case 'SCALAR':
      return formatThousandths(thousandths);
    case 'RANGES':
      return formatRanges(ranges);
    case 'SET':
      return formatSet(set);
  }
}

function describeEntry(e: ResourceEntry): string {
  const id = e.identity;
  let out = id.name;
  if (e.allocationRole !== undefined) out += `(allocated: ${e.allocationRole})`;
  if (id.reservations.length > 0) {
    const levels = id.reservations.map((r) => {
      const parts: string[] = [r.type, r.role];
      if (r.principal !== undefined) parts.push(r.principal);
      if (r.labels !== undefined) parts.push(`{${r.labels.map((l) => (l.value === undefined ? l.key : `${l.key}: ${l.value}`)).join(', ')}}`);
      return `(${parts.join(',')})`;
    });
    out += `(reservations: [${levels.join(', ')}])`;
  }
  if (id.disk !== undefined) {
    const parts: string[] = [];
    const s = id.disk.source;
    if (s !== undefined) {
      const root = s.path?.root ?? s.mount?.root;
      parts.push(root === undefined ? s.type : `${s.type}:${root}`);
    }
    if (id.disk.persistence !== undefined) parts.push(id.disk.persistence.id);
    if (id.disk.volume !== undefined) parts.push(`${id.disk.volume.container_path}:${id.disk.volume.mode}`);
    out += `[${parts.join(',')}]`;
  }
  if (id.revocable) out += '{REV}';
  if (id.shared) out += '<SHARED>';
  if (id.providerId !== undefined) out += `(provider: ${id.providerId})`;
  out += `:${valueText(id.type, e.thousandths, e.ranges, e.set)}`;
  if (id.shared && e.count !== 1) out += ` x${e.count}`;
  return out;
}
