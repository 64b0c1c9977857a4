// The Docker/OCI image store (`--docker_store_dir`): images pulled from a registry or read from a
// local directory (`--docker_registry=/dir`), their layers kept once by digest in a LayerStore
// and the images listed in an ImageIndex that survives agent restarts.
//
// A pull: resolve the reference to a manifest (an index picks this platform's entry), fetch and
// verify the config blob, then each layer not yet stored: download to staging while hashing,
// refuse a digest mismatch, extract, rename into place. Concurrent gets of one reference share
// one pull; concurrent pulls of one layer (any image) share one download. Any failure is an
// ImageProvisionError naming the image and the cause, and leaves nothing half-made behind.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../common/log.ts';
import type { Metrics } from '../../common/metrics.ts';
import { DigestMismatchError, digestOfFile, writeVerified } from '../blob.ts';
import { extractLayer } from '../extract.ts';
import { ImageIndex, type ImageRecord } from '../image-index.ts';
import { LayerStore } from '../layer-store.ts';
import { ImageProvisionError, type PullProgress, type StoredImage } from '../types.ts';
import { findLocalImage, readLocalImage, unpackArchive } from './local-archive.ts';
import { goArch, ManifestError, parseManifest, runtimeConfigFromImageConfig, selectPlatform, type Platform } from './manifest.ts';
import { DOCKER_HUB_URL, formatReference, manifestReference, parseDockerReference, registryBaseUrl, type DockerReference } from './reference.ts';
import { RegistryClient, type FetchLike } from './registry-client.ts';
import { credentialFor, type DockerCredentials } from './registry-credentials.ts';

export type DockerStoreOptions = {
  /** `--docker_store_dir`. */
  storeDir: string;
  /** `--docker_registry`: a registry URL (default Docker Hub) or an absolute local directory. */
  registry?: string | undefined;
  /** Parsed `--docker_config`. */
  credentials?: DockerCredentials | undefined;
  /** Which entry of a multi-platform image to use; default linux and this machine's arch. */
  platform?: Platform | undefined;
  /** Layers downloaded at once per image (Docker's default is 3). */
  maxConcurrentDownloads?: number | undefined;
  /** `--fetcher_stall_timeout` for blob bodies (default 60 s). */
  stallTimeoutMs?: number | undefined;
  fetch?: FetchLike | undefined;
  logger?: Logger | undefined;
  metrics?: Metrics | undefined;
  progress?: PullProgress | undefined;
};

export type DockerGetOptions = {
  /** Re-resolve the tag even when the image is stored (`force_pull_image`, `Image.cached=false`). */
  forcePull?: boolean | undefined;
  /** Per-pull credentials; they win over `--docker_config` for their registries. */
  credentials?: DockerCredentials | undefined;
};

export type PruneResult = { bytesFreed: number; layersRemoved: string[]; imagesRemoved: string[] };

/** A layer to store: its digest and size, and for local images the file holding it. */
type PlannedLayer = { digest: string; size: number; file?: string | undefined };
type PullPlan = { id: string; layers: PlannedLayer[]; config: StoredImage['config']; source: string; client?: RegistryClient; repository?: string; localRoot?: string };

export class DockerStore {
  readonly layers: LayerStore;
  readonly #index: ImageIndex;
  readonly #opts: DockerStoreOptions;
  readonly #registryUrl: string;
  readonly #localDir: string | undefined;
  readonly #platform: Platform;
  readonly #pulls = new Map<string, Promise<StoredImage>>();
  /** Layer digests of pulls in progress (counted), never pruned. */
  readonly #pinned = new Map<string, number>();
  readonly #clients = new Map<string, RegistryClient>();
  #pruning: Promise<unknown> = Promise.resolve();

  constructor(opts: DockerStoreOptions) {
    this.#opts = opts;
    this.layers = new LayerStore(opts.storeDir);
    this.#index = new ImageIndex(opts.storeDir);
    const registry = opts.registry ?? DOCKER_HUB_URL;
    this.#localDir = registry.startsWith('/') ? registry : registry.startsWith('file://') ? new URL(registry).pathname : undefined;
    this.#registryUrl = this.#localDir ? DOCKER_HUB_URL : registry;
    this.#platform = opts.platform ?? { os: 'linux', architecture: goArch(process.arch) };
  }

