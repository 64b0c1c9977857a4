import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from './main.ts';

function capture(): { io: { stdout: PassThrough; stderr: PassThrough }; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  stdout.on('data', (b: Buffer) => o.push(b));
  stderr.on('data', (b: Buffer) => e.push(b));
  return { io: { stdout, stderr }, out: () => Buffer.concat(o).toString(), err: () => Buffer.concat(e).toString() };
}

test('help lists commands and exits 0; no arguments is a usage error', async () => {
  const c = capture();
  assert.equal(await runCli(['--help'], c.io), 0);
  assert.match(c.out(), /version\s+print the Agora version/);
  const d = capture();
  assert.equal(await runCli([], d.io), 2);
  assert.match(d.err(), /usage: agora/);
});

test('unknown commands and flags are usage errors naming the problem', async () => {
  const c = capture();
  assert.equal(await runCli(['frobnicate'], c.io), 2);
  assert.match(c.err(), /unknown command 'frobnicate'/);
  const d = capture();
  assert.equal(await runCli(['version', '--bogus'], d.io), 2);
  assert.match(d.err(), /agora version: Unknown option '--bogus'/);
});

test('version --json prints machine-readable output', async () => {
  const c = capture();
  assert.equal(await runCli(['version', '--json'], c.io), 0);
  const v = JSON.parse(c.out()) as { version: string; mesos_api_version: string };
  assert.match(v.version, /^\d+\.\d+\.\d+$/);
  assert.equal(v.mesos_api_version, '1.11.0');
});

test('help lists the cluster and process commands', async () => {
  const c = capture();
  assert.equal(await runCli(['--help'], c.io), 0);
  for (const line of [/dev\s+start a local cluster/, /run\s+run one command/, /task list\s+list tasks/, /task log\s+/, /agent list\s+/, /framework list\s+/]) {
    assert.match(c.out(), line);
  }
});

test('process commands reached inside the CLI point at the agora executable (src/main.ts runs them)', async () => {
  const c = capture();
  assert.equal(await runCli(['dev'], c.io), 2);
  assert.match(c.err(), /started by the agora executable/);
});

test('the bin/agora script runs under the pinned Node', () => {
  const r = spawnSync(join(import.meta.dirname, '../../bin/agora'), ['version', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match((JSON.parse(r.stdout) as { node: string }).node, /^v24\./);
});
