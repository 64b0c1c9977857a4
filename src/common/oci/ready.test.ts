import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { READY_BYTE, awaitContainerReady } from './ready.ts';

test('no ready fd: ready at once; a bad one: not ready', async () => {
  assert.equal(await awaitContainerReady({}), true);
  assert.equal(await awaitContainerReady({ AGORA_CONTAINER_READY_FD: 'x' }), false);
});

// A child that waits on fd 3 as the command executor does and prints what it concluded.
const CHILD = `import { awaitContainerReady } from ${JSON.stringify(new URL('./ready.ts', import.meta.url).href)};
console.log(await awaitContainerReady({ AGORA_CONTAINER_READY_FD: '3' }));`;

async function childSays(signal: (pipe: Writable) => void): Promise<string> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  signal(child.stdio[3] as Writable);
  await once(child, 'exit');
  return out.trim();
}

test('the executor waits for the ready byte; EOF without it means the set-up failed', async () => {
  assert.equal(await childSays((pipe) => pipe.end(READY_BYTE)), 'true');
  assert.equal(await childSays((pipe) => pipe.destroy()), 'false');
});
