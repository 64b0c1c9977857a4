import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CacheIndex } from './cache-index.ts';

/** Adds an entry, sizes it, marks it ready and lets go of it (a finished, unused download). */
function cached(index: CacheIndex, key: string, bytes: number): void {
  const e = index.add(key, `/c/${key}`);
  assert.equal(index.resize(e, bytes).cached, true);
  index.ready(e);
  index.release(e);
}

test('used bytes follow resizes; entries within capacity stay', () => {
  const index = new CacheIndex(100);
  const e = index.add('a', '/c/a');
  assert.deepEqual(index.resize(e, 40), { evicted: [], cached: true });
  assert.equal(index.usedBytes, 40);
  // The announced size was wrong: the bytes written count.
  index.resize(e, 30);
  assert.equal(index.usedBytes, 30);
  index.ready(e);
  assert.equal(index.release(e), false);
  assert.equal(index.get('a')?.state, 'ready');
});

test('making room evicts least recently used unreferenced entries first', () => {
  const index = new CacheIndex(100);
  cached(index, 'a', 40);
  cached(index, 'b', 40);
  // Using `a` makes `b` the least recently used.
  index.acquire(index.get('a')!);
  index.release(index.get('a')!);
  const c = index.add('c', '/c/c');
  const { evicted, cached: fits } = index.resize(c, 50);
  assert.equal(fits, true);
  assert.deepEqual(evicted.map((e) => e.key), ['b']);
  assert.equal(index.usedBytes, 90);
  assert.equal(index.get('b'), undefined);
});

test('referenced and downloading entries are never evicted; the newcomer is detached instead', () => {
  const index = new CacheIndex(100);
  cached(index, 'a', 60);
  index.acquire(index.get('a')!); // being copied into a sandbox
  const b = index.add('b', '/c/b'); // still downloading, 0 bytes so far
  const c = index.add('c', '/c/c');
  const result = index.resize(c, 50);
  assert.deepEqual(result, { evicted: [], cached: false });
  assert.equal(c.detached, true);
  assert.equal(index.get('c'), undefined, 'the next fetch downloads again');
  assert.equal(index.usedBytes, 60);
  assert.equal(index.release(c), true, 'the file goes with its last user');
  assert.equal(b.detached, false);
});

test('an entry larger than the whole cache evicts nothing', () => {
  const index = new CacheIndex(100);
  cached(index, 'a', 60);
  const big = index.add('big', '/c/big');
  assert.deepEqual(index.resize(big, 101), { evicted: [], cached: false });
  assert.ok(index.get('a'));
  assert.equal(index.usedBytes, 60);
});

test('a failed download is forgotten; its file is deleted once unreferenced', () => {
  const index = new CacheIndex(100);
  const e = index.add('a', '/c/a');
  index.acquire(e); // a second fetch waits for it
  index.resize(e, 10);
  assert.equal(index.remove(e), false, 'still referenced');
  assert.equal(index.get('a'), undefined);
  assert.equal(index.usedBytes, 0);
  assert.equal(index.release(e), false);
  assert.equal(index.release(e), true);
  assert.throws(() => index.release(e), /released more often/);
});

test('capacity 0 caches nothing', () => {
  const index = new CacheIndex(0);
  const e = index.add('a', '/c/a');
  assert.equal(index.resize(e, 1).cached, false);
});
