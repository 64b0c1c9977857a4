// Turning `--containerizers` and `--isolation` into containerizer instances, with the checks
// Mesos applies at start-up (reference containerizers.md §1.1): duplicates are an error, the
// deprecated alias `process` means `posix/cpu,posix/mem`, unknown isolators are refused.
import { InvalidArgumentError } from '../common/errors.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import type { Containerizer } from './containerizer.ts';
import { POSIX_ISOLATORS, PosixContainerizer } from './posix.ts';
import { DockerContainerizer, type DockerContainerizerOptions } from './docker/docker-containerizer.ts';
import { LinuxContainerizer, type LinuxContainerizerOptions } from './linux/linux.ts';
import { LINUX_ISOLATORS, needsLinuxContainerizer } from './linux/isolation.ts';

const ISOLATION_ALIASES: Record<string, readonly string[]> = {
  process: ['posix/cpu', 'posix/mem'],
};

/**
 * Parses `--isolation`: a comma list, aliases expanded, duplicates refused, and every name one
 * this build implements. Returns the isolator names in the given order.
 */
export function parseIsolation(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    for (const isolator of ISOLATION_ALIASES[name] ?? [name]) {
      if (out.includes(isolator)) throw new InvalidArgumentError(`--isolation: isolator '${isolator}' is listed twice`);
      if (!(POSIX_ISOLATORS as readonly string[]).includes(isolator) && !(LINUX_ISOLATORS as readonly string[]).includes(isolator)) {
        throw new InvalidArgumentError(
          `--isolation: unknown or unsupported isolator '${isolator}' (supported: ${[...POSIX_ISOLATORS, ...LINUX_ISOLATORS].join(', ')})`,
        );
      }
      out.push(isolator);
    }
  }
  return out;
}

export type ContainerizerFactoryOptions = {
  /** `--containerizers`, e.g. `mesos`. */
  containerizers: string;
  /** `--isolation`, e.g. `posix/cpu,posix/mem`. */
  isolation: string;
  logger: Logger;
  clock: Clock;
  /** Settings of the `docker` containerizer (needed only when it is listed). */
  docker?: Omit<DockerContainerizerOptions, 'logger' | 'clock'> | undefined;
  /** Settings of the Linux containerizer (`mesos` with cgroups/namespaces/filesystem isolators). */
  linux?: Omit<LinuxContainerizerOptions, 'logger' | 'clock' | 'isolators'> | undefined;
};

/** The containerizers to try, in order, for each launch (Mesos's composing containerizer). */
export function createContainerizers(options: ContainerizerFactoryOptions): Containerizer[] {
  const isolators = parseIsolation(options.isolation);
  const names = options.containerizers.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InvalidArgumentError('--containerizers: at least one containerizer is needed');
  const out: Containerizer[] = [];
  for (const name of names) {
    if (out.some((c) => c.name === name)) throw new InvalidArgumentError(`--containerizers: '${name}' is listed twice`);
    if (name === 'mesos' && needsLinuxContainerizer(isolators)) out.push(linuxContainerizer(options, isolators));
    else if (name === 'mesos') out.push(new PosixContainerizer({ logger: options.logger, clock: options.clock }));
    else if (name === 'docker') {
      if (!options.docker) throw new InvalidArgumentError('--containerizers: docker needs the Docker settings (--docker_socket)');
      // First, whatever its place in the list: each containerizer refuses the others' launches,
      // so the order does not change who runs what, and the agent hands recovery to the first
      // one, which must be the one that can tell Docker executors from plain processes.
      out.unshift(new DockerContainerizer({ ...options.docker, logger: options.logger, clock: options.clock }));
    } else throw new InvalidArgumentError(`--containerizers: unknown or unsupported containerizer '${name}' (supported: mesos, docker)`);
  }
  return out;
}

function linuxContainerizer(options: ContainerizerFactoryOptions, isolators: string[]): LinuxContainerizer {
  if (!options.linux) throw new InvalidArgumentError('--isolation: cgroups/namespaces/filesystem isolators need the Linux containerizer settings (--runtime_dir)');
  if (process.geteuid?.() !== 0) throw new InvalidArgumentError(`--isolation: '${isolators.join(',')}' needs the agent to run as root`);
  try {
    return new LinuxContainerizer({ ...options.linux, isolators, logger: options.logger, clock: options.clock });
  } catch (err) {
    throw new InvalidArgumentError(`--isolation: ${(err as Error).message.replace(/^--isolation: /, '')}`);
  }
}

/**
 * Start-up checks that need I/O: with `docker` listed, the Docker daemon must answer, or the
 * agent refuses to start (throws with a message naming the socket).
 */
export async function checkContainerizers(containerizers: readonly Containerizer[]): Promise<void> {
  for (const containerizer of containerizers) {
    if (containerizer instanceof DockerContainerizer) await containerizer.checkDaemon();
  }
}
