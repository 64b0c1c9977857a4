// The v1 executor API envelopes (mesos.v1.executor, include/mesos/v1/executor/executor.proto):
// Call (POST /api/v1/executor on the agent) and Event (the SUBSCRIBE RecordIO stream).
import type { Static } from '@sinclair/typebox';
import { bytes, enumOf, message, optional, repeated, string } from '../schema.ts';
import type { Narrowed } from './envelope.ts';
import { ExecutorInfo } from './executor.ts';
import { FrameworkInfo } from './framework.ts';
import { KillPolicy } from './health.ts';
import { AgentInfo } from './master-info.ts';
import { TaskGroupInfo, TaskInfo, TaskStatus } from './task.ts';
import { ContainerID, ExecutorID, FrameworkID, TaskID } from './values.ts';

export const EXECUTOR_CALL_TYPES = ['UNKNOWN', 'SUBSCRIBE', 'UPDATE', 'MESSAGE', 'HEARTBEAT'] as const;
export type ExecutorCallType = (typeof EXECUTOR_CALL_TYPES)[number];

/** Executor call types that carry no sub-message. */
export const EXECUTOR_CALLS_WITHOUT_PAYLOAD = ['UNKNOWN', 'HEARTBEAT'] as const;

/** A status update from the executor (SOURCE_EXECUTOR, with a 16-byte uuid). */
export const ExecutorUpdateCall = message('executor.Call.Update', { status: TaskStatus });
export type ExecutorUpdateCall = Static<typeof ExecutorUpdateCall>;

/**
 * SUBSCRIBE (required even when empty, `{}`): after a reconnect the executor lists the tasks and
 * updates the agent has not seen acknowledged.
 */
export const ExecutorSubscribeCall = message('executor.Call.Subscribe', {
  unacknowledged_tasks: repeated(TaskInfo),
  unacknowledged_updates: repeated(ExecutorUpdateCall),
});
export type ExecutorSubscribeCall = Static<typeof ExecutorSubscribeCall>;

export const ExecutorMessageCall = message('executor.Call.Message', { data: bytes() });
export type ExecutorMessageCall = Static<typeof ExecutorMessageCall>;

/** `mesos.v1.executor.Call`: `executor_id` and `framework_id` name the caller. */
export const ExecutorCall = message('executor.Call', {
  executor_id: ExecutorID,
  framework_id: FrameworkID,
  type: enumOf(EXECUTOR_CALL_TYPES),
  subscribe: optional(ExecutorSubscribeCall),
  update: optional(ExecutorUpdateCall),
  message: optional(ExecutorMessageCall),
});
export type ExecutorCall = Static<typeof ExecutorCall>;

/** An executor call that passed `validateExecutorCall`. */
export type ValidExecutorCall = Narrowed<ExecutorCall>;

export const EXECUTOR_EVENT_TYPES = [
  'UNKNOWN',
  'SUBSCRIBED',
  'LAUNCH',
  'LAUNCH_GROUP',
  'KILL',
  'ACKNOWLEDGED',
  'MESSAGE',
  'ERROR',
  'SHUTDOWN',
  'HEARTBEAT',
] as const;
export type ExecutorEventType = (typeof EXECUTOR_EVENT_TYPES)[number];

/** The first event on an executor stream; `framework_info.id` is set. */
export const ExecutorSubscribedEvent = message('executor.Event.Subscribed', {
  executor_info: ExecutorInfo,
  framework_info: FrameworkInfo,
  agent_info: AgentInfo,
  container_id: optional(ContainerID),
});
export type ExecutorSubscribedEvent = Static<typeof ExecutorSubscribedEvent>;

export const ExecutorLaunchEvent = message('executor.Event.Launch', { task: TaskInfo });
export type ExecutorLaunchEvent = Static<typeof ExecutorLaunchEvent>;

export const ExecutorLaunchGroupEvent = message('executor.Event.LaunchGroup', {
  task_group: TaskGroupInfo,
});
export type ExecutorLaunchGroupEvent = Static<typeof ExecutorLaunchGroupEvent>;

export const ExecutorKillEvent = message('executor.Event.Kill', {
  task_id: TaskID,
  kill_policy: optional(KillPolicy),
});
export type ExecutorKillEvent = Static<typeof ExecutorKillEvent>;

/** The scheduler acknowledged the update with this `uuid` (base64). */
export const ExecutorAcknowledgedEvent = message('executor.Event.Acknowledged', {
  task_id: TaskID,
  uuid: bytes(),
});
export type ExecutorAcknowledgedEvent = Static<typeof ExecutorAcknowledgedEvent>;

export const ExecutorMessageEvent = message('executor.Event.Message', { data: bytes() });
export type ExecutorMessageEvent = Static<typeof ExecutorMessageEvent>;

export const ExecutorErrorEvent = message('executor.Event.Error', { message: string() });
export type ExecutorErrorEvent = Static<typeof ExecutorErrorEvent>;

/** `mesos.v1.executor.Event`. SHUTDOWN and HEARTBEAT carry no payload. */
export const ExecutorEvent = message('executor.Event', {
  type: enumOf(EXECUTOR_EVENT_TYPES),
  subscribed: optional(ExecutorSubscribedEvent),
  acknowledged: optional(ExecutorAcknowledgedEvent),
  launch: optional(ExecutorLaunchEvent),
  launch_group: optional(ExecutorLaunchGroupEvent),
  kill: optional(ExecutorKillEvent),
  message: optional(ExecutorMessageEvent),
  error: optional(ExecutorErrorEvent),
});
export type ExecutorEvent = Static<typeof ExecutorEvent>;

export type ValidExecutorEvent = Narrowed<ExecutorEvent>;
