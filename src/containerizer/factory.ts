// Turning `--containerizers` and `--isolation` into containerizer instances, with the checks
// Mesos applies at start-up (reference containerizers.md §1.1): duplicates are an error, the
// deprecated alias `process` means `posix/cpu,posix/mem`, unknown isolators are refused.
import { InvalidArgumentError } from '../common/errors.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import type { Containerizer } from './containerizer.ts';
import { POSIX_ISOLATORS, PosixContainerizer } from './posix.ts';

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
      if (!(POSIX_ISOLATORS as readonly string[]).includes(isolator)) {
        throw new InvalidArgumentError(
          `--isolation: unknown or unsupported isolator '${isolator}' (supported: ${POSIX_ISOLATORS.join(', ')})`,
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
};

/** The containerizers to try, in order, for each launch (Mesos's composing containerizer). */
export function createContainerizers(options: ContainerizerFactoryOptions): Containerizer[] {
  parseIsolation(options.isolation);
  const names = options.containerizers.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InvalidArgumentError('--containerizers: at least one containerizer is needed');
  const out: Containerizer[] = [];
  for (const name of names) {
    if (out.some((c) => c.name === name)) throw new InvalidArgumentError(`--containerizers: '${name}' is listed twice`);
    if (name === 'mesos') out.push(new PosixContainerizer({ logger: options.logger, clock: options.clock }));
    else throw new InvalidArgumentError(`--containerizers: unknown or unsupported containerizer '${name}' (supported: mesos)`);
  }
  return out;
}
