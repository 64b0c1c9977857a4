import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentTypeFor, modeString, parseOffsetParam } from './files.ts';

test('modeString renders ls -l style modes', () => {
  assert.equal(modeString(0o040755), 'drwxr-xr-x');
  assert.equal(modeString(0o100644), '-rw-r--r--');
  assert.equal(modeString(0o120777), 'lrwxrwxrwx');
  assert.equal(modeString(0o100000), '----------');
});

test('offset and length parameters: absent, -1, or a non-negative integer', () => {
  assert.equal(parseOffsetParam('offset', null), undefined);
  assert.equal(parseOffsetParam('offset', '-1'), -1);
  assert.equal(parseOffsetParam('offset', '4096'), 4096);
  assert.throws(() => parseOffsetParam('offset', '-2'), /'offset'/);
  assert.throws(() => parseOffsetParam('length', '1.5'), /'length'/);
  assert.throws(() => parseOffsetParam('length', 'abc'), /'length'/);
});

test('download content types come from the extension', () => {
  assert.equal(contentTypeFor('/s/stdout'), 'application/octet-stream');
  assert.equal(contentTypeFor('/s/app.log'), 'text/plain');
  assert.equal(contentTypeFor('/s/a.tar'), 'application/x-tar');
  assert.equal(contentTypeFor('/s/.json'), 'application/octet-stream');
});
