import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cell, formatTable } from './table.ts';

test('columns are aligned two spaces apart, right-aligned where asked, without trailing spaces', () => {
  const out = formatTable(['ID', { header: 'CPUS', align: 'right' }, 'NAME'], [
    ['a', '0.5/4', 'web'],
    ['long-id', '1/16', ''],
  ]);
  assert.equal(out, ['ID        CPUS  NAME', 'a        0.5/4  web', 'long-id   1/16'].join('\n') + '\n');
});

test('non-ASCII text is measured in characters; cells lose newlines and show - for nothing', () => {
  const out = formatTable(['A', 'B'], [['été', 'x'], ['e', 'y']]);
  assert.equal(out, 'A    B\nété  x\ne    y\n');
  assert.equal(cell('a\nb\tc'), 'a b c');
  assert.equal(cell(undefined), '-');
  assert.equal(cell(0), '0');
});
