import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { DockerEngine, encodeRegistryAuth, splitTag } from './engine-client.ts';

it('encodes X-Registry-Auth as padded base64url, which Docker 20.10 requires', () => {
  const auth = { username: 'agora', password: 's3cret?>', serveraddress: '127.0.0.1:5000' };
  const encoded = encodeRegistryAuth(auth);
  assert.ok(encoded.length % 4 === 0, 'padded to a multiple of 4');
  assert.doesNotMatch(encoded, /[+/]/);
  assert.deepEqual(JSON.parse(Buffer.from(encoded, 'base64url').toString()), auth);
});

it('splits image references into name and tag', () => {
  assert.deepEqual(splitTag('127.0.0.1:5000/private/busybox'), { name: '127.0.0.1:5000/private/busybox', tag: 'latest' });
  assert.deepEqual(splitTag('127.0.0.1:5000/private/busybox:v1'), { name: '127.0.0.1:5000/private/busybox', tag: 'v1' });
});

it('a SIGKILLed container is inspected again until dockerd marks its OOM kill; other exits once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-engine-'));
  const socketPath = join(dir, 'docker.sock');
  let inspects = 0;
  // A daemon whose OOM mark arrives on the third inspect after the exit.
  const daemon = createServer((_req, res) => {
    inspects++;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ Id: 'c', Name: '/c', State: { Status: 'exited', Running: false, OOMKilled: inspects >= 3, Pid: 0, ExitCode: 137 } }));
  });
  await new Promise<void>((resolve) => daemon.listen(socketPath, resolve));
  try {
    const engine = new DockerEngine({ socketPath });
    assert.equal((await engine.inspectExited('c', 137))?.State.OOMKilled, true);
    assert.equal(inspects, 3);
    inspects = 0;
    assert.equal((await engine.inspectExited('c', 1))?.State.OOMKilled, false, 'a plain exit is not waited on');
    assert.equal(inspects, 1);
  } finally {
    await new Promise((resolve) => daemon.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
});
