// The shape of a CLI command and the exit codes every command uses.
import type { Writable } from 'node:stream';

/** Exit codes with a meaning scripts can rely on. */
export const EXIT = {
  OK: 0,
  /** The operation was attempted and failed (a 4xx/5xx answer, a task that failed). */
  FAILURE: 1,
  /** Bad flags or arguments; nothing was attempted. */
  USAGE: 2,
  /** The service could not be reached, or the feature is not available in this build. */
  UNAVAILABLE: 69,
} as const;

export type CommandIO = { stdout: Writable; stderr: Writable };

export type Command = {
  /** Words that select the command, e.g. ['version'] or ['task', 'list']. */
  path: readonly string[];
  summary: string;
  /** Full help text shown by `agora <path> --help`. */
  help: string;
  run(args: string[], io: CommandIO): Promise<number> | number;
};
