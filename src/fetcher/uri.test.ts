import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheKey, destinationName, parseFetchSource, UriError } from './uri.ts';

test('http, https, file:// and absolute paths are fetchable; leading whitespace is ignored', () => {
  const http = parseFetchSource('  http://127.0.0.1:8080/a/b.tgz?x=1');
  assert.equal(http.kind, 'http');
  assert.equal(http.kind === 'http' && http.url.pathname, '/a/b.tgz');
  assert.equal(parseFetchSource('https://example.org/x').kind, 'http');
  assert.deepEqual(parseFetchSource('file:///opt/app%20v1.tar'), { kind: 'file', path: '/opt/app v1.tar' });
  assert.deepEqual(parseFetchSource('/opt//app.tar'), { kind: 'file', path: '/opt/app.tar' });
});

test('relative paths, unknown schemes and malformed URIs are refused with the cause', () => {
  assert.throws(() => parseFetchSource('app.tar'), /relative paths are not supported/);
  assert.throws(() => parseFetchSource('file://app.tar'), /absolute path/);
  assert.throws(() => parseFetchSource('hdfs://nn/app.tar'), /unsupported scheme 'hdfs'/);
  assert.throws(() => parseFetchSource('ftp://h/app.tar'), UriError);
  assert.throws(() => parseFetchSource(''), /empty/);
  assert.throws(() => parseFetchSource('/a\0b'), /NUL/);
  assert.throws(() => parseFetchSource('http://'), UriError);
});

test('the destination is output_file or the last path segment, query and fragment left out', () => {
  assert.equal(destinationName(parseFetchSource('http://h/dir/app.tgz?token=1#f'), undefined), 'app.tgz');
  assert.equal(destinationName(parseFetchSource('http://h/dir/my%20app.tgz'), undefined), 'my app.tgz');
  assert.equal(destinationName(parseFetchSource('/srv/files/run.sh'), undefined), 'run.sh');
  assert.equal(destinationName(parseFetchSource('http://h/x'), 'bin/tool'), 'bin/tool');
  assert.equal(destinationName(parseFetchSource('http://h/x'), './a//b'), 'a/b');
});

test('a URI without a file name needs output_file; output_file cannot leave the sandbox', () => {
  assert.throws(() => destinationName(parseFetchSource('http://h'), undefined), /set output_file/);
  assert.throws(() => destinationName(parseFetchSource('http://h/dir/'), undefined), /set output_file/);
  assert.throws(() => destinationName(parseFetchSource('http://h/a%2Fb'), undefined), /set output_file/);
  assert.throws(() => destinationName(parseFetchSource('http://h/x'), '/etc/passwd'), /is absolute/);
  assert.throws(() => destinationName(parseFetchSource('http://h/x'), '../x'), /inside the sandbox/);
  assert.throws(() => destinationName(parseFetchSource('http://h/x'), 'a/../../x'), /inside the sandbox/);
  assert.throws(() => destinationName(parseFetchSource('http://h/x'), 'dir/'), /inside the sandbox/);
});

test('cache keys segregate users, as Mesos', () => {
  assert.equal(cacheKey(undefined, 'http://h/x'), 'http://h/x');
  assert.equal(cacheKey('alice', 'http://h/x'), 'alice@http://h/x');
  assert.notEqual(cacheKey('alice', 'http://h/x'), cacheKey('bob', 'http://h/x'));
});
