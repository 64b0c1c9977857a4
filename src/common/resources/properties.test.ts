// Property tests of the resource algebra (fast-check prints the seed and the shrunk
// counterexample on failure; replay with `{ seed, path }` in fc.assert's options).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ReservationInfo, Resource } from '../../protocol/index.ts';
import { ResourceQuantities } from './quantities.ts';
import type { Resources } from './resources.ts';
import { formatResources, parseResources } from './text.ts';
import { validateResource } from './validate.ts';
import { resourcesFromWire, resourcesToWire } from './wire.ts';

const RUNS = { numRuns: 1000 };

// Small pools of names, roles and values so that generated resources often share identities
// and actually merge, split and collide.
const STACKS: ReservationInfo[][] = [
  [],
  [{ type: 'STATIC', role: 'a' }],
  [{ type: 'DYNAMIC', role: 'a', principal: 'p' }],
  [{ type: 'DYNAMIC', role: 'a', principal: 'p', labels: { labels: [{ key: 'k', value: 'v' }] } }],
  [{ type: 'STATIC', role: 'a' }, { type: 'DYNAMIC', role: 'a/b' }],
  [{ type: 'DYNAMIC', role: 'a' }, { type: 'DYNAMIC', role: 'a/b', principal: 'q' }],
];
const SIMPLE_STACKS = STACKS.filter((s) => s.length <= 1);

type Options = { refined: boolean; shared: boolean };

// Integers 0..max as a list of maximal runs: the ranges a random subset covers.
const intSet = (max: number) => fc.uniqueArray(fc.integer({ min: 0, max }), { maxLength: 12 });
function toRanges(ints: readonly number[]): { begin: number; end: number }[] {
  const sorted = [...ints].sort((a, b) => a - b);
  const out: { begin: number; end: number }[] = [];
  for (const n of sorted) {
    const last = out.at(-1);
    if (last !== undefined && last.end + 1 === n) last.end = n;
    else out.push({ begin: n, end: n });
  }
  return out;
}

function resourceArb(options: Options): fc.Arbitrary<Resource> {
  const stack = fc.constantFrom(...(options.refined ? STACKS : SIMPLE_STACKS));
  const common = fc.record({
    reservations: stack,
    allocation: fc.constantFrom(undefined, 'a', 'a/b'),
    revocable: fc.boolean(),
  });
  const withCommon = (r: Resource, c: { reservations: ReservationInfo[]; allocation: string | undefined; revocable: boolean }): Resource => ({
    ...r,
    ...(c.reservations.length > 0 && { reservations: c.reservations }),
    ...(c.allocation !== undefined && { allocation_info: { role: c.allocation } }),
    ...(c.revocable && { revocable: {} }),
  });
  const scalar = fc
    .tuple(fc.constantFrom('cpus', 'mem'), fc.integer({ min: 1, max: 5000 }), common)
    .map(([name, t, c]) => withCommon({ name, type: 'SCALAR', scalar: { value: t / 1000 } }, c));
  const ranges = fc
    .tuple(intSet(40), common)
    .map(([ints, c]) => withCommon({ name: 'ports', type: 'RANGES', ranges: { range: toRanges(ints) } }, c));
  const set = fc
    .tuple(fc.subarray(['a', 'b', 'c', 'd', 'e', 'f']), common)
    .map(([items, c]) => withCommon({ name: 'zones', type: 'SET', set: { item: items } }, c));
  const reserved: ReservationInfo[] = [{ type: 'DYNAMIC', role: 'a', principal: 'p' }];
  const disks: fc.Arbitrary<Resource>[] = [
    fc.integer({ min: 1, max: 300 }).map((v) => ({ name: 'disk', type: 'SCALAR', scalar: { value: v } })),
    fc.integer({ min: 1, max: 300 }).map((v) => ({
      name: 'disk',
      type: 'SCALAR',
      scalar: { value: v },
      disk: { source: { type: 'PATH', path: { root: '/p' } } },
    })),
    fc.constantFrom(100, 200).map((v) => ({
      name: 'disk',
      type: 'SCALAR',
      scalar: { value: v },
      disk: { source: { type: 'MOUNT', mount: { root: '/m' } } },
    })),
    fc.tuple(fc.constantFrom('v1', 'v2'), fc.constantFrom(10, 20)).map(([id, v]) => ({
      name: 'disk',
      type: 'SCALAR',
      scalar: { value: v },
      reservations: reserved,
      disk: { persistence: { id }, volume: { mode: 'RW', container_path: 'data' } },
    })),
  ];
  if (options.shared) {
    disks.push(
      fc.constant({
        name: 'disk',
        type: 'SCALAR',
        scalar: { value: 10 },
        reservations: reserved,
        disk: { persistence: { id: 's1' }, volume: { mode: 'RW', container_path: 'data' } },
        shared: {},
      }),
    );
  }
  return fc.oneof(scalar, ranges, set, ...disks);
}

const resourcesArb = (options: Options = { refined: true, shared: true }): fc.Arbitrary<Resources> =>
  fc.array(resourceArb(options), { maxLength: 8 }).map((list) => resourcesFromWire(list));

const same = (actual: Resources, expected: Resources): boolean => actual.equals(expected);

test('(a + b) - b == a when a and b share no range or set items', () => {
  fc.assert(
    fc.property(resourcesArb(), resourcesArb(), (a, b0) => {
      // Ranges and sets add as a union, so an overlap would be lost; take it out of b first.
      const b = b0.subtract(a.filter((e) => e.type !== 'SCALAR'));
      return same(a.add(b).subtract(b), a);
    }),
    RUNS,
  );
});

