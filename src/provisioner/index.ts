// The provisioner's public API: image stores behind one facade, plus the contracts in types.ts.
//
//   const stores = new ImageStores({ imageProviders: ['docker', 'appc'], docker: { storeDir, registry },
//                                    appc: { storeDir }, dockerConfig, logger, metrics });
//   await stores.recover();                       // agent start: index loaded, crash leftovers removed
//   const image = await stores.get(containerInfo.mesos.image, { forcePull, credentials });
//   // image.layers → a ProvisionerBackend; image.config → merged with the task's CommandInfo
//   await stores.prune(imagesInUse);              // image GC (PRUNE_IMAGES, --image_gc_config)
//
// Every failure a task should see is an ImageProvisionError naming the image and the cause.
import type { Image } from '../protocol/index.ts';
import type { Logger } from '../common/log.ts';
import type { Metrics } from '../common/metrics.ts';
import { AppcStore, type AppcStoreOptions } from './appc/store.ts';
import { DockerStore, type DockerStoreOptions, type PruneResult } from './docker/store.ts';
import { formatReference, parseDockerReference } from './docker/reference.ts';
import { loadDockerConfig, mergeCredentials, parseDockerConfig, type DockerCredentials } from './docker/registry-credentials.ts';
import { ImageProvisionError, type PullProgress, type StoredImage } from './types.ts';

export * from './types.ts';
export { DockerStore, type DockerStoreOptions, type DockerGetOptions, type PruneResult } from './docker/store.ts';
export { AppcStore, type AppcStoreOptions, type AppcImageSpec } from './appc/store.ts';
export { parseDockerReference, formatReference, type DockerReference } from './docker/reference.ts';
export { parseDockerConfig, loadDockerConfig, type DockerCredentials, type RegistryCredential } from './docker/registry-credentials.ts';
export { RegistryError } from './docker/registry-client.ts';

/** Mesos's defaults for the store directories. */
export const DEFAULT_DOCKER_STORE_DIR = '/tmp/mesos/store/docker';
export const DEFAULT_APPC_STORE_DIR = '/tmp/mesos/store/appc';

export type ImageProvider = 'docker' | 'appc';

export type ImageStoresOptions = {
  /** `--image_providers`; a store not listed refuses its images. */
  imageProviders: readonly ImageProvider[];
  docker?: Partial<Omit<DockerStoreOptions, 'logger' | 'metrics' | 'progress' | 'credentials'>> | undefined;
  appc?: Partial<Omit<AppcStoreOptions, 'logger' | 'metrics' | 'progress'>> | undefined;
  /** `--docker_config`: inline JSON, an absolute path or `file://` URL; read by recover(). */
  dockerConfig?: string | undefined;
  logger?: Logger | undefined;
  metrics?: Metrics | undefined;
  /** Extra progress listener (the agent log gets progress anyway). */
  progress?: PullProgress | undefined;
};

export type GetImageOptions = {
  /** `force_pull_image`; also implied by `Image.cached=false`. */
  forcePull?: boolean | undefined;
  /** Per-pull registry credentials: docker config JSON text (a fetched `config.json`/`.dockercfg`) or parsed. */
  credentials?: string | DockerCredentials | undefined;
};

export class ImageStores {
  readonly docker: DockerStore | undefined;
  readonly appc: AppcStore | undefined;
  readonly #opts: ImageStoresOptions;
  #credentials: DockerCredentials | undefined;
  #ready: Promise<void> | undefined;

  constructor(opts: ImageStoresOptions) {
    this.#opts = opts;
    const progress = this.#progress.bind(this);
    const common = { logger: opts.logger, metrics: opts.metrics, progress };
    if (opts.imageProviders.includes('docker')) {
      this.docker = new DockerStore({
        storeDir: DEFAULT_DOCKER_STORE_DIR,
        ...opts.docker,
        ...common,
        credentials: undefined,
      });
    }
    if (opts.imageProviders.includes('appc')) this.appc = new AppcStore({ storeDir: DEFAULT_APPC_STORE_DIR, ...opts.appc, ...common });
  }

