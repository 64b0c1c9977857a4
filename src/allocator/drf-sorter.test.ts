// DRF ordering (Mesos's DRFSorterTest.DRF, WDRF, UpdateWeight, AllocationCountTieBreak,
// HierarchicalAllocation). Comments walk through the dominant shares.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DrfSorter } from './drf-sorter.ts';
import { seededRng } from './rng.ts';
import { SorterTotal } from './sorter.ts';
import { ScalarSpace, dominantShare } from './vector.ts';

function cluster(record: Record<string, number>, excluded: string[] = []) {
  const space = new ScalarSpace();
  const total = new SorterTotal(space, excluded);
  total.add(space.fromRecord(record));
  const q = (r: Record<string, number>) => space.fromRecord(r);
  return { space, total, q };
}

describe('DrfSorter', () => {
  it('orders by dominant share', () => {
    // Cluster: 100 cpus, 100 GB mem.
    const { total, q } = cluster({ cpus: 100_000, mem: 100_000 });
    const s = new DrfSorter(total);
    for (const c of ['a', 'b']) {
      s.add(c);
      s.activate(c);
    }
    // a gets 5 cpus, 1 GB: share(a) = max(5/100, 1/100) = 0.05. b has 0, so b goes first.
    s.allocated('a', q({ cpus: 5000, mem: 1000 }));
    assert.deepEqual(s.sort(), ['b', 'a']);
    // b gets 1 cpu, 10 GB: share(b) = 0.10 > 0.05, so a goes first again.
    s.allocated('b', q({ cpus: 1000, mem: 10_000 }));
    assert.deepEqual(s.sort(), ['a', 'b']);
    // a gets 6 more cpus: share(a) = 11/100 = 0.11 > 0.10.
    s.allocated('a', q({ cpus: 6000 }));
    assert.deepEqual(s.sort(), ['b', 'a']);
    // b gives back 5 GB: share(b) = 0.05.
    s.unallocated('b', q({ mem: 5000 }));
    assert.deepEqual(s.sort(), ['b', 'a']);
    assert.equal(s.share('a'), 0.11);
  });

  it('divides shares by weight (weighted DRF)', () => {
    const { total, q } = cluster({ cpus: 100_000, mem: 100_000 });
    const s = new DrfSorter(total, true);
    s.updateWeight('heavy', 2);
    for (const c of ['heavy', 'light']) {
      s.add(c);
      s.activate(c);
    }
    // heavy: 30 cpus, weight 2 → 0.30 / 2 = 0.15; light: 20 cpus → 0.20. heavy first.
    s.allocated('heavy', q({ cpus: 30_000 }));
    s.allocated('light', q({ cpus: 20_000 }));
    assert.deepEqual(s.sort(), ['heavy', 'light']);
    // Weight back to 1 at run time: heavy is now 0.30 > 0.20.
    s.updateWeight('heavy', 1);
    assert.deepEqual(s.sort(), ['light', 'heavy']);
  });

  it('breaks share ties by fewer allocations, then by name', () => {
    const { total, q } = cluster({ cpus: 100_000 });
    const s = new DrfSorter(total);
    for (const c of ['c', 'b', 'a']) {
      s.add(c);
      s.activate(c);
    }
    assert.deepEqual(s.sort(), ['a', 'b', 'c']);
    // a: two allocations of 1 cpu; b: one of 2 cpus. Same share 0.02; b has fewer allocations.
    s.allocated('a', q({ cpus: 1000 }));
    s.allocated('a', q({ cpus: 1000 }));
    s.allocated('b', q({ cpus: 2000 }));
    assert.deepEqual(s.sort(), ['c', 'b', 'a']);
  });

  it('lets a subtree compete with its siblings as a whole', () => {
    // eng/a and eng/b each hold 10 cpus: eng's subtree share is 0.20. ops holds 15: 0.15.
    const { total, q } = cluster({ cpus: 100_000 });
    const s = new DrfSorter(total, true);
    for (const c of ['eng/a', 'eng/b', 'ops']) {
      s.add(c);
      s.activate(c);
    }
    s.allocated('eng/a', q({ cpus: 10_000 }));
    s.allocated('eng/b', q({ cpus: 10_000 }));
    s.allocated('ops', q({ cpus: 15_000 }));
    // ops (0.15) before the eng subtree (0.20), even though each eng child is at 0.10.
    assert.deepEqual(s.sort(), ['ops', 'eng/a', 'eng/b']);
    // Within eng, a client's own allocation (virtual leaf `eng`) competes with eng/a and eng/b.
    s.add('eng');
    s.activate('eng');
    assert.deepEqual(s.sort(), ['ops', 'eng', 'eng/a', 'eng/b']);
  });

  it('re-sorts when the cluster total changes', () => {
    const { space, total, q } = cluster({ cpus: 100_000, mem: 100_000 });
    const s = new DrfSorter(total);
    for (const c of ['cpu-heavy', 'mem-heavy']) {
      s.add(c);
      s.activate(c);
    }
    s.allocated('cpu-heavy', q({ cpus: 20_000 })); // 0.20
    s.allocated('mem-heavy', q({ mem: 10_000 })); // 0.10
    assert.deepEqual(s.sort(), ['mem-heavy', 'cpu-heavy']);
    // 300 more cpus: cpu-heavy drops to 20/400 = 0.05.
    total.add(space.fromRecord({ cpus: 300_000 }));
    assert.deepEqual(s.sort(), ['cpu-heavy', 'mem-heavy']);
  });

  it('ignores excluded resources (fair_sharing_excluded_resource_names)', () => {
    const { total, q } = cluster({ cpus: 100_000, gpus: 4000 }, ['gpus']);
    const s = new DrfSorter(total);
    for (const c of ['gpu-user', 'cpu-user']) {
      s.add(c);
      s.activate(c);
    }
    // gpu-user holds all 4 gpus and 1 cpu: with gpus excluded its share is only 0.01.
    s.allocated('gpu-user', q({ gpus: 4000, cpus: 1000 }));
    s.allocated('cpu-user', q({ cpus: 5000 }));
    assert.deepEqual(s.sort(), ['gpu-user', 'cpu-user']);
  });

  it('keeps the incremental order equal to a full sort (property)', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f/g', 'f/h', 'f', 'i/j/k'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...names), fc.nat(20), fc.boolean()), { minLength: 10, maxLength: 80 }), fc.integer(), (ops, seed) => {
        const { space, total, q } = cluster({ cpus: 100_000, mem: 100_000 });
        const s = new DrfSorter(total, true);
        for (const n of names) {
          s.add(n);
          s.activate(n);
        }
        const rng = seededRng(seed);
        const counts = { leaf: new Map<string, number>(), subtree: new Map<string, number>() };
        for (const [name, amount, give] of ops) {
          const v = q({ cpus: amount * 500, mem: Math.floor(rng() * 3000) });
          if (give) {
            const cur = s.allocation(name);
            if (cur[0]! >= v[0]! && cur[1]! >= v[1]!) s.unallocated(name, v);
          } else {
            s.allocated(name, v);
            counts.leaf.set(name, (counts.leaf.get(name) ?? 0) + 1);
            const segs = name.split('/');
            for (let i = 1; i <= segs.length; i++) {
              const p = segs.slice(0, i).join('/');
              counts.subtree.set(p, (counts.subtree.get(p) ?? 0) + 1);
            }
          }
          if (rng() < 0.1) total.add(q({ cpus: 1000 }));
          if (rng() < 0.2) s.sort();
        }
        assert.deepEqual(s.sort(), bruteForce(s, names, space, total, counts));
      }),
      { numRuns: 200 },
    );
  });
});

