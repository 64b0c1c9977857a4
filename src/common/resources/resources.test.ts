import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, InvariantError } from '../errors.ts';
import { Resources } from './resources.ts';
import { parseResources } from './text.ts';
import {
  dynamicReservation,
  mountDisk,
  persistentVolume,
  rangesResource,
  resources,
  scalarResource,
  setResource,
  staticReservation,
} from './testing.ts';

const p = (text: string) => parseResources(text);
const assertEquals = (actual: Resources, expected: Resources) =>
  assert.ok(actual.equals(expected), `expected ${expected.toString()}\n     got ${actual.toString()}`);

test('add merges equal identities and keeps others apart', () => {
  const sum = p('cpus:1;mem:512;ports:[1-2]').add(p('cpus:0.5;cpus(ops):2;ports:[3-4];zones:{a}'));
  assertEquals(sum, p('cpus:1.5;cpus(ops):2;mem:512;ports:[1-4];zones:{a}'));
  assert.equal(sum.size, 5);
  assert.equal(sum.cpus(), 3.5);
});

test('scalar arithmetic is exact in thousandths', () => {
  const sum = p('cpus:0.1').add(p('cpus:0.2'));
  assert.equal(sum.cpus(), 0.3);
  assertEquals(sum, p('cpus:0.3'));
  assert.equal(p('cpus:0.3').subtract(p('cpus:0.1')).cpus(), 0.2);
});

test('subtract takes what it can and drops empty or negative pieces (Mesos operator-=)', () => {
  assertEquals(p('cpus:4;mem:1024;ports:[1-10]').subtract(p('cpus:1;ports:[3-4]')), p('cpus:3;mem:1024;ports:[1-2,5-10]'));
  // More than present: the piece goes away rather than going negative.
  assertEquals(p('cpus:1;mem:10').subtract(p('cpus:2')), p('mem:10'));
  // Exactly all of it: empty, dropped.
  assert.ok(p('cpus:1').subtract(p('cpus:1')).isEmpty());
  // Nothing to subtract from: no-op for that piece.
  assertEquals(p('cpus:1').subtract(p('mem:5;cpus(ops):1')), p('cpus:1'));
  // Ranges and sets remove the overlap even when not contained.
  assertEquals(p('ports:[1-5];zones:{a,b}').subtract(p('ports:[4-9];zones:{b,c}')), p('ports:[1-3];zones:{a}'));
});

test('contains compares like identities only', () => {
  const agent = p('cpus:4;mem:1024;ports:[31000-31010];cpus(ops):1');
  assert.ok(agent.contains(p('cpus:2;ports:[31002-31003]')));
  assert.ok(agent.contains(p('cpus(ops):1')));
  assert.ok(!agent.contains(p('cpus(ops):2')));
  assert.ok(!agent.contains(p('cpus(dev):1')), 'a reservation to another role is another resource');
  assert.ok(!agent.contains(p('ports:[31010-31011]')));
  assert.ok(!agent.contains(p('gpus:1')));
  assert.ok(agent.contains(Resources.EMPTY));
  assert.ok(Resources.EMPTY.contains(Resources.EMPTY));
});

test('equals is order-independent and ignores how ranges were written', () => {
  assertEquals(p('ports:[3-4,1-2];cpus:1'), p('cpus:1;ports:[1-4]'));
  assert.ok(!p('cpus:1').equals(p('cpus:1.001')));
  assert.ok(!p('cpus:1').equals(p('cpus(ops):1')));
});

test('zero-valued and empty resources are dropped', () => {
  assert.ok(p('cpus:0;ports:[];zones:{}').isEmpty());
  assert.ok(resources(scalarResource('cpus', 0)).isEmpty());
});

