// The Docker image store against a real docker-registry (Debian's distribution 2.8) on 127.0.0.1:
// no auth, htpasswd Basic auth and token auth; layer sharing and download-once through a
// counting proxy; a corrupted blob; force pull; recovery after a restart; prune.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '../../src/common/metrics.ts';
import { DockerStore, ImageProvisionError, ImageStores, type StoredImage } from '../../src/provisioner/index.ts';
import type { Image } from '../../src/protocol/index.ts';
import { buildBusyboxImage, OS_RELEASE, pushImage, type BuiltImage } from '../helpers/images.ts';
import { tempDir } from '../helpers/process.ts';
import { startCountingProxy, startRegistry, type Registry } from '../helpers/registry.ts';

const USER = { username: 'agora', password: 's3cret' };
const dockerImage = (name: string, extra: Partial<Image> = {}): Image => ({ type: 'DOCKER', docker: { name }, ...extra });
const dockerConfigFor = (host: string, u = USER.username, p = USER.password): string =>
  JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${u}:${p}`).toString('base64') } } });

const work = tempDir('agora-prov-registry-');
let busybox: BuiltImage;
/** Same base layer as busybox, a different top layer. */
let other: BuiltImage;
let open: Registry;

before(async () => {
  busybox = await buildBusyboxImage(join(work.path, 'images'));
  other = await buildBusyboxImage(join(work.path, 'images'), { whiteoutLayer: false, extraLayers: [{ files: { 'etc/other.txt': 'other\n' } }], runtime: { Cmd: ['cat', '/etc/other.txt'] } });
  open = await startRegistry();
  await pushImage(open.url, 'busybox', 'latest', busybox);
  await pushImage(open.url, 'other', '1.0', other, undefined, 'oci');
});

after(async () => {
  await open?.stop();
  work.cleanup();
});

function newStores(name: string, extra: Partial<ConstructorParameters<typeof ImageStores>[0]> = {}): ImageStores {
  return new ImageStores({ imageProviders: ['docker'], docker: { storeDir: join(work.path, name) }, ...extra });
}

function layerDirs(storeDir: string): string[] {
  return readdirSync(join(storeDir, 'layers')).sort();
}

function assertBusyboxRootfs(image: StoredImage): void {
  assert.equal(image.layers.length, 2);
  const [base, upper] = image.layers as [string, string];
  assert.equal(readFileSync(join(base, 'etc/os-release'), 'utf8'), OS_RELEASE);
  assert.equal(statSync(join(base, 'bin/busybox')).mode & 0o777, 0o755);
  assert.equal(readlinkSync(join(base, 'bin/sh')), 'busybox');
  assert.equal(statSync(join(base, 'bin/busybox.hardlink')).ino, statSync(join(base, 'bin/busybox')).ino, 'hardlink kept');
  assert.equal(statSync(join(base, 'tmp')).mode & 0o7777, 0o1777, 'sticky /tmp kept');
  // Whiteouts stay plain files in the layer directory; backends interpret them.
  assert.ok(lstatSync(join(upper, 'etc/.wh.hidden-by-whiteout')).isFile());
  assert.ok(lstatSync(join(upper, 'data/opaque/.wh..wh..opq')).isFile());
  assert.equal(readFileSync(join(upper, 'etc/upper.txt'), 'utf8'), 'upper\n');
}

describe('docker registry without auth', () => {
  test('pulls an image: layers by digest, config, progress and metrics', async () => {
    const metrics = new Metrics();
    const events: string[] = [];
    const stores = newStores('open', { docker: { storeDir: join(work.path, 'open'), registry: open.url }, metrics, progress: (e) => events.push(e.phase) });
    await stores.recover();
    const image = await stores.get(dockerImage('busybox'));
    assert.equal(image.reference, `${open.host}/busybox:latest`);
    assert.equal(image.id, busybox.manifest.digest);
    assert.deepEqual(image.config, { cmd: ['sh'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] });
    assert.deepEqual(image.layers, busybox.layers.map((l) => join(work.path, 'open', 'layers', l.gz.digest.slice(7), 'rootfs')));
    assertBusyboxRootfs(image);
    assert.deepEqual([events[0], events.at(-1)], ['resolving', 'done']);
    assert.ok(events.includes('layer'));
    const snap = metrics.snapshot();
    assert.equal(snap['provisioner/layers_pulled'], 2);
    assert.equal(snap['provisioner/bytes_pulled'], busybox.layers.reduce((n, l) => n + l.gz.size, 0));
    assert.equal(snap['containerizer/mesos/provisioner/docker_store/image_pull_ms/count'], 1);
    assert.deepEqual(readdirSync(join(work.path, 'open', 'staging')), [], 'nothing left in staging');
  });

  test('an OCI manifest, by explicit registry host; an unknown tag names the image and the registry', async () => {
    const stores = newStores('open-oci');
    const image = await stores.get(dockerImage(`${open.host}/other:1.0`));
    assert.equal(image.id, other.ociManifest.digest);
    assert.deepEqual(image.config.cmd, ['cat', '/etc/other.txt']);
    await assert.rejects(stores.get(dockerImage(`${open.host}/other:nope`)), (err: unknown) => {
      assert.ok(err instanceof ImageProvisionError);
      assert.match(err.message, new RegExp(`'${open.host}/other:nope'.*registry '${open.host}'.*not found`));
      return true;
    });
    await assert.rejects(stores.get(dockerImage('Bad Name')), /image.docker.name/);
  });

  test('a layer shared by two images is stored once; concurrent pulls download each blob once', async () => {
    const proxy = await startCountingProxy(open.url);
    try {
      const storeDir = join(work.path, 'shared');
      const stores = newStores('shared', { docker: { storeDir, registry: proxy.url } });
      const [a1, a2, b] = await Promise.all([stores.get(dockerImage('busybox')), stores.get(dockerImage('busybox:latest')), stores.get(dockerImage('other:1.0'))]);
      assert.deepEqual(a1, a2);
      assert.equal(a1.layers[0], b.layers[0], 'the base layer directory is shared');
      assert.equal(layerDirs(storeDir).length, 3);
      const blobs = new Set([...busybox.layers, ...other.layers].map((l) => l.gz.digest));
      for (const digest of blobs) {
        const repos = ['busybox', 'other'].map((r) => proxy.count(`/v2/${r}/blobs/${digest}`)).reduce((x, y) => x + y);
        assert.equal(repos, 1, `blob ${digest} downloaded once`);
      }
      assert.equal(proxy.count('/v2/busybox/manifests/latest'), 1, 'one manifest request for two concurrent gets');
      // Cached now: no request at all.
      const before = proxy.requests.length;
      await stores.get(dockerImage('busybox'));
      assert.equal(proxy.requests.length, before);
    } finally {
      await proxy.close();
    }
  });

  test('a corrupted blob fails with digest mismatch naming image and layer, and leaves nothing behind', async () => {
    const bad = busybox.layers[1]!.gz.digest;
    const proxy = await startCountingProxy(open.url, { corrupt: (p) => p.endsWith(`/blobs/${bad}`) });
    try {
      const storeDir = join(work.path, 'corrupt');
      const stores = newStores('corrupt', { docker: { storeDir, registry: proxy.url } });
      await assert.rejects(stores.get(dockerImage('busybox')), (err: unknown) => {
        assert.ok(err instanceof ImageProvisionError);
        assert.match(err.message, new RegExp(`image '${proxy.host}/busybox:latest'.*layer '${bad}'.*digest mismatch`));
        return true;
      });
      assert.ok(!layerDirs(storeDir).includes(bad.slice(7)), 'corrupt layer not stored');
      assert.deepEqual(readdirSync(join(storeDir, 'staging')), []);
      assert.ok(!existsSync(join(storeDir, 'images.json')) || !readFileSync(join(storeDir, 'images.json'), 'utf8').includes('busybox'));
    } finally {
      await proxy.close();
    }
  });

  test('force pull re-resolves the tag; without it the stored image is used', async () => {
    const repo = `moving-${Date.now()}`;
    await pushImage(open.url, repo, 'v', busybox);
    const stores = newStores('force');
    const first = await stores.get(dockerImage(`${open.host}/${repo}:v`));
    assert.equal(first.id, busybox.manifest.digest);
    await pushImage(open.url, repo, 'v', other);
    assert.equal((await stores.get(dockerImage(`${open.host}/${repo}:v`))).id, busybox.manifest.digest);
    assert.equal((await stores.get(dockerImage(`${open.host}/${repo}:v`), { forcePull: true })).id, other.manifest.digest);
    await pushImage(open.url, repo, 'v', busybox);
    assert.equal((await stores.get(dockerImage(`${open.host}/${repo}:v`, { cached: false }))).id, busybox.manifest.digest, 'Image.cached=false forces too');
  });

  test('recover() after a restart knows the images; crash leftovers are removed; prune frees unused layers', async () => {
    const storeDir = join(work.path, 'restart');
    const proxy = await startCountingProxy(open.url);
    try {
      const first = new DockerStore({ storeDir, registry: proxy.url });
      await first.recover();
      const a = await first.get('busybox');
      const b = await first.get('other:1.0');
      // A crash mid-pull leaves a staging dir; a lost layer makes its image unusable.
      mkdirSync(join(storeDir, 'staging', 'half-made'));
      writeFileSync(join(storeDir, 'staging', 'half-made', 'blob'), 'x');

      const second = new DockerStore({ storeDir, registry: proxy.url });
      const recovered = await second.recover();
      assert.equal(recovered.images, 2);
      assert.deepEqual(readdirSync(join(storeDir, 'staging')), []);
      const requests = proxy.requests.length;
      assert.deepEqual(await second.get('busybox'), a);
      assert.equal(proxy.requests.length, requests, 'served from the store, no registry request');

      const pruned = await second.prune([a.id]);
      assert.deepEqual(pruned.imagesRemoved, [`${proxy.host}/other:1.0`]);
      assert.deepEqual(pruned.layersRemoved, [other.layers[1]!.gz.digest]);
      assert.ok(pruned.bytesFreed > 0);
      assert.ok(!existsSync(b.layers[1]!));
      assert.ok(existsSync(b.layers[0]!), 'the shared base layer stays');
      assert.deepEqual(await second.get('busybox'), a);
      const all = await second.prune([]);
      assert.equal(all.layersRemoved.length, 2);
      assert.deepEqual(layerDirs(storeDir), []);
    } finally {
      await proxy.close();
    }
  });
});

describe('docker registry with htpasswd (Basic) auth', () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry({ auth: 'htpasswd', ...USER });
    await pushImage(reg.url, 'busybox', 'latest', busybox, USER);
  });
  after(() => reg?.stop());

  test('without credentials: a clear error naming the registry', async () => {
    const stores = newStores('basic-none');
    await assert.rejects(stores.get(dockerImage(`${reg.host}/busybox`)), (err: unknown) => {
      assert.ok(err instanceof ImageProvisionError);
      assert.match(err.message, new RegExp(`registry '${reg.host}' requires authentication \\(401 Unauthorized\\) and no credentials are configured`));
      return true;
    });
  });

  test('--docker_config from a file, per-pull credentials, and a wrong password', async () => {
    const cfg = join(work.path, 'docker-config.json');
    writeFileSync(cfg, dockerConfigFor(reg.host));
    const fromFlag = newStores('basic-flag', { dockerConfig: cfg });
    assertBusyboxRootfs(await fromFlag.get(dockerImage(`${reg.host}/busybox`)));

    const perPull = newStores('basic-pull');
    assertBusyboxRootfs(await perPull.get(dockerImage(`${reg.host}/busybox`), { credentials: dockerConfigFor(reg.host) }));

    const secret = newStores('basic-secret');
    const withSecret = dockerImage(`${reg.host}/busybox`, { docker: { name: `${reg.host}/busybox`, config: { type: 'VALUE', value: { data: Buffer.from(dockerConfigFor(reg.host)).toString('base64') } } } });
    assertBusyboxRootfs(await secret.get(withSecret));

    const wrong = newStores('basic-wrong', { dockerConfig: dockerConfigFor(reg.host, USER.username, 'nope') });
    await assert.rejects(wrong.get(dockerImage(`${reg.host}/busybox`)), /registry '127\.0\.0\.1:\d+' refused the credentials for 'busybox'/);
  });
});

describe('docker registry with token auth', () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry({ auth: 'token', ...USER });
    await pushImage(reg.url, 'busybox', 'latest', busybox, USER);
  });
  after(() => reg?.stop());

  test('the bearer challenge is answered with a token for repository:busybox:pull', async () => {
    reg.tokenRequests.length = 0;
    const stores = newStores('token', { dockerConfig: dockerConfigFor(reg.host) });
    assertBusyboxRootfs(await stores.get(dockerImage(`${reg.host}/busybox`)));
    assert.deepEqual([...new Set(reg.tokenRequests)], ['repository:busybox:pull']);
    assert.equal(reg.tokenRequests.length, 1, 'one token serves the manifest and every blob');
  });

  test('without credentials the token service refuses, and the error says so', async () => {
    const stores = newStores('token-none');
    await assert.rejects(stores.get(dockerImage(`${reg.host}/busybox`)), (err: unknown) => {
      assert.ok(err instanceof ImageProvisionError);
      assert.match(err.message, new RegExp(`token service '127.0.0.1:\\d+' of registry '${reg.host}' refused a token for 'busybox' \\(HTTP 401, no credentials configured for this registry\\)`));
      return true;
    });
  });
});
