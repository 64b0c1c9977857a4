// Quota math on a role tree: nested needs, allowances, limit slack, capped roles, headroom.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QuotaTracker } from './quota.ts';
import { RoleTree, type RoleNode } from './roles.ts';
import { ScalarSpace } from './vector.ts';

function setup() {
  const space = new ScalarSpace();
  const tree = new RoleTree(space);
  const quota = new QuotaTracker(tree, space);
  const v = (r: Record<string, number>) => space.fromRecord(Object.fromEntries(Object.entries(r).map(([k, x]) => [k, x * 1000])));
  const lim = (r: Record<string, number>) => space.fromRecord(Object.fromEntries(Object.entries(r).map(([k, x]) => [k, x * 1000])), Infinity);
  const units = (x: Float64Array) => Object.fromEntries(Object.entries(space.toRecord(x)).map(([k, t]) => [k, t / 1000]));
  const setQuota = (path: string, g: Record<string, number> | null, l: Record<string, number> | null): RoleNode => {
    const node = tree.getOrCreate(path);
    quota.setQuota(node, g === null ? null : v(g), l === null ? null : lim(l));
    quota.refreshNeeds(node.top);
    return node;
  };
  const consume = (path: string, r: Record<string, number>): void => {
    tree.trackAllocated(tree.getOrCreate(path), v(r), space.zero(), 1);
    quota.refreshNeeds(tree.get(path)!.top);
  };
  const allowance = (path: string) => units(quota.allowance(tree.getOrCreate(path), space.zero()));
  return { space, tree, quota, setQuota, consume, allowance, units };
}

describe('QuotaTracker', () => {
  it('a flat guarantee: need = guarantee - consumed, summed into the required headroom', () => {
    const t = setup();
    t.setQuota('a', { cpus: 4, mem: 1024 }, null);
    t.setQuota('b', { cpus: 2 }, null);
    assert.deepEqual(t.units(t.quota.requiredHeadroom), { cpus: 6, mem: 1024 });
    t.consume('a', { cpus: 1, mem: 2048 });
    // a: cpus 4-1 = 3, mem over-consumed → 0. b: 2.
    assert.deepEqual(t.allowance('a'), { cpus: 3 });
    assert.deepEqual(t.units(t.quota.requiredHeadroom), { cpus: 5 });
  });

  it('a parent guarantee covers its children; a child keeps its own earmark', () => {
    const t = setup();
    t.setQuota('eng', { cpus: 10 }, null);
    t.setQuota('eng/web', { cpus: 4 }, null);
    // need(eng/web) = 4, need(eng) = max(10, 4) = 10, spare at eng = 6.
    assert.deepEqual(t.allowance('eng/web'), { cpus: 10 }, 'web: its 4 plus eng spare 6');
    assert.deepEqual(t.allowance('eng/batch'), { cpus: 6 }, 'batch: only the spare');
    assert.deepEqual(t.allowance('eng'), { cpus: 6 }, "eng's own frameworks: the spare");
    assert.deepEqual(t.allowance('ops'), {}, 'no guarantee on the path');
    // batch takes the spare: now web keeps exactly its own 4.
    t.consume('eng/batch', { cpus: 6 });
    assert.deepEqual(t.allowance('eng/web'), { cpus: 4 });
    assert.deepEqual(t.allowance('eng/batch'), {});
    assert.deepEqual(t.units(t.quota.requiredHeadroom), { cpus: 4 });
  });

  it('children needs add up past a smaller parent guarantee', () => {
    const t = setup();
    t.setQuota('p', { cpus: 3 }, null);
    t.setQuota('p/x', { cpus: 2 }, null);
    t.setQuota('p/y', { cpus: 2 }, null);
    // need(p) = max(3, 2 + 2) = 4: both children's guarantees are kept.
    assert.deepEqual(t.units(t.quota.requiredHeadroom), { cpus: 4 });
    assert.deepEqual(t.allowance('p/x'), { cpus: 2 });
    assert.deepEqual(t.allowance('p'), {});
  });

  it('limit slack is the tightest limit on the path', () => {
    const t = setup();
    const a = t.setQuota('a', null, { cpus: 10 });
    t.setQuota('a/b', null, { cpus: 8, mem: 100 });
    t.consume('a/c', { cpus: 7 });
    const slack = t.units(t.quota.limitSlack(t.tree.get('a/b')!, t.space.zero()));
    assert.equal(slack.cpus, 3, "a's 10 minus a/c's 7 binds before a/b's own 8");
    assert.equal(slack.mem, 100);
    assert.equal(t.quota.limitSlack(t.tree.getOrCreate('free'), t.space.zero())[0], Infinity);
    assert.ok(a.limitedOnPath && t.tree.get('a/b')!.limitedOnPath);
  });

  it('a role is capped when limits leave nothing in every slot the cluster has', () => {
    const t = setup();
    t.quota.presentMask = 0b11; // cpus and mem exist
    const a = t.setQuota('a', null, { cpus: 2 });
    t.consume('a', { cpus: 2 });
    assert.equal(t.quota.refreshCapped(a), a);
    assert.equal(t.quota.isCapped(a), false, 'mem is still unlimited');
    t.setQuota('a', null, { cpus: 2, mem: 0 });
    t.quota.refreshCapped(a);
    assert.equal(t.quota.isCapped(a), true);
    assert.equal(t.quota.isCapped(t.tree.getOrCreate('a/child')), true, 'the cap holds for the subtree');
  });
});
