import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../common/clock.ts';
import { silentLogger } from '../../common/log.ts';
import { DEFAULT_IMAGE_DISK_HEADROOM, DEFAULT_IMAGE_DISK_WATCH_INTERVAL_MS, ImageGc, parseImageGcConfig, shouldPruneImages } from './image-gc.ts';

test('parseImageGcConfig: Mesos defaults, durations in nanoseconds, excluded images', () => {
  assert.deepEqual(parseImageGcConfig({}), { headroom: DEFAULT_IMAGE_DISK_HEADROOM, watchIntervalMs: DEFAULT_IMAGE_DISK_WATCH_INTERVAL_MS, excludedImages: [] });
  const excluded = [{ type: 'DOCKER', docker: { name: 'busybox' } }];
  assert.deepEqual(parseImageGcConfig({ image_disk_headroom: 0.25, image_disk_watch_interval: { nanoseconds: 60e9 }, excluded_images: excluded }), {
    headroom: 0.25,
    watchIntervalMs: 60_000,
    excludedImages: excluded,
  });
});

test('parseImageGcConfig: bad fields are refused naming the flag and the field', () => {
  assert.throws(() => parseImageGcConfig([]), /--image_gc_config: expected a JSON object/);
  assert.throws(() => parseImageGcConfig({ image_disk_headroom: 2 }), /image_disk_headroom must be a number in \[0\.0, 1\.0\]/);
  assert.throws(() => parseImageGcConfig({ image_disk_watch_interval: { nanoseconds: -1 } }), /image_disk_watch_interval\.nanoseconds/);
  assert.throws(() => parseImageGcConfig({ excluded_images: [{ type: 'DOCKER' }] }), /excluded_images\[0\]/);
  assert.throws(() => parseImageGcConfig({ headroom: 0.1 }), /unknown field 'headroom'/);
});

test('shouldPruneImages: above 1 - headroom only', () => {
  assert.equal(shouldPruneImages(0.85, 0.1), false);
  assert.equal(shouldPruneImages(0.95, 0.1), true);
  assert.equal(shouldPruneImages(0.1, 1), true);
  assert.equal(shouldPruneImages(1, 0), false);
});

test('ImageGc prunes on its interval only when the disk is too full, with the excluded images', async () => {
  const clock = new ManualClock();
  let used = 0.5;
  const calls: unknown[] = [];
  const excluded = [{ type: 'DOCKER' as const, docker: { name: 'keep-me' } }];
  const gc = new ImageGc({
    config: { headroom: 0.1, watchIntervalMs: 1000, excludedImages: excluded },
    storeDir: '/nowhere',
    prune: async (images) => {
      calls.push(images);
      return { bytesFreed: 1 };
    },
    clock,
    logger: silentLogger(),
    usedFraction: async () => used,
  });
  await gc.check();
  assert.equal(calls.length, 0);
  used = 0.95;
  await gc.check();
  assert.deepEqual(calls, [excluded]);
  gc.start();
  clock.advance(1000);
  await new Promise((r) => setImmediate(r));
  assert.equal(calls.length, 2);
  gc.stop();
  clock.advance(5000);
  await new Promise((r) => setImmediate(r));
  assert.equal(calls.length, 2, 'no check after stop()');
});
