// The AppC image store (`--appc_store_dir`): ACIs found by simple discovery
// (`--appc_simple_discovery_uri_prefix` + `{name}-{version}-{os}-{arch}.aci`; the prefix may be
// http(s), `file://` or a local directory path for local images), checked against the image id
// the task gave (`sha512-` + SHA-512 of the uncompressed ACI), and kept as one layer each:
//
//   <root>/layers/<sha512 hex>/rootfs     the ACI's rootfs/
//   <root>/layers/<sha512 hex>/manifest   the ACI's manifest
//   <root>/images.json                    `name:version` → image id, config
//
// Gap: images with `dependencies` are refused (ImageProvisionError), not fetched and layered.
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { Logger } from '../../common/log.ts';
import type { Metrics } from '../../common/metrics.ts';
import { writeVerified } from '../blob.ts';
import { extractLayer } from '../extract.ts';
import { ImageIndex, type ImageRecord } from '../image-index.ts';
import { LayerStore } from '../layer-store.ts';
import { ImageProvisionError, type PullProgress, type StoredImage } from '../types.ts';
import { goArch } from '../docker/manifest.ts';
import type { PruneResult } from '../docker/store.ts';
import { discoveryLabels, imageIdMatches, imageIdOf, parseAciManifest, simpleDiscoveryUri, validAciName, type AciLabels } from './aci.ts';

export type AppcStoreOptions = {
  /** `--appc_store_dir`. */
  storeDir: string;
  /** `--appc_simple_discovery_uri_prefix` (default `http://`). */
  discoveryPrefix?: string | undefined;
  stallTimeoutMs?: number | undefined;
  fetch?: ((input: string, init?: RequestInit) => Promise<Response>) | undefined;
  logger?: Logger | undefined;
  metrics?: Metrics | undefined;
  progress?: PullProgress | undefined;
};

export type AppcImageSpec = { name: string; id?: string | undefined; labels?: AciLabels | undefined };

/** SHA-512 of the uncompressed content of an ACI file (gzip and zstd are undone; plain tar as is). */
export async function aciImageId(file: string): Promise<string> {
  const fh = await open(file, 'r');
  const magic = Buffer.alloc(4);
  try {
    await fh.read(magic, 0, 4, 0);
  } finally {
    await fh.close();
  }
  const hash = createHash('sha512');
  const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) hash.update(chunk);
  };
  if (magic[0] === 0x1f && magic[1] === 0x8b) await pipeline(createReadStream(file), createGunzip(), sink);
  else if (magic.readUInt32LE(0) === 0xfd2fb528) await pipeline(createReadStream(file), createZstdDecompress(), sink);
  else if (magic.subarray(0, 3).toString() === 'BZh' || (magic[0] === 0xfd && magic[1] === 0x37)) {
    throw new Error('bzip2 and xz compressed ACIs are not supported (use gzip, zstd or none)');
  } else await pipeline(createReadStream(file), sink);
  return `sha512:${hash.digest('hex')}`;
}

export class AppcStore {
  readonly layers: LayerStore;
  readonly #index: ImageIndex;
  readonly #opts: AppcStoreOptions;
  readonly #pulls = new Map<string, Promise<StoredImage>>();
  readonly #defaults = { os: 'linux', arch: goArch(process.arch) };

  constructor(opts: AppcStoreOptions) {
    this.#opts = opts;
    this.layers = new LayerStore(opts.storeDir);
    this.#index = new ImageIndex(opts.storeDir);
  }

