// Registry credentials from a docker config: `--docker_config` (a path, `file://` URL or inline
// JSON) and per-pull configs (`Image.Docker.config`, a fetched `config.json`/`.dockercfg`). Both
// the `{"auths": {...}}` form and the old `.dockercfg` form (entries at the top level) are read;
// an entry's `auth` is base64(`user:password`), or `username`+`password` are given. Matching is
// on host[:port] with scheme and path stripped (Docker's ResolveAuthConfig); any Docker Hub key
// matches any Docker Hub registry (reference containerizers.md §2.9).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../../common/errors.ts';
import { isDockerHub } from './reference.ts';

export type RegistryCredential = { username: string; password: string };
/** host[:port] → credential. */
export type DockerCredentials = Map<string, RegistryCredential>;

/** `https://index.docker.io/v1/` → `index.docker.io`; `127.0.0.1:5000` stays. */
export function normalizeRegistryKey(key: string): string {
  let k = key.trim();
  k = k.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  return k.toLowerCase();
}

function decodeAuth(auth: string, key: string, source: string): RegistryCredential {
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) throw new InvalidArgumentError(`${source}: the 'auth' of registry '${key.slice(0, 100)}' is not base64 of 'user:password'`, { field: source });
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * Parses docker config JSON text. `source` names the input in errors (`docker_config`,
 * `image.docker.config`). Entries without usable credentials (credential helpers, identity
 * tokens) are skipped, as Mesos does.
 */
export function parseDockerConfig(text: string, source = 'docker_config'): DockerCredentials {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(`${source} is not valid JSON`, { field: source });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InvalidArgumentError(`${source} is not a JSON object`, { field: source });
  const root = json as Record<string, unknown>;
  const entries = typeof root.auths === 'object' && root.auths !== null && !Array.isArray(root.auths) ? (root.auths as Record<string, unknown>) : root;
  const out: DockerCredentials = new Map();
  for (const [key, value] of Object.entries(entries)) {
    if (typeof value !== 'object' || value === null) continue;
    const entry = value as Record<string, unknown>;
    if (typeof entry.auth === 'string' && entry.auth !== '') out.set(normalizeRegistryKey(key), decodeAuth(entry.auth, key, source));
    else if (typeof entry.username === 'string' && typeof entry.password === 'string') {
      out.set(normalizeRegistryKey(key), { username: entry.username, password: entry.password });
    }
  }
  return out;
}

/** The credential for `registry` (host[:port]), or undefined. */
export function credentialFor(credentials: DockerCredentials | undefined, registry: string): RegistryCredential | undefined {
  if (!credentials) return undefined;
  const host = registry.toLowerCase();
  const exact = credentials.get(host);
  if (exact) return exact;
  if (isDockerHub(host)) {
    for (const [key, cred] of credentials) if (isDockerHub(key)) return cred;
  }
  return undefined;
}

/** Later sources win per registry (a per-image config overrides the agent's `--docker_config`). */
export function mergeCredentials(...sources: (DockerCredentials | undefined)[]): DockerCredentials {
  const out: DockerCredentials = new Map();
  for (const s of sources) if (s) for (const [k, v] of s) out.set(k, v);
  return out;
}

/**
 * Reads `--docker_config`: inline JSON (starts with `{`), an absolute path or a `file://` URL.
 */
export async function loadDockerConfig(value: string): Promise<DockerCredentials> {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) return parseDockerConfig(trimmed);
  let path = trimmed;
  if (trimmed.startsWith('file://')) path = fileURLToPath(trimmed);
  if (!path.startsWith('/')) throw new InvalidArgumentError(`docker_config '${trimmed.slice(0, 200)}' is neither JSON nor an absolute path`, { field: 'docker_config' });
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`docker_config file '${path}' cannot be read: ${(err as Error).message}`, { field: 'docker_config' });
  }
  return parseDockerConfig(text);
}