  /** Loads the index and forgets images whose layers are gone; clears crash leftovers. */
  async recover(): Promise<{ images: number; forgotten: string[] }> {
    await this.layers.recover();
    await this.#index.load();
    const forgotten: string[] = [];
    for (const [reference, record] of this.#index.entries()) {
      for (const digest of record.layers) {
        if (!(await this.layers.has(digest))) {
          forgotten.push(reference);
          break;
        }
      }
    }
    if (forgotten.length > 0) await this.#index.delete(forgotten);
    this.#opts.logger?.info({ images: this.#index.entries().length, forgotten }, 'docker image store recovered');
    return { images: this.#index.entries().length, forgotten };
  }

  /** The image, pulled or read locally if needed. Throws ImageProvisionError. */
  async get(name: string, options: DockerGetOptions = {}): Promise<StoredImage> {
    let ref: DockerReference;
    try {
      ref = parseDockerReference(name, this.#registryUrl);
    } catch (err) {
      throw new ImageProvisionError(name, (err as Error).message);
    }
    const reference = formatReference(ref);
    await this.#pruning;
    if (!options.forcePull || ref.digest) {
      const cached = await this.#cached(reference);
      if (cached) return cached;
    }
    const running = this.#pulls.get(reference);
    if (running) return running;
    const pull = this.#pull(name, ref, reference, options).finally(() => this.#pulls.delete(reference));
    this.#pulls.set(reference, pull);
    return pull;
  }

  /** Stored images: reference → record. */
  images(): [string, ImageRecord][] {
    return this.#index.entries();
  }

  async #cached(reference: string): Promise<StoredImage | undefined> {
    const record = this.#index.get(reference);
    if (!record) return undefined;
    for (const digest of record.layers) if (!(await this.layers.has(digest))) return undefined;
    return this.#stored(reference, record);
  }

  #stored(reference: string, record: ImageRecord): StoredImage {
    return { reference, id: record.id, layers: record.layers.map((d) => this.layers.rootfs(d)), config: record.config };
  }

