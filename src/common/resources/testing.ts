// Builders of wire Resource objects for tests (here and in the allocator, master and agent).
// Test-only: production code receives resources from the wire or the agent flag.
import type { Resource, ReservationInfo } from '../../protocol/index.ts';
import type { Resources } from './resources.ts';
import { resourcesFromWire } from './wire.ts';

export type ResourceExtras = Omit<Partial<Resource>, 'name' | 'type' | 'scalar' | 'ranges' | 'set'>;

export function scalarResource(name: string, value: number, extras: ResourceExtras = {}): Resource {
  return { name, type: 'SCALAR', scalar: { value }, ...extras };
}

export function rangesResource(name: string, ranges: readonly (readonly [number, number])[], extras: ResourceExtras = {}): Resource {
  return { name, type: 'RANGES', ranges: { range: ranges.map(([begin, end]) => ({ begin, end })) }, ...extras };
}

export function setResource(name: string, items: readonly string[], extras: ResourceExtras = {}): Resource {
  return { name, type: 'SET', set: { item: [...items] }, ...extras };
}

export function staticReservation(role: string): ReservationInfo {
  return { type: 'STATIC', role };
}

export function dynamicReservation(role: string, principal?: string, labels?: Record<string, string>): ReservationInfo {
  return {
    type: 'DYNAMIC',
    role,
    ...(principal !== undefined && { principal }),
    ...(labels !== undefined && { labels: { labels: Object.entries(labels).map(([key, value]) => ({ key, value })) } }),
  };
}

/** A persistent volume on the root disk (or on `source`), reserved by `reservations`. */
export function persistentVolume(
  id: string,
  size: number,
  reservations: ReservationInfo[],
  extras: ResourceExtras & { source?: NonNullable<Resource['disk']>['source'] } = {},
): Resource {
  const { source, ...rest } = extras;
  return scalarResource('disk', size, {
    reservations,
    disk: {
      persistence: { id, principal: 'ops' },
      volume: { mode: 'RW', container_path: 'data' },
      ...(source !== undefined && { source }),
    },
    ...rest,
  });
}

/** A whole MOUNT disk at `root`. */
export function mountDisk(root: string, size: number, extras: ResourceExtras = {}): Resource {
  return scalarResource('disk', size, { disk: { source: { type: 'MOUNT', mount: { root } } }, ...extras });
}

/** Resources from wire objects (validated). */
export function resources(...list: Resource[]): Resources {
  return resourcesFromWire(list);
}
