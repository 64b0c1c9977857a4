// Validation of a single wire Resource, as Mesos's `Resources::validate` does
// (src/common/resources.cpp), plus the per-resource checks the master adds for resources named
// in framework and operator calls (`resource::validate` in src/master/validation.cpp).
// Functions return the problem as a lowercase message, or undefined when the resource is valid;
// callers add where it was (`resources[2] 'ports:[5-3]': ...`).
import type { Resource } from '../../protocol/index.ts';
import { checkRanges } from './ranges.ts';
import { isStrictSubroleOf, roleError } from './roles.ts';
import { MAX_SCALAR, toThousandths } from './scalar.ts';
import { checkSetItems } from './sets.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isOptionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';

// Input may come from JSON that no schema has checked (the agent's --resources flag), so the
// fields we read are checked for their JavaScript types before anything else.
function labelsShapeError(labels: unknown, where: string): string | undefined {
  if (labels === undefined) return undefined;
  if (!isObject(labels)) return `'${where}' must be an object`;
  const list = labels['labels'];
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) return `'${where}.labels' must be an array`;
  for (const l of list) {
    if (!isObject(l) || typeof l['key'] !== 'string' || !isOptionalString(l['value'])) {
      return `'${where}.labels' entries must be {key: string, value?: string}`;
    }
  }
  return undefined;
}

function reservationShapeError(r: unknown, where: string): string | undefined {
  if (!isObject(r)) return `'${where}' must be an object`;
  if (!isOptionalString(r['type']) || !isOptionalString(r['role']) || !isOptionalString(r['principal'])) {
    return `'${where}' has a field of the wrong type`;
  }
  return labelsShapeError(r['labels'], `${where}.labels`);
}

function diskShapeError(disk: unknown): string | undefined {
  if (!isObject(disk)) return "'disk' must be an object";
  const p = disk['persistence'];
  if (p !== undefined && (!isObject(p) || typeof p['id'] !== 'string' || !isOptionalString(p['principal']))) {
    return "'disk.persistence' must be {id: string, principal?: string}";
  }
  const v = disk['volume'];
  if (v !== undefined && (!isObject(v) || typeof v['container_path'] !== 'string' || (v['mode'] !== 'RW' && v['mode'] !== 'RO'))) {
    return "'disk.volume' must have 'mode' RW or RO and a 'container_path'";
  }
  const s = disk['source'];
  if (s === undefined) return undefined;
  if (!isObject(s) || typeof s['type'] !== 'string') return "'disk.source' must be an object with a 'type'";
  for (const field of ['path', 'mount'] as const) {
    const sub = s[field];
    if (sub !== undefined && (!isObject(sub) || !isOptionalString(sub['root']))) return `'disk.source.${field}' must be {root?: string}`;
  }
  if (!isOptionalString(s['vendor']) || !isOptionalString(s['id']) || !isOptionalString(s['profile'])) {
    return "'disk.source' has a field of the wrong type";
  }
  return labelsShapeError(s['metadata'], 'disk.source.metadata');
}

/** Why `value` does not have the JavaScript shape of a wire Resource, or undefined. */
export function resourceShapeError(value: unknown): string | undefined {
  if (!isObject(value)) return 'a resource must be a JSON object';
  if (typeof value['name'] !== 'string') return "'name' must be a string";
  if (typeof value['type'] !== 'string') return "'type' must be a string";
  const scalar = value['scalar'];
  if (scalar !== undefined && (!isObject(scalar) || typeof scalar['value'] !== 'number')) return "'scalar' must be {value: number}";
  const ranges = value['ranges'];
  if (ranges !== undefined) {
    const list = isObject(ranges) ? ranges['range'] : null;
    const ok =
      list === undefined ||
      (Array.isArray(list) && list.every((r) => isObject(r) && typeof r['begin'] === 'number' && typeof r['end'] === 'number'));
    if (!ok) return "'ranges' must be {range: [{begin: number, end: number}]}";
  }
  const set = value['set'];
  if (set !== undefined) {
    const items = isObject(set) ? set['item'] : null;
    if (!(items === undefined || (Array.isArray(items) && items.every((i) => typeof i === 'string')))) {
      return "'set' must be {item: [string]}";
    }
  }
  if (!isOptionalString(value['role'])) return "'role' must be a string";
  const allocation = value['allocation_info'];
  if (allocation !== undefined && (!isObject(allocation) || !isOptionalString(allocation['role']))) {
    return "'allocation_info' must be {role?: string}";
  }
  if (value['reservation'] !== undefined) {
    const error = reservationShapeError(value['reservation'], 'reservation');
    if (error !== undefined) return error;
  }
  const stack = value['reservations'];
  if (stack !== undefined) {
    if (!Array.isArray(stack)) return "'reservations' must be an array";
    for (let i = 0; i < stack.length; i++) {
      const error = reservationShapeError(stack[i], `reservations[${i}]`);
      if (error !== undefined) return error;
    }
  }
  if (value['disk'] !== undefined) {
    const error = diskShapeError(value['disk']);
    if (error !== undefined) return error;
  }
  for (const marker of ['revocable', 'shared'] as const) {
    if (value[marker] !== undefined && !isObject(value[marker])) return `'${marker}' must be an object`;
  }
  const provider = value['provider_id'];
  if (provider !== undefined && (!isObject(provider) || typeof provider['value'] !== 'string')) return "'provider_id' must be {value: string}";
  return undefined;
}

