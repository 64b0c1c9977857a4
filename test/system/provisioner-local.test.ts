// Docker images from a local directory (`--docker_registry=/dir`): `docker save` tarballs named as
// Mesos names them (with manifest.json, and the legacy `repositories`-only layout), OCI image
// layouts as directories and as tarballs; verification of what the archive promises.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImageProvisionError, ImageStores, type StoredImage } from '../../src/provisioner/index.ts';
import { buildBusyboxImage, OS_RELEASE, writeDockerArchive, writeOciLayout, type BuiltImage } from '../helpers/images.ts';
import { tempDir } from '../helpers/process.ts';

const work = tempDir('agora-prov-local-');
const localDir = join(work.path, 'registry');
let busybox: BuiltImage;

before(async () => {
  busybox = await buildBusyboxImage(join(work.path, 'images'), { runtime: { Entrypoint: ['/bin/sh', '-c'], Cmd: ['cat /etc/os-release'], WorkingDir: '/tmp', User: 'nobody' } });
  await writeDockerArchive(busybox, join(localDir, 'busybox:latest.tar'), ['busybox:latest']);
  await writeDockerArchive(busybox, join(localDir, 'legacy.tar'), ['legacy:latest'], { legacyOnly: true });
  await writeOciLayout(busybox, join(localDir, 'oci-dir:1.0'), '1.0');
  await writeOciLayout(busybox, join(work.path, 'oci-staging'), 'latest', { tarball: join(localDir, 'oci-tar:latest.tar') });
});

after(() => work.cleanup());

const stores = (name: string): ImageStores =>
  new ImageStores({ imageProviders: ['docker'], docker: { storeDir: join(work.path, name), registry: localDir } });
const get = (s: ImageStores, name: string): Promise<StoredImage> => s.get({ type: 'DOCKER', docker: { name } });

function assertRootfs(image: StoredImage): void {
  assert.equal(image.layers.length, 2);
  assert.equal(readFileSync(join(image.layers[0]!, 'etc/os-release'), 'utf8'), OS_RELEASE);
  assert.deepEqual(readdirSync(join(image.layers[1]!, 'data/opaque')).sort(), ['.wh..wh..opq', 'upper-c']);
  assert.deepEqual(image.config, {
    entrypoint: ['/bin/sh', '-c'],
    cmd: ['cat /etc/os-release'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    workingDir: '/tmp',
    user: 'nobody',
  });
}

test('a docker save tarball named repo:tag.tar, found for both `busybox` and `busybox:latest`', async () => {
  const s = stores('save');
  const image = await get(s, 'busybox:latest');
  assertRootfs(image);
  assert.equal(image.id, busybox.config.digest, 'a docker save image is identified by its config digest');
  // docker save layers are uncompressed: stored under their diff_ids.
  assert.deepEqual(image.layers.map((l) => l.split('/').at(-2)), busybox.layers.map((l) => l.tar.digest.slice(7)));
  assertRootfs(await get(s, 'busybox'));
});

test('the legacy layout (repositories + parent chain, no manifest.json)', async () => {
  const image = await get(stores('legacy'), 'legacy');
  assertRootfs(image);
  assert.match(image.id, /^sha256:[a-f0-9]{64}$/);
});

test('OCI image layouts: a directory and a tarball', async () => {
  const dir = await get(stores('oci-dir'), 'oci-dir:1.0');
  assertRootfs(dir);
  assert.equal(dir.id, busybox.ociManifest.digest);
  const tarball = await get(stores('oci-tar'), 'oci-tar');
  assertRootfs(tarball);
  assert.equal(tarball.id, busybox.ociManifest.digest);
});

test('a missing image and a tampered OCI blob fail with the image named', async () => {
  const s = stores('missing');
  await assert.rejects(get(s, 'nothere:1'), (err: unknown) => err instanceof ImageProvisionError && /'nothere:1'.*no 'nothere:1\.tar'.*local docker registry/.test(err.message));
  const tampered = join(localDir, 'tampered:1');
  await writeOciLayout(busybox, tampered, '1');
  const blob = join(tampered, 'blobs', 'sha256', busybox.layers[1]!.gz.digest.slice(7));
  const body = readFileSync(blob);
  body[10]! ^= 0xff;
  writeFileSync(blob, body);
  await assert.rejects(get(s, 'tampered:1'), (err: unknown) => err instanceof ImageProvisionError && err.message.includes(`layer '${busybox.layers[1]!.gz.digest}': digest mismatch`));
  assert.deepEqual(readdirSync(join(work.path, 'missing', 'staging')), []);
});
