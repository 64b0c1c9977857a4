import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { READY_BYTE, awaitContainerReady, encodeHandOver, parseHandOver } from './ready.ts';

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

test('parseHandOver: a complete hand-over, and each bad field named', () => {
  const good = { env: { A: '1' }, cwd: '/s', stdout: '/s/stdout', stderr: '/s/stderr' };
  assert.deepEqual(parseHandOver(encodeHandOver(good).trimEnd()), good);
  assert.match(parseHandOver('nope') as string, /not JSON/);
  assert.match(parseHandOver('[]') as string, /not a JSON object/);
  assert.match(parseHandOver(JSON.stringify({ ...good, stdout: 3 })) as string, /'stdout' must be a non-empty string/);
  assert.match(parseHandOver(JSON.stringify({ ...good, env: { A: 1 } })) as string, /'env\.A' must be a string/);
  assert.match(parseHandOver(JSON.stringify({ ...good, env: null })) as string, /'env' must be an object/);
});

// A child that reads a hand-over and then the ready byte from fd 3, as a warm executor does.
const WARM_CHILD = `import { ReadyPipe } from ${JSON.stringify(new URL('./ready.ts', import.meta.url).href)};
const pipe = new ReadyPipe(3);
const handOver = await pipe.handOver();
console.log(JSON.stringify({ cwd: typeof handOver === 'object' ? handOver.cwd : handOver ?? null, ready: handOver === undefined ? null : await pipe.ready() }));`;

async function warmChildSays(signal: (pipe: Writable) => void): Promise<unknown> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', WARM_CHILD], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  signal(child.stdio[3] as Writable);
  await once(child, 'exit');
  return JSON.parse(out);
}

test('ReadyPipe: hand-over then ready byte, in one write or two; EOF before either', async () => {
  const line = encodeHandOver({ env: {}, cwd: '/sandbox', stdout: '/o', stderr: '/e' });
  assert.deepEqual(await warmChildSays((pipe) => pipe.end(line + READY_BYTE)), { cwd: '/sandbox', ready: true });
  assert.deepEqual(
    await warmChildSays((pipe) => {
      pipe.write(line.slice(0, 5));
      setTimeout(() => pipe.write(line.slice(5), () => setTimeout(() => pipe.end(READY_BYTE), 20)), 20);
    }),
    { cwd: '/sandbox', ready: true },
  );
  assert.deepEqual(await warmChildSays((pipe) => pipe.end(line)), { cwd: '/sandbox', ready: false });
  assert.deepEqual(await warmChildSays((pipe) => pipe.end()), { cwd: null, ready: null });
});