// Mesos compares labels as an unordered collection.
function sameLabels(a: { labels?: readonly { key: string; value?: string }[] } | undefined, b: typeof a): boolean {
  const x = a?.labels ?? [];
  const y = b?.labels ?? [];
  if (x.length !== y.length) return false;
  const text = (l: { key: string; value?: string }): string => JSON.stringify([l.key, l.value ?? null]);
  const ys = y.map(text).sort();
  return x.map(text).sort().every((t, i) => t === ys[i]);
}

function valueError(r: Resource): string | undefined {
  const has = { SCALAR: r.scalar !== undefined, RANGES: r.ranges !== undefined, SET: r.set !== undefined };
  switch (r.type) {
    case 'SCALAR': {
      if (!has.SCALAR || has.RANGES || has.SET) return `scalar resource '${r.name}' must set 'scalar' and neither 'ranges' nor 'set'`;
      const value = r.scalar!.value;
      if (!Number.isFinite(value)) return `invalid scalar value '${value}' for '${r.name}'`;
      if (value < 0) return `negative scalar ${value} for '${r.name}'`;
      if (value > MAX_SCALAR) return `scalar ${value} for '${r.name}' is too large`;
      // Mesos refuses non-zero values that its fixed point would turn into zero.
      if (value !== 0 && toThousandths(value) <= 0) return `scalar ${value} for '${r.name}' is below the 0.001 resolution`;
      return undefined;
    }
    case 'RANGES': {
      if (!has.RANGES || has.SCALAR || has.SET) return `ranges resource '${r.name}' must set 'ranges' and neither 'scalar' nor 'set'`;
      return checkRanges(r.ranges!.range ?? []);
    }
    case 'SET': {
      if (!has.SET || has.SCALAR || has.RANGES) return `set resource '${r.name}' must set 'set' and neither 'scalar' nor 'ranges'`;
      return checkSetItems(r.set!.item ?? []);
    }
    default:
      return `unsupported resource type '${String(r.type)}' for '${r.name}'`;
  }
}

function diskError(r: Resource): string | undefined {
  if (r.disk === undefined) return undefined;
  if (r.name !== 'disk') return `disk info is only allowed on 'disk' resources, not on '${r.name}'`;
  const source = r.disk.source;
  if (source === undefined) return undefined;
  switch (source.type) {
    case 'PATH':
    case 'MOUNT':
      return undefined;
    case 'BLOCK':
    case 'RAW':
      if (source.mount !== undefined) return `'mount' must not be set for a ${source.type} disk source`;
      if (source.path !== undefined) return `'path' must not be set for a ${source.type} disk source`;
      return undefined;
    default:
      return `unsupported disk source type '${String(source.type)}'`;
  }
}

function reservationError(r: Resource): string | undefined {
  const stack = r.reservations ?? [];
  if (stack.length === 0) {
    // The pre-refinement format: `role` ("*" when absent) plus `reservation` when dynamic.
    const role = r.role ?? '*';
    const error = roleError(role);
    if (error !== undefined) return error;
    if (r.reservation !== undefined) {
      if (r.reservation.type !== undefined) return "'reservation.type' must not be set in the pre-refinement format";
      if (r.reservation.role !== undefined) return "'reservation.role' must not be set in the pre-refinement format";
      if (role === '*') return "role '*' cannot be dynamically reserved";
    }
    return undefined;
  }

  for (const level of stack) {
    if (level.type === undefined || level.type === 'UNKNOWN') return "every entry of 'reservations' must set 'type' to STATIC or DYNAMIC";
    if (level.role === undefined) return "every entry of 'reservations' must set 'role'";
    const error = roleError(level.role);
    if (error !== undefined) return error;
    if (level.role === '*') return "role '*' cannot be reserved";
  }
  for (let i = 1; i < stack.length; i++) {
    const level = stack[i]!;
    const ancestor = stack[i - 1]!.role!;
    if (level.type === 'STATIC') return 'a refined reservation cannot be STATIC';
    if (!isStrictSubroleOf(level.role!, ancestor)) return `refined reservation role '${level.role}' is not a refinement of '${ancestor}'`;
  }

  // Both formats together (the "endpoint" format) are accepted when they agree.
  if (stack.length > 1) {
    if (r.role !== undefined) return "'role' must not be set when 'reservations' has more than one entry";
    if (r.reservation !== undefined) return "'reservation' must not be set when 'reservations' has more than one entry";
    return undefined;
  }
  const only = stack[0]!;
  if (r.role !== undefined && r.role !== only.role) return `'role' '${r.role}' does not match the role '${only.role}' in 'reservations'`;
  if (only.type === 'STATIC') {
    if (r.reservation !== undefined) return "'reservation' must not be set when the single entry of 'reservations' is STATIC";
    return undefined;
  }
  if ((r.role !== undefined) !== (r.reservation !== undefined)) {
    return "'role' and 'reservation' must be both set or both unset when the single entry of 'reservations' is DYNAMIC";
  }
  if (r.reservation !== undefined) {
    if (r.reservation.principal !== only.principal) {
      return `'reservation.principal' '${r.reservation.principal ?? ''}' does not match the principal '${only.principal ?? ''}' in 'reservations'`;
    }
    if (!sameLabels(r.reservation.labels, only.labels)) return "'reservation.labels' does not match the labels in 'reservations'";
  }
  return undefined;
}