  async recover(): Promise<{ images: number; forgotten: string[] }> {
    await this.layers.recover();
    await this.#index.load();
    const forgotten: string[] = [];
    for (const [reference, record] of this.#index.entries()) {
      if (!(await this.layers.has(record.layers[0]!))) forgotten.push(reference);
    }
    if (forgotten.length > 0) await this.#index.delete(forgotten);
    return { images: this.#index.entries().length, forgotten };
  }

  images(): [string, ImageRecord][] {
    return this.#index.entries();
  }

  async get(spec: AppcImageSpec, options: { forcePull?: boolean | undefined } = {}): Promise<StoredImage> {
    if (!validAciName(spec.name)) throw new ImageProvisionError(spec.name, 'image.appc.name is not a valid AppC image name (lowercase letters, digits, -, ., /)');
    const labels = discoveryLabels(spec.labels ?? {}, this.#defaults);
    const reference = `${spec.name}:${labels.version}`;
    if (!options.forcePull) {
      for (const [ref, record] of this.#index.entries()) {
        const matches = spec.id ? imageIdMatches(spec.id, record.id) : ref === reference;
        if (matches && (await this.layers.has(record.layers[0]!))) return this.#stored(reference, record);
      }
    }
    const key = `${reference}\u0000${spec.id ?? ''}`;
    const running = this.#pulls.get(key);
    if (running) return running;
    const pull = this.#pull(spec, reference, labels).finally(() => this.#pulls.delete(key));
    this.#pulls.set(key, pull);
    return pull;
  }

  #stored(reference: string, record: ImageRecord): StoredImage {
    return { reference, id: record.id, layers: [this.layers.rootfs(record.layers[0]!)], config: record.config };
  }

  async #pull(spec: AppcImageSpec, reference: string, labels: { version: string; os: string; arch: string }): Promise<StoredImage> {
    const prefix = this.#opts.discoveryPrefix ?? 'http://';
    const uri = simpleDiscoveryUri(prefix, spec.name, labels);
    this.#opts.progress?.({ image: reference, phase: 'resolving' });
    const staging = await mkdtemp(join(this.layers.root, 'staging', 'aci-'));
    try {
      const file = await this.#fetch(uri, reference, staging);
      const digest = await aciImageId(file);
      const id = imageIdOf(digest);
      if (spec.id && !imageIdMatches(spec.id, id)) {
        throw new ImageProvisionError(reference, `image id mismatch (sha512): expected '${spec.id}', the ACI at '${uri}' has '${id}'`);
      }
      let config: StoredImage['config'] = {};
      await this.layers.ensure(digest, async (layerStaging) => {
        const aci = join(layerStaging, 'aci');
        await mkdir(aci);
        await extractLayer(file, aci);
        const manifest = parseAciManifest(await readFile(join(aci, 'manifest'), 'utf8').catch(() => {
          throw new Error('the ACI has no manifest');
        }));
        if (manifest.dependencies.length > 0) throw new Error(`AppC dependencies are not supported (depends on ${manifest.dependencies.join(', ')})`);
        if (!(await stat(join(aci, 'rootfs')).then((s) => s.isDirectory(), () => false))) throw new Error('the ACI has no rootfs/ directory');
        await rename(join(aci, 'rootfs'), join(layerStaging, 'rootfs'));
        await rename(join(aci, 'manifest'), join(layerStaging, 'manifest'));
        await rm(aci, { recursive: true, force: true });
        return { bytes: (await stat(file)).size };
      });
      config = parseAciManifest(await readFile(join(this.layers.rootfs(digest), '..', 'manifest'), 'utf8')).config;
      const record: ImageRecord = { id, layers: [digest], config, source: 'aci', storedAt: new Date().toISOString() };
      await this.#index.put(reference, record);
      this.#opts.metrics?.counter('provisioner/layers_pulled').inc();
      this.#opts.progress?.({ image: reference, phase: 'done' });
      this.#opts.logger?.info({ image: reference, id, uri }, 'appc image stored');
      return this.#stored(reference, record);
    } catch (err) {
      this.#opts.metrics?.counter('provisioner/image_pull_failures').inc();
      if (err instanceof ImageProvisionError) throw err;
      throw new ImageProvisionError(reference, `${(err as Error).message} (from '${uri}')`);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Brings the ACI at `uri` into `staging/image.aci`. */
  async #fetch(uri: string, reference: string, staging: string): Promise<string> {
    const file = join(staging, 'image.aci');
    const stallTimeoutMs = this.#opts.stallTimeoutMs ?? 60_000;
    const onBytes = (n: number): void => this.#opts.progress?.({ image: reference, phase: 'layer', bytesDone: n });
    if (uri.startsWith('/') || uri.startsWith('file://')) {
      const path = uri.startsWith('file://') ? fileURLToPath(uri) : uri;
      try {
        await writeVerified(createReadStream(path), file, { onBytes, stallTimeoutMs });
      } catch (err) {
        throw new Error(`cannot read local ACI '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      }
      return file;
    }
    if (!uri.startsWith('http://') && !uri.startsWith('https://')) throw new Error(`unsupported appc discovery URI '${uri.slice(0, 200)}'`);
    const doFetch = this.#opts.fetch ?? ((u: string, init?: RequestInit) => fetch(u, init));
    let res: Response;
    try {
      res = await doFetch(uri, { signal: AbortSignal.timeout(60_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new Error(`cannot fetch '${uri}': ${cause?.code ?? (err as Error).message}`, { cause: err });
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new Error(`fetching '${uri}' answered HTTP ${res.status}`);
    }
    const { bytes } = await writeVerified(res.body, file, { onBytes, stallTimeoutMs });
    this.#opts.metrics?.counter('provisioner/bytes_pulled').inc(bytes);
    return file;
  }

  /** Forgets images not in `keep` (ids or `name:version`) and removes their unused layers. */
  async prune(keep: Iterable<string>): Promise<PruneResult> {
    const keepSet = new Set(keep);
    const drop = this.#index.entries().filter(([ref, r]) => !keepSet.has(ref) && !keepSet.has(r.id)).map(([ref]) => ref);
    if (drop.length > 0) await this.#index.delete(drop);
    const used = new Set<string>(this.layers.inFlight());
    for (const [, r] of this.#index.entries()) for (const d of r.layers) used.add(d);
    let bytesFreed = 0;
    const layersRemoved: string[] = [];
    for (const digest of await this.layers.list()) {
      if (used.has(digest)) continue;
      bytesFreed += await this.layers.remove(digest);
      layersRemoved.push(digest);
    }
    return { bytesFreed, layersRemoved, imagesRemoved: drop };
  }
}
