// Test images built without internet from Debian's busybox-static (/bin/busybox), in every form
// the provisioner reads: layer tarballs + config + manifests (Docker schema 2 and OCI), pushed to
// a registry over the HTTP API v2, written as `docker save` tarballs and as OCI image layouts,
// and AppC ACIs. Builds are deterministic (fixed mtimes, sorted entries, owner root), so the same
// layer built twice has the same digest.
//
//   const img = await buildBusyboxImage(dir);                  // base + whiteout layer
//   await pushImage(registry.url, 'busybox', 'latest', img, { username, password });
//   await writeDockerArchive(img, join(localDir, 'busybox:latest.tar'), ['busybox:latest']);
//   await writeOciLayout(img, join(localDir, 'busybox'), 'latest');
//   const aci = await buildAci(dir, { name: 'example.com/busybox', version: '1.0' });
//
// The busybox base layer has /bin/busybox, applet symlinks in /bin (sh, cat, ls, echo, ...), a
// hardlink /bin/busybox.hardlink, /etc/os-release (ID=agora-busybox), /etc/passwd and /etc/group
// (root, nobody), /tmp (1777), /etc/hidden-by-whiteout and /data/opaque/{lower-a,lower-b}.
// The default upper layer deletes /etc/hidden-by-whiteout (`etc/.wh.hidden-by-whiteout`), makes
// /data/opaque opaque (`data/opaque/.wh..wh..opq`) adding /data/opaque/upper-c, and adds
// /etc/upper.txt. So in a correct rootfs: no /etc/hidden-by-whiteout, /data/opaque holds only
// upper-c, /etc/upper.txt reads "upper\n".
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const BUSYBOX = '/bin/busybox';
export const BUSYBOX_APPLETS = ['sh', 'cat', 'ls', 'echo', 'id', 'env', 'sleep', 'ps', 'true', 'false', 'test', 'grep', 'head', 'wc', 'stat', 'readlink', 'mkdir', 'touch', 'rm', 'pwd', 'dd', 'hostname'];
export const OS_RELEASE = 'NAME="Agora busybox"\nID=agora-busybox\nVERSION_ID=1\n';

/** One layer's content. Paths are relative (no leading `/`). */
export type LayerSpec = {
  /** Regular files: content, or content and mode. */
  files?: Record<string, string | Buffer | { content: string | Buffer; mode: number }>;
  /** Host files copied in (`bin/busybox` → `/bin/busybox`). */
  copies?: Record<string, string>;
  symlinks?: Record<string, string>;
  /** Hardlinks: new path → existing path in the same layer. */
  hardlinks?: Record<string, string>;
  dirs?: Record<string, number>;
  /** Paths whose lower-layer versions this layer deletes (written as `.wh.<name>`). */
  whiteouts?: string[];
  /** Directories this layer makes opaque (`<dir>/.wh..wh..opq`). */
  opaqueDirs?: string[];
};

export type Blob = { path: string; digest: string; size: number };
export type BuiltLayer = {
  /** Uncompressed tar: its digest is the diff_id (and `docker save` stores it as is). */
  tar: Blob;
  /** gzip of the tar, as registries and OCI layouts carry it. */
  gz: Blob;
};
export type RuntimeConfig = { Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string; User?: string };
export type BuiltImage = {
  layers: BuiltLayer[];
  /** Image config JSON blob. */
  config: Blob & { json: Record<string, unknown> };
  /** Docker schema 2 manifest (gzip layers). */
  manifest: { body: Buffer; digest: string; mediaType: string };
  /** OCI image manifest of the same layers. */
  ociManifest: { body: Buffer; digest: string; mediaType: string };
};

const MTIME = new Date('2020-01-01T00:00:00Z');
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function writeBlob(dir: string, name: string, body: Buffer): Blob {
  const path = join(dir, name);
  writeFileSync(path, body);
  return { path, digest: sha256(body), size: body.length };
}

