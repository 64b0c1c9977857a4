// `agora run` command-line parsing: pure, so every rule is unit-tested.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { MASTER_OPTIONS } from '../options.ts';
import type { RunSpec } from './task-spec.ts';

export type RunArgs = {
  spec: Omit<RunSpec, 'taskId'>;
  master?: string;
  timeout?: string;
  json: boolean;
  /** How long to wait for an offer that fits, in ms. */
  offerTimeoutMs: number;
};

const DEFAULT_OFFER_TIMEOUT_MS = 60_000;
/** Task names become part of task ids and sandbox paths: keep them path-safe. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function parseRunArgs(args: readonly string[]): RunArgs {
  const dashDash = args.indexOf('--');
  const flags = dashDash < 0 ? [...args] : args.slice(0, dashDash);
  const argv = dashDash < 0 ? [] : args.slice(dashDash + 1);
  const { values, positionals } = parseArgs({
    args: flags,
    options: {
      ...MASTER_OPTIONS,
      name: { type: 'string' },
      cpus: { type: 'string' },
      mem: { type: 'string' },
      env: { type: 'string', multiple: true },
      uri: { type: 'string', multiple: true },
      role: { type: 'string' },
      command: { type: 'string' },
      image: { type: 'string' },
      containerizer: { type: 'string' },
      'force-pull': { type: 'boolean' },
      'offer-timeout': { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) {
    throw new UsageError(`unexpected '${positionals[0]}': put the command after '--', e.g. agora run -- echo hello`);
  }
  if (values.command !== undefined && argv.length > 0) throw new UsageError("give either --command STRING or '-- COMMAND...', not both");
  if (values.command === undefined && argv.length === 0 && values.image === undefined) {
    throw new UsageError("nothing to run: add '-- COMMAND...' (or --command 'shell text', or --image IMAGE for its default command)");
  }
  const containerizer = values.containerizer ?? 'mesos';
  if (containerizer !== 'mesos' && containerizer !== 'docker') throw new UsageError(`--containerizer '${containerizer}' is not one of mesos, docker`);
  if (values.containerizer !== undefined && values.image === undefined) throw new UsageError('--containerizer needs --image');
  if (values['force-pull'] === true && values.image === undefined) throw new UsageError('--force-pull needs --image');
  if (values.command !== undefined && values.command.trim() === '') throw new UsageError('--command is empty');
  const name = values.name ?? 'agora-run';
  if (!NAME_RE.test(name)) throw new UsageError(`--name '${name}' may hold letters, digits, '.', '_' and '-' (at most 100, starting with a letter or digit)`);
  const spec: Omit<RunSpec, 'taskId'> = {
    name,
    cpus: positiveNumber('--cpus', values.cpus, 0.1),
    mem: positiveNumber('--mem', values.mem, 32),
    role: values.role ?? '*',
    env: parseEnv(values.env ?? []),
    uris: values.uri ?? [],
  };
  if (values.command !== undefined) spec.shellCommand = values.command;
  else if (argv.length > 0) spec.argv = argv;
  if (values.image !== undefined) {
    if (values.image.trim() === '' || /\s/.test(values.image)) throw new UsageError(`--image '${values.image}' is not an image reference such as busybox:1.36`);
    spec.image = { name: values.image, containerizer, forcePull: values['force-pull'] === true };
  }
  return {
    spec,
    master: values.master,
    timeout: values.timeout,
    json: values.json === true,
    offerTimeoutMs: values['offer-timeout'] === undefined ? DEFAULT_OFFER_TIMEOUT_MS : seconds('--offer-timeout', values['offer-timeout']),
  };
}

function positiveNumber(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} '${text}' is not a positive number`);
  return n;
}

function seconds(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|secs|m|mins)?$/.exec(text);
  if (!m) throw new UsageError(`${flag} '${text}' is not a duration such as 30s, 30secs or 2mins`);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 'm' || unit === 'mins' ? 60_000 : 1000;
  return Number(m[1]) * factor;
}

/** `--env K=V` (repeatable), or a JSON object `{"K": "V"}` as mesos-execute's --env takes. */
export function parseEnv(items: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of items) {
    if (item.trimStart().startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(item);
      } catch {
        throw new UsageError(`--env '${item}' is not valid JSON`);
      }
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new UsageError(`--env JSON value of '${k}' must be a string`);
        env[checkName(k)] = v;
      }
      continue;
    }
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env '${item}' must look like NAME=VALUE`);
    env[checkName(item.slice(0, eq))] = item.slice(eq + 1);
  }
  return env;
}

function checkName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`--env name '${name}' is not a valid environment variable name`);
  return name;
}
