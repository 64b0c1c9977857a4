// Layers stored once, by digest, shared by every image that has them:
//
//   <root>/layers/<hex>/rootfs       the layer's tar extracted as-is (whiteouts kept as files)
//   <root>/layers/<hex>/layer.json   {digest, bytes}: the blob's digest and size
//   <root>/staging/<tmp>/            one per layer being made; renamed into layers/ when complete
//   <root>/gc/<hex>.<tmp>            layers being deleted (renamed out first, then removed)
//
// A layer directory appears only by rename(2) of a finished staging directory, so a crash never
// leaves a half-made layer where a reader would take it; recover() clears staging/ and gc/.
// Concurrent requests for one layer (from one image or two) share one producer.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type LayerInfo = { digest: string; bytes: number };

/** The hex part of `sha256:<hex>` / `sha512:<hex>`, the layer's directory name. */
export function digestHex(digest: string): string {
  const m = /^(sha256|sha512):([a-f0-9]+)$/.exec(digest);
  if (!m) throw new Error(`not a digest: '${digest.slice(0, 100)}'`);
  return m[2]!;
}

/** Bytes used on disk under `path` (512-byte blocks, as du counts; hardlinked files once). */
export async function diskUsage(path: string, seen = new Set<string>()): Promise<number> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    return 0;
  }
  const key = `${st.dev}:${st.ino}`;
  if (seen.has(key)) return 0;
  seen.add(key);
  let total = st.blocks * 512;
  if (st.isDirectory()) {
    for (const entry of await readdir(path)) total += await diskUsage(join(path, entry), seen);
  }
  return total;
}

export class LayerStore {
  readonly root: string;
  readonly #inflight = new Map<string, Promise<string>>();

  constructor(root: string) {
    this.root = root;
  }

  /** Creates the layout and removes what a crash left in staging/ and gc/. */
  async recover(): Promise<void> {
    await mkdir(join(this.root, 'layers'), { recursive: true });
    await rm(join(this.root, 'staging'), { recursive: true, force: true });
    await rm(join(this.root, 'gc'), { recursive: true, force: true });
    await mkdir(join(this.root, 'staging'), { recursive: true });
    await mkdir(join(this.root, 'gc'), { recursive: true });
  }

  /** The extracted layer directory a backend gets. */
  rootfs(digest: string): string {
    return join(this.root, 'layers', digestHex(digest), 'rootfs');
  }

  async has(digest: string): Promise<boolean> {
    try {
      return (await lstat(this.rootfs(digest))).isDirectory();
    } catch {
      return false;
    }
  }

  async info(digest: string): Promise<LayerInfo | undefined> {
    try {
      return JSON.parse(await readFile(join(this.root, 'layers', digestHex(digest), 'layer.json'), 'utf8')) as LayerInfo;
    } catch {
      return undefined;
    }
  }

  /** Digests of layers being made now (never pruned). */
  inFlight(): ReadonlySet<string> {
    return new Set(this.#inflight.keys());
  }

  /**
   * The layer's rootfs, made by `produce` if missing. `produce(staging)` must fill
   * `staging/rootfs` (and may leave other files there) and return the blob size; it runs at most
   * once at a time per digest. On failure nothing is left behind.
   */
  ensure(digest: string, produce: (staging: string) => Promise<{ bytes: number }>): Promise<string> {
    const running = this.#inflight.get(digest);
    if (running) return running;
    const p = (async () => {
      if (await this.has(digest)) return this.rootfs(digest);
      const staging = await mkdtemp(join(this.root, 'staging', `${digestHex(digest).slice(0, 12)}-`));
      try {
        const { bytes } = await produce(staging);
        await writeFile(join(staging, 'layer.json'), JSON.stringify({ digest, bytes } satisfies LayerInfo));
        await rename(staging, join(this.root, 'layers', digestHex(digest)));
      } catch (err) {
        await rm(staging, { recursive: true, force: true });
        throw err;
      }
      return this.rootfs(digest);
    })().finally(() => this.#inflight.delete(digest));
    this.#inflight.set(digest, p);
    return p;
  }

  /** Every stored layer's digest (a sha512 store's directories are 128 hex digits long). */
  async list(): Promise<string[]> {
    const names = await readdir(join(this.root, 'layers')).catch(() => [] as string[]);
    return names.filter((hex) => /^[a-f0-9]+$/.test(hex)).map((hex) => `${hex.length === 128 ? 'sha512' : 'sha256'}:${hex}`);
  }

  /** Deletes a layer; returns the bytes it used. Renamed out of layers/ first so no reader sees half of it. */
  async remove(digest: string): Promise<number> {
    const from = join(this.root, 'layers', digestHex(digest));
    const to = join(this.root, 'gc', `${digestHex(digest)}.${randomBytes(4).toString('hex')}`);
    try {
      await rename(from, to);
    } catch {
      return 0;
    }
    const bytes = await diskUsage(to);
    await rm(to, { recursive: true, force: true });
    return bytes;
  }
}