/** Lays out a LayerSpec in `root` (created). */
export function materializeLayer(root: string, spec: LayerSpec): void {
  mkdirSync(root, { recursive: true });
  const parent = (p: string): void => {
    mkdirSync(join(root, p, '..'), { recursive: true });
  };
  for (const [p, mode] of Object.entries(spec.dirs ?? {})) {
    mkdirSync(join(root, p), { recursive: true });
    chmodSync(join(root, p), mode);
  }
  for (const [p, src] of Object.entries(spec.copies ?? {})) {
    parent(p);
    copyFileSync(src, join(root, p));
    chmodSync(join(root, p), 0o755);
  }
  for (const [p, f] of Object.entries(spec.files ?? {})) {
    parent(p);
    const { content, mode } = typeof f === 'string' || Buffer.isBuffer(f) ? { content: f, mode: 0o644 } : f;
    writeFileSync(join(root, p), content);
    chmodSync(join(root, p), mode);
  }
  for (const [p, target] of Object.entries(spec.symlinks ?? {})) {
    parent(p);
    symlinkSync(target, join(root, p));
  }
  for (const [p, existing] of Object.entries(spec.hardlinks ?? {})) {
    parent(p);
    linkSync(join(root, existing), join(root, p));
  }
  for (const p of spec.whiteouts ?? []) {
    const slash = p.lastIndexOf('/');
    const wh = slash >= 0 ? `${p.slice(0, slash)}/.wh.${p.slice(slash + 1)}` : `.wh.${p}`;
    parent(wh);
    writeFileSync(join(root, wh), '');
  }
  for (const d of spec.opaqueDirs ?? []) {
    mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, d, '.wh..wh..opq'), '');
  }
}

/**
 * A deterministic tar of a directory's content: GNU tar with entries sorted, mtime fixed, owner
 * 0:0 and the GNU format (no atime/ctime fields, unlike node-tar, whose `portable` mode would
 * also clear group/other write bits and turn /tmp's 1777 into 1755). Modes and hardlinks kept.
 */
export async function tarDirectory(root: string, file: string): Promise<void> {
  const entries = readdirSync(root).sort();
  await execFileAsync('tar', ['--sort=name', `--mtime=@${MTIME.getTime() / 1000}`, '--owner=0', '--group=0', '--numeric-owner', '--format=gnu', '-C', root, '-cf', file, '--', ...entries]);
}

/** Builds one layer from a spec under `dir/<name>.{tar,tar.gz}`. */
export async function buildLayer(dir: string, name: string, spec: LayerSpec): Promise<BuiltLayer> {
  const root = join(dir, `${name}.root`);
  rmSync(root, { recursive: true, force: true });
  materializeLayer(root, spec);
  const tarPath = join(dir, `${name}.tar`);
  await tarDirectory(root, tarPath);
  rmSync(root, { recursive: true, force: true });
  const tarBody = readFileSync(tarPath);
  return { tar: { path: tarPath, digest: sha256(tarBody), size: tarBody.length }, gz: writeBlob(dir, `${name}.tar.gz`, gzipSync(tarBody)) };
}

/** The busybox base layer (see the file comment). */
export function busyboxBaseSpec(osRelease = OS_RELEASE): LayerSpec {
  return {
    dirs: { tmp: 0o1777, 'data/opaque': 0o755, root: 0o700 },
    copies: { 'bin/busybox': BUSYBOX },
    symlinks: Object.fromEntries(BUSYBOX_APPLETS.map((a) => [`bin/${a}`, 'busybox'])),
    hardlinks: { 'bin/busybox.hardlink': 'bin/busybox' },
    files: {
      'etc/os-release': osRelease,
      'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
      'etc/group': 'root:x:0:\nnogroup:x:65534:\n',
      'etc/hidden-by-whiteout': 'lower\n',
      'data/opaque/lower-a': 'a\n',
      'data/opaque/lower-b': 'b\n',
    },
  };
}

