import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.ts';
import { formatResources, parseResources, parseValueText } from './text.ts';
import { dynamicReservation, persistentVolume, resources, scalarResource, staticReservation } from './testing.ts';
import { resourcesToWire } from './wire.ts';

test('the text form: scalars, ranges, sets, roles', () => {
  const r = parseResources('cpus:4;mem:1024;ports:[31000-32000];cpus(ops):2;zones:{a,b}');
  assert.deepEqual(resourcesToWire(r), [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'STATIC', role: 'ops' }] },
    { name: 'mem', type: 'SCALAR', scalar: { value: 1024 } },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
    { name: 'zones', type: 'SET', set: { item: ['a', 'b'] } },
  ]);
});

test('spaces, empty items and adjacent ranges are tolerated as in Mesos', () => {
  const r = parseResources(' cpus : 0.5 ;; mem(*):  64 ;ports:[1-2, 3-4];zones:{ a , b };');
  assert.ok(r.equals(parseResources('cpus:0.5;mem:64;ports:[1-4];zones:{a,b}')));
  assert.ok(parseResources('').isEmpty());
  assert.equal(parseResources('cpus(eng/web):1').reserved('eng/web').cpus(), 1);
});

test('the default role applies to items without a role', () => {
  const r = parseResources('cpus:4;mem(*):10', { defaultRole: 'ops' });
  assert.equal(r.reserved('ops').cpus(), 4);
  assert.equal(r.unreserved().mem(), 10);
});

test('errors say what is wrong and where', () => {
  const cases: [string, string][] = [
    ['cpus:1;mem:2;ports:[5-3]', "resources[2] 'ports:[5-3]': range begin 5 is greater than end 3"],
    ['cpus:abc', "resources[0] 'cpus:abc': invalid scalar value 'abc' for 'cpus'"],
    ['mem:-1', "resources[0] 'mem:-1': negative scalar -1 for 'mem'"],
    ['ports:[1-5,3-8]', "resources[0] 'ports:[1-5,3-8]': ranges 1-5 and 3-8 overlap"],
    ['zones:{a,b,a}', "resources[0] 'zones:{a,b,a}': duplicate set item 'a'"],
    ['cpus(a//b):1', "resources[0] 'cpus(a//b):1': role 'a//b' cannot contain two adjacent slashes"],
    ['cpus(-x):1', "resources[0] 'cpus(-x):1': role component '-x' of '-x' cannot start with a dash"],
    ['cpus', "resources[0] 'cpus': expected 'name:value' or 'name(role):value' (missing or extra ':')"],
    ['cpus:1:2', "resources[0] 'cpus:1:2': expected 'name:value' or 'name(role):value' (missing or extra ':')"],
    ['cpus(ops:1', "resources[0] 'cpus(ops:1': mismatched parentheses"],
    ['cpus(ops)x:1', "resources[0] 'cpus(ops)x:1': unexpected text after ')': 'x'"],
    [':1', "resources[0] ':1': resource name cannot be empty"],
    ['cpus:', "resources[0] 'cpus:': empty value for 'cpus'"],
    ['ports:[1-2', "resources[0] 'ports:[1-2': mismatched brackets in ranges '[1-2' for 'ports'"],
    ['ports:[1-2-3]', "resources[0] 'ports:[1-2-3]': invalid range '1-2-3' for 'ports' (expected BEGIN-END with non-negative integers)"],
    ['zones:{a', "resources[0] 'zones:{a': mismatched braces in set '{a' for 'zones'"],
    ['cpus:1e400', "resources[0] 'cpus:1e400': invalid scalar value '1e400' for 'cpus'"],
    ['cpus:0.0001', "resources[0] 'cpus:0.0001': scalar 0.0001 for 'cpus' is below the 0.001 resolution"],
    ['cpus(*):1;cpus(*):x', "resources[1] 'cpus(*):x': invalid scalar value 'x' for 'cpus'"],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseResources(text),
      (err: unknown) => err instanceof InvalidArgumentError && err.message === message,
      `${text} should fail with: ${message}`,
    );
  }
});

