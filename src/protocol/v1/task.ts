// mesos.v1 tasks: TaskInfo (what a framework launches), TaskStatus (what executors, agents and
// the master report), the TaskState machine's states and reasons, and the master's Task view.
//
// Task states (reference §3):
//
//   TASK_STAGING (master only) -> TASK_STARTING -> TASK_RUNNING -> TASK_KILLING -> terminal
//        non-terminal: STAGING STARTING RUNNING KILLING UNREACHABLE UNKNOWN
//        terminal:     FINISHED FAILED KILLED ERROR LOST DROPPED GONE GONE_BY_OPERATOR
//
// TASK_KILLING goes only to frameworks with TASK_KILLING_STATE; DROPPED, UNREACHABLE, GONE,
// GONE_BY_OPERATOR and UNKNOWN only to PARTITION_AWARE frameworks (others get TASK_LOST).
import type { Static } from '@sinclair/typebox';
import {
  bool,
  bytes,
  double,
  enumOf,
  map,
  message,
  optional,
  repeated,
  string,
} from '../schema.ts';
import { CommandInfo } from './command.ts';
import { ContainerInfo, ContainerStatus } from './container.ts';
import { DiscoveryInfo } from './discovery.ts';
import { ExecutorInfo } from './executor.ts';
import { CheckInfo, CheckStatusInfo, HealthCheck, KillPolicy } from './health.ts';
import { Resource } from './resources.ts';
import {
  AgentID,
  DurationInfo,
  ExecutorID,
  FrameworkID,
  Labels,
  Scalar,
  TaskID,
  TimeInfo,
} from './values.ts';

/** Every TaskState, in proto declaration order. */
export const TASK_STATES = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_UNREACHABLE',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const TaskState = enumOf(TASK_STATES);

/**
 * States after which Mesos releases the task's resources. TASK_LOST counts as terminal even
 * though a partitioned task may come back, as in Mesos' `protobuf::isTerminalState`.
 */
export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

export function isTerminalTaskState(state: TaskState): boolean {
  return TERMINAL_TASK_STATES.has(state);
}

export const TASK_STATUS_SOURCES = ['SOURCE_MASTER', 'SOURCE_AGENT', 'SOURCE_EXECUTOR'] as const;
export type TaskStatusSource = (typeof TASK_STATUS_SOURCES)[number];

/** Every TaskStatus.Reason, in proto declaration order (docs/task-state-reasons.md). */
export const TASK_STATUS_REASONS = [
  'REASON_COMMAND_EXECUTOR_FAILED',
  'REASON_CONTAINER_LAUNCH_FAILED',
  'REASON_CONTAINER_LIMITATION',
  'REASON_CONTAINER_LIMITATION_DISK',
  'REASON_CONTAINER_LIMITATION_MEMORY',
  'REASON_CONTAINER_PREEMPTED',
  'REASON_CONTAINER_UPDATE_FAILED',
  'REASON_MAX_COMPLETION_TIME_REACHED',
  'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
  'REASON_EXECUTOR_REREGISTRATION_TIMEOUT',
  'REASON_EXECUTOR_TERMINATED',
  'REASON_EXECUTOR_UNREGISTERED',
  'REASON_FRAMEWORK_REMOVED',
  'REASON_GC_ERROR',
  'REASON_INVALID_FRAMEWORKID',
  'REASON_INVALID_OFFERS',
  'REASON_IO_SWITCHBOARD_EXITED',
  'REASON_MASTER_DISCONNECTED',
  'REASON_RECONCILIATION',
  'REASON_RESOURCES_UNKNOWN',
  'REASON_AGENT_DISCONNECTED',
  'REASON_AGENT_DRAINING',
  'REASON_AGENT_REMOVED',
  'REASON_AGENT_REMOVED_BY_OPERATOR',
  'REASON_AGENT_REREGISTERED',
  'REASON_AGENT_RESTARTED',
  'REASON_AGENT_UNKNOWN',
  'REASON_TASK_KILLED_DURING_LAUNCH',
  'REASON_TASK_CHECK_STATUS_UPDATED',
  'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
  'REASON_TASK_GROUP_INVALID',
  'REASON_TASK_GROUP_UNAUTHORIZED',
  'REASON_TASK_INVALID',
  'REASON_TASK_UNAUTHORIZED',
  'REASON_TASK_UNKNOWN',
] as const;
export type TaskStatusReason = (typeof TASK_STATUS_REASONS)[number];
export const TaskStatusReason = enumOf(TASK_STATUS_REASONS);