/** The default upper layer: a whiteout, an opaque directory and a new file. */
export function whiteoutLayerSpec(): LayerSpec {
  return {
    whiteouts: ['etc/hidden-by-whiteout'],
    opaqueDirs: ['data/opaque'],
    files: { 'data/opaque/upper-c': 'c\n', 'etc/upper.txt': 'upper\n' },
  };
}

/** An image from layers (specs are built; built layers are reused as they are). */
export async function buildImage(dir: string, layers: (LayerSpec | BuiltLayer)[], runtime: RuntimeConfig = {}): Promise<BuiltImage> {
  mkdirSync(dir, { recursive: true });
  const built: BuiltLayer[] = [];
  for (const [i, l] of layers.entries()) built.push('gz' in l && 'tar' in l ? (l as BuiltLayer) : await buildLayer(dir, `layer${i}-${randomBytes(4).toString('hex')}`, l as LayerSpec));
  const json: Record<string, unknown> = {
    architecture: 'amd64',
    os: 'linux',
    created: MTIME.toISOString(),
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], ...runtime },
    rootfs: { type: 'layers', diff_ids: built.map((l) => l.tar.digest) },
    history: built.map(() => ({ created: MTIME.toISOString(), created_by: 'agora test helper' })),
  };
  const configBody = Buffer.from(JSON.stringify(json));
  const config = { ...writeBlob(dir, `config-${sha256(configBody).slice(7, 19)}.json`, configBody), json };
  const manifestOf = (manifestType: string, configType: string, layerType: string): { body: Buffer; digest: string; mediaType: string } => {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: manifestType,
        config: { mediaType: configType, size: config.size, digest: config.digest },
        layers: built.map((l) => ({ mediaType: layerType, size: l.gz.size, digest: l.gz.digest })),
      }),
    );
    return { body, digest: sha256(body), mediaType: manifestType };
  };
  return {
    layers: built,
    config,
    manifest: manifestOf('application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.container.image.v1+json', 'application/vnd.docker.image.rootfs.diff.tar.gzip'),
    ociManifest: manifestOf('application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.config.v1+json', 'application/vnd.oci.image.layer.v1.tar+gzip'),
  };
}

/**
 * The busybox test image: the base layer, the whiteout layer (unless `whiteoutLayer: false`),
 * then `extraLayers`. `runtime` overrides the config (default `Cmd: ["sh"]` and a PATH).
 */
export async function buildBusyboxImage(
  dir: string,
  opts: { extraLayers?: (LayerSpec | BuiltLayer)[]; whiteoutLayer?: boolean; runtime?: RuntimeConfig; osRelease?: string } = {},
): Promise<BuiltImage> {
  const layers: (LayerSpec | BuiltLayer)[] = [busyboxBaseSpec(opts.osRelease)];
  if (opts.whiteoutLayer !== false) layers.push(whiteoutLayerSpec());
  layers.push(...(opts.extraLayers ?? []));
  return buildImage(dir, layers, opts.runtime);
}

export type Auth = { username: string; password: string };

/** fetch() that answers a registry's 401 once: Basic, or a Bearer token from the challenge's realm. */
export async function registryFetch(url: string, init: RequestInit, auth?: Auth, scope?: string): Promise<Response> {
  const first = await fetch(url, init);
  if (first.status !== 401 || !auth) return first;
  await first.body?.cancel();
  const challenge = first.headers.get('www-authenticate') ?? '';
  const basic = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  let authorization = basic;
  if (/^bearer /i.test(challenge)) {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const tokenUrl = new URL(params.realm!);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    tokenUrl.searchParams.set('scope', scope ?? params.scope ?? '');
    const res = await fetch(tokenUrl, { headers: { Authorization: basic } });
    if (!res.ok) throw new Error(`token request failed: ${res.status}`);
    authorization = `Bearer ${((await res.json()) as { token: string }).token}`;
  }
  return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: authorization } });
}

