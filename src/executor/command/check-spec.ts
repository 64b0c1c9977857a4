// A task's HealthCheck and CheckInfo, read from the TaskInfo JSON (Mesos's parsing rules, as
// wire.ts), validated with Mesos's rules (check-validation.ts) and resolved into what the
// checkers run: the probe (a process to spawn, an HTTP GET, a TCP connect) and its timings in
// milliseconds, with the proto defaults filled in.
//
// What each probe targets, as Mesos's built-in executors do: HTTP and TCP go to 127.0.0.1 (::1
// for `protocol: IPv6`), since the command executor shares the task's network namespace; a
// COMMAND runs in the sandbox with the task's environment overlaid with the check command's own
// variables (Mesos gives it the executor's environment; ours is a superset, so a check sees
// what the task sees).
import { validateCheckInfo, validateHealthCheck } from '../../common/check-validation.ts';
import type { CheckInfoFields, HealthCheckFields } from '../../common/check-validation.ts';
import { commandSpec, taskEnvironment } from './launch-spec.ts';
import type { LaunchSpec } from './launch-spec.ts';
import { arr, bool, double, int64, obj, parseCommand, str, WireError } from './wire.ts';
import type { Json, LaunchedTask } from './wire.ts';

export type CheckType = 'COMMAND' | 'HTTP' | 'TCP';

export type ProbeSpec =
  | { type: 'COMMAND'; spawn: LaunchSpec }
  | { type: 'HTTP'; scheme: 'http' | 'https'; host: string; port: number; path: string }
  | { type: 'TCP'; host: string; port: number };

export type ProbeTiming = {
  delayMs: number;
  intervalMs: number;
  /** undefined: no timeout (`timeout_seconds: 0`, as Mesos). */
  timeoutMs: number | undefined;
};

export type HealthCheckSpec = ProbeTiming & {
  probe: ProbeSpec;
  gracePeriodMs: number;
  consecutiveFailures: number;
  /** HTTP statuses that count as healthy; empty means 200-399 (Mesos's rule). */
  statuses: number[];
};

export type CheckSpec = ProbeTiming & { probe: ProbeSpec };

export type TaskChecks = { health?: HealthCheckSpec; check?: CheckSpec };
export type TaskChecksResult = { ok: true; checks: TaskChecks } | { ok: false; message: string };

/** The proto defaults of HealthCheck (mesos.proto). */
export const HEALTH_CHECK_DEFAULTS = { delaySeconds: 15, intervalSeconds: 10, timeoutSeconds: 20, consecutiveFailures: 3, gracePeriodSeconds: 10 } as const;
/** The proto defaults of CheckInfo. */
export const CHECK_DEFAULTS = { delaySeconds: 15, intervalSeconds: 10, timeoutSeconds: 20 } as const;

const TYPES = new Set(['UNKNOWN', 'COMMAND', 'HTTP', 'TCP']);
const IPV4_LOOPBACK = '127.0.0.1';
const IPV6_LOOPBACK = '::1';

/** An optional enum: an unknown name leaves the field unset, as stout's JSON parser does. */
function enumName(v: unknown, path: string): string | undefined {
  const name = str(v, path);
  return name !== undefined && TYPES.has(name) ? name : undefined;
}

function uint32(v: unknown, path: string): number {
  const n = int64(v, path);
  if (n === undefined) throw new WireError(path, 'missing required field');
  if (n < 0 || n > 0xffffffff) throw new WireError(path, `expected uint32, got ${n}`);
  return n;
}

