import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.ts';
import { ResourceQuantities, parseQuantities } from './quantities.ts';
import { CPUS_SLOT, GPUS_SLOT, ScalarIndex, ScalarVector } from './scalar-vector.ts';
import { parseResources } from './text.ts';

test('parseQuantities reads cpus:1;mem:32, drops zeros and adds up repeats', () => {
  const q = parseQuantities('cpus:1;mem:32;gpus:0;cpus:0.5');
  assert.deepEqual(q.entries(), [
    ['cpus', 1.5],
    ['mem', 32],
  ]);
  assert.equal(q.get('gpus'), 0);
  assert.equal(q.toString(), 'cpus:1.5;mem:32');
  assert.ok(parseQuantities('').isEmpty());
});

test('parseQuantities errors name the item', () => {
  const cases: [string, string][] = [
    ['cpus:1;mem:-1', "quantities[1] 'mem:-1': negative scalar -1 for 'mem'"],
    ['cpus:abc', "quantities[0] 'cpus:abc': invalid scalar value 'abc' for 'cpus'"],
    ['cpus:inf', "quantities[0] 'cpus:inf': invalid scalar value 'inf' for 'cpus'"],
    ['ports:[1-2]', "quantities[0] 'ports:[1-2]': only scalar values are allowed for 'ports'"],
    ['cpus(r):1', "quantities[0] 'cpus(r):1': quantities take no role"],
    ['cpus', "quantities[0] 'cpus': expected 'name:value' (missing or extra ':')"],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseQuantities(text), (err: unknown) => err instanceof InvalidArgumentError && err.message === message, text);
  }
});

test('quantities from resources: scalars by value, ranges and sets by count, over all roles', () => {
  const r = parseResources('cpus:1;cpus(a):2;mem:512;ports:[5000-6000];zones:{a,b};disk:800');
  assert.deepEqual(ResourceQuantities.fromResources(r).entries(), [
    ['cpus', 3],
    ['disk', 800],
    ['mem', 512],
    ['ports', 1001],
    ['zones', 2],
  ]);
  assert.deepEqual(ResourceQuantities.fromScalarResources(r).entries(), [
    ['cpus', 3],
    ['disk', 800],
    ['mem', 512],
  ]);
});

test('add, subtract (dropping non-positive), contains, equals, wire map', () => {
  const a = parseQuantities('cpus:10;mem:100');
  const b = parseQuantities('cpus:0.1;gpus:1');
  assert.equal(a.add(b).toString(), 'cpus:10.1;gpus:1;mem:100');
  assert.equal(a.subtract(b).toString(), 'cpus:9.9;mem:100');
  assert.equal(a.subtract(parseQuantities('cpus:10;mem:200')).toString(), '');
  assert.ok(a.contains(parseQuantities('cpus:10')));
  assert.ok(!a.contains(b));
  assert.ok(a.contains(ResourceQuantities.EMPTY));
  assert.ok(a.add(b).subtract(b).equals(a));
  assert.deepEqual(a.toScalarMap(), { cpus: { value: 10 }, mem: { value: 100 } });
  assert.ok(ResourceQuantities.fromScalarMap({ cpus: { value: 10 }, mem: { value: 100 }, gpus: { value: 0 } }).equals(a));
  assert.throws(() => ResourceQuantities.fromScalarMap({ cpus: { value: -1 } }), InvalidArgumentError);
});

test('ScalarIndex: cpus, mem, disk, gpus first, then names as they come', () => {
  const index = new ScalarIndex(['fpgas']);
  assert.deepEqual(index.names(), ['cpus', 'mem', 'disk', 'gpus', 'fpgas']);
  assert.equal(index.slotOf('cpus'), CPUS_SLOT);
  assert.equal(index.find('gpus'), GPUS_SLOT);
  assert.equal(index.find('nope'), -1);
  assert.equal(index.slotOf('nope'), 5);
});

test('ScalarVector: in-place add/subtract, contains, dominant share', () => {
  const index = new ScalarIndex();
  const total = ScalarVector.fromResources(index, parseResources('cpus:10;mem:1000;ports:[1-10]'));
  const task = ScalarVector.of(index, { cpus: 0.1, mem: 200 });
  const used = new ScalarVector(index);
  used.add(task).add(task);
  assert.equal(used.get('cpus'), 0.2);
  assert.equal(used.get('mem'), 400);
  assert.ok(total.contains(used));
  assert.ok(!used.contains(total));
  assert.equal(used.dominantShare(total), 0.4);
  used.subtract(task).subtract(task).subtract(task);
  assert.ok(used.isZero(), 'subtract saturates at zero');
  assert.equal(total.get('ports'), 0, 'ports do not count by default');
  const counted = ScalarVector.fromResources(index, parseResources('ports:[1-10]'), { countNonScalars: true });
  assert.equal(counted.get('ports'), 10);
});

test('ScalarVector handles names added to the index after it was made', () => {
  const index = new ScalarIndex();
  const early = ScalarVector.of(index, { cpus: 1 });
  const late = ScalarVector.of(index, { cpus: 1, fpgas: 2 });
  assert.ok(!early.contains(late));
  assert.ok(late.contains(early));
  early.add(late);
  assert.equal(early.get('fpgas'), 2);
  assert.ok(early.clone().equals(early));
  assert.equal(early.toQuantities().toString(), 'cpus:2;fpgas:2');
  const copy = early.clone().add(late);
  assert.equal(early.get('cpus'), 2, 'clone is independent');
  assert.equal(copy.get('cpus'), 3);
});
