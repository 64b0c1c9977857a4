// Conversions between wire `Resource[]` (mesos.v1 JSON) and `Resources`.
//
// Internally every resource is in the post-refinement form: a `reservations` stack. On input
// both forms (and the "endpoint" form carrying both) are accepted and normalized, as the
// master does. On output the caller picks the format (Mesos `convertResourceFormat`):
//   POST_RESERVATION_REFINEMENT  `reservations` when reserved, never `role`/`reservation`
//                                (frameworks with RESERVATION_REFINEMENT, agents, operators)
//   PRE_RESERVATION_REFINEMENT   `role` ("*" when unreserved) plus `reservation` {principal,
//                                labels} when dynamic; refined stacks cannot be expressed
//   ENDPOINT                     both, for /state-style output (refined stacks: `reservations`)
import type { Label, Labels, Resource, ReservationInfo } from '../../protocol/index.ts';
import { InvalidArgumentError } from '../errors.ts';
import { ResourceEntry, ResourceIdentity, type DiskInfo, type DiskSource, type Reservation } from './entry.ts';
import { EMPTY_RANGES, formatRanges, normalizeRanges, toRangeObjects, unionRanges, type RangeList } from './ranges.ts';
import { Resources } from './resources.ts';
import { fromThousandths, toThousandths } from './scalar.ts';
import { EMPTY_SET, formatSet, normalizeSet, unionSets, type ItemSet } from './sets.ts';
import { validateResource } from './validate.ts';

/** How reservations are written on output; see the file comment. */
export type ResourceFormat = 'POST_RESERVATION_REFINEMENT' | 'PRE_RESERVATION_REFINEMENT' | 'ENDPOINT';

export type FromWireOptions = {
  /**
   * Role for resources that give neither `role` nor `reservations` (the agent's
   * `--default_role`); a role other than `*` makes them statically reserved. Default `*`.
   */
  defaultRole?: string;
  /** Names the list in error messages (`resources[2] ...`). Default `resources`. */
  label?: string;
};

function labelsFromWire(labels: Labels | undefined): readonly Label[] | undefined {
  const list = labels?.labels;
  if (list === undefined || list.length === 0) return undefined;
  return list.map((l) => (l.value === undefined ? { key: l.key } : { key: l.key, value: l.value }));
}

function labelsToWire(labels: readonly Label[]): Labels {
  return { labels: labels.map((l) => ({ ...l })) };
}

function reservationFromWire(r: ReservationInfo): Reservation {
  const labels = labelsFromWire(r.labels);
  return {
    type: r.type === 'STATIC' ? 'STATIC' : 'DYNAMIC',
    role: r.role!,
    ...(r.principal !== undefined && { principal: r.principal }),
    ...(labels !== undefined && { labels }),
  };
}

// Mesos `upgradeResource`: the pre-refinement `role` + `reservation` become a one-level stack.
function reservationsFromWire(r: Resource, defaultRole: string): Reservation[] {
  if (r.reservations !== undefined && r.reservations.length > 0) return r.reservations.map(reservationFromWire);
  const role = r.role ?? (r.reservation === undefined ? defaultRole : '*');
  if (role === '*') return [];
  if (r.reservation === undefined) return [{ type: 'STATIC', role }];
  return [reservationFromWire({ ...r.reservation, type: 'DYNAMIC', role })];
}

function diskFromWire(disk: NonNullable<Resource['disk']>): DiskInfo {
  let source: DiskSource | undefined;
  if (disk.source !== undefined) {
    const s = disk.source;
    const metadata = labelsFromWire(s.metadata);
    source = {
      type: s.type as DiskSource['type'],
      ...(s.path !== undefined && { path: s.path.root === undefined ? {} : { root: s.path.root } }),
      ...(s.mount !== undefined && { mount: s.mount.root === undefined ? {} : { root: s.mount.root } }),
      ...(s.vendor !== undefined && { vendor: s.vendor }),
      ...(s.id !== undefined && { id: s.id }),
      ...(metadata !== undefined && { metadata }),
      ...(s.profile !== undefined && { profile: s.profile }),
    };
  }
  const p = disk.persistence;
  return {
    ...(p !== undefined && { persistence: p.principal === undefined ? { id: p.id } : { id: p.id, principal: p.principal } }),
    ...(disk.volume !== undefined && { volume: structuredClone(disk.volume) }),
    ...(source !== undefined && { source }),
  };
}

/**
 * Converts one valid wire Resource into an entry (which may be empty: a zero scalar, no
 * ranges). Call `validateResource` first; `resourcesFromWire` does.
 */
export function entryFromWire(r: Resource, defaultRole = '*'): ResourceEntry {
  const identity = new ResourceIdentity({
    name: r.name,
    type: r.type as ResourceIdentity['type'],
    reservations: reservationsFromWire(r, defaultRole),
    disk: r.disk === undefined ? undefined : diskFromWire(r.disk),
    revocable: r.revocable !== undefined,
    shared: r.shared !== undefined,
    providerId: r.provider_id?.value,
  });
  const thousandths = r.type === 'SCALAR' ? toThousandths(r.scalar!.value) : 0;
  const ranges: RangeList = r.type === 'RANGES' ? normalizeRanges(r.ranges!.range ?? []) : EMPTY_RANGES;
  const set: ItemSet = r.type === 'SET' ? normalizeSet(r.set!.item ?? []) : EMPTY_SET;
  return new ResourceEntry(identity, r.allocation_info?.role, thousandths, ranges, set, 1);
}

/**
 * Validates and converts wire resources in either reservation format. Throws
 * InvalidArgumentError naming the first invalid one (`resources[2] 'ports': range begin 5 is
 * greater than end 3`). Zero-valued resources are accepted and dropped; each occurrence of a
 * shared resource adds one to its count.
 */
