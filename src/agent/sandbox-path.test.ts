import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWithin, normalizeAbsolute, resolveVirtualPath, type Attachments } from './sandbox-path.ts';

const SANDBOX = '/w/slaves/S0/frameworks/F/executors/E/runs/C';
const attachments: Attachments = new Map([
  [SANDBOX, SANDBOX],
  ['/frameworks/F/executors/E/runs/latest', SANDBOX],
  ['/w/slaves/S0/frameworks/F/executors/E/runs/latest', SANDBOX],
]);

test('the short virtual path maps onto the sandbox', () => {
  const r = resolveVirtualPath('/frameworks/F/executors/E/runs/latest/stdout', attachments);
  assert.deepEqual(r, {
    ok: true,
    virtualRoot: '/frameworks/F/executors/E/runs/latest',
    root: SANDBOX,
    virtualPath: '/frameworks/F/executors/E/runs/latest/stdout',
    real: `${SANDBOX}/stdout`,
  });
});

test('the real sandbox path and its root itself resolve', () => {
  const r = resolveVirtualPath(`${SANDBOX}/sub//dir/./f.txt`, attachments);
  assert.equal(r.ok && r.real, `${SANDBOX}/sub/dir/f.txt`);
  const root = resolveVirtualPath(`${SANDBOX}/`, attachments);
  assert.equal(root.ok && root.real, SANDBOX);
});

test('the longest attachment wins', () => {
  const nested: Attachments = new Map([
    ['/a', '/real/a'],
    ['/a/b', '/other/b'],
  ]);
  const r = resolveVirtualPath('/a/b/c', nested);
  assert.equal(r.ok && r.real, '/other/b/c');
  const r2 = resolveVirtualPath('/a/bc', nested);
  assert.equal(r2.ok && r2.real, '/real/a/bc');
});

test('`..` is refused with 403 wherever it appears, even if it would stay inside', () => {
  for (const p of [
    '/frameworks/F/executors/E/runs/latest/../../../../../etc/passwd',
    `${SANDBOX}/../C/stdout`,
    '/frameworks/F/executors/E/runs/latest/..',
    '/..',
  ]) {
    const r = resolveVirtualPath(p, attachments);
    assert.equal(r.ok, false, p);
    assert.equal(!r.ok && r.status, 403, p);
  }
});

test('names that merely contain dots are fine', () => {
  const r = resolveVirtualPath(`${SANDBOX}/a..b/...`, attachments);
  assert.equal(r.ok && r.real, `${SANDBOX}/a..b/...`);
});

test('paths under no attachment are 404: absolute paths outside, prefixes, siblings', () => {
  for (const p of ['/etc/passwd', '/', '/frameworks/F', `${SANDBOX}x/stdout`, '/w/slaves/S0/frameworks/F/executors/E/runs/C2']) {
    const r = resolveVirtualPath(p, attachments);
    assert.equal(!r.ok && r.status, 404, p);
  }
});

test('missing, relative or NUL-containing paths are refused', () => {
  assert.equal(!resolveVirtualPath('', attachments).ok && (resolveVirtualPath('', attachments) as { status: number }).status, 400);
  assert.equal((resolveVirtualPath(null, attachments) as { status: number }).status, 400);
  assert.equal((resolveVirtualPath('stdout', attachments) as { status: number }).status, 404);
  assert.equal((resolveVirtualPath(`${SANDBOX}/a\0b`, attachments) as { status: number }).status, 400);
});

test('isWithin compares whole path segments', () => {
  assert.equal(isWithin('/s/C', '/s/C'), true);
  assert.equal(isWithin('/s/C', '/s/C/stdout'), true);
  assert.equal(isWithin('/s/C', '/s/C2/stdout'), false);
  assert.equal(isWithin('/s/C', '/etc/passwd'), false);
  assert.equal(isWithin('/', '/anything'), true);
});

test('normalizeAbsolute collapses slashes and dots and rejects ..', () => {
  assert.equal(normalizeAbsolute('//a/./b//'), '/a/b');
  assert.equal(normalizeAbsolute('/'), '/');
  assert.equal(normalizeAbsolute('/a/../b'), undefined);
});
