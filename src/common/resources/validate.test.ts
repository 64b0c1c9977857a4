import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../protocol/index.ts';
import { dynamicReservation, persistentVolume, rangesResource, scalarResource, setResource, staticReservation } from './testing.ts';
import { validateFrameworkResource, validateResource } from './validate.ts';

const cpus = (extras: Partial<Resource> = {}): Resource => scalarResource('cpus', 1, extras);

test('valid resources in every format pass', () => {
  const valid: Resource[] = [
    cpus(),
    cpus({ role: '*' }),
    cpus({ role: 'eng' }),
    cpus({ role: 'eng', reservation: { principal: 'p' } }),
    cpus({ reservations: [staticReservation('eng'), dynamicReservation('eng/web', 'p')] }),
    cpus({ role: 'eng', reservations: [staticReservation('eng')] }),
    cpus({ role: 'eng', reservation: { principal: 'p' }, reservations: [dynamicReservation('eng', 'p')] }),
    scalarResource('cpus', 0),
    rangesResource('ports', [[1, 2], [3, 4]]),
    rangesResource('ports', []),
    setResource('zones', ['a', 'b']),
    persistentVolume('v1', 10, [dynamicReservation('db', 'p')], { shared: {} }),
    scalarResource('disk', 10, { disk: { source: { type: 'BLOCK', id: 'x' } } }),
  ];
  for (const r of valid) assert.equal(validateResource(r), undefined, JSON.stringify(r));
});

test('values: type must match the value field; scalars non-negative and representable', () => {
  const cases: [Resource, string][] = [
    [{ name: 'cpus', type: 'SCALAR' }, "scalar resource 'cpus' must set 'scalar' and neither 'ranges' nor 'set'"],
    [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, set: { item: [] } }, "scalar resource 'cpus' must set 'scalar' and neither 'ranges' nor 'set'"],
    [{ name: 'ports', type: 'RANGES', scalar: { value: 1 } }, "ranges resource 'ports' must set 'ranges' and neither 'scalar' nor 'set'"],
    [{ name: 'zones', type: 'SET' }, "set resource 'zones' must set 'set' and neither 'scalar' nor 'ranges'"],
    [{ name: 'rack', type: 'TEXT' }, "unsupported resource type 'TEXT' for 'rack'"],
    [scalarResource('mem', -1), "negative scalar -1 for 'mem'"],
    [scalarResource('mem', 0.0004), "scalar 0.0004 for 'mem' is below the 0.001 resolution"],
    [scalarResource('mem', Infinity), "invalid scalar value 'Infinity' for 'mem'"],
    [scalarResource('mem', 1e16), "scalar 10000000000000000 for 'mem' is too large"],
    [scalarResource('', 1), 'resource name cannot be empty'],
    [rangesResource('ports', [[5, 3]]), 'range begin 5 is greater than end 3'],
    [rangesResource('ports', [[1, 5], [5, 6]]), 'ranges 1-5 and 5-6 overlap'],
    [setResource('zones', ['a', 'a']), "duplicate set item 'a'"],
  ];
  for (const [r, message] of cases) assert.equal(validateResource(r), message, JSON.stringify(r));
});

test('shape errors for JSON that no schema checked', () => {
  const bad = (value: unknown) => validateResource(value as Resource);
  assert.equal(bad(42), 'a resource must be a JSON object');
  assert.equal(bad({ type: 'SCALAR' }), "'name' must be a string");
  assert.equal(bad({ name: 'cpus', type: 'SCALAR', scalar: { value: '1' } }), "'scalar' must be {value: number}");
  assert.equal(bad({ name: 'p', type: 'RANGES', ranges: { range: [{ begin: 1 }] } }), "'ranges' must be {range: [{begin: number, end: number}]}");
  assert.equal(bad({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: {} }), "'reservations' must be an array");
  assert.equal(bad({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, revocable: true }), "'revocable' must be an object");
});

test('disk info: only on disk; BLOCK and RAW take no path or mount', () => {
  assert.equal(validateResource(scalarResource('mem', 1, { disk: {} })), "disk info is only allowed on 'disk' resources, not on 'mem'");
  assert.equal(
    validateResource(scalarResource('disk', 1, { disk: { source: { type: 'RAW', mount: { root: '/m' } } } })),
    "'mount' must not be set for a RAW disk source",
  );
  assert.equal(
    validateResource(scalarResource('disk', 1, { disk: { source: { type: 'BLOCK', path: { root: '/m' } } } })),
    "'path' must not be set for a BLOCK disk source",
  );
  assert.equal(validateResource(scalarResource('disk', 1, { disk: { source: { type: 'UNKNOWN' } } })), "unsupported disk source type 'UNKNOWN'");
});

test('pre-refinement reservation rules', () => {
  assert.equal(validateResource(cpus({ role: 'a//b' })), "role 'a//b' cannot contain two adjacent slashes");
  assert.equal(validateResource(cpus({ reservation: { principal: 'p' } })), "role '*' cannot be dynamically reserved");
  assert.equal(validateResource(cpus({ role: '*', reservation: { principal: 'p' } })), "role '*' cannot be dynamically reserved");
  assert.equal(
    validateResource(cpus({ role: 'r', reservation: { type: 'DYNAMIC' } })),
    "'reservation.type' must not be set in the pre-refinement format",
  );
  assert.equal(validateResource(cpus({ role: 'r', reservation: { role: 'r' } })), "'reservation.role' must not be set in the pre-refinement format");
});

