// Docker images from a local directory (`--docker_registry=/dir`), named as Mesos names them
// (reference containerizers.md §2.4): the image name exactly as written plus `.tar`
// (`busybox:latest` → `/dir/busybox:latest.tar`, `busybox` → `/dir/busybox.tar`); we also try
// the other spelling of the `latest` tag, and a directory of that name without `.tar` holding an
// OCI image layout. Archives may be the legacy `docker save` layout (`repositories` + per-layer
// `<id>/json` + `<id>/layer.tar`, Docker ≤ 24, also with `manifest.json`) or an OCI image layout
// (`oci-layout` + `index.json` + `blobs/sha256/...`, Docker ≥ 25, skopeo, umoci).
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import * as tar from 'tar';
import { DigestMismatchError, digestOfFile } from '../blob.ts';
import type { ImageRuntimeConfig } from '../types.ts';
import { diffIdsOf, ManifestError, parseManifest, runtimeConfigFromImageConfig, selectPlatform, type Platform } from './manifest.ts';
import { DEFAULT_TAG, type DockerReference } from './reference.ts';

export type LocalLayer = {
  /** A file inside the opened archive (plain, gzip or zstd tar). */
  file: string;
  /** The digest the archive promises for the file, verified when the layer is stored. */
  digest?: string | undefined;
};

export type LocalImage = {
  id: string;
  layers: LocalLayer[];
  config: ImageRuntimeConfig;
  source: 'docker-archive' | 'oci-layout';
};

/** The candidate paths for `name` (as the task wrote it) under `dir`, in the order tried. */
export function localImageCandidates(dir: string, name: string, ref: DockerReference): string[] {
  const names = [name];
  if (!ref.tag && !ref.digest) names.push(`${name}:${DEFAULT_TAG}`);
  if (ref.tag === DEFAULT_TAG && !ref.digest && name.endsWith(`:${DEFAULT_TAG}`)) names.push(name.slice(0, -(DEFAULT_TAG.length + 1)));
  const root = resolve(dir);
  const out: string[] = [];
  for (const n of names) {
    for (const candidate of [join(root, `${n}.tar`), join(root, n)]) {
      if (candidate.startsWith(root + sep)) out.push(candidate);
    }
  }
  return out;
}

