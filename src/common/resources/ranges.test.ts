import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkRanges,
  containsRanges,
  formatRanges,
  normalizeRanges,
  rangesSize,
  subtractRanges,
  toRangeObjects,
  unionRanges,
} from './ranges.ts';
import { checkSetItems, containsSet, formatSet, normalizeSet, subtractSets, unionSets } from './sets.ts';

const r = (...pairs: [number, number][]) => normalizeRanges(pairs.map(([begin, end]) => ({ begin, end })));

test('normalizing sorts and coalesces overlapping and adjacent ranges', () => {
  assert.deepEqual(r([3, 4], [1, 2]), [1, 4]);
  assert.deepEqual(r([10, 20], [1, 5], [6, 6], [22, 30]), [1, 6, 10, 20, 22, 30]);
  assert.deepEqual(r([1, 10], [2, 3]), [1, 10]);
  assert.deepEqual(toRangeObjects(r([5, 5])), [{ begin: 5, end: 5 }]);
});

test('checkRanges names inverted, overlapping and non-integer ranges', () => {
  assert.equal(checkRanges([{ begin: 5, end: 3 }]), 'range begin 5 is greater than end 3');
  assert.equal(checkRanges([{ begin: 1, end: 5 }, { begin: 3, end: 8 }]), 'ranges 1-5 and 3-8 overlap');
  assert.match(checkRanges([{ begin: -1, end: 3 }])!, /not a non-negative integer/);
  assert.match(checkRanges([{ begin: 1.5, end: 3 }])!, /not a non-negative integer/);
  assert.equal(checkRanges([{ begin: 1, end: 2 }, { begin: 3, end: 4 }]), undefined);
});

test('union merges and coalesces', () => {
  assert.deepEqual(unionRanges(r([1, 2]), r([3, 4])), [1, 4]);
  assert.deepEqual(unionRanges(r([1, 2], [10, 12]), r([5, 6])), [1, 2, 5, 6, 10, 12]);
  assert.deepEqual(unionRanges(r([1, 5]), r([3, 8])), [1, 8]);
});

test('subtract splits, trims and removes ranges', () => {
  assert.deepEqual(subtractRanges(r([1, 10]), r([4, 5])), [1, 3, 6, 10]);
  assert.deepEqual(subtractRanges(r([1, 10]), r([1, 10])), []);
  assert.deepEqual(subtractRanges(r([1, 10]), r([0, 3], [9, 20])), [4, 8]);
  assert.deepEqual(subtractRanges(r([1, 3], [5, 7], [9, 11]), r([2, 10])), [1, 1, 11, 11]);
  assert.deepEqual(subtractRanges(r([5, 7]), r([1, 2], [20, 30])), [5, 7]);
});

test('contains needs every integer covered', () => {
  assert.equal(containsRanges(r([1, 10]), r([2, 3], [5, 10])), true);
  assert.equal(containsRanges(r([1, 5], [7, 10]), r([5, 7])), false);
  assert.equal(containsRanges(r([1, 5]), r()), true);
  assert.equal(containsRanges(r(), r([1, 1])), false);
});

test('size and Mesos text', () => {
  assert.equal(rangesSize(r([31000, 32000])), 1001);
  assert.equal(formatRanges(r([31000, 31005], [31010, 31010])), '[31000-31005, 31010-31010]');
});

test('sets: canonical order, union, difference, containment, duplicates', () => {
  const a = normalizeSet(['b', 'a', 'c']);
  assert.deepEqual(a, ['a', 'b', 'c']);
  assert.deepEqual(unionSets(a, normalizeSet(['d', 'a'])), ['a', 'b', 'c', 'd']);
  assert.deepEqual(subtractSets(a, normalizeSet(['b', 'z'])), ['a', 'c']);
  assert.equal(containsSet(a, normalizeSet(['c', 'a'])), true);
  assert.equal(containsSet(a, normalizeSet(['d'])), false);
  assert.equal(checkSetItems(['a', 'b', 'a']), "duplicate set item 'a'");
  assert.equal(formatSet(a), '{a, b, c}');
});
