// mesos.v1 HealthCheck, CheckInfo, CheckStatusInfo and KillPolicy: how executors probe tasks
// and how long they wait between a graceful and a forcible kill.
import type { Static } from '@sinclair/typebox';
import {
  bool,
  double,
  enumOf,
  int32,
  message,
  optional,
  repeated,
  string,
  uint32,
} from '../schema.ts';
import { CommandInfo } from './command.ts';
import { NETWORK_PROTOCOLS } from './network.ts';
import { DurationInfo } from './values.ts';

export const HEALTH_CHECK_TYPES = ['UNKNOWN', 'COMMAND', 'HTTP', 'TCP'] as const;
export type HealthCheckType = (typeof HEALTH_CHECK_TYPES)[number];

/** An HTTP health check: GET `scheme://<task>:port/path`; 200-399 counts as healthy. */
export const HealthCheckHttp = message('HealthCheck.HTTPCheckInfo', {
  protocol: optional(enumOf(NETWORK_PROTOCOLS, { default: 'IPv4' })),
  scheme: optional(string()),
  port: uint32(),
  path: optional(string()),
  statuses: repeated(uint32()),
});
export type HealthCheckHttp = Static<typeof HealthCheckHttp>;

/** A TCP health check: healthy when a connection to `port` succeeds. */
export const HealthCheckTcp = message('HealthCheck.TCPCheckInfo', {
  protocol: optional(enumOf(NETWORK_PROTOCOLS, { default: 'IPv4' })),
  port: uint32(),
});
export type HealthCheckTcp = Static<typeof HealthCheckTcp>;

/**
 * A health check. `type` selects which of `command`, `http` or `tcp` applies. The timing fields
 * have proto defaults (15 s delay, 10 s interval, 20 s timeout, 3 consecutive failures, 10 s
 * grace period) that are always written on output.
 */
export const HealthCheck = message('HealthCheck', {
  delay_seconds: optional(double({ default: 15 })),
  interval_seconds: optional(double({ default: 10 })),
  timeout_seconds: optional(double({ default: 20 })),
  consecutive_failures: optional(uint32({ default: 3 })),
  grace_period_seconds: optional(double({ default: 10 })),
  type: optional(enumOf(HEALTH_CHECK_TYPES)),
  command: optional(CommandInfo),
  http: optional(HealthCheckHttp),
  tcp: optional(HealthCheckTcp),
});
export type HealthCheck = Static<typeof HealthCheck>;

export const CHECK_TYPES = ['UNKNOWN', 'COMMAND', 'HTTP', 'TCP'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];
export const CheckType = enumOf(CHECK_TYPES);

/** A general (non-killing) check; its result is reported in TaskStatus.check_status. */
export const CheckInfo = message('CheckInfo', {
  type: optional(CheckType),
  command: optional(message('CheckInfo.Command', { command: CommandInfo })),
  http: optional(message('CheckInfo.Http', { port: uint32(), path: optional(string()) })),
  tcp: optional(message('CheckInfo.Tcp', { port: uint32() })),
  delay_seconds: optional(double({ default: 15 })),
  interval_seconds: optional(double({ default: 10 })),
  timeout_seconds: optional(double({ default: 20 })),
});
export type CheckInfo = Static<typeof CheckInfo>;

/**
 * The latest result of a check. The sub-message matching `type` is always present; its value
 * field is unset while no result is available (e.g. the check timed out).
 */
export const CheckStatusInfo = message('CheckStatusInfo', {
  type: optional(CheckType),
  command: optional(message('CheckStatusInfo.Command', { exit_code: optional(int32()) })),
  http: optional(message('CheckStatusInfo.Http', { status_code: optional(uint32()) })),
  tcp: optional(message('CheckStatusInfo.Tcp', { succeeded: optional(bool()) })),
});
export type CheckStatusInfo = Static<typeof CheckStatusInfo>;

/** How long to wait between the graceful (SIGTERM) and the forcible (SIGKILL) kill. */
export const KillPolicy = message('KillPolicy', { grace_period: optional(DurationInfo) });
export type KillPolicy = Static<typeof KillPolicy>;
