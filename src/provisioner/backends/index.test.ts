import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseBackend, parseMountPoints } from './index.ts';

const WITH_OVERLAY = 'nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\toverlay\n';
const EXT4 = 0xef53;

test('overlay is the default where the kernel has it and the fs can carry an upper dir, else copy', () => {
  assert.equal(chooseBackend(undefined, WITH_OVERLAY, EXT4), 'overlay');
  assert.equal(chooseBackend(undefined, 'nodev\ttmpfs\n', EXT4), 'copy');
  assert.equal(chooseBackend(undefined, WITH_OVERLAY, 0x794c7630), 'copy', 'overlay on overlay');
  assert.equal(chooseBackend(undefined, WITH_OVERLAY, 0x9123683e), 'copy', 'btrfs');
  assert.equal(chooseBackend('', WITH_OVERLAY, undefined), 'overlay');
});

test('an explicit backend is honoured, or refused with the flag named', () => {
  assert.equal(chooseBackend('copy', WITH_OVERLAY, EXT4), 'copy');
  assert.equal(chooseBackend('overlay', WITH_OVERLAY, EXT4), 'overlay');
  assert.throws(() => chooseBackend('overlay', 'nodev\ttmpfs\n', EXT4), /--image_provisioner_backend: overlay is not supported/);
  assert.throws(() => chooseBackend('aufs', WITH_OVERLAY, EXT4), /--image_provisioner_backend: unknown backend 'aufs'/);
});

test('mount points are read from mountinfo with octal escapes decoded', () => {
  const info = [
    '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw',
    '99 22 0:50 / /tmp/with\\040space rw - overlay overlay rw,lowerdir=0',
    '',
  ].join('\n');
  assert.deepEqual(parseMountPoints(info), ['/', '/tmp/with space']);
});
