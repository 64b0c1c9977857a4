// The AppC store: simple discovery over HTTP (a static file server on 127.0.0.1) and from a local
// directory prefix, the image id check (sha512 of the uncompressed ACI), caching and prune.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ImageProvisionError, ImageStores } from '../../src/provisioner/index.ts';
import type { Image } from '../../src/protocol/index.ts';
import { buildAci, OS_RELEASE } from '../helpers/images.ts';
import { tempDir } from '../helpers/process.ts';
import { startFileServer } from '../helpers/registry.ts';

const work = tempDir('agora-prov-appc-');
const served = join(work.path, 'served');
let server: Awaited<ReturnType<typeof startFileServer>>;
let aci: { path: string; id: string };

before(async () => {
  aci = await buildAci(served, { name: 'example.com/busybox', version: '1.0', exec: ['/bin/sh', '-c', 'cat /etc/os-release'], env: { GREETING: 'hi' } });
  server = await startFileServer(served);
});
after(async () => {
  await server?.close();
  work.cleanup();
});

const appcImage = (id?: string): Image => ({
  type: 'APPC',
  appc: { name: 'example.com/busybox', ...(id ? { id } : {}), labels: { labels: [{ key: 'version', value: '1.0' }, { key: 'os', value: 'linux' }, { key: 'arch', value: 'amd64' }] } },
});
const stores = (name: string, prefix: string): ImageStores =>
  new ImageStores({ imageProviders: ['appc'], appc: { storeDir: join(work.path, name), discoveryPrefix: prefix } });

test('simple discovery over http with the image id checked; then served from the store', async () => {
  const s = stores('http', `${server.url}/`);
  const image = await s.get(appcImage(aci.id));
  assert.equal(image.id, aci.id);
  assert.equal(image.reference, 'example.com/busybox:1.0');
  assert.equal(image.layers.length, 1);
  assert.equal(readFileSync(join(image.layers[0]!, 'etc/os-release'), 'utf8'), OS_RELEASE);
  assert.deepEqual(image.config, { entrypoint: ['/bin/sh', '-c', 'cat /etc/os-release'], env: ['GREETING=hi'], user: '0:0' });
  assert.deepEqual(server.requests, ['/example.com/busybox-1.0-linux-amd64.aci']);
  assert.deepEqual(await s.get(appcImage(aci.id)), image);
  assert.deepEqual(await s.get(appcImage()), image, 'found by name and version too');
  assert.equal(server.requests.length, 1, 'no second fetch');

  const pruned = await s.prune([]);
  assert.deepEqual(pruned.imagesRemoved, ['example.com/busybox:1.0']);
  assert.ok(pruned.bytesFreed > 1_000_000, 'busybox is ~2 MB');
  assert.ok(!existsSync(image.layers[0]!));
});

test('a wrong sha512 image id fails naming the image and both ids; nothing is stored', async () => {
  const s = stores('mismatch', `${server.url}/`);
  const wrong = `sha512-${'0'.repeat(128)}`;
  await assert.rejects(s.get(appcImage(wrong)), (err: unknown) => {
    assert.ok(err instanceof ImageProvisionError);
    assert.match(err.message, /image 'example\.com\/busybox:1\.0'.*image id mismatch \(sha512\)/);
    assert.ok(err.message.includes(wrong) && err.message.includes(aci.id));
    return true;
  });
  assert.deepEqual(readdirSync(join(work.path, 'mismatch', 'layers')), []);
  assert.deepEqual(readdirSync(join(work.path, 'mismatch', 'staging')), []);
});

test('local images via a directory prefix; a missing image names the path', async () => {
  const s = stores('local', `${served}/`);
  const image = await s.get(appcImage(aci.id));
  assert.equal(image.id, aci.id);
  await assert.rejects(
    s.get({ type: 'APPC', appc: { name: 'example.com/none' } }),
    (err: unknown) => err instanceof ImageProvisionError && err.message.includes('example.com/none-latest-linux-amd64.aci') && err.message.includes('ENOENT'),
  );
  await assert.rejects(
    stores('unknown-host', `${server.url}/nothing/`).get(appcImage()),
    (err: unknown) => err instanceof ImageProvisionError && /HTTP 404/.test(err.message),
  );
});