// The precise statement: for valid resources, a.contains(b) holds exactly when subtracting b
// and adding it back restores a. Subtraction only removes what is there, so anything of b
// that a lacks (a larger scalar or count, a range or item outside a, an unequal indivisible
// piece) comes back as an addition and makes the result differ from a.
test('a.contains(b) iff (a - b) + b == a', () => {
  const pair = resourcesArb().chain((a) =>
    fc.oneof(
      resourcesArb().map((b) => [a, b] as const),
      // Half of the cases derive b from a, so that containment actually holds often.
      resourcesArb().map((c) => [a, a.subtract(c)] as const),
    ),
  );
  fc.assert(
    fc.property(pair, ([a, b]) => a.contains(b) === same(a.subtract(b).add(b), a)),
    RUNS,
  );
});

test('add is commutative and associative; equals matches mutual containment', () => {
  fc.assert(
    fc.property(resourcesArb(), resourcesArb(), resourcesArb(), (a, b, c) => {
      assert.ok(same(a.add(b), b.add(a)));
      assert.ok(same(a.add(b).add(c), a.add(b.add(c))));
      assert.equal(a.equals(b), a.contains(b) && b.contains(a));
      assert.ok(a.add(b).contains(a));
      assert.ok(a.contains(a.subtract(b)));
    }),
    RUNS,
  );
});

test('containment implies containment of quantities', () => {
  fc.assert(
    fc.property(resourcesArb(), resourcesArb(), (a, c) => {
      const b = a.subtract(c);
      return ResourceQuantities.fromResources(a).contains(ResourceQuantities.fromResources(b));
    }),
    RUNS,
  );
});

test('ranges stay normalized and exact after any sequence of adds and subtracts', () => {
  const op = fc.tuple(fc.boolean(), intSet(60));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
      let value = resourcesFromWire([]);
      const model = new Set<number>();
      for (const [isAdd, ints] of ops) {
        const delta = resourcesFromWire([{ name: 'ports', type: 'RANGES', ranges: { range: toRanges(ints) } }]);
        value = isAdd ? value.add(delta) : value.subtract(delta);
        for (const n of ints) if (isAdd) model.add(n);
        else model.delete(n);
        const entries = value.entries;
        assert.ok(entries.length <= 1);
        const flat = entries[0]?.ranges ?? [];
        for (let i = 0; i < flat.length; i += 2) {
          assert.ok(flat[i]! <= flat[i + 1]!, 'begin <= end');
          if (i > 0) assert.ok(flat[i]! > flat[i - 1]! + 1, 'sorted, disjoint and not adjacent');
        }
        const covered: number[] = [];
        for (let i = 0; i < flat.length; i += 2) for (let n = flat[i]!; n <= flat[i + 1]!; n++) covered.push(n);
        assert.deepEqual(covered, [...model].sort((x, y) => x - y));
      }
    }),
    RUNS,
  );
});

test('pre-refinement <-> post-refinement <-> endpoint round-trip for resources all formats express', () => {
  fc.assert(
    fc.property(resourcesArb({ refined: false, shared: false }), (x) => {
      for (const format of ['PRE_RESERVATION_REFINEMENT', 'POST_RESERVATION_REFINEMENT', 'ENDPOINT'] as const) {
        const wire = resourcesToWire(x, format);
        for (const r of wire) assert.equal(validateResource(r), undefined, JSON.stringify(r));
        assert.ok(same(resourcesFromWire(wire), x), format);
      }
      // Converting the pre-refinement output to post-refinement gives the post-refinement output.
      const viaPre = resourcesToWire(resourcesFromWire(resourcesToWire(x, 'PRE_RESERVATION_REFINEMENT')));
      assert.deepEqual(viaPre, resourcesToWire(x));
    }),
    RUNS,
  );
});

test('post-refinement and endpoint output round-trip refined reservations too', () => {
  fc.assert(
    fc.property(resourcesArb({ refined: true, shared: false }), (x) => {
      return same(resourcesFromWire(resourcesToWire(x)), x) && same(resourcesFromWire(resourcesToWire(x, 'ENDPOINT')), x);
    }),
    RUNS,
  );
});

test('parse(format(x)) == x for resources the text form expresses', () => {
  const roles = fc.constantFrom(undefined, 'a', 'a/b', 'ops');
  const item: fc.Arbitrary<Resource> = fc.oneof(
    fc.tuple(fc.constantFrom('cpus', 'mem', 'gpus'), fc.integer({ min: 1, max: 100_000 }), roles).map(([name, t, role]): Resource => ({
      name,
      type: 'SCALAR',
      scalar: { value: t / 1000 },
      ...(role !== undefined && { role }),
    })),
    fc.tuple(intSet(70_000), roles).map(([ints, role]): Resource => ({
      name: 'ports',
      type: 'RANGES',
      ranges: { range: toRanges(ints) },
      ...(role !== undefined && { role }),
    })),
    fc.tuple(fc.subarray(['x', 'y', 'rack-1', 'z.2']), roles).map(([items, role]): Resource => ({
      name: 'zones',
      type: 'SET',
      set: { item: items },
      ...(role !== undefined && { role }),
    })),
  );
  fc.assert(
    fc.property(fc.array(item, { maxLength: 10 }), (list) => {
      const x = resourcesFromWire(list);
      return same(parseResources(formatResources(x)), x);
    }),
    RUNS,
  );
});