// The order computed from scratch: pre-order over the path tree, children by (share, count, name).
function bruteForce(
  s: DrfSorter,
  clients: string[],
  space: ScalarSpace,
  total: SorterTotal,
  counts: { leaf: Map<string, number>; subtree: Map<string, number> },
): string[] {
  type N = { name: string; alloc: Float64Array; count: number; kids: Map<string, N>; leaf: boolean };
  const root: N = { name: '', alloc: space.zero(), count: 0, kids: new Map(), leaf: false };
  for (const c of clients) {
    const segs = c.split('/');
    let cur = root;
    let path = '';
    for (let i = 0; i < segs.length; i++) {
      path = i === 0 ? segs[i]! : `${path}/${segs[i]}`;
      let k = cur.kids.get(segs[i]!);
      if (!k) {
        k = { name: path, alloc: space.zero(), count: 0, kids: new Map(), leaf: false };
        cur.kids.set(segs[i]!, k);
      }
      cur = k;
    }
    cur.leaf = true;
  }
  const fill = (n: N): Float64Array => {
    if (n.leaf) n.alloc.set(s.allocation(n.name));
    for (const k of n.kids.values()) {
      const a = fill(k);
      for (let i = 0; i < space.size; i++) n.alloc[i]! += a[i]!;
    }
    return n.alloc;
  };
  fill(root);
  const out: string[] = [];
  const share = (a: Float64Array) => dominantShare(a, total.vec, space.size);
  const walk = (n: N) => {
    type E = { name: string; share: number; count: number; node?: N };
    const entries: E[] = [];
    if (n !== root && n.leaf && n.kids.size > 0) {
      entries.push({ name: n.name, share: share(s.allocation(n.name)), count: counts.leaf.get(n.name) ?? 0 });
    }
    for (const k of n.kids.values()) {
      const count = counts.subtree.get(k.name) ?? 0;
      if (k.kids.size === 0) entries.push({ name: k.name, share: share(k.alloc), count });
      else entries.push({ name: k.name, share: share(k.alloc), count, node: k });
    }
    entries.sort((x, y) => (x.share !== y.share ? x.share - y.share : x.count - y.count || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)));
    for (const e of entries) {
      if (e.node) walk(e.node);
      else out.push(e.name);
    }
  };
  walk(root);
  return out;
}
