// Docker image references (`[REGISTRY_HOST[:PORT]/]REPOSITORY[:TAG|@DIGEST]`) parsed and normalized
// the way Docker (distribution/reference) and Mesos do it (reference containerizers.md §2.2):
// the first path component is a registry only when it has a `.` or `:` or is `localhost`; a bare
// Docker Hub repository gets `library/`; a missing tag means `latest` when asking the registry.
// Pure: no I/O.
import { InvalidArgumentError } from '../../common/errors.ts';

export type DockerReference = {
  /** `host[:port]`, never a scheme. */
  registry: string;
  /** Path of the repository inside the registry (`library/busybox`, `team/app`). */
  repository: string;
  tag?: string | undefined;
  /** `sha256:<64 hex>`. */
  digest?: string | undefined;
};

/** Docker Hub as Mesos's `--docker_registry` default names it. */
export const DOCKER_HUB_URL = 'https://registry-1.docker.io';
export const DEFAULT_TAG = 'latest';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$/;

function bad(name: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`image.docker.name '${name.slice(0, 200)}' is not a valid docker image reference: ${why}`, {
    field: 'image.docker.name',
  });
}

/** True when `registry` is Docker Hub under any of its names. */
export function isDockerHub(registry: string): boolean {
  return registry.includes('docker.io');
}

/**
 * Parses `name` and fills in the default registry (the host of `defaultRegistryUrl`, Mesos's
 * `--docker_registry`). Throws InvalidArgumentError naming `image.docker.name` on bad input.
 */
export function parseDockerReference(name: string, defaultRegistryUrl: string = DOCKER_HUB_URL): DockerReference {
  if (name.length === 0) throw bad(name, 'empty');
  if (name.length > 1024) throw bad(name, 'longer than 1024 characters');
  let rest = name;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(name, `digest '${digest.slice(0, 80)}' is not 'sha256:' and 64 lowercase hex digits`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0 && !rest.slice(colon + 1).includes('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(name, `tag '${tag.slice(0, 80)}' is invalid`);
  }
  let registry: string;
  let repository: string;
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    repository = rest.slice(slash + 1);
    if (!HOST.test(registry)) throw bad(name, `registry '${registry.slice(0, 80)}' is not a host[:port]`);
  } else {
    registry = registryHostOf(defaultRegistryUrl);
    repository = rest;
  }
  if (repository.length === 0) throw bad(name, 'no repository');
  if (isDockerHub(registry) && !repository.includes('/')) repository = `library/${repository}`;
  for (const component of repository.split('/')) {
    if (!COMPONENT.test(component)) throw bad(name, `repository component '${component.slice(0, 80)}' must be lowercase letters, digits and separators`);
  }
  return { registry, repository, tag, digest };
}

/** `registry/repository:tag` (or `@digest`); with no tag nor digest, `:latest`. The store's index key. */
export function formatReference(ref: DockerReference): string {
  const base = `${ref.registry}/${ref.repository}`;
  if (ref.digest) return ref.tag ? `${base}:${ref.tag}@${ref.digest}` : `${base}@${ref.digest}`;
  return `${base}:${ref.tag ?? DEFAULT_TAG}`;
}

/** What goes after `/manifests/`: the digest when pinned, else the tag (default `latest`). */
export function manifestReference(ref: DockerReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** `host[:port]` of a registry URL (`https://registry-1.docker.io` → `registry-1.docker.io`). */
export function registryHostOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(`docker registry '${url.slice(0, 200)}' is not a URL`, { field: 'docker_registry' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidArgumentError(`docker registry '${url.slice(0, 200)}' must be http:// or https://`, { field: 'docker_registry' });
  }
  return parsed.host;
}

/**
 * The base URL (`scheme://host[:port]`) to talk to `registry`. The default registry keeps the
 * scheme of `--docker_registry` (so `http://127.0.0.1:5000` works as an insecure local registry);
 * others follow Mesos: port 443 https, port 80 http, `localhost`/`127.0.0.1`/`[::1]` with a port
 * http, anything else https.
 */
export function registryBaseUrl(registry: string, defaultRegistryUrl: string = DOCKER_HUB_URL): string {
  const def = new URL(defaultRegistryUrl);
  if (def.host === registry) return `${def.protocol}//${def.host}`;
  const m = /^(.*?)(?::([0-9]+))?$/.exec(registry);
  const host = m?.[1] ?? registry;
  const port = m?.[2];
  if (port === '443') return `https://${registry}`;
  if (port === '80') return `http://${registry}`;
  if (port !== undefined && (host === 'localhost' || host === '127.0.0.1' || host === '[::1]')) return `http://${registry}`;
  return `https://${registry}`;
}