export function resourcesFromWire(list: readonly Resource[], options: FromWireOptions = {}): Resources {
  const label = options.label ?? 'resources';
  if (!Array.isArray(list)) throw new InvalidArgumentError(`${label} must be an array of resources`);
  const entries: ResourceEntry[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    const error = validateResource(r);
    if (error !== undefined) {
      const name = typeof (r as { name?: unknown } | null)?.name === 'string' ? ` '${r.name}'` : '';
      throw new InvalidArgumentError(`${label}[${i}]${name}: ${error}`, { index: i });
    }
    entries.push(entryFromWire(r, options.defaultRole));
  }
  return Resources.fromEntries(entries);
}

function reservationToWire(r: Reservation): ReservationInfo {
  return {
    type: r.type,
    role: r.role,
    ...(r.principal !== undefined && { principal: r.principal }),
    ...(r.labels !== undefined && { labels: labelsToWire(r.labels) }),
  };
}

function diskToWire(disk: DiskInfo): NonNullable<Resource['disk']> {
  const s = disk.source;
  return {
    ...(disk.persistence !== undefined && { persistence: { ...disk.persistence } }),
    ...(disk.volume !== undefined && { volume: structuredClone(disk.volume) }),
    ...(s !== undefined && {
      source: {
        type: s.type,
        ...(s.path !== undefined && { path: { ...s.path } }),
        ...(s.mount !== undefined && { mount: { ...s.mount } }),
        ...(s.vendor !== undefined && { vendor: s.vendor }),
        ...(s.id !== undefined && { id: s.id }),
        ...(s.metadata !== undefined && { metadata: labelsToWire(s.metadata) }),
        ...(s.profile !== undefined && { profile: s.profile }),
      },
    }),
  };
}

/** One entry as a wire Resource in `format`; throws for refined stacks in the pre format. */
export function entryToWire(e: ResourceEntry, format: ResourceFormat = 'POST_RESERVATION_REFINEMENT'): Resource {
  const id = e.identity;
  const out: Resource = { name: id.name, type: id.type };
  if (id.providerId !== undefined) out.provider_id = { value: id.providerId };
  if (id.type === 'SCALAR') out.scalar = { value: fromThousandths(e.thousandths) };
  else if (id.type === 'RANGES') out.ranges = { range: toRangeObjects(e.ranges) };
  else out.set = { item: [...e.set] };

  const stack = id.reservations;
  if (format !== 'POST_RESERVATION_REFINEMENT') {
    if (stack.length === 0) {
      out.role = '*';
    } else if (stack.length === 1) {
      const only = stack[0]!;
      out.role = only.role;
      if (only.type === 'DYNAMIC') {
        out.reservation = {
          ...(only.principal !== undefined && { principal: only.principal }),
          ...(only.labels !== undefined && { labels: labelsToWire(only.labels) }),
        };
      }
    } else if (format === 'PRE_RESERVATION_REFINEMENT') {
      throw new InvalidArgumentError(
        `resource '${e.toString()}' has refined reservations, which the pre-refinement format cannot express`,
      );
    }
  }
  if (format !== 'PRE_RESERVATION_REFINEMENT' && stack.length > 0) out.reservations = stack.map(reservationToWire);
  if (e.allocationRole !== undefined) out.allocation_info = { role: e.allocationRole };
  if (id.disk !== undefined) out.disk = diskToWire(id.disk);
  if (id.revocable) out.revocable = {};
  if (id.shared) out.shared = {};
  return out;
}

/**
 * Resources as wire `Resource[]` in `format` (default post-refinement). A shared resource is
 * written once whatever its count, as Mesos does. For frameworks without RESERVATION_REFINEMENT
 * drop refined reservations first (`filter((e) => !e.hasRefinedReservations)`); the pre format
 * throws InvalidArgumentError on them rather than lose the stack.
 */
export function resourcesToWire(resources: Resources, format: ResourceFormat = 'POST_RESERVATION_REFINEMENT'): Resource[] {
  return resources.entries.map((e) => entryToWire(e, format));
}

/** A value of the legacy resources object: a scalar total or the text of ranges/sets. */
export type LegacyResourceValue = number | string;

/**
 * The legacy JSON object of `/master/state` and friends (Mesos `model(const Resources&)`):
 * `{"cpus":4,"disk":0,"gpus":0,"mem":1024,"ports":"[31000-32000]","zones":"{a, b}"}`. Totals
 * span all roles; cpus, gpus, mem and disk are always present; revocable resources get a
 * `_revocable` suffix. Keys are sorted, as Mesos's JSON::Object (a std::map) writes them.
 */
export function resourcesToLegacyJSON(resources: Resources): Record<string, LegacyResourceValue> {
  const values = new Map<string, LegacyResourceValue>([
    ['cpus', 0],
    ['gpus', 0],
    ['mem', 0],
    ['disk', 0],
  ]);
  const scalars = new Map<string, number>();
  const ranges = new Map<string, RangeList>();
  const sets = new Map<string, ItemSet>();
  for (const e of resources.entries) {
    const name = e.isRevocable ? `${e.name}_revocable` : e.name;
    if (e.type === 'SCALAR') scalars.set(name, (scalars.get(name) ?? 0) + e.thousandths);
    else if (e.type === 'RANGES') ranges.set(name, unionRanges(ranges.get(name) ?? EMPTY_RANGES, e.ranges));
    else sets.set(name, unionSets(sets.get(name) ?? EMPTY_SET, e.set));
  }
  for (const [name, t] of scalars) values.set(name, fromThousandths(t));
  for (const [name, r] of ranges) values.set(name, formatRanges(r));
  for (const [name, s] of sets) values.set(name, formatSet(s));
  return Object.fromEntries([...values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
