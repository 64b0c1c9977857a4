import assert from 'node:assert/strict';
import { test } from 'node:test';
import { archiveTypeOf, gunzippedName } from './archive.ts';

test('archive types are decided by the file name ending, as Mesos', () => {
  const cases: [string, string | undefined][] = [
    ['a.tar', 'tar'],
    ['a.tgz', 'tar.gz'],
    ['a.tar.gz', 'tar.gz'],
    ['a.tbz2', 'tar.bz2'],
    ['a.tar.bz2', 'tar.bz2'],
    ['a.txz', 'tar.xz'],
    ['a.tar.xz', 'tar.xz'],
    ['a.zip', 'zip'],
    ['data.json.gz', 'gz'],
    ['a.gz', 'gz'],
    ['run.sh', undefined],
    ['a.tar.zst', undefined],
    ['a.bz2', undefined],
    ['A.TGZ', undefined], // case-sensitive, as Mesos
    ['tar', undefined],
  ];
  for (const [name, type] of cases) assert.equal(archiveTypeOf(name), type, name);
});

test('a plain .gz is gunzipped into the sandbox root under its name without .gz', () => {
  assert.equal(gunzippedName('data.json.gz'), 'data.json');
  assert.equal(gunzippedName('sub/dir/data.gz'), 'data');
});
