// Validation of HealthCheck and CheckInfo with Mesos's rules and messages
// (common/validation.cpp `validateHealthCheck` / `validateCheckInfo`). The master refuses a task
// whose check is invalid with TASK_ERROR "Task uses invalid health check: <message>" (or
// "Task uses invalid check: <message>"); the command executor applies the same rules to what it
// receives, so a task never runs with a check it cannot perform.
//
// NOTE: this file has no run-time imports on purpose. It works on any object shaped like the
// proto (the TypeBox-decoded `HealthCheck`/`CheckInfo` of src/protocol, or the executor's lean
// parse): the master and the command executor share it.

type EnvironmentVariableFields = {
  name?: string;
  type?: string;
  value?: string;
  secret?: { type?: string; value?: unknown; reference?: unknown };
};

type CommandFields = {
  value?: string;
  shell?: boolean;
  environment?: { variables?: readonly (EnvironmentVariableFields | null | undefined)[] };
};

export type HealthCheckFields = {
  type?: string;
  command?: CommandFields;
  http?: { scheme?: string; path?: string };
  tcp?: object;
  delay_seconds?: number;
  interval_seconds?: number;
  timeout_seconds?: number;
  grace_period_seconds?: number;
};

export type CheckInfoFields = {
  type?: string;
  command?: { command?: CommandFields };
  http?: { path?: string };
  tcp?: object;
  delay_seconds?: number;
  interval_seconds?: number;
  timeout_seconds?: number;
};

/** Mesos `validateEnvironment` (all `validateCommandInfo` checks today). */
export function validateCommandEnvironment(command: CommandFields): string | undefined {
  for (const variable of command.environment?.variables ?? []) {
    if (variable === null || variable === undefined) continue;
    const name = variable.name ?? '';
    const type = variable.type ?? 'VALUE';
    if (type === 'SECRET') {
      if (variable.secret === undefined) return `Environment variable '${name}' of type 'SECRET' must have a secret set`;
      if (variable.value !== undefined) return `Environment variable '${name}' of type 'SECRET' must not have a value set`;
    } else if (type === 'VALUE') {
      if (variable.value === undefined) return `Environment variable '${name}' of type 'VALUE' must have a value set`;
      if (variable.secret !== undefined) return `Environment variable '${name}' of type 'VALUE' must not have a secret set`;
    } else {
      return `Environment variable of type '${type}' is not allowed`;
    }
  }
  return undefined;
}

function commandValueError(command: CommandFields, what: string): string | undefined {
  if (command.value !== undefined) return undefined;
  return `${what} must contain ${command.shell === false ? "'executable path'" : "'shell command'"}`;
}

function timingError(fields: Record<string, number | undefined>): string | undefined {
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (!(value >= 0)) return `Expecting '${name}' to be non-negative`;
    // Mesos aborts on an infinite duration (CHECK_SOME); refusing the task is kinder.
    if (!Number.isFinite(value)) return `Expecting '${name}' to be finite`;
  }
  return undefined;
}

/** Returns Mesos's message for the first problem of `hc`, or undefined when it is valid. */
export function validateHealthCheck(hc: HealthCheckFields): string | undefined {
  switch (hc.type) {
    case undefined:
      return "HealthCheck must specify 'type'";
    case 'COMMAND': {
      if (hc.command === undefined) return "Expecting 'command' to be set for COMMAND health check";
      const missing = commandValueError(hc.command, 'Command health check');
      if (missing !== undefined) return missing;
      const env = validateCommandEnvironment(hc.command);
      if (env !== undefined) return `Health check's \`CommandInfo\` is invalid: ${env}`;
      break;
    }
    case 'HTTP': {
      if (hc.http === undefined) return "Expecting 'http' to be set for HTTP health check";
      const { scheme, path } = hc.http;
      if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') return `Unsupported HTTP health check scheme: '${scheme}'`;
      if (path !== undefined && !path.startsWith('/')) return `The path '${path}' of HTTP health check must start with '/'`;
      break;
    }
    case 'TCP':
      if (hc.tcp === undefined) return "Expecting 'tcp' to be set for TCP health check";
      break;
    default:
      return `'${hc.type}' is not a valid health check type`;
  }
  // The order of Mesos's checks: delay, grace period, interval, timeout.
  return timingError({
    delay_seconds: hc.delay_seconds,
    grace_period_seconds: hc.grace_period_seconds,
    interval_seconds: hc.interval_seconds,
    timeout_seconds: hc.timeout_seconds,
  });
}

/** Returns Mesos's message for the first problem of `check`, or undefined when it is valid. */
export function validateCheckInfo(check: CheckInfoFields): string | undefined {
  switch (check.type) {
    case undefined:
      return "CheckInfo must specify 'type'";
    case 'COMMAND': {
      const command = check.command?.command;
      if (check.command === undefined || command === undefined) return "Expecting 'command' to be set for COMMAND check";
      const missing = commandValueError(command, 'Command check');
      if (missing !== undefined) return missing;
      const env = validateCommandEnvironment(command);
      if (env !== undefined) return `Check's \`CommandInfo\` is invalid: ${env}`;
      break;
    }
    case 'HTTP': {
      if (check.http === undefined) return "Expecting 'http' to be set for HTTP check";
      const path = check.http.path;
      if (path !== undefined && !path.startsWith('/')) return `The path '${path}' of HTTP check must start with '/'`;
      break;
    }
    case 'TCP':
      if (check.tcp === undefined) return "Expecting 'tcp' to be set for TCP check";
      break;
    default:
      return `'${check.type}' is not a valid check type`;
  }
  return timingError({ delay_seconds: check.delay_seconds, interval_seconds: check.interval_seconds, timeout_seconds: check.timeout_seconds });
}