test('allocation role is part of identity; allocate and unallocate set and clear it', () => {
  const offered = p('cpus:1;mem:8').allocate('web');
  assert.deepEqual([...offered].map((e) => e.allocationRole), ['web', 'web']);
  assert.ok(!offered.equals(p('cpus:1;mem:8')));
  assert.ok(!offered.contains(p('cpus:1')));
  assertEquals(offered.unallocate(), p('cpus:1;mem:8'));
  assert.equal(offered.allocations().get('web')?.size, 2);
  assert.ok(offered.add(p('cpus:1').allocate('db')).allocatedToRoleSubtree('web').equals(offered));
  assert.throws(() => p('cpus:1').allocate('a//b'), InvalidArgumentError);
});

test('dynamic reservations with different principals or labels stay separate', () => {
  const a = resources(scalarResource('cpus', 1, { reservations: [dynamicReservation('r', 'alice', { k: 'v' })] }));
  const b = resources(scalarResource('cpus', 1, { reservations: [dynamicReservation('r', 'alice', { k: 'w' })] }));
  const c = resources(scalarResource('cpus', 1, { reservations: [dynamicReservation('r', 'alice', { k: 'v' })] }));
  assert.equal(a.add(b).size, 2);
  assert.equal(a.add(c).size, 1);
  assert.equal(a.add(c).cpus(), 2);
});

test('labels compare as an unordered collection', () => {
  const labels = (pairs: [string, string][]) => ({ labels: pairs.map(([key, value]) => ({ key, value })) });
  const a = resources(scalarResource('cpus', 1, { reservations: [{ type: 'DYNAMIC', role: 'r', labels: labels([['a', '1'], ['b', '2']]) }] }));
  const b = resources(scalarResource('cpus', 1, { reservations: [{ type: 'DYNAMIC', role: 'r', labels: labels([['b', '2'], ['a', '1']]) }] }));
  assertEquals(a, b);
});

test('filters by reservation: reserved, subtree, allocatable, unreserved', () => {
  const all = resources(
    scalarResource('cpus', 1),
    scalarResource('cpus', 2, { reservations: [staticReservation('eng')] }),
    scalarResource('cpus', 4, { reservations: [staticReservation('eng'), dynamicReservation('eng/web', 'p')] }),
    scalarResource('cpus', 8, { reservations: [staticReservation('ops')] }),
  );
  assert.equal(all.unreserved().cpus(), 1);
  assert.equal(all.reserved().cpus(), 14);
  assert.equal(all.reserved('eng').cpus(), 2);
  assert.equal(all.reserved('eng/web').cpus(), 4);
  assert.equal(all.reservedToRoleSubtree('eng').cpus(), 6);
  // eng/web/api may use unreserved, eng and eng/web reservations; eng only unreserved and eng.
  assert.equal(all.allocatableTo('eng/web/api').cpus(), 7);
  assert.equal(all.allocatableTo('eng').cpus(), 3);
  assert.equal(all.allocatableTo('engineering').cpus(), 1);
  assert.deepEqual([...all.reservations().keys()].sort(), ['eng', 'eng/web', 'ops']);
  assert.equal(all.reservations().get('eng')?.cpus(), 2);
});

test('revocable, shared and persistent-volume filters', () => {
  const pv = persistentVolume('v1', 64, [dynamicReservation('db', 'ops')]);
  const shared = persistentVolume('v2', 32, [dynamicReservation('db', 'ops')], { shared: {} });
  const all = resources(scalarResource('cpus', 2), scalarResource('cpus', 1, { revocable: {} }), pv, shared);
  assert.equal(all.revocable().cpus(), 1);
  assert.equal(all.nonRevocable().cpus(), 2);
  assert.equal(all.persistentVolumes().disk(), 96);
  assert.equal(all.shared().disk(), 32);
  assert.equal(all.nonShared().disk(), 64);
});

test('flatten strips every reservation and merges what becomes equal', () => {
  const all = resources(
    scalarResource('cpus', 1),
    scalarResource('cpus', 2, { reservations: [staticReservation('eng')] }),
    scalarResource('cpus', 4, { reservations: [staticReservation('eng'), dynamicReservation('eng/web', 'p')] }),
  );
  assertEquals(all.flatten(), p('cpus:7'));
  assert.equal(all.flatten().size, 1);
});

