import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildJsModules } from './js-build.ts';

test('a TypeScript module graph becomes runnable .mjs files with rewritten imports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-jsbuild-'));
  try {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'lib'), { recursive: true });
    writeFileSync(join(src, 'main.ts'), "import { add, type Pair } from './lib/add.ts';\nconst p: Pair = [2, 3];\nconsole.log(add(...p));\n");
    writeFileSync(join(src, 'lib/add.ts'), "export type Pair = [number, number];\nexport function add(a: number, b: number): number { return a + b; }\n");
    const entry = buildJsModules(join(src, 'main.ts'), src, join(dir, 'out'));
    assert.equal(entry, join(dir, 'out/main.mjs'));
    assert.match(readFileSync(entry, 'utf8'), /from '\.\/lib\/add\.mjs'/);
    const r = spawnSync(process.execPath, [entry], { encoding: 'utf8' });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.trim(), '5');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rebuild rewrites only the modules whose source changed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-jsbuild-'));
  try {
    const src = join(dir, 'src');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'main.ts'), "import { n } from './n.ts';\nconsole.log(n);\n");
    writeFileSync(join(src, 'n.ts'), 'export const n: number = 1;\n');
    const out = join(dir, 'out');
    const entry = buildJsModules(join(src, 'main.ts'), src, out);
    const before = { main: statSync(entry).ino, n: statSync(join(out, 'n.mjs')).ino };
    writeFileSync(join(src, 'n.ts'), 'export const n: number = 2;\n');
    buildJsModules(join(src, 'main.ts'), src, out);
    // Each write is a rename of a new file, so a new inode means rewritten.
    assert.equal(statSync(entry).ino, before.main, 'unchanged main.ts was rewritten');
    assert.notEqual(statSync(join(out, 'n.mjs')).ino, before.n, 'changed n.ts was not rebuilt');
    assert.equal(spawnSync(process.execPath, [entry], { encoding: 'utf8' }).stdout.trim(), '2');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the real command executor builds to plain JavaScript', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-jsbuild-'));
  try {
    const srcRoot = join(import.meta.dirname, '..');
    const entry = buildJsModules(join(srcRoot, 'executor/command/main.ts'), srcRoot, dir);
    // With no Mesos environment the executor refuses to start, naming what is missing: this
    // proves the built graph loads and runs without Node's TypeScript support.
    const r = spawnSync(process.execPath, ['--no-experimental-strip-types', entry], { encoding: 'utf8', env: {} });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /agora command executor: .*MESOS_/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
