import assert from 'node:assert/strict';
import { it } from 'node:test';
import { encodeRegistryAuth, splitTag } from './engine-client.ts';

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
