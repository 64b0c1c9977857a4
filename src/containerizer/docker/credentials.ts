// Pure: registry credentials for an image pull from Docker client configuration files, as the
// docker CLI would find them (reference containerizers.md §3.1 step 2):
//
//   ~/.docker/config.json   {"auths": {"<registry>": {"auth": base64("user:password"), ...}}}
//   ~/.dockercfg (legacy)   {"<registry>": {"auth": ..., "email": ...}}
//
// Registry keys may be bare hosts (`registry.example.com:5000`) or URLs
// (`https://index.docker.io/v1/`); both are matched against the image's registry host. An image
// without a registry component (`busybox`, `library/busybox`) comes from Docker Hub.
import type { RegistryAuth } from '../../common/docker/engine-types.ts';

export const DOCKER_HUB = 'docker.io';
const HUB_ALIASES = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

/** The registry host of an image reference (`host[:port]/repo:tag` → `host[:port]`). */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return DOCKER_HUB;
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : DOCKER_HUB;
}

function normalizeRegistryKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return HUB_ALIASES.includes(host) ? DOCKER_HUB : host;
}

export type CredentialsResult = { ok: true; auth: RegistryAuth | undefined } | { ok: false; message: string };

/**
 * Credentials for `image` in a config file's text (config.json or .dockercfg format); `auth`
 * undefined when the file has none for that registry. `source` names the file in messages.
 */
export function credentialsFor(configText: string, image: string, source: string): CredentialsResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(configText);
  } catch (err) {
    return { ok: false, message: `${source} is not valid JSON: ${(err as Error).message}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, message: `${source} is not a JSON object` };
  const root = parsed as Record<string, unknown>;
  const auths = (root.auths !== undefined ? root.auths : root) as Record<string, unknown>;
  if (auths === null || typeof auths !== 'object') return { ok: false, message: `${source}: 'auths' is not an object` };
  const registry = registryOf(image);
  for (const [key, entry] of Object.entries(auths)) {
    if (normalizeRegistryKey(key) !== registry || entry === null || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    const auth: RegistryAuth = { serveraddress: registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry };
    if (typeof e.auth === 'string' && e.auth !== '') {
      const decoded = Buffer.from(e.auth, 'base64').toString();
      const colon = decoded.indexOf(':');
      if (colon < 0) return { ok: false, message: `${source}: the 'auth' of '${key}' is not base64("user:password")` };
      auth.username = decoded.slice(0, colon);
      auth.password = decoded.slice(colon + 1);
    } else {
      if (typeof e.username === 'string') auth.username = e.username;
      if (typeof e.password === 'string') auth.password = e.password;
    }
    if (typeof e.identitytoken === 'string') auth.identitytoken = e.identitytoken;
    if (typeof e.email === 'string') auth.email = e.email;
    return { ok: true, auth };
  }
  return { ok: true, auth: undefined };
}
