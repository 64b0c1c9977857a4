// Image manifests as registries, `docker save` and OCI layouts hand them out: Docker schema 2,
// OCI image manifests, manifest lists and OCI indexes (one entry picked per platform), and the
// legacy schema 1 (read only). Also the image config blob → ImageRuntimeConfig. Pure: no I/O.
import type { ImageRuntimeConfig } from '../types.ts';

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

/** The `Accept` header of a manifest GET: every format we read, preferred first. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest,
  `${MEDIA_TYPES.dockerSchema1Signed};q=0.5`,
  `${MEDIA_TYPES.dockerSchema1};q=0.5`,
].join(', ');

/** Layer media types we can extract (tar, gzip or zstd; node-tar detects the compression). */
const LAYER_TYPES = new Set<string>([
  MEDIA_TYPES.dockerLayerGzip,
  MEDIA_TYPES.ociLayer,
  MEDIA_TYPES.ociLayerGzip,
  MEDIA_TYPES.ociLayerZstd,
  'application/vnd.docker.image.rootfs.diff.tar',
]);

export type Platform = { os: string; architecture: string; variant?: string | undefined };

export type Descriptor = {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform | undefined;
  annotations?: Record<string, string> | undefined;
};

export type ParsedManifest =
  | { kind: 'index'; manifests: Descriptor[] }
  | { kind: 'image'; mediaType: string; config: Descriptor; layers: Descriptor[] }
  /** Schema 1: layers base first, config taken from the top `v1Compatibility`. */
  | { kind: 'schema1'; layers: Descriptor[]; config: ImageRuntimeConfig };

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Thrown for a manifest we cannot use; the store wraps it into an ImageProvisionError. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function descriptor(v: unknown, where: string): Descriptor {
  if (!isObject(v)) throw new ManifestError(`${where} is not an object`);
  const { mediaType, digest, size, platform, annotations } = v;
  if (typeof digest !== 'string' || !DIGEST.test(digest)) throw new ManifestError(`${where}.digest is not a sha256 digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new ManifestError(`${where}.size is not a size`);
  const out: Descriptor = { mediaType: typeof mediaType === 'string' ? mediaType : '', digest, size };
  if (isObject(platform) && typeof platform.os === 'string' && typeof platform.architecture === 'string') {
    out.platform = { os: platform.os, architecture: platform.architecture, variant: typeof platform.variant === 'string' ? platform.variant : undefined };
  }
  if (isObject(annotations)) {
    out.annotations = Object.fromEntries(Object.entries(annotations).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
  return out;
}

/**
 * Parses a manifest body. `contentType` is the response's Content-Type (may be empty); the
 * body's own `mediaType` wins, then the header, then the shape (as registries and layouts vary).
 */
export function parseManifest(body: string, contentType = ''): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ManifestError('manifest is not JSON');
  }
  if (!isObject(json)) throw new ManifestError('manifest is not a JSON object');
  const header = contentType.split(';')[0]!.trim();
  const mediaType = typeof json.mediaType === 'string' ? json.mediaType : header;
  if (json.schemaVersion === 1 || mediaType === MEDIA_TYPES.dockerSchema1 || mediaType === MEDIA_TYPES.dockerSchema1Signed) {
    return parseSchema1(json);
  }
  if (json.schemaVersion !== 2) throw new ManifestError(`unsupported manifest schemaVersion ${JSON.stringify(json.schemaVersion)}`);
  if (mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerManifestList || (Array.isArray(json.manifests) && !('layers' in json))) {
    if (!Array.isArray(json.manifests)) throw new ManifestError('manifest list has no manifests');
    return { kind: 'index', manifests: json.manifests.map((m, i) => descriptor(m, `manifests[${i}]`)) };
  }
  if (mediaType !== '' && mediaType !== MEDIA_TYPES.ociManifest && mediaType !== MEDIA_TYPES.dockerManifest && mediaType !== 'application/json') {
    throw new ManifestError(`unsupported manifest media type '${mediaType.slice(0, 100)}'`);
  }
  if (!Array.isArray(json.layers)) throw new ManifestError('manifest has no layers');
  const config = descriptor(json.config, 'config');
  const layers = json.layers.map((l, i) => descriptor(l, `layers[${i}]`));
  for (const [i, layer] of layers.entries()) {
    if (layer.mediaType === MEDIA_TYPES.dockerForeignLayer) throw new ManifestError(`layers[${i}] is a foreign (non-distributable) layer`);
    if (layer.mediaType !== '' && !LAYER_TYPES.has(layer.mediaType)) throw new ManifestError(`layers[${i}] has unsupported media type '${layer.mediaType.slice(0, 100)}'`);
  }
  return { kind: 'image', mediaType: mediaType || MEDIA_TYPES.ociManifest, config, layers };
}

function parseSchema1(json: Record<string, unknown>): ParsedManifest {
  if (!Array.isArray(json.fsLayers) || json.fsLayers.length === 0) throw new ManifestError('schema 1 manifest has no fsLayers');
  const seen = new Set<string>();
  const layers: Descriptor[] = [];
  // fsLayers lists the top layer first; stores want the base first. Schema 1 repeats the empty
  // layer for every metadata-only history entry: keep each blob once, at its lowest position.
  for (const [i, l] of [...json.fsLayers].reverse().entries()) {
    const blobSum = isObject(l) ? l.blobSum : undefined;
    if (typeof blobSum !== 'string' || !DIGEST.test(blobSum)) throw new ManifestError(`fsLayers[${json.fsLayers.length - 1 - i}].blobSum is not a sha256 digest`);
    if (seen.has(blobSum)) continue;
    seen.add(blobSum);
    layers.push({ mediaType: MEDIA_TYPES.dockerLayerGzip, digest: blobSum, size: -1 });
  }
  let config: ImageRuntimeConfig = {};
  const top = Array.isArray(json.history) && isObject(json.history[0]) ? json.history[0].v1Compatibility : undefined;
  if (typeof top === 'string') {
    try {
      config = runtimeConfigFromImageConfig(JSON.parse(top));
    } catch {
      throw new ManifestError('schema 1 history[0].v1Compatibility is not JSON');
    }
  }
  return { kind: 'schema1', layers, config };
}

/** Go's GOARCH for Node's `process.arch`. */
export function goArch(nodeArch: string): string {
  return nodeArch === 'x64' ? 'amd64' : nodeArch === 'ia32' ? '386' : nodeArch;
}

/**
 * Picks the manifest for `platform` from an index: exact os/architecture (and variant when
 * asked), skipping attestation entries (`unknown/unknown`). Undefined when none matches.
 */
export function selectPlatform(manifests: readonly Descriptor[], platform: Platform): Descriptor | undefined {
  const candidates = manifests.filter(
    (m) => m.platform?.os === platform.os && m.platform.architecture === platform.architecture,
  );
  if (platform.variant) return candidates.find((m) => m.platform?.variant === platform.variant) ?? candidates[0];
  return candidates[0];
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;
}

/**
 * The runtime part of a Docker/OCI image config (`{config: {Entrypoint, Cmd, Env, WorkingDir,
 * User}}`), also the shape of a schema 1 `v1Compatibility`. Empty strings count as not set.
 */
export function runtimeConfigFromImageConfig(imageConfig: unknown): ImageRuntimeConfig {
  if (!isObject(imageConfig)) return {};
  const c = isObject(imageConfig.config) ? imageConfig.config : isObject(imageConfig.container_config) ? imageConfig.container_config : {};
  const out: ImageRuntimeConfig = {};
  const entrypoint = stringArray(c.Entrypoint);
  const cmd = stringArray(c.Cmd);
  const env = stringArray(c.Env);
  if (entrypoint) out.entrypoint = entrypoint;
  if (cmd) out.cmd = cmd;
  if (env) out.env = env;
  if (typeof c.WorkingDir === 'string' && c.WorkingDir !== '') out.workingDir = c.WorkingDir;
  if (typeof c.User === 'string' && c.User !== '') out.user = c.User;
  return out;
}

/** `rootfs.diff_ids` of an image config (uncompressed layer digests), when present and well-formed. */
export function diffIdsOf(imageConfig: unknown): string[] | undefined {
  if (!isObject(imageConfig) || !isObject(imageConfig.rootfs)) return undefined;
  const ids = stringArray(imageConfig.rootfs.diff_ids);
  return ids && ids.every((d) => DIGEST.test(d)) ? ids : undefined;
}
