import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EntryGuard, normalizeEntryPath } from './entry-check.ts';

test('entry paths are normalised; climbing out or absolute paths are refused', () => {
  assert.equal(normalizeEntryPath('./a/b/'), 'a/b');
  assert.equal(normalizeEntryPath('./'), '');
  assert.equal(normalizeEntryPath('a/../b'), 'b');
  for (const bad of ['../evil', 'a/../../evil', '/etc/passwd', '..', 'C:/x', 'a\\..\\b', 'a\0b']) {
    assert.equal(normalizeEntryPath(bad), undefined, bad);
  }
});

test('files and directories inside the root pass; escaping ones are named in the problem', () => {
  const guard = new EntryGuard();
  assert.equal(guard.check('app/', 'directory'), undefined);
  assert.equal(guard.check('app/bin/run', 'file'), undefined);
  assert.equal(guard.check('../evil', 'file'), "archive entry '../evil' would be written outside the sandbox");
  assert.match(guard.check('/etc/cron.d/x', 'file') ?? '', /outside the sandbox/);
});

test('links must resolve inside the root', () => {
  const guard = new EntryGuard();
  assert.equal(guard.check('app/current', 'symlink', 'releases/1'), undefined);
  assert.equal(guard.check('app/up', 'symlink', '..'), undefined);
  assert.equal(guard.check('app/hard', 'hardlink', 'app/bin/run'), undefined);
  assert.match(guard.check('etc', 'symlink', '/etc') ?? '', /symbolic link to '\/etc', outside/);
  assert.match(guard.check('app/out', 'symlink', '../../x') ?? '', /outside the sandbox/);
  assert.match(guard.check('h', 'hardlink', '../x') ?? '', /hard link/);
  assert.match(guard.check('s', 'symlink', undefined) ?? '', /outside/);
});

test('nothing may be written below, or in place of, a symlink the archive created', () => {
  const guard = new EntryGuard();
  // `a/b -> ..` stays inside, but `a/b/c -> ../..` would then resolve to the root's parent.
  assert.equal(guard.check('a/b', 'symlink', '..'), undefined);
  assert.match(guard.check('a/b/c', 'symlink', '../..') ?? '', /below a symbolic link/);
  assert.match(guard.check('a/b/file', 'file') ?? '', /below a symbolic link/);
  assert.match(guard.check('a/b', 'file') ?? '', /replace a symbolic link/);
});

test('devices and FIFOs are refused', () => {
  assert.match(new EntryGuard().check('dev/sda', 'other') ?? '', /special file/);
});
