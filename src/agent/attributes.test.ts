import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../common/errors.ts';
import { attributesToLegacyJSON, parseAttributes } from './attributes.ts';

test('parses the Mesos example: text, scalar and ranges', () => {
  const attrs = parseAttributes('rack:abc;zone:west;level:10;keys:[1000-1500]');
  assert.deepEqual(attrs, [
    { name: 'rack', type: 'TEXT', text: { value: 'abc' } },
    { name: 'zone', type: 'TEXT', text: { value: 'west' } },
    { name: 'level', type: 'SCALAR', scalar: { value: 10 } },
    { name: 'keys', type: 'RANGES', ranges: { range: [{ begin: 1000, end: 1500 }] } },
  ]);
  assert.deepEqual(attributesToLegacyJSON(attrs), { rack: 'abc', zone: 'west', level: 10, keys: '[1000-1500]' });
});

test('scalars may be fractional; several ranges are kept; blanks and empty items are skipped', () => {
  assert.deepEqual(parseAttributes(' weight : 0.5 ;; ports:[1-2, 5-9];'), [
    { name: 'weight', type: 'SCALAR', scalar: { value: 0.5 } },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }, { begin: 5, end: 9 }] } },
  ]);
  assert.deepEqual(parseAttributes(''), []);
  assert.deepEqual(attributesToLegacyJSON(parseAttributes('ports:[1-2,5-9]')), { ports: '[1-2, 5-9]' });
});

test('text that looks almost numeric stays text', () => {
  assert.deepEqual(parseAttributes('os:debian12;ver:1.2.3'), [
    { name: 'os', type: 'TEXT', text: { value: 'debian12' } },
    { name: 'ver', type: 'TEXT', text: { value: '1.2.3' } },
  ]);
});

for (const [input, why] of [
  ['rack', /'rack' is not a 'name:value' pair/],
  ['a:b:c', /'a:b:c' is not a 'name:value' pair/],
  [':x', /invalid attribute name ''/],
  ['zones:{a,b}', /sets .* are not allowed/],
  ['keys:[5-3]', /range begin 5 is greater than end 3/],
  ['keys:[1-2', /mismatched brackets/],
  ['keys:[a-b]', /invalid range 'a-b'/],
  ['keys:[]', /empty ranges/],
  ['rack:', /empty value/],
  ['rack:a b', /may not contain/],
] as const) {
  test(`refuses '${input}' with a message naming the problem`, () => {
    assert.throws(
      () => parseAttributes(input),
      (err: unknown) => err instanceof InvalidArgumentError && err.status === 400 && why.test(err.message),
    );
  });
}