  /** Loads `--docker_config` and every store's index; removes what a crash left half-made. */
  recover(): Promise<void> {
    this.#ready = (async () => {
      if (this.#opts.dockerConfig) this.#credentials = await loadDockerConfig(this.#opts.dockerConfig);
      await this.docker?.recover();
      await this.appc?.recover();
    })();
    return this.#ready;
  }

  /** The stored image for a task's `ContainerInfo.mesos.image`, pulled when needed. */
  async get(image: Image, options: GetImageOptions = {}): Promise<StoredImage> {
    await (this.#ready ?? this.recover());
    const forcePull = options.forcePull === true || image.cached === false;
    if (image.type === 'DOCKER') {
      const name = image.docker?.name;
      if (!name) throw new ImageProvisionError('(unnamed)', 'image.docker.name is required for a DOCKER image');
      if (!this.docker) throw new ImageProvisionError(name, "the 'docker' image provider is not enabled (--image_providers)");
      const credentials = this.#credentialsFor(image, name, options);
      return this.docker.get(name, { forcePull, credentials });
    }
    if (image.type === 'APPC') {
      const appc = image.appc;
      if (!appc?.name) throw new ImageProvisionError('(unnamed)', 'image.appc.name is required for an APPC image');
      if (!this.appc) throw new ImageProvisionError(appc.name, "the 'appc' image provider is not enabled (--image_providers)");
      const labels = Object.fromEntries((appc.labels?.labels ?? []).map((l) => [l.key, l.value ?? '']));
      return this.appc.get({ name: appc.name, id: appc.id, labels }, { forcePull });
    }
    throw new ImageProvisionError('(unknown)', `image.type '${String(image.type)}' is not supported`);
  }

  /**
   * Image GC over every store: images not in `keep` (Images, references or ids) are forgotten and
   * layers no remaining image uses are removed. `activeLayers` (layer paths or digests of running
   * containers) are never removed.
   */
  async prune(keep: readonly (Image | string)[] = [], activeLayers: readonly string[] = []): Promise<PruneResult> {
    await (this.#ready ?? this.recover());
    const keys: string[] = [];
    for (const k of keep) {
      if (typeof k === 'string') keys.push(k);
      else if (k.type === 'DOCKER' && k.docker?.name) {
        try {
          keys.push(formatReference(parseDockerReference(k.docker.name, this.#opts.docker?.registry?.startsWith('http') ? this.#opts.docker.registry : undefined)));
        } catch {
          // an invalid name keeps nothing
        }
      } else if (k.type === 'APPC' && k.appc) {
        if (k.appc.id) keys.push(k.appc.id);
        const version = k.appc.labels?.labels?.find((l) => l.key === 'version')?.value ?? 'latest';
        keys.push(`${k.appc.name}:${version}`);
      }
    }
    const total: PruneResult = { bytesFreed: 0, layersRemoved: [], imagesRemoved: [] };
    for (const r of [await this.docker?.prune(keys, activeLayers), await this.appc?.prune(keys)]) {
      if (!r) continue;
      total.bytesFreed += r.bytesFreed;
      total.layersRemoved.push(...r.layersRemoved);
      total.imagesRemoved.push(...r.imagesRemoved);
    }
    this.#opts.metrics?.counter('provisioner/bytes_pruned').inc(total.bytesFreed);
    return total;
  }

  #credentialsFor(image: Image, name: string, options: GetImageOptions): DockerCredentials | undefined {
    const sources: DockerCredentials[] = [];
    if (this.#credentials) sources.push(this.#credentials);
    try {
      if (typeof options.credentials === 'string') sources.push(parseDockerConfig(options.credentials, 'docker config'));
      else if (options.credentials) sources.push(options.credentials);
      const secret = image.docker?.config;
      if (secret?.value?.data) sources.push(parseDockerConfig(Buffer.from(secret.value.data, 'base64').toString('utf8'), 'image.docker.config'));
      else if (secret?.reference) throw new Error('image.docker.config secret references are not supported; pass the secret value');
      const legacy = image.docker?.credential;
      if (legacy?.principal) {
        const registry = parseDockerReference(name, this.#opts.docker?.registry?.startsWith('http') ? this.#opts.docker.registry : undefined).registry;
        sources.push(new Map([[registry, { username: legacy.principal, password: legacy.secret ?? '' }]]));
      }
    } catch (err) {
      throw new ImageProvisionError(name, (err as Error).message);
    }
    return sources.length === 0 ? undefined : mergeCredentials(...sources);
  }

  /** Progress into the agent log (and the caller's listener). */
  #progress(event: Parameters<PullProgress>[0]): void {
    this.#opts.progress?.(event);
    const log = this.#opts.logger;
    if (!log) return;
    if (event.phase === 'layer' && event.bytesDone !== undefined && event.bytesDone === event.bytesTotal) {
      log.info({ image: event.image, layer: event.digest, bytes: event.bytesDone }, 'image layer downloaded');
    } else if (event.phase === 'resolving') log.info({ image: event.image }, 'image pull started');
  }
}
