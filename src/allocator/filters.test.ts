// Offer filters: containment semantics, expiry on the caller's clock, removal, and the index.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OfferFilters, type OfferFilter } from './filters.ts';
import { scalarsOf } from './resource-math.ts';
import { res } from './testing.ts';
import { ScalarSpace } from './vector.ts';

const space = new ScalarSpace();
const filter = (framework: number, agent: number, role: string, text: string, expiresAt: number): OfferFilter => {
  const refused = res(text);
  return { framework, agent, role, refused, refusedScalars: scalarsOf(refused, space), expiresAt, removed: false };
};
const filtered = (f: OfferFilters, agent: number, fw: number, role: string, text: string): boolean =>
  f.isFiltered(agent, fw, role, res(text), scalarsOf(res(text), space), space.size);

describe('OfferFilters', () => {
  it('filters only offers contained in what was refused, for that role', () => {
    const f = new OfferFilters();
    f.add(filter(1, 7, 'r', 'cpus:2;mem:512;ports:[1-10]', 5000));
    assert.ok(f.mayFilter(7, 1));
    assert.ok(!f.mayFilter(7, 2) && !f.mayFilter(8, 1));
    assert.ok(filtered(f, 7, 1, 'r', 'cpus:2;mem:512;ports:[1-10]'));
    assert.ok(filtered(f, 7, 1, 'r', 'cpus:1;ports:[2-3]'));
    assert.ok(!filtered(f, 7, 1, 'r', 'cpus:3'), 'more cpus than refused');
    assert.ok(!filtered(f, 7, 1, 'r', 'cpus:1;ports:[11-11]'), 'a port that was not refused');
    assert.ok(!filtered(f, 7, 1, 'other', 'cpus:1'), 'another role');
  });

  it('expires on the clock, earliest first', () => {
    const f = new OfferFilters();
    f.add(filter(1, 1, 'r', 'cpus:1', 3000));
    f.add(filter(2, 1, 'r', 'cpus:1', 1000));
    f.add(filter(3, 1, 'r', 'cpus:1', 2000));
    assert.equal(f.nextExpiry(), 1000);
    assert.equal(f.expire(999), 0);
    assert.equal(f.expire(2000), 2);
    assert.ok(!f.mayFilter(1, 2) && !f.mayFilter(1, 3) && f.mayFilter(1, 1));
    assert.equal(f.size, 1);
    assert.equal(f.nextExpiry(), 3000);
  });

  it('removes by framework (optionally by role) and by agent', () => {
    const f = new OfferFilters();
    f.add(filter(1, 1, 'a', 'cpus:1', 9e9));
    f.add(filter(1, 2, 'b', 'cpus:1', 9e9));
    f.add(filter(2, 1, 'a', 'cpus:1', 9e9));
    f.removeFramework(1, new Set(['a']));
    assert.ok(!f.mayFilter(1, 1) && f.mayFilter(2, 1));
    f.removeAgent(2);
    assert.ok(!f.mayFilter(2, 1));
    assert.equal(f.size, 1);
    f.removeFramework(2);
    assert.equal(f.size, 0);
    assert.equal(f.nextExpiry(), undefined);
  });

  it('grows its bitsets for large framework and agent indices', () => {
    const f = new OfferFilters();
    f.add(filter(5000, 20_000, 'r', 'cpus:1', 10));
    assert.ok(f.mayFilter(20_000, 5000));
    assert.ok(!f.mayFilter(20_000, 4999));
  });
});
