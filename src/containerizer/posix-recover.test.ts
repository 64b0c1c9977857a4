import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { SystemClock } from '../common/clock.ts';
import { silentLogger } from '../common/log.ts';
import { PosixContainerizer } from './posix.ts';
import { ADOPTED_EXIT_UNKNOWN } from './adopt.ts';

async function startRoot(): Promise<number> {
  // What a previous agent left behind: a session leader it no longer parents.
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  child.unref();
  return child.pid!;
}

function containerizer(): PosixContainerizer {
  return new PosixContainerizer({ logger: silentLogger(), clock: new SystemClock(), setprivPath: undefined, adoptedPollMs: 20 });
}

test('recover adopts a live container root; its end is seen by polling, exit status unknown', async () => {
  const pid = await startRoot();
  const c = containerizer();
  await c.recover([{ containerId: 'c1', pid, directory: '/tmp' }, { containerId: 'gone', pid: 2 ** 30, directory: '/tmp' }]);
  assert.deepEqual(c.containers(), ['c1']);
  assert.equal((await c.status('c1')).executor_pid, pid);
  assert.equal(await c.wait('gone'), undefined);
  process.kill(pid, 'SIGKILL');
  assert.deepEqual(await c.wait('c1'), { message: ADOPTED_EXIT_UNKNOWN });
  assert.deepEqual(c.containers(), []);
});

test('destroy kills an adopted container', async () => {
  const pid = await startRoot();
  const c = containerizer();
  await c.recover([{ containerId: 'c1', pid, directory: '/tmp' }]);
  assert.deepEqual(await c.destroy('c1'), { message: ADOPTED_EXIT_UNKNOWN });
  assert.throws(() => process.kill(pid, 0));
});
