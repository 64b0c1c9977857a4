// From an error to what the operator sees and the exit code scripts see, in one place.
import { AgoraError, InvalidArgumentError } from '../common/errors.ts';
import { ApiError, ProtocolError, UnreachableError } from '../client/index.ts';
import { SchedulerUnavailableError, SchedulerUnreachableError, SubscriptionError } from '../scheduler/index.ts';
import { EXIT, type CommandIO } from './command.ts';

/** Raised by a command for a problem with its arguments; reported with exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The exit code for an error:
 *   69 UNAVAILABLE  the master/agent cannot be reached, or answered 503 (no leader, recovering),
 *                   or a framework's subscription was lost
 *    2 USAGE        bad arguments (UsageError, InvalidArgumentError from parsing an address)
 *    1 FAILURE      anything else the server refused or we could not do
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UnreachableError || err instanceof SchedulerUnavailableError) return EXIT.UNAVAILABLE;
  if (err instanceof ApiError) return err.status === 503 ? EXIT.UNAVAILABLE : EXIT.FAILURE;
  if (err instanceof UsageError || err instanceof InvalidArgumentError) return EXIT.USAGE;
  return EXIT.FAILURE;
}

/** One line (or a few) for the operator: what failed and, where it helps, what to try. */
export function describeError(err: unknown): string {
  if (err instanceof UnreachableError || err instanceof SchedulerUnreachableError) {
    return `${err.message}\nIs it running? Start a local cluster with 'agora dev', or point --master (or AGORA_MASTER) at a running master.`;
  }
  if (err instanceof ApiError) return `${err.url} answered ${err.status}: ${err.message}`;
  if (err instanceof ProtocolError) return `unexpected answer from ${err.url}: ${err.message}`;
  if (err instanceof SubscriptionError) return `the master refused the framework: ${err.message}`;
  // The framework SDK's answers to a call carry the call and the status (errorForResponse).
  if (err instanceof AgoraError && typeof err.details.call === 'string' && typeof err.details.status === 'number') {
    return `the master answered ${err.details.call} with ${err.details.status}: ${err.message}`;
  }
  if (err instanceof AgoraError || err instanceof UsageError) return err.message;
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}

/** Writes `agora <command>: <description>` to stderr and returns the exit code. */
export function reportError(io: CommandIO, command: readonly string[], err: unknown): number {
  io.stderr.write(`agora ${command.join(' ')}: ${describeError(err)}\n`);
  return exitCodeFor(err);
}
