// Making a task's image available before its container starts (reference containerizers.md
// §3.1 step 2): inspect it, pull it when missing or when `force_pull_image` asks for it, with
// credentials from, in order, a Docker config fetched into the sandbox (`.docker/config.json`,
// `config.json`, `.dockercfg`) and the agent's `--docker_config` (a file path or inline JSON).
// Mesos does the same by pointing the docker CLI's HOME at the sandbox; we read the files
// ourselves and send `X-Registry-Auth`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DockerEngine } from '../../common/docker/engine-client.ts';
import type { RegistryAuth } from '../../common/docker/engine-types.ts';
import type { Logger } from '../../common/log.ts';
import { credentialsFor } from './credentials.ts';

/** Docker config files a fetched URI may leave in the sandbox, most specific first. */
export const SANDBOX_DOCKER_CONFIGS = ['.docker/config.json', 'config.json', '.dockercfg'];

/** `--docker_config`: inline JSON (starts with `{`) or the path of a config.json/.dockercfg file. */
export function readDockerConfigFlag(value: string | undefined): { text: string; source: string } | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) return { text: trimmed, source: '--docker_config' };
  const path = trimmed.replace(/^file:\/\//, '');
  try {
    return { text: readFileSync(path, 'utf8'), source: `--docker_config file '${path}'` };
  } catch (err) {
    throw new Error(`--docker_config: cannot read '${path}': ${(err as Error).message}`, { cause: err });
  }
}

/** The credentials to pull `image` with: the sandbox's config first, then `--docker_config`. */
export function pullCredentials(image: string, sandbox: string, agentConfig: { text: string; source: string } | undefined): RegistryAuth | undefined {
  for (const name of SANDBOX_DOCKER_CONFIGS) {
    const path = join(sandbox, name);
    if (!existsSync(path)) continue;
    const result = credentialsFor(readFileSync(path, 'utf8'), image, `sandbox file '${name}'`);
    if (!result.ok) throw new Error(result.message);
    if (result.auth) return result.auth;
  }
  if (agentConfig) {
    const result = credentialsFor(agentConfig.text, image, agentConfig.source);
    if (!result.ok) throw new Error(result.message);
    return result.auth;
  }
  return undefined;
}

export type EnsureImageOptions = {
  engine: DockerEngine;
  image: string;
  forcePull: boolean;
  sandbox: string;
  agentConfig: { text: string; source: string } | undefined;
  log: Logger;
  signal?: AbortSignal;
};

/** Pulls the image if needed; rejects with Docker's message when the pull fails. */
export async function ensureImage(o: EnsureImageOptions): Promise<'present' | 'pulled'> {
  if (!o.forcePull && (await o.engine.inspectImage(o.image)) !== undefined) return 'present';
  const auth = pullCredentials(o.image, o.sandbox, o.agentConfig);
  const started = Date.now();
  let lastStatus = '';
  try {
    await o.engine.pullImage(o.image, {
      auth,
      signal: o.signal,
      onProgress: (m) => {
        // One log line per layer state change, not per progress tick.
        const status = `${m.id ?? ''} ${m.status ?? ''}`;
        if (m.progressDetail?.current === undefined && status !== lastStatus) o.log.debug({ image: o.image, layer: m.id, status: m.status }, 'image pull progress');
        lastStatus = status;
      },
    });
  } catch (err) {
    throw new Error(`Failed to pull image '${o.image}'${auth ? '' : ' (no registry credentials found)'}: ${(err as Error).message}`, { cause: err });
  }
  o.log.info({ image: o.image, ms: Date.now() - started, authenticated: auth !== undefined }, 'image pulled');
  return 'pulled';
}
