import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../common/errors.ts';
import { formatReference, manifestReference, parseDockerReference, registryBaseUrl } from './reference.ts';

test('a bare Docker Hub name gets library/, the default registry and tag latest', () => {
  const ref = parseDockerReference('busybox');
  assert.deepEqual(ref, { registry: 'registry-1.docker.io', repository: 'library/busybox', tag: undefined, digest: undefined });
  assert.equal(formatReference(ref), 'registry-1.docker.io/library/busybox:latest');
  assert.equal(manifestReference(ref), 'latest');
});

test('the first component is a registry only with a dot, a colon or localhost', () => {
  assert.equal(parseDockerReference('team/app:1.0').registry, 'registry-1.docker.io');
  assert.equal(parseDockerReference('team/app:1.0').repository, 'team/app');
  assert.equal(parseDockerReference('quay.io/team/app').registry, 'quay.io');
  assert.equal(parseDockerReference('localhost/app').registry, 'localhost');
  const ref = parseDockerReference('127.0.0.1:5000/busybox:1.36');
  assert.deepEqual(ref, { registry: '127.0.0.1:5000', repository: 'busybox', tag: '1.36', digest: undefined });
  assert.equal(formatReference(ref), '127.0.0.1:5000/busybox:1.36');
});

test('a default registry from --docker_registry replaces Docker Hub; library/ only for Docker Hub', () => {
  const ref = parseDockerReference('busybox', 'http://127.0.0.1:5000');
  assert.equal(ref.registry, '127.0.0.1:5000');
  assert.equal(ref.repository, 'busybox');
});

test('digests are kept and win over the tag for the manifest request', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const ref = parseDockerReference(`busybox:1.0@${digest}`);
  assert.equal(ref.tag, '1.0');
  assert.equal(manifestReference(ref), digest);
  assert.equal(formatReference(ref), `registry-1.docker.io/library/busybox:1.0@${digest}`);
  assert.equal(formatReference(parseDockerReference(`busybox@${digest}`)), `registry-1.docker.io/library/busybox@${digest}`);
});

test('a port is not taken for a tag', () => {
  const ref = parseDockerReference('localhost:5000/app');
  assert.equal(ref.registry, 'localhost:5000');
  assert.equal(ref.tag, undefined);
});

test('bad names are InvalidArgumentError naming image.docker.name', () => {
  for (const bad of ['', 'Busybox', 'busybox:', 'busybox@sha256:xyz', 'a//b', 'busybox:t@g', '../etc', 'quay.io/']) {
    assert.throws(() => parseDockerReference(bad), (err: unknown) => err instanceof InvalidArgumentError && err.message.includes('image.docker.name'), bad);
  }
});

test('registry scheme: default registry keeps its scheme, else Mesos rules', () => {
  assert.equal(registryBaseUrl('127.0.0.1:5000', 'http://127.0.0.1:5000'), 'http://127.0.0.1:5000');
  assert.equal(registryBaseUrl('registry-1.docker.io'), 'https://registry-1.docker.io');
  assert.equal(registryBaseUrl('localhost:5000'), 'http://localhost:5000');
  assert.equal(registryBaseUrl('127.0.0.1:5000'), 'http://127.0.0.1:5000');
  assert.equal(registryBaseUrl('example.com:80'), 'http://example.com:80');
  assert.equal(registryBaseUrl('example.com:443'), 'https://example.com:443');
  assert.equal(registryBaseUrl('example.com:5000'), 'https://example.com:5000');
  assert.equal(registryBaseUrl('quay.io'), 'https://quay.io');
});
