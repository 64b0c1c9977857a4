import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ProcStat } from './proc.ts';
import { adoptVerdict, readProcStat } from './adopt.ts';

const stat = (over: Partial<ProcStat>): ProcStat => ({
  pid: 100, comm: 'sh', state: 'S', ppid: 1, pgrp: 100, session: 100, utimeTicks: 0, stimeTicks: 0, threads: 1, rssPages: 1, ...over,
});

test('a live session leader is adopted', () => {
  assert.deepEqual(adoptVerdict(100, stat({})), { adopt: true });
});

test('a missing pid, a gone process, a zombie and a reused pid are not', () => {
  assert.equal(adoptVerdict(undefined, undefined).adopt, false);
  assert.equal(adoptVerdict(100, undefined).adopt, false);
  assert.equal(adoptVerdict(100, stat({ state: 'Z' })).adopt, false);
  const reused = adoptVerdict(100, stat({ session: 7 }));
  assert.ok(!reused.adopt && /pid reused/.test(reused.why));
});

test('readProcStat sees a real detached process as its own session leader', async () => {
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  try {
    const s = readProcStat(child.pid!, '/proc');
    assert.equal(adoptVerdict(child.pid, s).adopt, true);
  } finally {
    child.kill('SIGKILL');
  }
  assert.equal(readProcStat(2 ** 30, '/proc'), undefined);
});
