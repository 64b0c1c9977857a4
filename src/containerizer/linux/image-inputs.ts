// What an image launch needs from outside the containerizer's own state: the image's name for
// messages, the OCI runtime's path on the agent's PATH, and registry credentials the task fetched
// into its sandbox (a `config.json`/`.dockercfg` URI), which the image store uses for its pull.
import { accessSync, constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import type { Image } from '../../protocol/index.ts';

/** The image's name for messages: the docker name or the appc name. */
export function imageName(image: Image): string {
  return image.docker?.name ?? image.appc?.name ?? '(unnamed)';
}

/** Where a fetched per-task registry credential may sit in the sandbox (CommandInfo.uris). */
const SANDBOX_DOCKER_CONFIGS = ['config.json', '.docker/config.json', '.dockercfg'];

/**
 * A docker config the task fetched into its sandbox, as registry credentials for its image pull.
 * A `config.json` without an `auths` object is some other configuration of the task and ignored.
 */
export async function sandboxDockerConfig(sandbox: string): Promise<string | undefined> {
  for (const name of SANDBOX_DOCKER_CONFIGS) {
    const text = await readFile(join(sandbox, name), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    if (name === '.dockercfg') return text;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { auths?: unknown }).auths === 'object') return text;
    } catch {
      // Not JSON: not a docker config.
    }
  }
  return undefined;
}

/** `name` resolved like execvp does on `path` (absolute names are checked as they are). */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = name.includes('/') ? [name] : path.split(delimiter).filter((d) => d !== '').map((d) => join(d, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return resolve(candidate);
    } catch {
      // Not here.
    }
  }
  return undefined;
}