/** The resources whose limit a container exceeded (set with a REASON_CONTAINER_LIMITATION*). */
export const TaskResourceLimitation = message('TaskResourceLimitation', {
  resources: repeated(Resource),
});
export type TaskResourceLimitation = Static<typeof TaskResourceLimitation>;

/**
 * A task status update. `uuid` (16 bytes, base64) is set on updates that must be acknowledged
 * (those from executors and agents); updates the master makes up carry none. `timestamp` is in
 * seconds since the epoch.
 */
export const TaskStatus = message('TaskStatus', {
  task_id: TaskID,
  state: TaskState,
  message: optional(string()),
  source: optional(enumOf(TASK_STATUS_SOURCES)),
  reason: optional(TaskStatusReason),
  data: optional(bytes()),
  agent_id: optional(AgentID),
  executor_id: optional(ExecutorID),
  timestamp: optional(double()),
  uuid: optional(bytes()),
  healthy: optional(bool()),
  check_status: optional(CheckStatusInfo),
  labels: optional(Labels),
  container_status: optional(ContainerStatus),
  unreachable_time: optional(TimeInfo),
  limitation: optional(TaskResourceLimitation),
});
export type TaskStatus = Static<typeof TaskStatus>;

/**
 * A task to launch. Exactly one of `executor` or `command` is set (`command` means the built-in
 * command executor). `limits` maps a resource name to its limit, which may be Infinity:
 * `{"cpus":{"value":"Infinity"},"mem":{"value":512}}`.
 */
export const TaskInfo = message('TaskInfo', {
  name: string(),
  task_id: TaskID,
  agent_id: AgentID,
  resources: repeated(Resource),
  executor: optional(ExecutorInfo),
  command: optional(CommandInfo),
  container: optional(ContainerInfo),
  health_check: optional(HealthCheck),
  check: optional(CheckInfo),
  kill_policy: optional(KillPolicy),
  data: optional(bytes()),
  labels: optional(Labels),
  discovery: optional(DiscoveryInfo),
  max_completion_time: optional(DurationInfo),
  limits: map(Scalar),
});
export type TaskInfo = Static<typeof TaskInfo>;

/** Tasks delivered to one (default) executor atomically. */
export const TaskGroupInfo = message('TaskGroupInfo', { tasks: repeated(TaskInfo) });
export type TaskGroupInfo = Static<typeof TaskGroupInfo>;

/**
 * The master's and agent's view of a task (operator API, events). `status_update_state` and
 * `status_update_uuid` describe the latest update forwarded to the framework; both or neither
 * are set.
 */
export const Task = message('Task', {
  name: string(),
  task_id: TaskID,
  framework_id: FrameworkID,
  executor_id: optional(ExecutorID),
  agent_id: AgentID,
  state: TaskState,
  resources: repeated(Resource),
  statuses: repeated(TaskStatus),
  status_update_state: optional(TaskState),
  status_update_uuid: optional(bytes()),
  labels: optional(Labels),
  discovery: optional(DiscoveryInfo),
  container: optional(ContainerInfo),
  health_check: optional(HealthCheck),
  kill_policy: optional(KillPolicy),
  user: optional(string()),
  limits: map(Scalar),
});
export type Task = Static<typeof Task>;
