// AppC images (ACIs): the image manifest, simple discovery's URL template and image ids.
// Pure: no I/O. (App Container spec: an ACI is a tar of `manifest` + `rootfs/`; its image id is
// `sha512-` + the hex SHA-512 of the uncompressed tar.)
import type { ImageRuntimeConfig } from '../types.ts';

export type AciLabels = Record<string, string>;

export type AciManifest = {
  name: string;
  labels: AciLabels;
  config: ImageRuntimeConfig;
  /** Names of the images this one depends on (not supported by the store: an error). */
  dependencies: string[];
};

export class AciError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AciError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses an ACI `manifest` file (`acKind: ImageManifest`). */
export function parseAciManifest(text: string): AciManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AciError('the ACI manifest is not JSON');
  }
  if (!isObject(json)) throw new AciError('the ACI manifest is not a JSON object');
  if (json.acKind !== 'ImageManifest') throw new AciError(`the ACI manifest's acKind is ${JSON.stringify(json.acKind)}, not "ImageManifest"`);
  if (typeof json.name !== 'string' || json.name === '') throw new AciError('the ACI manifest has no name');
  const labels: AciLabels = {};
  if (Array.isArray(json.labels)) {
    for (const l of json.labels) if (isObject(l) && typeof l.name === 'string' && typeof l.value === 'string') labels[l.name] = l.value;
  }
  const config: ImageRuntimeConfig = {};
  if (isObject(json.app)) {
    const app = json.app;
    if (Array.isArray(app.exec) && app.exec.length > 0 && app.exec.every((s) => typeof s === 'string')) {
      // `exec` is the whole command line; task arguments are appended to it (as to an Entrypoint).
      config.entrypoint = app.exec as string[];
    }
    if (Array.isArray(app.environment)) {
      config.env = app.environment
        .filter((e): e is { name: string; value: string } => isObject(e) && typeof e.name === 'string' && typeof e.value === 'string')
        .map((e) => `${e.name}=${e.value}`);
    }
    if (typeof app.workingDirectory === 'string' && app.workingDirectory !== '') config.workingDir = app.workingDirectory;
    const user = typeof app.user === 'string' && app.user !== '' ? app.user : undefined;
    const group = typeof app.group === 'string' && app.group !== '' ? app.group : undefined;
    if (user) config.user = group ? `${user}:${group}` : user;
  }
  const dependencies = Array.isArray(json.dependencies)
    ? json.dependencies.map((d) => (isObject(d) && typeof d.imageName === 'string' ? d.imageName : '?'))
    : [];
  return { name: json.name, labels, config, dependencies };
}

/** The labels simple discovery fills the template with; version latest, os linux, arch amd64 by default. */
export function discoveryLabels(labels: AciLabels, defaults: { os: string; arch: string }): { version: string; os: string; arch: string } {
  return { version: labels.version ?? 'latest', os: labels.os ?? defaults.os, arch: labels.arch ?? defaults.arch };
}

/**
 * Simple discovery: `prefix + "{name}-{version}-{os}-{arch}.{ext}"` (ext `aci`). `prefix` is
 * `--appc_simple_discovery_uri_prefix` (`http://`, `https://host/path/`, `file:///dir/`, `/dir/`).
 */
export function simpleDiscoveryUri(prefix: string, name: string, labels: { version: string; os: string; arch: string }, ext = 'aci'): string {
  return `${prefix}${name}-${labels.version}-${labels.os}-${labels.arch}.${ext}`;
}

const NAME = /^[a-z0-9]+(?:[-./][a-z0-9]+)*$/;

/** AppC names are AC Identifiers: lowercase, digits, `-`, `.`, `/`; no `..`. */
export function validAciName(name: string): boolean {
  return name.length <= 512 && NAME.test(name) && !name.split('/').includes('..');
}

/** `sha512-<128 hex>` from a `sha512:<hex>` digest. */
export function imageIdOf(sha512Digest: string): string {
  return `sha512-${sha512Digest.slice('sha512:'.length)}`;
}

/**
 * Whether the image id a task asked for matches the computed one. A shortened id (as rkt prints
 * them) matches when it has at least 32 hex digits and is a prefix.
 */
export function imageIdMatches(wanted: string, actual: string): boolean {
  if (wanted === actual) return true;
  return /^sha512-[a-f0-9]{32,127}$/.test(wanted) && actual.startsWith(wanted);
}