test('pushReservation refines, popReservation undoes it', () => {
  const base = p('cpus:2;mem:64');
  const reserved = base.pushReservation({ type: 'DYNAMIC', role: 'eng', principal: 'alice' });
  assert.ok(reserved.entries.every((e) => e.reservationRole === 'eng' && e.isDynamicallyReserved));
  const refined = reserved.pushReservation({ type: 'DYNAMIC', role: 'eng/web' });
  assert.ok(refined.entries.every((e) => e.hasRefinedReservations && e.reservationRole === 'eng/web'));
  assertEquals(refined.popReservation(), reserved);
  assertEquals(refined.popReservation().popReservation(), base);
});

test('pushReservation refuses invalid refinements; popReservation refuses unreserved', () => {
  const eng = p('cpus(eng):2');
  assert.throws(() => eng.pushReservation({ type: 'DYNAMIC', role: 'ops' }), /role 'ops' is not a refinement of 'eng'/);
  assert.throws(() => eng.pushReservation({ type: 'STATIC', role: 'eng/web' }), /cannot be STATIC/);
  assert.throws(() => eng.pushReservation({ type: 'DYNAMIC', role: '*' }), /cannot be reserved/);
  assert.throws(() => p('cpus:1').popReservation(), /cannot pop a reservation from unreserved resource 'cpus:1'/);
});

test('MOUNT disks are indivisible: never merged, subtracted or contained only whole', () => {
  const disk = resources(mountDisk('/mnt/a', 100));
  assert.ok(!disk.contains(resources(mountDisk('/mnt/a', 50))));
  assertEquals(disk.subtract(resources(mountDisk('/mnt/a', 50))), disk);
  assert.ok(disk.subtract(disk).isEmpty());
  const two = disk.add(disk);
  assert.equal(two.size, 2, 'two equal MOUNT disks (e.g. from two agents) stay two pieces');
  assert.equal(two.disk(), 200);
  assert.ok(two.contains(disk));
  assert.ok(!disk.contains(two), 'one disk does not contain two');
  assertEquals(two.subtract(disk), disk);
});

test('PATH disks with the same root merge and split like plain disk', () => {
  const path = (size: number) => scalarResource('disk', size, { disk: { source: { type: 'PATH', path: { root: '/p' } } } });
  const sum = resources(path(10), path(20));
  assert.equal(sum.size, 1);
  assert.ok(sum.contains(resources(path(15))));
  assertEquals(sum.subtract(resources(path(5))), resources(path(25)));
  assert.ok(!sum.contains(p('disk:1')), 'a PATH disk is not the root disk');
});

test('RAW disks merge only without an id; BLOCK disks never merge', () => {
  const raw = (size: number, id?: string) => scalarResource('disk', size, { disk: { source: { type: 'RAW', ...(id !== undefined && { id }) } } });
  assert.equal(resources(raw(1), raw(2)).size, 1);
  assert.equal(resources(raw(1, 'x'), raw(1, 'x')).size, 2);
  const block = scalarResource('disk', 5, { disk: { source: { type: 'BLOCK', id: 'b' } } });
  assert.equal(resources(block, block).size, 2);
});

test('persistent volumes match only exactly; volume and creator principal do not matter', () => {
  const v = persistentVolume('v1', 64, [dynamicReservation('db', 'ops')]);
  const vol = resources(v);
  assert.ok(!vol.contains(resources(persistentVolume('v1', 32, [dynamicReservation('db', 'ops')]))));
  assert.ok(!vol.contains(resources(persistentVolume('v2', 64, [dynamicReservation('db', 'ops')]))));
  const otherMount = { ...v, disk: { ...v.disk, persistence: { id: 'v1', principal: 'someone' }, volume: { mode: 'RO' as const, container_path: 'x' } } };
  assert.ok(vol.contains(resources(otherMount)));
  assert.ok(vol.subtract(resources(otherMount)).isEmpty());
});