test('a principal in parentheses is refused with a pointer to the JSON form', () => {
  assert.throws(() => parseResources('disk(ops,principal):100'), {
    message:
      "resources[0] 'disk(ops,principal):100': 'ops,principal' is not a role: the text form takes only a role in parentheses; a principal needs a dynamic reservation (JSON 'reservations')",
  });
});

test('agent-declared resources: one type per name, no volumes, revocable or dynamic reservations', () => {
  assert.throws(() => parseResources('gpus:1;gpus:[1-2]'), { message: "resource 'gpus' is declared both as RANGES and as SCALAR" });
  const json = (value: unknown) => JSON.stringify([value]);
  assert.throws(() => parseResources(json(scalarResource('cpus', 1, { revocable: {} }))), /revocable resources cannot be declared on the agent/);
  assert.throws(
    () => parseResources(json(scalarResource('cpus', 1, { reservations: [dynamicReservation('r', 'p')] }))),
    /dynamic reservations cannot be declared on the agent/,
  );
  assert.throws(
    () => parseResources(json(persistentVolume('v', 1, [staticReservation('r')]))),
    /persistent volumes cannot be declared on the agent/,
  );
});

test('the JSON form: both reservation formats, default role, MOUNT disks, errors', () => {
  const text = JSON.stringify([
    { name: 'cpus', type: 'SCALAR', scalar: { value: 24 } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 512 }, role: 'eng' },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 21000, end: 24000 }] }, reservations: [{ type: 'STATIC', role: 'ops' }] },
    { name: 'disk', type: 'SCALAR', scalar: { value: 1000 }, disk: { source: { type: 'MOUNT', mount: { root: '/mnt/d1' } } } },
  ]);
  const r = parseResources(text, { defaultRole: 'dflt' });
  assert.equal(r.reserved('dflt').cpus(), 24);
  assert.equal(r.reserved('eng').mem(), 512);
  assert.deepEqual(r.reserved('ops').ports(), [{ begin: 21000, end: 24000 }]);
  assert.equal(r.reserved('dflt').disk(), 1000);
  assert.throws(() => parseResources('[{"name":'), /^InvalidArgumentError: resources JSON is not valid: /);
  assert.throws(() => parseResources('[1]'), { message: 'resources[0]: a resource must be a JSON object' });
  assert.throws(() => parseResources('[{"name":"cpus","type":"SCALAR","scalar":{"value":-2}}]'), {
    message: "resources[0] 'cpus': negative scalar -2 for 'cpus'",
  });
});

test('format writes the text form back', () => {
  const text = 'cpus:4;cpus(ops):2.5;disk:10;mem:1024;ports:[1-2,5-9];ports(eng/web):[10-10];zones:{a,b}';
  assert.equal(formatResources(parseResources(text)), text);
  assert.equal(formatResources(parseResources('')), '');
});

test('format refuses what the text form cannot express', () => {
  const dynamic = resources(scalarResource('cpus', 1, { reservations: [dynamicReservation('r', 'p')] }));
  assert.throws(() => formatResources(dynamic), {
    message: "cannot write 'cpus(reservations: [(DYNAMIC,r,p)]):1' as text: only static reservations have a text form",
  });
  assert.throws(() => formatResources(resources(scalarResource('cpus', 1, { revocable: {} }))), /revocable and shared resources/);
  assert.throws(() => formatResources(resources(scalarResource('cpus', 1)).allocate('r')), /allocation info/);
});

test('parseValueText recognizes the three value kinds', () => {
  assert.deepEqual(parseValueText('x', ' 1.5 '), { type: 'SCALAR', value: 1.5 });
  assert.deepEqual(parseValueText('x', '[1-2,4-4]'), { type: 'RANGES', ranges: [{ begin: 1, end: 2 }, { begin: 4, end: 4 }] });
  assert.deepEqual(parseValueText('x', '[]'), { type: 'RANGES', ranges: [] });
  assert.deepEqual(parseValueText('x', '{a,,b}'), { type: 'SET', items: ['a', 'b'] });
});
