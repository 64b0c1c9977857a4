// Options every cluster command shares: where the master is, JSON output, request timeout.
import type { ParseArgsConfig } from 'node:util';
import { DEFAULT_MASTER, MasterClient } from '../client/index.ts';
import { parseDuration } from '../common/units.ts';
import { UsageError } from './errors.ts';

export const MASTER_OPTIONS = {
  master: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const MASTER_OPTIONS_HELP = `  --master HOST:PORT  the master (default $AGORA_MASTER, else ${DEFAULT_MASTER}); a
                      non-leading master redirects to the leader
  --json              print JSON for scripts instead of a table
  --timeout DURATION  per-request timeout (default 10secs), e.g. 30secs, 500ms`;

export type MasterOptionValues = { master?: string; timeout?: string };

/** The master address: --master, then $AGORA_MASTER, then the default. */
export function masterAddress(values: MasterOptionValues, env: NodeJS.ProcessEnv = process.env): string {
  return values.master ?? env.AGORA_MASTER ?? DEFAULT_MASTER;
}

/** Request timeout in ms from --timeout (stout duration such as `10secs`), default 10 s. */
export function requestTimeoutMs(values: MasterOptionValues): number {
  if (values.timeout === undefined) return 10_000;
  try {
    const ms = parseDuration(values.timeout);
    if (ms > 0) return ms;
  } catch {
    // Reported below.
  }
  throw new UsageError(`--timeout '${values.timeout}' is not a positive duration such as 10secs or 500ms`);
}

export function masterClient(values: MasterOptionValues, env: NodeJS.ProcessEnv = process.env): MasterClient {
  return new MasterClient(masterAddress(values, env), { timeoutMs: requestTimeoutMs(values) });
}

/** Writes a value as one JSON document. */
export function writeJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(JSON.stringify(value, null, 2) + '\n');
}