/**
 * Why a wire Resource is invalid, or undefined (Mesos `Resources::validate`): the shape of
 * each field, a non-empty name, a value field matching `type`, non-negative scalars that the
 * 0.001 fixed point does not round to zero, ranges neither inverted nor overlapping, sets
 * without duplicates, disk info only on `disk`, valid roles, a well-formed reservation stack
 * (STATIC only at the bottom, each refinement a strict descendant of the previous role, the
 * deprecated `role`/`reservation` consistent with it) and `shared` only on persistent volumes.
 */
export function validateResource(resource: Resource): string | undefined {
  const shape = resourceShapeError(resource);
  if (shape !== undefined) return shape;
  if (resource.name === '') return 'resource name cannot be empty';
  const error = valueError(resource) ?? diskError(resource) ?? reservationError(resource);
  if (error !== undefined) return error;
  if (resource.allocation_info?.role !== undefined) {
    const roleProblem = roleError(resource.allocation_info.role);
    if (roleProblem !== undefined) return `invalid allocation role: ${roleProblem}`;
  }
  if (resource.shared !== undefined) {
    if (resource.name !== 'disk') return `resource '${resource.name}' cannot be shared`;
    if (resource.disk?.persistence === undefined) return 'only persistent volumes can be shared';
  }
  return undefined;
}

// `common::validation::validateID`: what a persistence id may be (it becomes a directory name).
function persistenceIdError(id: string): string | undefined {
  if (id === '') return 'persistence id must not be empty';
  if (id.length > 255) return `persistence id '${id}' is longer than 255 characters`;
  if (id === '.' || id === '..') return `persistence id '${id}' is reserved`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f/\\]/.test(id)) return `persistence id '${id}' contains invalid characters`;
  return undefined;
}

/**
 * Why a resource named in a framework or operator call (task, RESERVE, CREATE, ...) is not
 * acceptable, beyond `validateResource`: a dynamic reservation cannot be revocable; a persistent
 * volume must be reserved, not revocable, have a `volume` without `host_path` and a valid id;
 * disk info must not be empty and a volume needs persistence (src/master/validation.cpp).
 */
export function validateFrameworkResource(resource: Resource): string | undefined {
  const base = validateResource(resource);
  if (base !== undefined) return base;
  const stack = resource.reservations ?? [];
  const dynamic = stack.length > 0 ? stack.at(-1)!.type === 'DYNAMIC' : resource.reservation !== undefined;
  const reserved = stack.length > 0 || (resource.role !== undefined && resource.role !== '*');
  if (dynamic && resource.revocable !== undefined) return 'a dynamically reserved resource cannot be revocable';
  const disk = resource.disk;
  if (disk === undefined) return undefined;
  if (disk.persistence !== undefined) {
    if (resource.revocable !== undefined) return 'persistent volumes cannot be created from revocable resources';
    if (!reserved) return 'persistent volumes cannot be created from unreserved resources';
    if (disk.volume === undefined) return "expecting 'volume' to be set for a persistent volume";
    if (disk.volume.host_path !== undefined) return "expecting 'host_path' to be unset for a persistent volume";
    const idProblem = persistenceIdError(disk.persistence.id);
    if (idProblem !== undefined) return `invalid persistence id for a persistent volume: ${idProblem}`;
    return undefined;
  }
  if (disk.volume !== undefined) return 'non-persistent volumes are not supported';
  if (disk.source === undefined) return 'disk info is set but empty';
  return undefined;
}
