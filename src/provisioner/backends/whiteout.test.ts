import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyEntry } from './whiteout.ts';

test('whiteout names are classified as the OCI image spec defines them', () => {
  assert.deepEqual(classifyEntry('etc'), { kind: 'none' });
  assert.deepEqual(classifyEntry('.wh'), { kind: 'none' });
  assert.deepEqual(classifyEntry('.whatever'), { kind: 'none' });
  assert.deepEqual(classifyEntry('.wh.passwd'), { kind: 'whiteout', target: 'passwd' });
  assert.deepEqual(classifyEntry('.wh..hidden'), { kind: 'whiteout', target: '.hidden' });
  assert.deepEqual(classifyEntry('.wh..wh..opq'), { kind: 'opaque' });
  assert.deepEqual(classifyEntry('.wh..wh.plnk'), { kind: 'meta' });
  assert.deepEqual(classifyEntry('.wh.'), { kind: 'meta' });
  assert.deepEqual(classifyEntry('.wh..'), { kind: 'meta' });
});
