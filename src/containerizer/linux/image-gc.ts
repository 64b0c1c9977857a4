// Automatic image GC (`--image_gc_config`, Mesos ImageGcConfig): every
// `image_disk_watch_interval` the file system holding the image stores is measured and, when more
// than `1 - image_disk_headroom` of it is used, unused images and layers are pruned (images in
// `excluded_images` and those of live containers are kept). Without the flag there is no automatic
// GC, as in Mesos. `parseImageGcConfig` and `shouldPruneImages` are the pure part.
import { statfs } from 'node:fs/promises';
import type { Image } from '../../protocol/index.ts';
import type { Clock } from '../../common/clock.ts';
import { InvalidArgumentError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';

export type ImageGcConfig = {
  /** Fraction of the disk to keep free, in [0, 1] (Mesos default 0.1). */
  headroom: number;
  /** How often the disk is measured (Mesos default 5 minutes). */
  watchIntervalMs: number;
  excludedImages: Image[];
};

export const DEFAULT_IMAGE_DISK_HEADROOM = 0.1;
export const DEFAULT_IMAGE_DISK_WATCH_INTERVAL_MS = 5 * 60_000;

/** Pure: the `--image_gc_config` JSON, checked field by field. */
export function parseImageGcConfig(json: unknown): ImageGcConfig {
  const fail = (why: string): never => {
    throw new InvalidArgumentError(`--image_gc_config: ${why}`, { field: 'image_gc_config' });
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('expected a JSON object');
  const o = json as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['image_disk_headroom', 'image_disk_watch_interval', 'excluded_images'].includes(key)) fail(`unknown field '${key}'`);
  }
  const headroom = o.image_disk_headroom ?? DEFAULT_IMAGE_DISK_HEADROOM;
  if (typeof headroom !== 'number' || !(headroom >= 0 && headroom <= 1)) fail('image_disk_headroom must be a number in [0.0, 1.0]');
  let watchIntervalMs = DEFAULT_IMAGE_DISK_WATCH_INTERVAL_MS;
  if (o.image_disk_watch_interval !== undefined) {
    const ns = (o.image_disk_watch_interval as { nanoseconds?: unknown } | null)?.nanoseconds;
    if (typeof ns !== 'number' || !Number.isFinite(ns) || ns <= 0) fail('image_disk_watch_interval.nanoseconds must be a positive number');
    watchIntervalMs = Math.max(1, (ns as number) / 1e6);
  }
  const excluded = o.excluded_images ?? [];
  if (!Array.isArray(excluded)) fail('excluded_images must be an array of Image');
  (excluded as unknown[]).forEach((image, i) => {
    const im = image as Image | null;
    const named = im?.type === 'DOCKER' ? typeof im.docker?.name === 'string' : im?.type === 'APPC' ? typeof im.appc?.name === 'string' : false;
    if (!named) fail(`excluded_images[${i}] must be {"type": "DOCKER", "docker": {"name": ...}} or {"type": "APPC", "appc": {"name": ...}}`);
  });
  return { headroom: headroom as number, watchIntervalMs, excludedImages: excluded as Image[] };
}

/** Pure: GC when the used fraction of the disk exceeds `1 - headroom` (Mesos's rule). */
export function shouldPruneImages(usedFraction: number, headroom: number): boolean {
  return usedFraction > 1 - headroom;
}

/** Used fraction of the file system holding `path` (as `df` counts it: blocks not available). */
export async function diskUsedFraction(path: string): Promise<number> {
  const s = await statfs(path);
  return s.blocks === 0 ? 0 : 1 - s.bavail / s.blocks;
}

export type ImageGcOptions = {
  config: ImageGcConfig;
  /** A directory on the stores' file system (the docker store dir). */
  storeDir: string;
  prune(excluded: readonly Image[]): Promise<{ bytesFreed: number }>;
  clock: Clock;
  logger: Logger;
  /** TESTS: replaces the disk measurement. */
  usedFraction?: (path: string) => Promise<number>;
};

/** The periodic check; `stop()` before the agent exits. One prune at a time. */
export class ImageGc {
  readonly #o: ImageGcOptions;
  #timer: ReturnType<Clock['setInterval']> | undefined;
  #running: Promise<void> | undefined;

  constructor(options: ImageGcOptions) {
    this.#o = options;
  }

  start(): void {
    this.#timer ??= this.#o.clock.setInterval(() => void this.check(), this.#o.config.watchIntervalMs);
  }

  stop(): void {
    if (this.#timer !== undefined) this.#o.clock.clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Measures the disk and prunes when it is too full. Never rejects. */
  check(): Promise<void> {
    this.#running ??= (async () => {
      const { config, logger } = this.#o;
      try {
        const used = await (this.#o.usedFraction ?? diskUsedFraction)(this.#o.storeDir);
        if (!shouldPruneImages(used, config.headroom)) return;
        logger.info({ used_fraction: used, headroom: config.headroom }, 'image disk usage above the headroom; pruning images');
        const result = await this.#o.prune(config.excludedImages);
        logger.info({ bytes_freed: result.bytesFreed }, 'automatic image GC done');
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'automatic image GC failed');
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }
}
