// Minimum allocatable resources: OR of AND-sets; scalars by value, ranges and sets by count.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MIN_ALLOCATABLE, MinAllocatable } from './min-allocatable.ts';
import { scalarsOf } from './resource-math.ts';
import { res } from './testing.ts';
import { ScalarSpace } from './vector.ts';

const space = new ScalarSpace();
const allows = (m: MinAllocatable, text: string): boolean => m.allows(res(text), scalarsOf(res(text), space));

describe('MinAllocatable', () => {
  it('defaults to cpus:0.01 or mem:32', () => {
    const m = new MinAllocatable(DEFAULT_MIN_ALLOCATABLE, space);
    assert.ok(allows(m, 'cpus:0.01'));
    assert.ok(allows(m, 'mem:32'));
    assert.ok(!allows(m, 'mem:31;disk:1000'));
    assert.ok(!allows(m, 'cpus:0.009'));
  });

  it('needs every resource of one set, and counts ports', () => {
    const m = new MinAllocatable([{ cpus: 1, mem: 256 }, { ports: 3 }], space);
    assert.ok(allows(m, 'cpus:1;mem:256'));
    assert.ok(!allows(m, 'cpus:1;mem:255'));
    assert.ok(allows(m, 'disk:1;ports:[1-3]'));
    assert.ok(!allows(m, 'ports:[1-2]'));
  });

  it('an empty rule allows anything', () => {
    const m = new MinAllocatable([], space);
    assert.ok(m.allowsAnything);
    assert.ok(allows(m, 'disk:1'));
  });
});
