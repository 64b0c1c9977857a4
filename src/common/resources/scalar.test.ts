import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatThousandths, fromThousandths, parseDecimal, toThousandths } from './scalar.ts';

test('scalars are integer thousandths, so 0.1 + 0.2 is exactly 0.3', () => {
  assert.equal(fromThousandths(toThousandths(0.1) + toThousandths(0.2)), 0.3);
  assert.equal(toThousandths(0.1) + toThousandths(0.2), toThousandths(0.3));
});

test('input rounds to three decimals half away from zero, like llround', () => {
  assert.equal(toThousandths(1.0004), 1000);
  assert.equal(toThousandths(1.0005), 1001);
  assert.equal(toThousandths(0.0015), 2);
  assert.equal(toThousandths(-0.0005), -1);
  assert.equal(toThousandths(-1.0004), -1000);
});

test('fromThousandths gives the nearest double and formats without noise', () => {
  assert.equal(fromThousandths(1500), 1.5);
  assert.equal(fromThousandths(-300), -0.3);
  assert.equal(formatThousandths(4000), '4');
  assert.equal(formatThousandths(125), '0.125');
});

test('parseDecimal accepts decimal numbers only', () => {
  assert.equal(parseDecimal('24'), 24);
  assert.equal(parseDecimal('0.5'), 0.5);
  assert.equal(parseDecimal('.5'), 0.5);
  assert.equal(parseDecimal('1e3'), 1000);
  assert.equal(parseDecimal('-1'), -1);
  for (const bad of ['', 'abc', 'inf', 'Infinity', 'NaN', '0x10', '1.2.3', '1e']) assert.equal(parseDecimal(bad), undefined, bad);
});
