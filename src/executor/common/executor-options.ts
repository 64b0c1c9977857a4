// What every built-in executor is built from (its main.ts passes the real ones, tests fakes), and
// the agent session settings that follow from it.
import type { Clock } from '../../common/clock.ts';
import type { ExecutorConfig } from '../command/config.ts';
import type { ExecutorLog } from '../command/log.ts';
import type { AgentEvent, AgentSessionOptions, AgentTransport } from './agent-session.ts';

export type ExecutorOptions = {
  config: ExecutorConfig;
  transport: AgentTransport;
  clock: Clock;
  log: ExecutorLog;
  /** Fresh status-update uuids (newStatusUuid). */
  newUuid: () => string;
  /** Ends the process; called exactly once. */
  exit: (code: number) => void;
  /** Jitter source for the re-subscribe backoff; Math.random by default. */
  random?: () => number;
  terminalAckTimeoutMs?: number;
  registrationTimeoutMs?: number;
};

/** The session options that come from the executor's environment and options. */
export type SessionSettings = Omit<AgentSessionOptions<AgentEvent>, 'parseEvent' | 'tasks' | 'hooks'>;

export function sessionSettings(o: ExecutorOptions): SessionSettings {
  const { config } = o;
  return {
    id: { frameworkId: config.frameworkId, executorId: config.executorId },
    checkpoint: config.checkpoint,
    recoveryTimeoutMs: config.recoveryTimeoutMs,
    subscriptionBackoffMaxMs: config.subscriptionBackoffMaxMs,
    transport: o.transport,
    clock: o.clock,
    log: o.log,
    newUuid: o.newUuid,
    random: o.random,
    terminalAckTimeoutMs: o.terminalAckTimeoutMs,
    registrationTimeoutMs: o.registrationTimeoutMs,
  };
}
