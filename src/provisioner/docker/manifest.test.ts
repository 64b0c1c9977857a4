import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffIdsOf, goArch, MANIFEST_ACCEPT, ManifestError, parseManifest, runtimeConfigFromImageConfig, selectPlatform } from './manifest.ts';

const d = (c: string): string => `sha256:${c.repeat(64)}`;

test('the Accept list asks for indexes, lists, OCI and schema 2 manifests, schema 1 last', () => {
  for (const t of ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws;q=0.5']) {
    assert.ok(MANIFEST_ACCEPT.includes(t), t);
  }
});

test('schema 2 manifest: config and layers in order', () => {
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 10, digest: d('c') },
    layers: [
      { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 100, digest: d('1') },
      { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 200, digest: d('2') },
    ],
  });
  const m = parseManifest(body);
  assert.equal(m.kind, 'image');
  assert.ok(m.kind === 'image');
  assert.equal(m.config.digest, d('c'));
  assert.deepEqual(m.layers.map((l) => l.digest), [d('1'), d('2')]);
});

test('OCI manifest without mediaType in the body is taken from the Content-Type', () => {
  const body = JSON.stringify({ schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 1, digest: d('c') }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', size: 1, digest: d('1') }] });
  const m = parseManifest(body, 'application/vnd.oci.image.manifest.v1+json; charset=utf-8');
  assert.ok(m.kind === 'image');
  assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
});

test('an index selects linux/amd64 and skips attestations', () => {
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1, digest: d('a'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1, digest: d('b'), platform: { os: 'unknown', architecture: 'unknown' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1, digest: d('c'), platform: { os: 'linux', architecture: 'amd64' } },
    ],
  });
  const m = parseManifest(body);
  assert.ok(m.kind === 'index');
  assert.equal(selectPlatform(m.manifests, { os: 'linux', architecture: 'amd64' })?.digest, d('c'));
  assert.equal(selectPlatform(m.manifests, { os: 'linux', architecture: 'arm64', variant: 'v8' })?.digest, d('a'));
  assert.equal(selectPlatform(m.manifests, { os: 'linux', architecture: 's390x' }), undefined);
  assert.equal(goArch('x64'), 'amd64');
});

test('schema 1: layers reversed to base first, repeated blobs kept once, config from history[0]', () => {
  const body = JSON.stringify({
    schemaVersion: 1,
    name: 'busybox',
    tag: 'latest',
    fsLayers: [{ blobSum: d('e') }, { blobSum: d('2') }, { blobSum: d('e') }, { blobSum: d('1') }],
    history: [{ v1Compatibility: JSON.stringify({ id: 'x', config: { Cmd: ['sh'], Env: ['A=1'], WorkingDir: '/w', User: 'nobody' } }) }],
  });
  const m = parseManifest(body, 'application/vnd.docker.distribution.manifest.v1+prettyjws');
  assert.ok(m.kind === 'schema1');
  assert.deepEqual(m.layers.map((l) => l.digest), [d('1'), d('e'), d('2')]);
  assert.deepEqual(m.config, { cmd: ['sh'], env: ['A=1'], workingDir: '/w', user: 'nobody' });
});

test('bad manifests are ManifestErrors with the reason', () => {
  const cases: [string, RegExp][] = [
    ['nope', /not JSON/],
    ['[]', /not a JSON object/],
    [JSON.stringify({ schemaVersion: 3 }), /schemaVersion/],
    [JSON.stringify({ schemaVersion: 2, config: { size: 1, digest: 'md5:x' }, layers: [] }), /config.digest/],
    [JSON.stringify({ schemaVersion: 2, mediaType: 'application/x-foo', layers: [] }), /unsupported manifest media type/],
    [JSON.stringify({ schemaVersion: 2, config: { size: 1, digest: d('c') }, layers: [{ mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', size: 1, digest: d('1') }] }), /foreign/],
    [JSON.stringify({ schemaVersion: 1, fsLayers: [] }), /no fsLayers/],
  ];
  for (const [body, re] of cases) assert.throws(() => parseManifest(body), (e: unknown) => e instanceof ManifestError && re.test(e.message), body);
});

test('image config → runtime config; empty strings are unset; diff_ids read', () => {
  const cfg = { config: { Entrypoint: ['/bin/app'], Cmd: ['--x'], Env: ['PATH=/bin'], WorkingDir: '', User: '1000:1000' }, rootfs: { type: 'layers', diff_ids: [d('1')] } };
  assert.deepEqual(runtimeConfigFromImageConfig(cfg), { entrypoint: ['/bin/app'], cmd: ['--x'], env: ['PATH=/bin'], user: '1000:1000' });
  assert.deepEqual(runtimeConfigFromImageConfig({ config: { Cmd: null } }), {});
  assert.deepEqual(runtimeConfigFromImageConfig('x'), {});
  assert.deepEqual(diffIdsOf(cfg), [d('1')]);
  assert.equal(diffIdsOf({ rootfs: { diff_ids: ['bad'] } }), undefined);
});
