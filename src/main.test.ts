import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { dispatch } from './main.ts';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  return { io: { stdout, stderr }, err: () => err };
}

/** A fake src/ tree with only the given launcher modules, to point dispatch() at. */
function fakeSrc(files: Record<string, string>): { base: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'agora-main-test-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { base: pathToFileURL(join(dir, 'main.ts')).href, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a process command whose entry point is missing says "not built yet" with exit 69', async () => {
  const src = fakeSrc({});
  try {
    const c = io();
    assert.equal(await dispatch(['master', '--port=0'], c.io, src.base), 69);
    assert.match(c.err(), /agora master: not built yet/);
  } finally {
    src.cleanup();
  }
});

test('agora master|agent|dev load their entry point and pass the remaining arguments', async () => {
  const src = fakeSrc({
    'agent/main.ts': 'export async function agentMain(argv: string[]): Promise<number> { return argv.length === 2 && argv[0] === "--port=0" ? 7 : 1; }',
    'dev/main.ts': 'export const somethingElse = 1;',
  });
  try {
    assert.equal(await dispatch(['agent', '--port=0', '--master=x'], io().io, src.base), 7);
    const c = io();
    assert.equal(await dispatch(['dev'], c.io, src.base), 69);
    assert.match(c.err(), /does not export devMain/);
  } finally {
    src.cleanup();
  }
});

test('everything else goes to the CLI, including CLI commands that start with a process name', async () => {
  const c = io();
  assert.equal(await dispatch(['frobnicate'], c.io), 2);
  assert.match(c.err(), /unknown command 'frobnicate'/);
  const src = fakeSrc({ 'agent/main.ts': 'export function agentMain(): number { return 42; }' });
  try {
    const d = io();
    assert.equal(await dispatch(['agent', 'list', '--timeout', 'never'], d.io, src.base), 2, 'the CLI parsed it, not agentMain');
    assert.match(d.err(), /agora agent list: --timeout 'never'/);
  } finally {
    src.cleanup();
  }
});
