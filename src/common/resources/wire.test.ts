import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../protocol/index.ts';
import { InvalidArgumentError } from '../errors.ts';
import { parseResources } from './text.ts';
import { dynamicReservation, persistentVolume, rangesResource, resources, scalarResource, setResource, staticReservation } from './testing.ts';
import { resourcesFromWire, resourcesToLegacyJSON, resourcesToWire } from './wire.ts';

const PRE_DYNAMIC: Resource = {
  name: 'cpus',
  type: 'SCALAR',
  scalar: { value: 2 },
  role: 'eng',
  reservation: { principal: 'alice', labels: { labels: [{ key: 'k', value: 'v' }] } },
};
const POST_DYNAMIC: Resource = {
  name: 'cpus',
  type: 'SCALAR',
  scalar: { value: 2 },
  reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'alice', labels: { labels: [{ key: 'k', value: 'v' }] } }],
};

test('pre-refinement, post-refinement and endpoint input normalize to the same resources', () => {
  const pre = resourcesFromWire([PRE_DYNAMIC]);
  const post = resourcesFromWire([POST_DYNAMIC]);
  const endpoint = resourcesFromWire([{ ...POST_DYNAMIC, role: 'eng', reservation: PRE_DYNAMIC.reservation! }]);
  assert.ok(pre.equals(post));
  assert.ok(endpoint.equals(post));
  assert.deepEqual(pre.entries[0]!.reservations, [{ type: 'DYNAMIC', role: 'eng', principal: 'alice', labels: [{ key: 'k', value: 'v' }] }]);
});

test('pre-refinement role without reservation is a static reservation; "*" or no role is unreserved', () => {
  const [staticEntry] = resourcesFromWire([scalarResource('cpus', 1, { role: 'eng' })]).entries;
  assert.deepEqual(staticEntry!.reservations, [{ type: 'STATIC', role: 'eng' }]);
  assert.ok(resourcesFromWire([scalarResource('cpus', 1, { role: '*' })]).entries[0]!.isUnreserved);
  assert.ok(resourcesFromWire([scalarResource('cpus', 1)]).entries[0]!.isUnreserved);
});

test('a default role statically reserves resources that give no role (agent --default_role)', () => {
  const r = resourcesFromWire([scalarResource('cpus', 1), scalarResource('mem', 1, { role: '*' })], { defaultRole: 'ops' });
  assert.equal(r.reserved('ops').cpus(), 1);
  assert.equal(r.unreserved().mem(), 1);
});

test('output in the three formats', () => {
  const r = resources(
    scalarResource('cpus', 1),
    scalarResource('mem', 64, { reservations: [staticReservation('eng')] }),
    POST_DYNAMIC,
  );
  assert.deepEqual(resourcesToWire(r), [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } },
    POST_DYNAMIC,
    { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, reservations: [{ type: 'STATIC', role: 'eng' }] },
  ]);
  assert.deepEqual(resourcesToWire(r, 'PRE_RESERVATION_REFINEMENT'), [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' },
    PRE_DYNAMIC,
    { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, role: 'eng' },
  ]);
  assert.deepEqual(resourcesToWire(r, 'ENDPOINT'), [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' },
    { ...POST_DYNAMIC, role: 'eng', reservation: PRE_DYNAMIC.reservation },
    { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, role: 'eng', reservations: [{ type: 'STATIC', role: 'eng' }] },
  ]);
});

test('refined reservations cannot be written in the pre-refinement format', () => {
  const refined = resources(scalarResource('cpus', 1, { reservations: [staticReservation('eng'), dynamicReservation('eng/web', 'p')] }));
  assert.throws(
    () => resourcesToWire(refined, 'PRE_RESERVATION_REFINEMENT'),
    (err: unknown) =>
      err instanceof InvalidArgumentError &&
      err.message ===
        "resource 'cpus(reservations: [(STATIC,eng), (DYNAMIC,eng/web,p)]):1' has refined reservations, which the pre-refinement format cannot express",
  );
  // The endpoint format carries only the stack for them.
  assert.deepEqual(resourcesToWire(refined, 'ENDPOINT')[0], {
    name: 'cpus',
    type: 'SCALAR',
    scalar: { value: 1 },
    reservations: [{ type: 'STATIC', role: 'eng' }, { type: 'DYNAMIC', role: 'eng/web', principal: 'p' }],
  });
  // Callers serving old frameworks strip them first.
  assert.deepEqual(resourcesToWire(refined.filter((e) => !e.hasRefinedReservations), 'PRE_RESERVATION_REFINEMENT'), []);
});

test('disk, revocable, shared, provider and allocation info survive a round trip', () => {
  const volume = persistentVolume('v1', 64, [dynamicReservation('db', 'ops')], {
    shared: {},
    allocation_info: { role: 'db' },
    source: { type: 'PATH', path: { root: '/mnt/p' } },
  });
  const rev = scalarResource('cpus', 0.5, { revocable: {}, provider_id: { value: 'rp' } });
  const wire = resourcesToWire(resources(volume, rev));
  assert.deepEqual(wire, [rev, volume]);
});

test('a shared resource is written once whatever its count (as Mesos)', () => {
  const volume = persistentVolume('v1', 64, [dynamicReservation('db', 'ops')], { shared: {} });
  assert.equal(resourcesToWire(resources(volume, volume)).length, 1);
});

test('scalars are written as the rounded double', () => {
  const [cpus] = resourcesToWire(resourcesFromWire([scalarResource('cpus', 0.1234), scalarResource('cpus', 0.2)]));
  assert.deepEqual(cpus, { name: 'cpus', type: 'SCALAR', scalar: { value: 0.323 } });
});

test('invalid input names the index, the resource and the problem', () => {
  assert.throws(
    () => resourcesFromWire([scalarResource('cpus', 1), rangesResource('ports', [[5, 3]])]),
    (err: unknown) => err instanceof InvalidArgumentError && err.message === "resources[1] 'ports': range begin 5 is greater than end 3",
  );
  assert.throws(
    () => resourcesFromWire([scalarResource('mem', -1)], { label: 'task.resources' }),
    { message: "task.resources[0] 'mem': negative scalar -1 for 'mem'" },
  );
  assert.throws(() => resourcesFromWire([null as unknown as Resource]), { message: 'resources[0]: a resource must be a JSON object' });
});

test('legacy /state object: totals over roles, fixed keys, _revocable suffix, Mesos text for ranges and sets', () => {
  const r = resources(
    scalarResource('cpus', 4),
    scalarResource('cpus', 2, { reservations: [staticReservation('eng')] }),
    scalarResource('mem', 1024),
    scalarResource('cpus', 1.5, { revocable: {} }),
    rangesResource('ports', [[31000, 31005], [31010, 31010]]),
    setResource('zones', ['b', 'a']),
  );
  const legacy = resourcesToLegacyJSON(r);
  assert.deepEqual(legacy, {
    cpus: 6,
    cpus_revocable: 1.5,
    disk: 0,
    gpus: 0,
    mem: 1024,
    ports: '[31000-31005, 31010-31010]',
    zones: '{a, b}',
  });
  assert.deepEqual(Object.keys(legacy), ['cpus', 'cpus_revocable', 'disk', 'gpus', 'mem', 'ports', 'zones']);
  assert.deepEqual(resourcesToLegacyJSON(parseResources('')), { cpus: 0, disk: 0, gpus: 0, mem: 0 });
});
