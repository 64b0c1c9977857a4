import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AciError, discoveryLabels, imageIdMatches, imageIdOf, parseAciManifest, simpleDiscoveryUri, validAciName } from './aci.ts';

test('simple discovery fills the template; labels default to latest/linux/<arch>', () => {
  const labels = discoveryLabels({}, { os: 'linux', arch: 'amd64' });
  assert.deepEqual(labels, { version: 'latest', os: 'linux', arch: 'amd64' });
  assert.equal(simpleDiscoveryUri('http://', 'example.com/app', labels), 'http://example.com/app-latest-linux-amd64.aci');
  assert.equal(simpleDiscoveryUri('/var/images/', 'app', { version: '1.0', os: 'linux', arch: 'arm64' }), '/var/images/app-1.0-linux-arm64.aci');
});

test('manifest app → runtime config', () => {
  const m = parseAciManifest(JSON.stringify({
    acKind: 'ImageManifest',
    acVersion: '0.8.11',
    name: 'example.com/app',
    labels: [{ name: 'version', value: '1.0' }],
    app: { exec: ['/bin/app', '-v'], user: '1000', group: '100', workingDirectory: '/srv', environment: [{ name: 'A', value: '1' }] },
  }));
  assert.equal(m.name, 'example.com/app');
  assert.equal(m.labels.version, '1.0');
  assert.deepEqual(m.config, { entrypoint: ['/bin/app', '-v'], env: ['A=1'], workingDir: '/srv', user: '1000:100' });
  assert.deepEqual(m.dependencies, []);
});

test('bad manifests are refused', () => {
  assert.throws(() => parseAciManifest('x'), AciError);
  assert.throws(() => parseAciManifest(JSON.stringify({ acKind: 'PodManifest', name: 'a' })), /acKind/);
  assert.throws(() => parseAciManifest(JSON.stringify({ acKind: 'ImageManifest' })), /no name/);
  assert.deepEqual(parseAciManifest(JSON.stringify({ acKind: 'ImageManifest', name: 'a', dependencies: [{ imageName: 'base' }] })).dependencies, ['base']);
});

test('names and ids', () => {
  assert.ok(validAciName('example.com/app-1'));
  assert.ok(!validAciName('Example.com/app'));
  assert.ok(!validAciName('a/../b'));
  const full = imageIdOf(`sha512:${'ab'.repeat(64)}`);
  assert.equal(full, `sha512-${'ab'.repeat(64)}`);
  assert.ok(imageIdMatches(full, full));
  assert.ok(imageIdMatches(`sha512-${'ab'.repeat(16)}`, full));
  assert.ok(!imageIdMatches(`sha512-${'ab'.repeat(8)}`, full));
  assert.ok(!imageIdMatches(`sha512-${'cd'.repeat(64)}`, full));
});
