// The store's list of images: reference → content id, layer digests (base first) and runtime
// config, kept in `<root>/images.json` so recover() after an agent restart knows every image.
// Written atomically (temp file, fsync, rename, fsync of the directory); writes are serialized.
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageRuntimeConfig } from './types.ts';

export type ImageRecord = {
  /** Manifest digest (docker/OCI) or `sha512-...` (appc). */
  id: string;
  layers: string[];
  config: ImageRuntimeConfig;
  /** Where it came from: `registry`, `docker-archive`, `oci-layout`, `aci`. */
  source: string;
  /** ISO time of the pull. */
  storedAt: string;
};

type IndexFile = { version: 1; images: Record<string, ImageRecord> };

export class ImageIndex {
  readonly file: string;
  #images = new Map<string, ImageRecord>();
  #writing: Promise<void> = Promise.resolve();

  constructor(root: string) {
    this.file = join(root, 'images.json');
  }

  /** Reads the file (missing = empty). A corrupt file is an error: an operator must look at it. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#images = new Map();
        return;
      }
      throw err;
    }
    const parsed = JSON.parse(text) as IndexFile;
    if (parsed.version !== 1 || typeof parsed.images !== 'object') throw new Error(`image index '${this.file}' has an unknown format`);
    this.#images = new Map(Object.entries(parsed.images));
  }

  get(reference: string): ImageRecord | undefined {
    return this.#images.get(reference);
  }

  entries(): [string, ImageRecord][] {
    return [...this.#images];
  }

  async put(reference: string, record: ImageRecord): Promise<void> {
    this.#images.set(reference, record);
    await this.#persist();
  }

  async delete(references: readonly string[]): Promise<void> {
    for (const r of references) this.#images.delete(r);
    await this.#persist();
  }

  #persist(): Promise<void> {
    const body = JSON.stringify({ version: 1, images: Object.fromEntries(this.#images) } satisfies IndexFile, null, 1);
    const next = this.#writing.then(async () => {
      const tmp = `${this.file}.tmp`;
      const fh = await open(tmp, 'w', 0o644);
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
      const dir = await open(join(this.file, '..'), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    });
    this.#writing = next.catch(() => undefined);
    return next;
  }
}
