import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../common/errors.ts';
import { credentialFor, loadDockerConfig, mergeCredentials, normalizeRegistryKey, parseDockerConfig } from './registry-credentials.ts';

const auth = (u: string, p: string): string => Buffer.from(`${u}:${p}`).toString('base64');

test('the auths form and the old .dockercfg form', () => {
  const modern = parseDockerConfig(JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: auth('hub', 'pw') }, '127.0.0.1:5000': { auth: auth('me', 'a:b') } } }));
  assert.deepEqual(credentialFor(modern, '127.0.0.1:5000'), { username: 'me', password: 'a:b' });
  assert.deepEqual(credentialFor(modern, 'registry-1.docker.io'), { username: 'hub', password: 'pw' });
  assert.equal(credentialFor(modern, 'quay.io'), undefined);
  const old = parseDockerConfig(JSON.stringify({ 'quay.io': { auth: auth('q', 'r'), email: 'x@y' } }));
  assert.deepEqual(credentialFor(old, 'quay.io'), { username: 'q', password: 'r' });
});

test('username/password entries count; helper-only entries are skipped', () => {
  const c = parseDockerConfig(JSON.stringify({ auths: { 'a.io': { username: 'u', password: 'p' }, 'b.io': {} }, credsStore: 'desktop' }));
  assert.equal(c.size, 1);
});

test('keys are normalized: scheme and path stripped, lowercased', () => {
  assert.equal(normalizeRegistryKey('https://Registry.Example.com:5000/v2/'), 'registry.example.com:5000');
  assert.equal(normalizeRegistryKey('127.0.0.1:5000'), '127.0.0.1:5000');
});

test('bad configs name their source', () => {
  assert.throws(() => parseDockerConfig('{', 'image.docker.config'), (e: unknown) => e instanceof InvalidArgumentError && e.message.startsWith('image.docker.config'));
  assert.throws(() => parseDockerConfig('[]'), /not a JSON object/);
  assert.throws(() => parseDockerConfig(JSON.stringify({ auths: { x: { auth: 'bm9jb2xvbg==' } } })), /base64 of 'user:password'/);
});

test('later sources win when merged', () => {
  const a = parseDockerConfig(JSON.stringify({ auths: { 'a.io': { auth: auth('1', '1') } } }));
  const b = parseDockerConfig(JSON.stringify({ auths: { 'a.io': { auth: auth('2', '2') } } }));
  assert.equal(credentialFor(mergeCredentials(a, b), 'a.io')?.username, '2');
});

test('--docker_config as inline JSON, a path or a file:// URL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-dockercfg-'));
  try {
    const text = JSON.stringify({ auths: { 'r.io': { auth: auth('u', 'p') } } });
    writeFileSync(join(dir, 'config.json'), text);
    for (const v of [text, join(dir, 'config.json'), `file://${join(dir, 'config.json')}`]) {
      assert.equal(credentialFor(await loadDockerConfig(v), 'r.io')?.username, 'u');
    }
    await assert.rejects(loadDockerConfig('relative/path'), /neither JSON nor an absolute path/);
    await assert.rejects(loadDockerConfig(join(dir, 'missing.json')), /cannot be read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