test('shared resources are counted: adding the same one increments its count', () => {
  const volume = persistentVolume('s1', 10, [dynamicReservation('db', 'ops')], { shared: {} });
  const one = resources(volume);
  const three = resources(volume, volume, volume);
  assert.equal(three.size, 1);
  assert.equal(three.count(one.entries[0]!), 3);
  assert.equal(three.disk(), 10, 'a shared resource counts once in totals, as in Mesos');
  assert.ok(three.contains(one.add(one)));
  assert.ok(!one.contains(one.add(one)));
  assertEquals(three.subtract(one), one.add(one));
  assert.ok(one.subtract(three).isEmpty());
  // A shared volume is a different resource from the same volume unshared, and from other sizes.
  assert.ok(!one.contains(resources(persistentVolume('s1', 10, [dynamicReservation('db', 'ops')]))));
  assert.equal(one.add(resources(persistentVolume('s1', 20, [dynamicReservation('db', 'ops')], { shared: {} }))).size, 2);
});

test('revocable and provider ids are part of identity', () => {
  const rev = resources(scalarResource('cpus', 1, { revocable: {} }));
  assert.ok(!p('cpus:4').contains(rev));
  const fromProvider = resources(scalarResource('disk', 5, { provider_id: { value: 'rp1' } }));
  assert.ok(!p('disk:10').contains(fromProvider));
  assert.equal(fromProvider.add(p('disk:10')).size, 2);
});

test('getters: scalars, ranges, sets, names, types, quantities of a name', () => {
  const all = p('cpus:4;cpus(ops):2;mem:1024;disk:10;gpus:1;ports:[1-5];ports(ops):[10-12];zones:{b,a}');
  assert.equal(all.cpus(), 6);
  assert.equal(all.mem(), 1024);
  assert.equal(all.disk(), 10);
  assert.equal(all.gpus(), 1);
  assert.equal(all.scalar('nope'), undefined);
  assert.deepEqual(all.ports(), [{ begin: 1, end: 5 }, { begin: 10, end: 12 }]);
  assert.deepEqual(all.set('zones'), ['a', 'b']);
  assert.equal(all.ranges('zones'), undefined);
  assert.deepEqual(all.names(), ['cpus', 'disk', 'gpus', 'mem', 'ports', 'zones']);
  assert.equal(all.types().get('ports'), 'RANGES');
  assert.equal(all.named('cpus').size, 2);
  assert.equal(all.scalars().size, 5);
  assert.equal(all.scalarThousandths('cpus'), 6000);
});

test('entries describe themselves the Mesos way', () => {
  const r = resources(
    scalarResource('cpus', 1, { reservations: [staticReservation('eng'), dynamicReservation('eng/web', 'alice')], allocation_info: { role: 'eng/web' } }),
    rangesResource('ports', [[1, 2]], { revocable: {} }),
    setResource('zones', ['a']),
  );
  assert.equal(
    r.toString(),
    'cpus(allocated: eng/web)(reservations: [(STATIC,eng), (DYNAMIC,eng/web,alice)]):1; ports{REV}:[1-2]; zones:{a}',
  );
});

test('operations never modify their inputs', () => {
  const a = p('cpus:1;ports:[1-5]');
  const b = p('cpus:2;ports:[6-9]');
  const before = [a.toString(), b.toString()];
  a.add(b);
  a.subtract(b);
  b.subtract(a);
  a.allocate('x');
  a.pushReservation({ type: 'STATIC', role: 'x' });
  assert.deepEqual([a.toString(), b.toString()], before);
});

test('shrinkTo cuts divisible scalars and refuses indivisible ones', () => {
  const cpus = p('cpus:4').entries[0]!;
  assert.equal(cpus.shrinkTo(1500)?.scalar, 1.5);
  assert.equal(cpus.shrinkTo(9000), cpus);
  assert.equal(cpus.shrinkTo(0), undefined);
  const mount = resources(mountDisk('/m', 100)).entries[0]!;
  assert.equal(mount.shrinkTo(50_000), undefined);
  assert.equal(mount.shrinkTo(100_000), mount);
  assert.throws(() => p('ports:[1-2]').entries[0]!.shrinkTo(1), InvariantError);
});
