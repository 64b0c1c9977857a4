// The provisioner backends on real file systems (root: overlay mounts, char devices, trusted.*
// xattrs): whiteouts and opaque directories of an upper layer hide lower content under both
// backends, and per-container overlay provisioning is fast once the layers are converted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync, chmodSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CopyBackend, OverlayBackend, isMountPoint } from '../../src/provisioner/backends/index.ts';
import type { ProvisionerBackend } from '../../src/provisioner/types.ts';
import { tempDir } from '../helpers/process.ts';
import { systemTierAvailable, writeBusyboxLayer, writeLayer } from './linux-support.ts';

const skip = systemTierAvailable();

function layers(root: string): string[] {
  const base = writeBusyboxLayer(join(root, 'layers/base'));
  writeLayer(base, { 'etc/hidden': 'lower', 'opq/a': 'a', 'opq/sub/b': 'b', 'keep/x': 'x', 'was-dir/f': 'f' });
  chmodSync(join(base, 'keep/x'), 0o640);
  symlinkSync('/etc/os-release', join(base, 'etc/link'));
  const upper = writeLayer(join(root, 'layers/upper'), {
    'etc/.wh.hidden': '',
    'opq/.wh..wh..opq': '',
    'opq/c': 'c',
    'was-dir': 'now a file',
    'etc/added': 'upper',
  });
  // A whiteout of a whole directory and of a symlink.
  writeFileSync(join(upper, '.wh.var'), '');
  writeFileSync(join(upper, 'etc/.wh.link'), '');
  const top = writeLayer(join(root, 'layers/top'), { 'etc/hidden': 'back again from the top' });
  mkdirSync(join(top, 'var'));
  return [base, upper, top];
}

for (const backend of [new CopyBackend(), new OverlayBackend()] as ProvisionerBackend[]) {
  test(`${backend.name} backend applies whiteouts and opaque directories`, { skip }, async () => {
    const dir = tempDir('agora-backend-');
    const rootfs = join(dir.path, 'rootfs');
    const scratch = join(dir.path, 'scratch');
    try {
      const ls = layers(dir.path);
      mkdirSync(rootfs);
      await backend.provision(ls, rootfs, scratch);
      assert.equal(readFileSync(join(rootfs, 'etc/os-release'), 'utf8').includes('Agora Busybox'), true);
      assert.equal(readFileSync(join(rootfs, 'etc/hidden'), 'utf8'), 'back again from the top');
      assert.equal(readFileSync(join(rootfs, 'etc/added'), 'utf8'), 'upper');
      assert.equal(existsSync(join(rootfs, 'etc/link')), false);
      assert.deepEqual(readdirSync(join(rootfs, 'opq')).sort(), ['c']);
      assert.equal(readFileSync(join(rootfs, 'was-dir'), 'utf8'), 'now a file');
      assert.deepEqual(readdirSync(join(rootfs, 'var')), [], 'the top layer re-created /var empty');
      assert.equal(lstatSync(join(rootfs, 'keep/x')).mode & 0o777, 0o640);
      assert.equal(readlinkSync(join(rootfs, 'bin/sh')), 'busybox');
      const all = readdirSync(rootfs, { recursive: true }).map(String);
      assert.deepEqual(all.filter((p) => p.split('/').some((part) => part.startsWith('.wh.'))), []);
      // The layers themselves are untouched.
      assert.equal(existsSync(join(ls[1]!, 'etc/.wh.hidden')), true);
      assert.equal(readFileSync(join(ls[0]!, 'etc/hidden'), 'utf8'), 'lower');
      // Writable, without touching the layers.
      writeFileSync(join(rootfs, 'etc/os-release'), 'changed');
      assert.equal(readFileSync(join(ls[0]!, 'etc/os-release'), 'utf8').includes('Agora Busybox'), true);
    } finally {
      await backend.destroy(rootfs, scratch);
      assert.equal(existsSync(rootfs), false);
      assert.equal(await isMountPoint(rootfs), false);
      await backend.destroy(rootfs, scratch); // twice is fine
      dir.cleanup();
    }
  });
}

test('overlay provisioning of converted layers is one mount (target 20 ms per container), and 40 layers fit the option page', { skip }, async () => {
  const dir = tempDir('agora-overlay-');
  const backend = new OverlayBackend();
  const ls = layers(dir.path);
  // Long layer paths: 40 of them would exceed one page as plain lowerdir paths.
  const deep = join(dir.path, 'x'.repeat(120), 'y'.repeat(120));
  for (let i = 0; i < 37; i++) ls.push(writeLayer(join(deep, `layer-${i}`), { [`f${i}`]: String(i) }));
  const runs: Array<{ rootfs: string; scratch: string }> = [];
  try {
    const first = { rootfs: join(dir.path, 'c0/rootfs'), scratch: join(dir.path, 'c0/scratch') };
    runs.push(first);
    await backend.provision(ls, first.rootfs, first.scratch); // converts the layers once
    const times: number[] = [];
    for (let i = 1; i <= 9; i++) {
      const run = { rootfs: join(dir.path, `c${i}/rootfs`), scratch: join(dir.path, `c${i}/scratch`) };
      runs.push(run);
      // A fresh backend object: the on-disk views serve it (as after an agent restart).
      const start = performance.now();
      await new OverlayBackend().provision(ls, run.rootfs, run.scratch);
      times.push(performance.now() - start);
      assert.equal(readFileSync(join(run.rootfs, 'f36'), 'utf8'), '36');
      assert.equal(existsSync(join(run.rootfs, 'etc/link')), false);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    console.log(`overlay provisioning, 40 layers, converted: median ${median.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times.at(-1)!.toFixed(1)})`);
    // The target is 20 ms (measured ~10 ms idle); the bound here only catches a regression to
    // copying, so a loaded CI machine does not fail the run on time.
    assert.ok(median <= 100, `median ${median} ms`);
  } finally {
    for (const run of runs) await backend.destroy(run.rootfs, run.scratch);
    dir.cleanup();
  }
});
