// The command executor's configuration, read from the environment the agent gives every
// executor (reference §4.4): who we are, where the agent is, the sandbox, and the timings.
import { parseDuration } from '../../common/units.ts';

/** Mesos's --executor_shutdown_grace_period default. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5000;
/** Mesos's --recovery_timeout default: how long a checkpointing executor waits for its agent. */
export const DEFAULT_RECOVERY_TIMEOUT_MS = 15 * 60_000;
/** Mesos's --executor_reregistration_timeout default, the cap of the re-subscribe backoff. */
export const DEFAULT_SUBSCRIPTION_BACKOFF_MAX_MS = 2000;

export type ExecutorConfig = {
  frameworkId: string;
  executorId: string;
  agentId: string | undefined;
  /** `POST` target of every call: `http://<MESOS_AGENT_ENDPOINT>/api/v1/executor`. */
  executorApiUrl: URL;
  /** The task's working directory (MESOS_SANDBOX, else MESOS_DIRECTORY). */
  sandbox: string;
  /** MESOS_CHECKPOINT=1: survive an agent restart by re-subscribing. */
  checkpoint: boolean;
  shutdownGraceMs: number;
  recoveryTimeoutMs: number;
  subscriptionBackoffMaxMs: number;
  /** MESOS_EXECUTOR_AUTHENTICATION_TOKEN, sent as a Bearer token. */
  authToken: string | undefined;
};

export type ConfigResult = { ok: true; config: ExecutorConfig } | { ok: false; error: string };

function duration(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const ms = parseDuration(text);
  if (ms < 0) throw new RangeError(`invalid duration '${text}': must not be negative`);
  return ms;
}

export function readExecutorConfig(env: Readonly<Record<string, string | undefined>>, cwd: string): ConfigResult {
  for (const name of ['MESOS_FRAMEWORK_ID', 'MESOS_EXECUTOR_ID', 'MESOS_AGENT_ENDPOINT']) {
    if (!env[name]) return { ok: false, error: `expecting '${name}' to be set in the environment` };
  }
  const endpoint = env.MESOS_AGENT_ENDPOINT!;
  let executorApiUrl: URL;
  try {
    executorApiUrl = new URL('/api/v1/executor', endpoint.includes('://') ? endpoint : `http://${endpoint}`);
  } catch {
    return { ok: false, error: `invalid 'MESOS_AGENT_ENDPOINT' '${endpoint}': expected host:port` };
  }
  const timings: Partial<ExecutorConfig> = {};
  for (const [key, name, fallback] of [
    ['shutdownGraceMs', 'MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD', DEFAULT_SHUTDOWN_GRACE_MS],
    ['recoveryTimeoutMs', 'MESOS_RECOVERY_TIMEOUT', DEFAULT_RECOVERY_TIMEOUT_MS],
    ['subscriptionBackoffMaxMs', 'MESOS_SUBSCRIPTION_BACKOFF_MAX', DEFAULT_SUBSCRIPTION_BACKOFF_MAX_MS],
  ] as const) {
    try {
      timings[key] = duration(env, name, fallback);
    } catch (err) {
      return { ok: false, error: `failed to parse '${name}': ${(err as Error).message}` };
    }
  }
  return {
    ok: true,
    config: {
      frameworkId: env.MESOS_FRAMEWORK_ID!,
      executorId: env.MESOS_EXECUTOR_ID!,
      agentId: env.MESOS_SLAVE_ID || env.MESOS_AGENT_ID || undefined,
      executorApiUrl,
      sandbox: env.MESOS_SANDBOX || env.MESOS_DIRECTORY || cwd,
      checkpoint: env.MESOS_CHECKPOINT === '1',
      shutdownGraceMs: timings.shutdownGraceMs!,
      recoveryTimeoutMs: timings.recoveryTimeoutMs!,
      subscriptionBackoffMaxMs: timings.subscriptionBackoffMaxMs!,
      authToken: env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN || undefined,
    },
  };
}
