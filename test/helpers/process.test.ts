// Tests of the test helpers themselves: they must fail loudly, not hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnProcess, waitFor } from './process.ts';

test('waitForLog resolves on a matching JSON line and stop() ends the process', async () => {
  const p = spawnProcess(process.execPath, ['-e', 'console.log(JSON.stringify({msg:"listening",port:1234})); setInterval(()=>{},1000)']);
  const line = await p.waitForLog((l) => l.msg === 'listening');
  assert.equal(line.port, 1234);
  await p.stop();
  assert.ok(p.child.signalCode === 'SIGTERM' || p.child.exitCode !== null);
});

test('a process that exits before it is ready fails fast with its output', async () => {
  const p = spawnProcess(process.execPath, ['-e', 'console.error("bad flag"); process.exit(3)']);
  await assert.rejects(p.waitForLog(() => true, 10_000), /exited with code 3 before it was ready[\s\S]*bad flag/);
});

test('waitFor polls until true and times out with the last error', async () => {
  let n = 0;
  assert.equal(await waitFor(() => ++n >= 3 && n), 3);
  await assert.rejects(waitFor(() => { throw new Error('nope'); }, 50), /within 50 ms: Error: nope/);
});