/** The first candidate that exists: a tarball to unpack, or an OCI layout directory. */
export async function findLocalImage(dir: string, name: string, ref: DockerReference): Promise<{ path: string; isDirectory: boolean } | undefined> {
  for (const path of localImageCandidates(dir, name, ref)) {
    try {
      const st = await stat(path);
      if (st.isFile()) return { path, isDirectory: false };
      if (st.isDirectory()) {
        await stat(join(path, 'oci-layout'));
        return { path, isDirectory: true };
      }
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Unpacks an image tarball into `into` (created) and returns it for readLocalImage(). */
export async function unpackArchive(tarball: string, into: string): Promise<string> {
  await mkdir(into, { recursive: true });
  await tar.x({ file: tarball, cwd: into, strict: true, preserveOwner: false });
  return into;
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Names under which an archive may list the image (`RepoTags`, OCI ref annotations). */
export function archiveNames(name: string, ref: DockerReference): string[] {
  const tag = ref.tag ?? DEFAULT_TAG;
  const repoNoLibrary = ref.repository.startsWith('library/') ? ref.repository.slice('library/'.length) : ref.repository;
  return [...new Set([name, `${ref.repository}:${tag}`, `${repoNoLibrary}:${tag}`, `${ref.registry}/${ref.repository}:${tag}`, `docker.io/${ref.repository}:${tag}`, tag])];
}

/** Reads an opened archive or layout directory `root`. Throws ManifestError on anything wrong. */
export async function readLocalImage(root: string, name: string, ref: DockerReference, platform: Platform): Promise<LocalImage> {
  if (await exists(join(root, 'index.json'))) return readOciLayout(root, name, ref, platform);
  if (await exists(join(root, 'manifest.json'))) return readDockerManifestJson(root, name, ref);
  if (await exists(join(root, 'repositories'))) return readLegacyRepositories(root, ref);
  throw new ManifestError('neither an OCI image layout (index.json) nor a docker save archive (manifest.json, repositories)');
}

function blobPath(root: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  return join(root, 'blobs', alg!, hex!);
}

/** Reads a blob and checks it against its digest (OCI layouts are content-addressed). */
async function readVerifiedBlob(root: string, digest: string): Promise<string> {
  const path = blobPath(root, digest);
  const { digest: actual } = await digestOfFile(path);
  if (actual !== digest) throw new DigestMismatchError(digest, actual);
  return readFile(path, 'utf8');
}

async function readOciLayout(root: string, name: string, ref: DockerReference, platform: Platform): Promise<LocalImage> {
  const index = parseManifest(await readFile(join(root, 'index.json'), 'utf8'), 'application/vnd.oci.image.index.v1+json');
  if (index.kind !== 'index') throw new ManifestError('index.json is not an image index');
  const wanted = archiveNames(name, ref);
  let chosen = index.manifests.find((m) => {
    const a = m.annotations ?? {};
    return wanted.includes(a['org.opencontainers.image.ref.name'] ?? '') || wanted.includes(a['io.containerd.image.name'] ?? '');
  });
  if (!chosen && ref.digest) chosen = index.manifests.find((m) => m.digest === ref.digest);
  if (!chosen && index.manifests.length === 1) chosen = index.manifests[0];
  if (!chosen) throw new ManifestError(`the OCI layout has no manifest named '${ref.tag ?? DEFAULT_TAG}'`);
  let manifest = parseManifest(await readVerifiedBlob(root, chosen.digest), chosen.mediaType);
  let manifestDigest = chosen.digest;
  if (manifest.kind === 'index') {
    const selected = selectPlatform(manifest.manifests, platform);
    if (!selected) throw new ManifestError(`no manifest for ${platform.os}/${platform.architecture} in the image index`);
    manifest = parseManifest(await readVerifiedBlob(root, selected.digest), selected.mediaType);
    manifestDigest = selected.digest;
  }
  if (manifest.kind !== 'image') throw new ManifestError('the OCI layout points at a schema 1 manifest');
  const config = runtimeConfigFromImageConfig(JSON.parse(await readVerifiedBlob(root, manifest.config.digest)));
  return {
    id: manifestDigest,
    layers: manifest.layers.map((l) => ({ file: blobPath(root, l.digest), digest: l.digest })),
    config,
    source: 'oci-layout',
  };
}

function inside(root: string, rel: unknown, what: string): string {
  if (typeof rel !== 'string') throw new ManifestError(`${what} is not a path`);
  const p = resolve(root, rel);
  if (!p.startsWith(resolve(root) + sep)) throw new ManifestError(`${what} '${rel.slice(0, 100)}' escapes the archive`);
  return p;
}

async function readDockerManifestJson(root: string, name: string, ref: DockerReference): Promise<LocalImage> {
  const list = await readJson(join(root, 'manifest.json'));
  if (!Array.isArray(list) || list.length === 0) throw new ManifestError('manifest.json is not a non-empty list');
  const wanted = archiveNames(name, ref);
  const entries = list as { Config?: unknown; RepoTags?: unknown; Layers?: unknown }[];
  const entry =
    entries.find((e) => Array.isArray(e.RepoTags) && e.RepoTags.some((t) => typeof t === 'string' && wanted.includes(t))) ??
    (entries.length === 1 ? entries[0] : undefined);
  if (!entry) throw new ManifestError(`manifest.json lists no image tagged '${ref.repository}:${ref.tag ?? DEFAULT_TAG}'`);
  if (!Array.isArray(entry.Layers)) throw new ManifestError('manifest.json entry has no Layers');
  const configPath = inside(root, entry.Config, 'manifest.json Config');
  const configText = await readFile(configPath, 'utf8');
  const configDigest = (await digestOfFile(configPath)).digest;
  const imageConfig = JSON.parse(configText) as unknown;
  const diffIds = diffIdsOf(imageConfig);
  const layerPaths: unknown[] = entry.Layers;
  const layers = layerPaths.map((l, i) => ({
    file: inside(root, l, `manifest.json Layers[${i}]`),
    // docker save writes layers uncompressed, so each file's digest is the config's diff_id.
    digest: diffIds && diffIds.length === layerPaths.length ? diffIds[i] : undefined,
  }));
  return { id: configDigest, layers, config: runtimeConfigFromImageConfig(imageConfig), source: 'docker-archive' };
}

async function readLegacyRepositories(root: string, ref: DockerReference): Promise<LocalImage> {
  const repos = (await readJson(join(root, 'repositories'))) as Record<string, Record<string, string>>;
  const tag = ref.tag ?? DEFAULT_TAG;
  const repoNoLibrary = ref.repository.startsWith('library/') ? ref.repository.slice('library/'.length) : ref.repository;
  const tags = repos[ref.repository] ?? repos[repoNoLibrary] ?? repos[`${ref.registry}/${ref.repository}`];
  const top = tags?.[tag];
  if (typeof top !== 'string') throw new ManifestError(`the repositories file has no '${ref.repository}:${tag}'`);
  // Walk `parent` links from the top layer down to the base.
  const chain: string[] = [];
  let config: ImageRuntimeConfig | undefined;
  for (let id: string | undefined = top; id; ) {
    if (!/^[a-f0-9]{64}$/.test(id)) throw new ManifestError(`layer id '${id.slice(0, 80)}' is not 64 hex digits`);
    if (chain.includes(id) || chain.length > 500) throw new ManifestError('layer parent chain loops');
    chain.push(id);
    const json = (await readJson(join(root, id, 'json'))) as { parent?: string };
    config ??= runtimeConfigFromImageConfig(json);
    id = json.parent;
  }
  return {
    id: `sha256:${top}`,
    layers: chain.reverse().map((id) => ({ file: join(root, id, 'layer.tar') })),
    config: config ?? {},
    source: 'docker-archive',
  };
}
