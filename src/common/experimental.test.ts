import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

test('known experimental warnings are dropped, others still print', () => {
  const mod = join(import.meta.dirname, 'experimental.ts');
  const script = `
    const { ignoreExperimentalWarnings } = await import(${JSON.stringify(mod)});
    ignoreExperimentalWarnings(['SQLite']);
    await import('node:sqlite');
    process.emitWarning('Something else is an experimental feature', 'ExperimentalWarning');
    process.emitWarning('SQLite again, as an ordinary warning');`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /SQLite is an experimental feature/);
  assert.match(r.stderr, /Something else is an experimental feature/);
  assert.match(r.stderr, /SQLite again, as an ordinary warning/);
});