/** The parts of a CommandInfo that validation looks at, with presence kept. */
function commandFields(v: unknown, path: string): HealthCheckFields['command'] {
  const c = obj(v, path);
  if (c === undefined) return undefined;
  const env = obj(c.environment, `${path}.environment`);
  const variables = arr(env?.variables, `${path}.environment.variables`).map((item, i) => {
    const p = `${path}.environment.variables[${i}]`;
    const variable = obj(item, p);
    if (variable === undefined) return undefined;
    return {
      name: str(variable.name, `${p}.name`),
      type: str(variable.type, `${p}.type`),
      value: str(variable.value, `${p}.value`),
      secret: obj(variable.secret, `${p}.secret`),
    };
  });
  return { value: str(c.value, `${path}.value`), shell: bool(c.shell, `${path}.shell`, true), environment: { variables } };
}

function host(protocol: string | undefined): string {
  return protocol === 'IPv6' ? IPV6_LOOPBACK : IPV4_LOOPBACK;
}

function seconds(v: number | undefined, fallback: number): number {
  return (v ?? fallback) * 1000;
}

function commandProbe(raw: Json, path: string, task: LaunchedTask, executorEnv: Readonly<Record<string, string | undefined>>, sandbox: string): ProbeSpec {
  const command = parseCommand(raw, path);
  if (command === undefined || command.value === undefined) throw new WireError(path, 'missing required field');
  const secrets = command.variables.filter((v) => v.type === 'SECRET').map((v) => `'${v.name}'`);
  if (secrets.length > 0) throw new WireError(path, `secret environment variables are not supported by the command executor yet: ${secrets.join(', ')}`);
  const env = taskEnvironment(task, executorEnv, sandbox);
  for (const variable of command.variables) env[variable.name] = variable.value;
  return { type: 'COMMAND', spawn: commandSpec({ ...command, value: command.value }, env, sandbox) };
}

function readHealthCheck(raw: Json, task: LaunchedTask, executorEnv: Readonly<Record<string, string | undefined>>, sandbox: string): HealthCheckSpec | string {
  const p = 'health_check';
  const http = obj(raw.http, `${p}.http`);
  const tcp = obj(raw.tcp, `${p}.tcp`);
  const fields: HealthCheckFields = {
    type: enumName(raw.type, `${p}.type`),
    command: commandFields(raw.command, `${p}.command`),
    http: http && { scheme: str(http.scheme, `${p}.http.scheme`), path: str(http.path, `${p}.http.path`) },
    tcp,
    delay_seconds: double(raw.delay_seconds, `${p}.delay_seconds`),
    interval_seconds: double(raw.interval_seconds, `${p}.interval_seconds`),
    timeout_seconds: double(raw.timeout_seconds, `${p}.timeout_seconds`),
    grace_period_seconds: double(raw.grace_period_seconds, `${p}.grace_period_seconds`),
  };
  const consecutiveFailures = int64(raw.consecutive_failures, `${p}.consecutive_failures`) ?? HEALTH_CHECK_DEFAULTS.consecutiveFailures;
  const invalid = validateHealthCheck(fields) ?? (consecutiveFailures < 0 ? "Expecting 'consecutive_failures' to be non-negative" : undefined);
  if (invalid !== undefined) return invalid;

  let probe: ProbeSpec;
  let statuses: number[] = [];
  if (fields.type === 'COMMAND') {
    probe = commandProbe(raw.command as Json, `${p}.command`, task, executorEnv, sandbox);
  } else if (fields.type === 'HTTP' && http) {
    const scheme = fields.http?.scheme === 'https' ? 'https' : 'http';
    probe = { type: 'HTTP', scheme, host: host(str(http.protocol, `${p}.http.protocol`)), port: uint32(http.port, `${p}.http.port`), path: fields.http?.path ?? '' };
    statuses = arr(http.statuses, `${p}.http.statuses`).map((s, i) => uint32(s, `${p}.http.statuses[${i}]`));
  } else if (tcp) {
    probe = { type: 'TCP', host: host(str(tcp.protocol, `${p}.tcp.protocol`)), port: uint32(tcp.port, `${p}.tcp.port`) };
  } else {
    return `'${fields.type ?? ''}' is not a valid health check type`;
  }
  const timeout = fields.timeout_seconds ?? HEALTH_CHECK_DEFAULTS.timeoutSeconds;
  return {
    probe,
    delayMs: seconds(fields.delay_seconds, HEALTH_CHECK_DEFAULTS.delaySeconds),
    intervalMs: seconds(fields.interval_seconds, HEALTH_CHECK_DEFAULTS.intervalSeconds),
    timeoutMs: timeout > 0 ? timeout * 1000 : undefined,
    gracePeriodMs: seconds(fields.grace_period_seconds, HEALTH_CHECK_DEFAULTS.gracePeriodSeconds),
    consecutiveFailures,
    statuses,
  };
}