test('reservation stack rules: typed, valid roles, STATIC only at the bottom, each a refinement', () => {
  const stack = (...reservations: Resource['reservations'] & object) => cpus({ reservations });
  assert.equal(validateResource(stack({ role: 'a' })), "every entry of 'reservations' must set 'type' to STATIC or DYNAMIC");
  assert.equal(validateResource(stack({ type: 'UNKNOWN', role: 'a' })), "every entry of 'reservations' must set 'type' to STATIC or DYNAMIC");
  assert.equal(validateResource(stack({ type: 'STATIC' })), "every entry of 'reservations' must set 'role'");
  assert.equal(validateResource(stack(staticReservation('*'))), "role '*' cannot be reserved");
  assert.equal(validateResource(stack(staticReservation('-a'))), "role component '-a' of '-a' cannot start with a dash");
  assert.equal(validateResource(stack(staticReservation('a'), staticReservation('a/b'))), 'a refined reservation cannot be STATIC');
  assert.equal(validateResource(stack(staticReservation('a'), dynamicReservation('b'))), "refined reservation role 'b' is not a refinement of 'a'");
  assert.equal(validateResource(stack(staticReservation('a'), dynamicReservation('a'))), "refined reservation role 'a' is not a refinement of 'a'");
  assert.equal(validateResource(stack(dynamicReservation('a'), dynamicReservation('a/b/c'))), undefined);
});

test('both formats together must agree', () => {
  const refined = [staticReservation('a'), dynamicReservation('a/b')];
  assert.equal(validateResource(cpus({ role: 'a', reservations: refined })), "'role' must not be set when 'reservations' has more than one entry");
  assert.equal(
    validateResource(cpus({ reservation: {}, reservations: refined })),
    "'reservation' must not be set when 'reservations' has more than one entry",
  );
  assert.equal(validateResource(cpus({ role: 'b', reservations: [staticReservation('a')] })), "'role' 'b' does not match the role 'a' in 'reservations'");
  assert.equal(
    validateResource(cpus({ role: 'a', reservation: {}, reservations: [staticReservation('a')] })),
    "'reservation' must not be set when the single entry of 'reservations' is STATIC",
  );
  assert.equal(
    validateResource(cpus({ role: 'a', reservations: [dynamicReservation('a', 'p')] })),
    "'role' and 'reservation' must be both set or both unset when the single entry of 'reservations' is DYNAMIC",
  );
  assert.equal(
    validateResource(cpus({ role: 'a', reservation: { principal: 'q' }, reservations: [dynamicReservation('a', 'p')] })),
    "'reservation.principal' 'q' does not match the principal 'p' in 'reservations'",
  );
  assert.equal(
    validateResource(cpus({ role: 'a', reservation: { principal: 'p' }, reservations: [dynamicReservation('a', 'p', { k: 'v' })] })),
    "'reservation.labels' does not match the labels in 'reservations'",
  );
});

test('shared only for persistent volumes; allocation role must be valid', () => {
  assert.equal(validateResource(cpus({ shared: {} })), "resource 'cpus' cannot be shared");
  assert.equal(validateResource(scalarResource('disk', 1, { shared: {} })), 'only persistent volumes can be shared');
  assert.equal(validateResource(cpus({ allocation_info: { role: 'a b' } })), "invalid allocation role: role 'a b' cannot contain whitespace or control characters");
});

test('master checks on framework resources: revocable, persistent volumes, disk info', () => {
  const db = [dynamicReservation('db', 'p')];
  assert.equal(validateFrameworkResource(persistentVolume('v1', 1, db)), undefined);
  assert.equal(validateFrameworkResource(cpus({ reservations: db, revocable: {} })), 'a dynamically reserved resource cannot be revocable');
  assert.equal(validateFrameworkResource(cpus({ role: 'db', reservation: {}, revocable: {} })), 'a dynamically reserved resource cannot be revocable');
  assert.equal(validateFrameworkResource(persistentVolume('v1', 1, [])), 'persistent volumes cannot be created from unreserved resources');
  assert.equal(
    validateFrameworkResource(persistentVolume('v1', 1, [staticReservation('db')], { revocable: {} })),
    'persistent volumes cannot be created from revocable resources',
  );
  const noVolume = scalarResource('disk', 1, { reservations: db, disk: { persistence: { id: 'v1' } } });
  assert.equal(validateFrameworkResource(noVolume), "expecting 'volume' to be set for a persistent volume");
  const hostPath = scalarResource('disk', 1, {
    reservations: db,
    disk: { persistence: { id: 'v1' }, volume: { mode: 'RW', container_path: 'd', host_path: '/x' } },
  });
  assert.equal(validateFrameworkResource(hostPath), "expecting 'host_path' to be unset for a persistent volume");
  assert.equal(
    validateFrameworkResource(persistentVolume('a/b', 1, db)),
    "invalid persistence id for a persistent volume: persistence id 'a/b' contains invalid characters",
  );
  assert.equal(validateFrameworkResource(persistentVolume('..', 1, db)), "invalid persistence id for a persistent volume: persistence id '..' is reserved");
  assert.equal(validateFrameworkResource(scalarResource('disk', 1, { disk: {} })), 'disk info is set but empty');
  assert.equal(
    validateFrameworkResource(scalarResource('disk', 1, { disk: { volume: { mode: 'RW', container_path: 'd' } } })),
    'non-persistent volumes are not supported',
  );
  assert.equal(validateFrameworkResource(scalarResource('mem', -1)), "negative scalar -1 for 'mem'");
});
