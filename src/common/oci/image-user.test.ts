import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveImageUser } from './image-user.ts';

const passwd = 'root:x:0:0:root:/root:/bin/sh\nwww:x:33:33::/var/www:/bin/false\n';
const group = 'root:x:0:\nwww:x:33:\nstaff:x:50:www,other\n';

test('an image user is resolved against the image files: names, ids, groups', () => {
  assert.deepEqual(resolveImageUser('www', passwd, group), { ok: true, user: { uid: 33, gid: 33, additionalGids: [50] } });
  assert.deepEqual(resolveImageUser('33', passwd, group), { ok: true, user: { uid: 33, gid: 33, additionalGids: [50] } });
  assert.deepEqual(resolveImageUser('1000', passwd, group), { ok: true, user: { uid: 1000, gid: 0, additionalGids: [] } });
  assert.deepEqual(resolveImageUser('www:staff', passwd, group), { ok: true, user: { uid: 33, gid: 50, additionalGids: [] } });
  assert.deepEqual(resolveImageUser('1000:7', passwd, group), { ok: true, user: { uid: 1000, gid: 7, additionalGids: [] } });
  assert.equal(resolveImageUser('ghost', passwd, group).ok, false);
  assert.equal(resolveImageUser('www:nogroup', passwd, group).ok, false);
});