/**
 * Pushes an image to a registry with the HTTP API v2: each blob by a monolithic upload
 * (POST /blobs/uploads/ then PUT ?digest=), skipped when HEAD says it is there, then the manifest
 * (`format` docker schema 2 or OCI). Returns the manifest digest.
 */
export async function pushImage(registryUrl: string, repo: string, tag: string, image: BuiltImage, auth?: Auth, format: 'docker' | 'oci' = 'docker'): Promise<string> {
  const scope = `repository:${repo}:pull,push`;
  const blobs = [image.config, ...image.layers.map((l) => l.gz)];
  for (const blob of blobs) {
    const head = await registryFetch(`${registryUrl}/v2/${repo}/blobs/${blob.digest}`, { method: 'HEAD' }, auth, scope);
    if (head.ok) continue;
    const start = await registryFetch(`${registryUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST' }, auth, scope);
    if (start.status !== 202) throw new Error(`blob upload start failed: ${start.status} ${await start.text()}`);
    const location = new URL(start.headers.get('location')!, registryUrl);
    location.searchParams.set('digest', blob.digest);
    const put = await registryFetch(
      location.toString(),
      { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: readFileSync(blob.path) },
      auth,
      scope,
    );
    if (put.status !== 201) throw new Error(`blob upload failed: ${put.status} ${await put.text()}`);
  }
  const manifest = format === 'oci' ? image.ociManifest : image.manifest;
  const res = await registryFetch(`${registryUrl}/v2/${repo}/manifests/${tag}`, { method: 'PUT', headers: { 'Content-Type': manifest.mediaType }, body: manifest.body }, auth, scope);
  if (res.status !== 201) throw new Error(`manifest push failed: ${res.status} ${await res.text()}`);
  return manifest.digest;
}

/**
 * Writes `docker save` output for the image: per-layer `<id>/{VERSION,json,layer.tar}` with v1
 * ids chained by `parent`, `<config hex>.json`, `repositories` and (unless `legacyOnly`)
 * `manifest.json` — the layout Docker ≤ 24 writes. `repoTags` like `busybox:latest`.
 */
export async function writeDockerArchive(image: BuiltImage, file: string, repoTags: string[], opts: { legacyOnly?: boolean } = {}): Promise<void> {
  const root = `${file}.d`;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  let parent = '';
  const ids: string[] = [];
  for (const [i, layer] of image.layers.entries()) {
    const id = createHash('sha256').update(`${parent}\n${layer.tar.digest}`).digest('hex');
    mkdirSync(join(root, id));
    writeFileSync(join(root, id, 'VERSION'), '1.0');
    const top = i === image.layers.length - 1;
    const v1: Record<string, unknown> = { id, created: MTIME.toISOString(), ...(parent ? { parent } : {}), ...(top ? { config: image.config.json.config, os: 'linux', architecture: 'amd64' } : { config: {} }) };
    writeFileSync(join(root, id, 'json'), JSON.stringify(v1));
    copyFileSync(layer.tar.path, join(root, id, 'layer.tar'));
    ids.push(id);
    parent = id;
  }
  const configName = `${image.config.digest.slice(7)}.json`;
  copyFileSync(image.config.path, join(root, configName));
  const repositories: Record<string, Record<string, string>> = {};
  for (const rt of repoTags) {
    const colon = rt.lastIndexOf(':');
    (repositories[rt.slice(0, colon)] ??= {})[rt.slice(colon + 1)] = parent;
  }
  writeFileSync(join(root, 'repositories'), JSON.stringify(repositories));
  if (!opts.legacyOnly) writeFileSync(join(root, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: repoTags, Layers: ids.map((id) => `${id}/layer.tar`) }]));
  mkdirSync(join(file, '..'), { recursive: true });
  await tarDirectory(root, file);
  rmSync(root, { recursive: true, force: true });
}

/**
 * Writes an OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/...`) with the
 * OCI manifest, named `refName` by the `org.opencontainers.image.ref.name` annotation. With
 * `tarball`, also packs the layout into that file (what `docker save` of Docker ≥ 25 writes).
 */
export async function writeOciLayout(image: BuiltImage, dir: string, refName = 'latest', opts: { tarball?: string } = {}): Promise<void> {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const put = (digest: string, body: Buffer): void => writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), body);
  put(image.config.digest, readFileSync(image.config.path));
  for (const l of image.layers) put(l.gz.digest, readFileSync(l.gz.path));
  put(image.ociManifest.digest, image.ociManifest.body);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: image.ociManifest.mediaType, digest: image.ociManifest.digest, size: image.ociManifest.body.length, annotations: { 'org.opencontainers.image.ref.name': refName } }],
  };
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
  if (opts.tarball) await tarDirectory(dir, opts.tarball);
}