  async #pull(name: string, ref: DockerReference, reference: string, options: DockerGetOptions): Promise<StoredImage> {
    const started = performance.now();
    const progress = this.#opts.progress;
    progress?.({ image: reference, phase: 'resolving' });
    const staging = await mkdtemp(join(this.layers.root, 'staging', 'image-'));
    let pinned: string[] = [];
    try {
      const plan = this.#localDir ? await this.#planLocal(name, ref, staging) : await this.#planRegistry(ref, staging, options);
      pinned = plan.layers.map((l) => l.digest);
      this.#pin(pinned, +1);
      const digests = await this.#storeLayers(reference, plan);
      const record: ImageRecord = { id: plan.id, layers: digests, config: plan.config, source: plan.source, storedAt: new Date().toISOString() };
      await this.#index.put(reference, record);
      this.#opts.metrics?.timer('containerizer/mesos/provisioner/docker_store/image_pull').record(performance.now() - started);
      progress?.({ image: reference, phase: 'done' });
      this.#opts.logger?.info({ image: reference, id: plan.id, layers: digests.length, ms: Math.round(performance.now() - started) }, 'docker image stored');
      return this.#stored(reference, record);
    } catch (err) {
      this.#opts.metrics?.counter('provisioner/image_pull_failures').inc();
      if (err instanceof ImageProvisionError) throw err;
      throw new ImageProvisionError(reference, describe(err));
    } finally {
      this.#pin(pinned, -1);
      await rm(staging, { recursive: true, force: true });
    }
  }

  #pin(digests: readonly string[], by: 1 | -1): void {
    for (const d of digests) {
      const n = (this.#pinned.get(d) ?? 0) + by;
      if (n > 0) this.#pinned.set(d, n);
      else this.#pinned.delete(d);
    }
  }

  #client(registry: string, credentials: DockerCredentials | undefined): RegistryClient {
    const credential = credentialFor(credentials, registry) ?? credentialFor(this.#opts.credentials, registry);
    // One client (and token cache) per registry and identity: per-pull credentials never
    // reuse a token obtained with someone else's.
    const key = `${registry}\u0000${credential?.username ?? ''}\u0000${credential?.password ?? ''}`;
    let client = this.#clients.get(key);
    if (!client) {
      client = new RegistryClient({ baseUrl: registryBaseUrl(registry, this.#registryUrl), registry, credential, fetch: this.#opts.fetch });
      this.#clients.set(key, client);
    }
    return client;
  }

  async #planRegistry(ref: DockerReference, staging: string, options: DockerGetOptions): Promise<PullPlan> {
    const client = this.#client(ref.registry, options.credentials);
    let fetched = await client.getManifest(ref.repository, manifestReference(ref));
    let manifest = parseManifest(fetched.body, fetched.contentType);
    if (manifest.kind === 'index') {
      const chosen = selectPlatform(manifest.manifests, this.#platform);
      if (!chosen) throw new ManifestError(`no manifest for ${this.#platform.os}/${this.#platform.architecture} in the image index`);
      fetched = await client.getManifest(ref.repository, chosen.digest);
      manifest = parseManifest(fetched.body, fetched.contentType);
      if (manifest.kind === 'index') throw new ManifestError('an image index points at another index');
    }
    if (manifest.kind === 'schema1') {
      return { id: fetched.digest, layers: manifest.layers, config: manifest.config, source: 'registry', client, repository: ref.repository };
    }
    const configFile = join(staging, 'config.json');
    const body = (await client.getBlob(ref.repository, manifest.config.digest)).body!;
    try {
      await writeVerified(body, configFile, { expectedDigest: manifest.config.digest, stallTimeoutMs: this.#opts.stallTimeoutMs ?? 60_000 });
    } catch (err) {
      throw new Error(`config blob '${manifest.config.digest}': ${describe(err)}`, { cause: err });
    }
    const config = runtimeConfigFromImageConfig(JSON.parse(await readFile(configFile, 'utf8')));
    return { id: fetched.digest, layers: manifest.layers, config, source: 'registry', client, repository: ref.repository };
  }

  async #planLocal(name: string, ref: DockerReference, staging: string): Promise<PullPlan> {
    const found = await findLocalImage(this.#localDir!, name, ref);
    if (!found) throw new ImageProvisionError(name, `no '${name}.tar' (nor an OCI layout directory) in local docker registry '${this.#localDir}'`);
    const root = found.isDirectory ? found.path : await unpackArchive(found.path, join(staging, 'archive'));
    const image = await readLocalImage(root, name, ref, this.#platform);
    const layers: PlannedLayer[] = [];
    for (const l of image.layers) {
      // Archive layers are files: verify what the archive promises, else name them by content.
      const { digest, bytes } = await digestOfFile(l.file);
      if (l.digest && l.digest !== digest) throw new Error(`layer '${l.digest}': ${new DigestMismatchError(l.digest, digest).message}`);
      layers.push({ digest, size: bytes, file: l.file });
    }
    return { id: image.id, layers, config: image.config, source: image.source, localRoot: root };
  }

  /** Stores every layer of the plan (at most N at once); resolves with the digests, base first. */
  async #storeLayers(reference: string, plan: PullPlan): Promise<string[]> {
    const limit = Math.max(1, this.#opts.maxConcurrentDownloads ?? 3);
    const digests = plan.layers.map((l) => l.digest);
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (!failed && next < plan.layers.length) {
        const layer = plan.layers[next++]!;
        try {
          await this.layers.ensure(layer.digest, (layerStaging) => this.#makeLayer(reference, plan, layer, layerStaging));
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    // On a failure no new layer starts, and the error is reported only once the layers already
    // under way have settled, so the caller never sees a half-made layer in staging.
    const results = await Promise.allSettled(Array.from({ length: Math.min(limit, plan.layers.length) }, worker));
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    return digests;
  }

  async #makeLayer(reference: string, plan: PullPlan, layer: PlannedLayer, staging: string): Promise<{ bytes: number }> {
    const rootfs = join(staging, 'rootfs');
    let file: string;
    let bytes: number;
    if (plan.client) {
      file = join(staging, 'blob');
      const progress = this.#opts.progress;
      const total = layer.size >= 0 ? layer.size : undefined;
      progress?.({ image: reference, phase: 'layer', digest: layer.digest, bytesDone: 0, bytesTotal: total });
      try {
        const res = await plan.client.getBlob(plan.repository!, layer.digest);
        ({ bytes } = await writeVerified(res.body!, file, {
          expectedDigest: layer.digest,
          stallTimeoutMs: this.#opts.stallTimeoutMs ?? 60_000,
        }));
      } catch (err) {
        throw new Error(`layer '${layer.digest}': ${describe(err)}`, { cause: err });
      }
      progress?.({ image: reference, phase: 'layer', digest: layer.digest, bytesDone: bytes, bytesTotal: total ?? bytes });
      this.#opts.metrics?.counter('provisioner/bytes_pulled').inc(bytes);
    } else {
      file = layer.file!;
      bytes = layer.size;
    }
    try {
      const result = await extractLayer(file, rootfs);
      if (result.warnings.length > 0) this.#opts.logger?.warn({ image: reference, layer: layer.digest, warnings: result.warnings.slice(0, 20) }, 'layer entries skipped');
    } catch (err) {
      throw new Error(`layer '${layer.digest}': ${describe(err)}`, { cause: err });
    }
    if (plan.client) await rm(file, { force: true });
    this.#opts.metrics?.counter('provisioner/layers_pulled').inc();
    return { bytes };
  }

  /**
   * Image GC: forgets every image whose id or reference is not in `keep`, then removes layers no
   * remaining image uses (layers of pulls in progress are kept). Gets wait while it runs.
   */
  async prune(keep: Iterable<string>, activeLayers: Iterable<string> = []): Promise<PruneResult> {
    const run = (async (): Promise<PruneResult> => {
      const keepSet = new Set(keep);
      const drop = this.#index.entries().filter(([reference, record]) => !keepSet.has(reference) && !keepSet.has(record.id)).map(([r]) => r);
      if (drop.length > 0) await this.#index.delete(drop);
      const used = new Set<string>([...this.#pinned.keys(), ...this.layers.inFlight()]);
      for (const [, record] of this.#index.entries()) for (const d of record.layers) used.add(d);
      const active = new Set(activeLayers);
      let bytesFreed = 0;
      const layersRemoved: string[] = [];
      for (const digest of await this.layers.list()) {
        if (used.has(digest) || active.has(this.layers.rootfs(digest)) || active.has(digest)) continue;
        bytesFreed += await this.layers.remove(digest);
        layersRemoved.push(digest);
      }
      this.#opts.logger?.info({ imagesRemoved: drop.length, layersRemoved: layersRemoved.length, bytesFreed }, 'docker image store pruned');
      return { bytesFreed, layersRemoved, imagesRemoved: drop };
    })();
    this.#pruning = run.catch(() => undefined);
    return run;
  }
}

/** The message of an error, with the registry's or the parser's words kept. */
function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
