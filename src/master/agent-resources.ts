// Resource conversions the master needs for reservations and persistent volumes: stripping a
// volume's persistence (CREATE consumes the plain reserved disk, DESTROY gives it back), and an
// agent's total as its configured resources with the checkpointed reservations and volumes
// applied (Mesos `applyCheckpointedResources`). Pure.
import { resourcesFromWire, resourcesToWire, type Resources } from '../common/resources/index.ts';
import type { Resource } from '../protocol/index.ts';

function mapWire(resources: Resources, fn: (r: Resource) => Resource): Resources {
  return resourcesFromWire(resourcesToWire(resources).map(fn));
}

function dropPersistence(r: Resource): Resource {
  if (r.disk === undefined) return r;
  const { persistence: _p, volume: _v, ...disk } = r.disk;
  const out: Resource = { ...r };
  if (Object.keys(disk).length === 0) delete out.disk;
  else out.disk = disk;
  return out;
}

/** The same resources without `disk.persistence` and `disk.volume` (what CREATE consumes). */
export function withoutPersistence(resources: Resources): Resources {
  return mapWire(resources, dropPersistence);
}

/** The resources an agent configures, before dynamic reservations and volumes were applied. */
export function configuredForm(resources: Resources): Resources {
  return mapWire(resources.unallocate(), (r) => {
    const plain = dropPersistence(r);
    const statics = (plain.reservations ?? []).filter((x) => x.type === 'STATIC');
    const out: Resource = { ...plain };
    if (statics.length === 0) delete out.reservations;
    else out.reservations = statics;
    return out;
  });
}

/**
 * The agent's total: configured resources in which each checkpointed resource replaces its
 * configured form. Returns an error when a checkpointed resource does not fit.
 */
export function applyCheckpointed(configured: Resources, checkpointed: Resources): Resources | string {
  let total = configured;
  for (const entry of checkpointed.entries) {
    const one = checkpointed.filter((e) => e === entry);
    const plain = configuredForm(one);
    if (!total.contains(plain)) return `checkpointed resource ${one.toString()} is not part of the agent's resources ${total.toString()}`;
    total = total.subtract(plain).add(one);
  }
  return total;
}