export type AciOptions = {
  name: string;
  version?: string;
  os?: string;
  arch?: string;
  exec?: string[];
  env?: Record<string, string>;
  workingDirectory?: string;
  /** gzip the ACI (the id is still over the uncompressed tar). Default true. */
  gzip?: boolean;
  osRelease?: string;
};

/**
 * An AppC image named as simple discovery expects (`{name}-{version}-{os}-{arch}.aci` with `/`
 * in the name kept as directories) under `dir`. Returns its path and image id (`sha512-<hex>`
 * of the uncompressed tar).
 */
export async function buildAci(dir: string, opts: AciOptions): Promise<{ path: string; id: string }> {
  const version = opts.version ?? 'latest';
  const os = opts.os ?? 'linux';
  const arch = opts.arch ?? 'amd64';
  const root = join(dir, `aci-${createHash('sha1').update(`${opts.name}:${version}`).digest('hex').slice(0, 8)}.root`);
  rmSync(root, { recursive: true, force: true });
  materializeLayer(join(root, 'rootfs'), busyboxBaseSpec(opts.osRelease));
  const manifest = {
    acKind: 'ImageManifest',
    acVersion: '0.8.11',
    name: opts.name,
    labels: [
      { name: 'version', value: version },
      { name: 'os', value: os },
      { name: 'arch', value: arch },
    ],
    app: {
      exec: opts.exec ?? ['/bin/sh'],
      user: '0',
      group: '0',
      ...(opts.workingDirectory ? { workingDirectory: opts.workingDirectory } : {}),
      environment: Object.entries(opts.env ?? {}).map(([name, value]) => ({ name, value })),
    },
  };
  writeFileSync(join(root, 'manifest'), JSON.stringify(manifest));
  const path = join(dir, `${opts.name}-${version}-${os}-${arch}.aci`);
  mkdirSync(join(path, '..'), { recursive: true });
  const tarPath = `${path}.tar`;
  await tarDirectory(root, tarPath);
  rmSync(root, { recursive: true, force: true });
  const body = readFileSync(tarPath);
  rmSync(tarPath);
  writeFileSync(path, opts.gzip === false ? body : gzipSync(body));
  return { path, id: `sha512-${createHash('sha512').update(body).digest('hex')}` };
}

/**
 * A layer of `bytes` of incompressible, reproducible data (SHA-256 in counter mode over `seed`)
 * at `data/random.bin`: makes an image big enough for pull times to be measurable, with the same
 * digest on every run.
 */
export function randomDataLayerSpec(bytes: number, seed = 'agora-bench'): LayerSpec {
  const out = Buffer.alloc(bytes);
  for (let offset = 0, i = 0; offset < bytes; offset += 32, i++) {
    createHash('sha256').update(`${seed}:${i}`).digest().copy(out, offset);
  }
  return { files: { 'data/random.bin': out } };
}
