// One contract suite, run against every Sorter implementation (Mesos's CommonSorterTest): what
// any fairness order must do regardless of how it orders. Ordering itself is tested per
// implementation in drf-sorter.test.ts and random-sorter.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvariantError } from '../common/errors.ts';
import { seededRng } from './rng.ts';
import { SorterTotal, type Sorter, type SorterKind } from './sorter.ts';
import { createSorter } from './sorter-factory.ts';
import { ScalarSpace } from './vector.ts';

function setup(kind: SorterKind, hierarchical = true): { sorter: Sorter; space: ScalarSpace; total: SorterTotal } {
  const space = new ScalarSpace();
  const total = new SorterTotal(space);
  total.add(space.fromRecord({ cpus: 100_000, mem: 1_024_000 }));
  return { sorter: createSorter(kind, total, hierarchical), space, total };
}

const sorted = (xs: string[]): string[] => [...xs].sort();

for (const kind of ['drf', 'random'] as const) {
  describe(`Sorter contract (${kind})`, () => {
    const rng = seededRng(7);

    it('adds clients inactive and lists only active ones', () => {
      const { sorter } = setup(kind);
      sorter.add('a');
      sorter.add('b');
      assert.equal(sorter.size, 2);
      assert.ok(sorter.contains('a'));
      assert.deepEqual(sorter.sort(rng), []);
      sorter.activate('a');
      assert.deepEqual(sorter.sort(rng), ['a']);
      assert.equal(sorter.activeCount, 1);
      sorter.activate('b');
      assert.deepEqual(sorted(sorter.sort(rng)), ['a', 'b']);
      sorter.deactivate('a');
      assert.deepEqual(sorter.sort(rng), ['b']);
      assert.equal(sorter.isActive('a'), false);
      assert.equal(sorter.isActive('b'), true);
    });

    it('activate and deactivate are idempotent', () => {
      const { sorter } = setup(kind);
      sorter.add('a');
      sorter.activate('a');
      sorter.activate('a');
      assert.deepEqual(sorter.sort(rng), ['a']);
      sorter.deactivate('a');
      sorter.deactivate('a');
      assert.deepEqual(sorter.sort(rng), []);
    });

    it('removes clients, active or not', () => {
      const { sorter } = setup(kind);
      for (const c of ['a', 'b', 'c']) {
        sorter.add(c);
        sorter.activate(c);
      }
      sorter.deactivate('c');
      sorter.remove('a');
      sorter.remove('c');
      assert.equal(sorter.contains('a'), false);
      assert.deepEqual(sorter.sort(rng), ['b']);
      assert.equal(sorter.size, 1);
    });

    it('treats a bug in the caller as an invariant error', () => {
      const { sorter } = setup(kind);
      sorter.add('a');
      assert.throws(() => sorter.add('a'), InvariantError);
      assert.throws(() => sorter.remove('zz'), InvariantError);
      assert.throws(() => sorter.activate('zz'), InvariantError);
    });

    it('lists hierarchical clients but never implicit internal nodes', () => {
      const { sorter } = setup(kind);
      for (const c of ['eng/backend/api', 'eng/frontend', 'ops']) {
        sorter.add(c);
        sorter.activate(c);
      }
      assert.deepEqual(sorted(sorter.sort(rng)), ['eng/backend/api', 'eng/frontend', 'ops']);
    });

    it('keeps a client that gains and loses descendants (virtual leaf)', () => {
      const { sorter, space } = setup(kind);
      sorter.add('a');
      sorter.activate('a');
      sorter.allocated('a', space.fromRecord({ cpus: 1000 }));
      sorter.add('a/b');
      sorter.activate('a/b');
      assert.deepEqual(sorted(sorter.sort(rng)), ['a', 'a/b']);
      assert.equal(sorter.allocation('a')[space.slot('cpus')], 1000);
      sorter.remove('a/b');
      assert.deepEqual(sorter.sort(rng), ['a']);
      assert.equal(sorter.allocation('a')[space.slot('cpus')], 1000);
      sorter.add('a/b/c');
      sorter.activate('a/b/c');
      sorter.deactivate('a');
      assert.deepEqual(sorter.sort(rng), ['a/b/c']);
    });

    it('accounts allocations and gives them back', () => {
      const { sorter, space } = setup(kind);
      sorter.add('x');
      const q = space.fromRecord({ cpus: 2000, mem: 512_000 });
      sorter.allocated('x', q);
      sorter.allocated('x', q);
      sorter.unallocated('x', q);
      assert.deepEqual(space.toRecord(sorter.allocation('x')), { cpus: 2000, mem: 512_000 });
      // 2 of 100 cpus, 512 of 1024 mem: the dominant share is mem, 0.5.
      assert.equal(sorter.share('x'), 0.5);
    });

    it('stops a walk when the visitor says so', () => {
      const { sorter } = setup(kind);
      for (const c of ['a', 'b', 'c', 'd']) {
        sorter.add(c);
        sorter.activate(c);
      }
      const seen: string[] = [];
      sorter.walk({ visit: (c) => (seen.push(c), seen.length === 2) }, rng);
      assert.equal(seen.length, 2);
    });

    it('skips a subtree when enter returns false', () => {
      const { sorter } = setup(kind);
      for (const c of ['a/x', 'a/y', 'b/x', 'c']) {
        sorter.add(c);
        sorter.activate(c);
      }
      const seen: string[] = [];
      sorter.walk({ enter: (p) => p !== 'a', visit: (c) => (seen.push(c), false) }, rng);
      assert.deepEqual(sorted(seen), ['b/x', 'c']);
    });

    it('defers membership changes made during a walk until it ends', () => {
      const { sorter, space } = setup(kind);
      for (const c of ['a', 'b', 'c']) {
        sorter.add(c);
        sorter.activate(c);
      }
      const seen: string[] = [];
      sorter.walk(
        {
          visit: (c) => {
            seen.push(c);
            sorter.deactivate(c);
            sorter.allocated(c, space.fromRecord({ cpus: 1000 }));
            if (c === 'a') sorter.add('d');
            return false;
          },
        },
        rng,
      );
      assert.deepEqual(sorted(seen), ['a', 'b', 'c']);
      assert.deepEqual(sorter.sort(rng), []);
      assert.ok(sorter.contains('d'));
    });

    it('accepts weights for paths that do not exist yet', () => {
      const { sorter } = setup(kind);
      sorter.updateWeight('later/role', 3);
      sorter.add('later/role');
      sorter.activate('later/role');
      assert.deepEqual(sorter.sort(rng), ['later/role']);
      assert.throws(() => sorter.updateWeight('x', 0), InvariantError);
    });

    it('lists exactly the active clients after any sequence of changes (property)', () => {
      const names = ['a', 'a/b', 'a/b/c', 'a/d', 'e', 'e/f', 'g'];
      const op = fc.tuple(fc.constantFrom('add', 'remove', 'activate', 'deactivate', 'alloc'), fc.constantFrom(...names));
      fc.assert(
        fc.property(fc.array(op, { minLength: 10, maxLength: 60 }), fc.integer(), (ops, seed) => {
          const { sorter, space } = setup(kind);
          const model = new Map<string, boolean>();
          const r = seededRng(seed);
          for (const [kindOfOp, name] of ops) {
            const present = model.has(name);
            if (kindOfOp === 'add' && !present) {
              sorter.add(name);
              model.set(name, false);
            } else if (kindOfOp === 'remove' && present) {
              sorter.remove(name);
              model.delete(name);
            } else if (kindOfOp === 'activate' && present) {
              sorter.activate(name);
              model.set(name, true);
            } else if (kindOfOp === 'deactivate' && present) {
              sorter.deactivate(name);
              model.set(name, false);
            } else if (kindOfOp === 'alloc' && present) {
              sorter.allocated(name, space.fromRecord({ cpus: Math.floor(r() * 5000) + 1 }));
            }
            const expected = [...model].filter(([, a]) => a).map(([n]) => n);
            assert.deepEqual(sorted(sorter.sort(r)), sorted(expected));
          }
        }),
        { numRuns: 150 },
      );
    });
  });
}
