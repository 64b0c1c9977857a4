// The random sorter's ordering: weighted, per level, independent of allocations.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RandomSorter } from './random-sorter.ts';
import { seededRng } from './rng.ts';
import { SorterTotal } from './sorter.ts';
import { ScalarSpace } from './vector.ts';

describe('RandomSorter', () => {
  it('puts a client first in proportion to its weight', () => {
    const space = new ScalarSpace();
    const total = new SorterTotal(space);
    const s = new RandomSorter(total, true);
    s.updateWeight('a', 3);
    for (const c of ['a', 'b']) {
      s.add(c);
      s.activate(c);
    }
    // a is 3x heavier: first about 75% of the time, whatever the allocations.
    s.allocated('a', space.fromRecord({ cpus: 1_000_000 }));
    const rng = seededRng(42);
    let aFirst = 0;
    const runs = 4000;
    for (let i = 0; i < runs; i++) if (s.sort(rng)[0] === 'a') aFirst++;
    assert.ok(Math.abs(aFirst / runs - 0.75) < 0.03, `a first ${aFirst}/${runs}`);
  });

  it('draws per level: a subtree is placed as a whole', () => {
    const space = new ScalarSpace();
    const s = new RandomSorter(new SorterTotal(space), true);
    for (const c of ['x/1', 'x/2', 'y']) {
      s.add(c);
      s.activate(c);
    }
    const rng = seededRng(1);
    for (let i = 0; i < 200; i++) {
      const order = s.sort(rng);
      // x/1 and x/2 are always adjacent.
      assert.equal(Math.abs(order.indexOf('x/1') - order.indexOf('x/2')), 1);
    }
  });

  it('needs an rng', () => {
    const s = new RandomSorter(new SorterTotal(new ScalarSpace()), false);
    s.add('a');
    s.add('b');
    s.activate('a');
    s.activate('b');
    assert.throws(() => s.sort());
  });
});
