// Command-line flags in the Mesos style, declared once and parsed for every daemon:
// `--name=value` or `--name value`, `--flag`/`--no-flag` for booleans, each flag also readable
// from the environment as `AGORA_<NAME>` (and `MESOS_<NAME>`, so existing deployment scripts
// keep working), and any value `file:///path` replaced by that file's content, as Mesos does.
// Precedence: command line, then AGORA_, then MESOS_, then the default.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from './errors.ts';
import { parseBytes, parseDuration, formatBytes, formatDuration } from './units.ts';

type FlagTypes = {
  string: string;
  int: number;
  number: number;
  bool: boolean;
  /** Milliseconds. */
  duration: number;
  /** Bytes. */
  bytes: number;
  /** Parsed JSON (also accepts a bare absolute path to a JSON file, as Mesos did). */
  json: unknown;
};

export type FlagSpec = {
  type: keyof FlagTypes;
  help: string;
  /** Default value, already in the parsed type (ms for durations, bytes for sizes). */
  default?: unknown;
  required?: boolean;
  /** Allowed values for string flags. */
  choices?: readonly string[];
};

export type FlagSpecs = Record<string, FlagSpec>;

/** The parsed value of each flag: required or defaulted flags are present, others optional. */
export type ParsedFlags<S extends FlagSpecs> = {
  [K in keyof S]: S[K] extends { required: true } | { default: unknown } ? FlagTypes[S[K]['type']] : FlagTypes[S[K]['type']] | undefined;
};

export type ParseOptions = { env?: NodeJS.ProcessEnv; envPrefixes?: readonly string[] };

export function parseFlags<S extends FlagSpecs>(specs: S, argv: readonly string[], options: ParseOptions = {}): ParsedFlags<S> {
  const env = options.env ?? {};
  const prefixes = options.envPrefixes ?? ['AGORA_', 'MESOS_'];
  const raw = new Map<string, string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new InvalidArgumentError(`unexpected argument '${arg}': flags look like --name=value`);
    const eq = arg.indexOf('=');
    let name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined && name.startsWith('no-') && specs[name.slice(3)]?.type === 'bool') {
      name = name.slice(3);
      value = 'false';
    }
    const spec = specs[name];
    if (!spec) throw new InvalidArgumentError(`unknown flag '--${name}'`, { flag: name });
    if (value === undefined) {
      if (spec.type === 'bool') value = 'true';
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i]!;
      else throw new InvalidArgumentError(`flag '--${name}' needs a value`, { flag: name });
    }
    raw.set(name, value);
  }

  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    let text = raw.get(name);
    let source = `--${name}`;
    if (text === undefined) {
      for (const prefix of prefixes) {
        const key = prefix + name.toUpperCase();
        if (env[key] !== undefined) {
          text = env[key];
          source = key;
          break;
        }
      }
    }
    if (text === undefined) {
      if (spec.required) throw new InvalidArgumentError(`missing required flag '--${name}'`, { flag: name });
      if (spec.default !== undefined) out[name] = spec.default;
      continue;
    }
    out[name] = convert(name, spec, resolveFile(text, source), source);
  }
  return out as ParsedFlags<S>;
}

function resolveFile(text: string, source: string): string {
  if (!text.startsWith('file://')) return text;
  const path = text.slice('file://'.length);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new InvalidArgumentError(`${source}: cannot read '${path}': ${(err as Error).message}`);
  }
}

function convert(name: string, spec: FlagSpec, text: string, source: string): unknown {
  const fail = (why: string): never => {
    throw new InvalidArgumentError(`${source}: ${why}`, { flag: name, value: text });
  };
  switch (spec.type) {
    case 'string':
      if (spec.choices && !spec.choices.includes(text)) fail(`'${text}' is not one of ${spec.choices.join(', ')}`);
      return text;
    case 'int': {
      if (!/^-?\d+$/.test(text)) fail(`'${text}' is not an integer`);
      return Number(text);
    }
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) fail(`'${text}' is not a number`);
      return n;
    }
    case 'bool':
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      return fail(`'${text}' is not a boolean (true or false)`);
    case 'duration':
      try {
        return parseDuration(text);
      } catch (err) {
        return fail((err as Error).message);
      }
    case 'bytes':
      try {
        return parseBytes(text);
      } catch (err) {
        return fail((err as Error).message);
      }
    case 'json': {
      let json = text;
      if (text.startsWith('/')) json = resolveFile(`file://${text}`, source);
      try {
        return JSON.parse(json) as unknown;
      } catch (err) {
        return fail(`invalid JSON: ${(err as Error).message}`);
      }
    }
  }
}

/** Flag values as strings, for `/flags` and GET_FLAGS (durations and sizes in stout notation). */
export function formatFlags(specs: FlagSpecs, values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const v = values[name];
    if (v === undefined) continue;
    if (spec.type === 'duration') out[name] = formatDuration(v as number);
    else if (spec.type === 'bytes') out[name] = formatBytes(v as number);
    else if (spec.type === 'json') out[name] = JSON.stringify(v);
    else out[name] = String(v);
  }
  return out;
}

/** Help text listing every flag with its type, default and environment variable. */
export function flagsHelp(specs: FlagSpecs): string {
  const lines: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const def = spec.default === undefined ? '' : ` (default: ${formatFlags({ [name]: spec }, { [name]: spec.default })[name]})`;
    const req = spec.required ? ' (required)' : '';
    lines.push(`  --${name}=${spec.type.toUpperCase()}${req}${def}\n      ${spec.help} [env AGORA_${name.toUpperCase()}]`);
  }
  return lines.join('\n');
}