function readCheck(raw: Json, task: LaunchedTask, executorEnv: Readonly<Record<string, string | undefined>>, sandbox: string): CheckSpec | string {
  const p = 'check';
  const command = obj(raw.command, `${p}.command`);
  const http = obj(raw.http, `${p}.http`);
  const tcp = obj(raw.tcp, `${p}.tcp`);
  const fields: CheckInfoFields = {
    type: enumName(raw.type, `${p}.type`),
    command: command && { command: commandFields(command.command, `${p}.command.command`) },
    http: http && { path: str(http.path, `${p}.http.path`) },
    tcp,
    delay_seconds: double(raw.delay_seconds, `${p}.delay_seconds`),
    interval_seconds: double(raw.interval_seconds, `${p}.interval_seconds`),
    timeout_seconds: double(raw.timeout_seconds, `${p}.timeout_seconds`),
  };
  const invalid = validateCheckInfo(fields);
  if (invalid !== undefined) return invalid;

  let probe: ProbeSpec;
  if (fields.type === 'COMMAND' && command) {
    probe = commandProbe(command.command as Json, `${p}.command.command`, task, executorEnv, sandbox);
  } else if (fields.type === 'HTTP' && http) {
    // CheckInfo.Http has no scheme: checks are plain HTTP (Mesos does not support HTTPS checks).
    probe = { type: 'HTTP', scheme: 'http', host: IPV4_LOOPBACK, port: uint32(http.port, `${p}.http.port`), path: fields.http?.path ?? '' };
  } else if (tcp) {
    probe = { type: 'TCP', host: IPV4_LOOPBACK, port: uint32(tcp.port, `${p}.tcp.port`) };
  } else {
    return `'${fields.type ?? ''}' is not a valid check type`;
  }
  const timeout = fields.timeout_seconds ?? CHECK_DEFAULTS.timeoutSeconds;
  return {
    probe,
    delayMs: seconds(fields.delay_seconds, CHECK_DEFAULTS.delaySeconds),
    intervalMs: seconds(fields.interval_seconds, CHECK_DEFAULTS.intervalSeconds),
    timeoutMs: timeout > 0 ? timeout * 1000 : undefined,
  };
}

/**
 * Reads the task's health check and check. A task whose check is invalid is not run: its
 * message is the one the master gives for TASK_ERROR ("Task uses invalid health check: ...").
 */
export function readTaskChecks(task: LaunchedTask, executorEnv: Readonly<Record<string, string | undefined>>, sandbox: string): TaskChecksResult {
  const checks: TaskChecks = {};
  for (const [key, label] of [
    ['check', 'check'],
    ['health', 'health check'],
  ] as const) {
    const raw = key === 'check' ? task.check : task.healthCheck;
    if (raw === undefined) continue;
    try {
      const read = key === 'check' ? readCheck(raw, task, executorEnv, sandbox) : readHealthCheck(raw, task, executorEnv, sandbox);
      if (typeof read === 'string') return { ok: false, message: `Task uses invalid ${label}: ${read}` };
      if (key === 'check') checks.check = read as CheckSpec;
      else checks.health = read as HealthCheckSpec;
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      return { ok: false, message: `Task uses invalid ${label}: ${err.message}` };
    }
  }
  return { ok: true, checks };
}
