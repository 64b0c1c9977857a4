// The v1 agent operator API (mesos.v1.agent, include/mesos/v1/agent/agent.proto): Call and
// Response (POST /api/v1 on the agent) and ProcessIO, the record type of the streaming container
// calls (LAUNCH_NESTED_CONTAINER_SESSION, ATTACH_CONTAINER_INPUT/OUTPUT). The agent has no
// operator SUBSCRIBE.
import type { Static } from '@sinclair/typebox';
import { bool, bytes, enumOf, int32, map, message, optional, repeated, string } from '../schema.ts';
import { CommandInfo } from './command.ts';
import { ContainerInfo, ContainerStatus, TTYInfo } from './container.ts';
import type { Narrowed } from './envelope.ts';
import { ExecutorInfo } from './executor.ts';
import { FrameworkInfo } from './framework.ts';
import { AgentInfo, DrainConfig } from './master-info.ts';
import { Operation } from './offer.ts';
import {
  GetFlagsResponse,
  GetHealthResponse,
  GetLoggingLevelResponse,
  GetMetricsCall,
  GetMetricsResponse,
  GetVersionResponse,
  ListFilesCall,
  ListFilesResponse,
  ReadFileCall,
  ReadFileResponse,
  SetLoggingLevelCall,
} from './operator-common.ts';
import { ResourceProviderInfo } from './resource-provider.ts';
import { Resource } from './resources.ts';
import { ResourceStatistics } from './statistics.ts';
import { Task, TaskResourceLimitation, TaskState, TaskStatusReason } from './task.ts';
import {
  ContainerID,
  DurationInfo,
  ExecutorID,
  FrameworkID,
  ResourceProviderID,
  Scalar,
  TimeInfo,
} from './values.ts';
import { Image } from './volume.ts';

// ---------------------------------------------------------------------------------------------
// ProcessIO: the records streamed to and from a container's entrypoint.

export const PROCESS_IO_TYPES = ['UNKNOWN', 'DATA', 'CONTROL'] as const;
export type ProcessIOType = (typeof PROCESS_IO_TYPES)[number];

export const PROCESS_IO_DATA_TYPES = ['UNKNOWN', 'STDIN', 'STDOUT', 'STDERR'] as const;
export type ProcessIODataType = (typeof PROCESS_IO_DATA_TYPES)[number];

export const PROCESS_IO_CONTROL_TYPES = ['UNKNOWN', 'TTY_INFO', 'HEARTBEAT'] as const;
export type ProcessIOControlType = (typeof PROCESS_IO_CONTROL_TYPES)[number];

/** Bytes from (STDOUT/STDERR) or to (STDIN) the process, base64. */
export const ProcessIOData = message('agent.ProcessIO.Data', {
  type: optional(enumOf(PROCESS_IO_DATA_TYPES)),
  data: optional(bytes()),
});
export type ProcessIOData = Static<typeof ProcessIOData>;

/** Out-of-band control: a TTY resize, or a heartbeat keeping the connection alive. */
export const ProcessIOControl = message('agent.ProcessIO.Control', {
  type: optional(enumOf(PROCESS_IO_CONTROL_TYPES)),
  tty_info: optional(TTYInfo),
  heartbeat: optional(
    message('agent.ProcessIO.Control.Heartbeat', { interval: optional(DurationInfo) }),
  ),
});
export type ProcessIOControl = Static<typeof ProcessIOControl>;

export const ProcessIO = message('agent.ProcessIO', {
  type: optional(enumOf(PROCESS_IO_TYPES)),
  data: optional(ProcessIOData),
  control: optional(ProcessIOControl),
});
export type ProcessIO = Static<typeof ProcessIO>;

// ---------------------------------------------------------------------------------------------
// Calls.

export const AGENT_CALL_TYPES = [
  'UNKNOWN',
  'GET_HEALTH',
  'GET_FLAGS',
  'GET_VERSION',
  'GET_METRICS',
  'GET_LOGGING_LEVEL',
  'SET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'GET_STATE',
  'GET_CONTAINERS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_OPERATIONS',
  'GET_TASKS',
  'GET_AGENT',
  'GET_RESOURCE_PROVIDERS',
  'LAUNCH_NESTED_CONTAINER',
  'WAIT_NESTED_CONTAINER',
  'KILL_NESTED_CONTAINER',
  'REMOVE_NESTED_CONTAINER',
  'LAUNCH_NESTED_CONTAINER_SESSION',
  'ATTACH_CONTAINER_INPUT',
  'ATTACH_CONTAINER_OUTPUT',
  'LAUNCH_CONTAINER',
  'WAIT_CONTAINER',
  'KILL_CONTAINER',
  'REMOVE_CONTAINER',
  'ADD_RESOURCE_PROVIDER_CONFIG',
  'UPDATE_RESOURCE_PROVIDER_CONFIG',
  'REMOVE_RESOURCE_PROVIDER_CONFIG',
  'MARK_RESOURCE_PROVIDER_GONE',
  'PRUNE_IMAGES',
] as const;
export type AgentCallType = (typeof AGENT_CALL_TYPES)[number];

/** Agent call types that must carry their sub-message. */
export const AGENT_CALLS_WITH_REQUIRED_PAYLOAD = [
  'SET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'LAUNCH_NESTED_CONTAINER',
  'WAIT_NESTED_CONTAINER',
  'KILL_NESTED_CONTAINER',
  'REMOVE_NESTED_CONTAINER',
  'LAUNCH_NESTED_CONTAINER_SESSION',
  'ATTACH_CONTAINER_INPUT',
  'ATTACH_CONTAINER_OUTPUT',
  'LAUNCH_CONTAINER',
  'WAIT_CONTAINER',
  'KILL_CONTAINER',
  'REMOVE_CONTAINER',
  'ADD_RESOURCE_PROVIDER_CONFIG',
  'UPDATE_RESOURCE_PROVIDER_CONFIG',
  'REMOVE_RESOURCE_PROVIDER_CONFIG',
  'MARK_RESOURCE_PROVIDER_GONE',
] as const satisfies readonly AgentCallType[];

/** GET_CONTAINERS: by default only top-level executor containers are listed. */
export const GetContainersCall = message('agent.Call.GetContainers', {
  show_nested: optional(bool()),
  show_standalone: optional(bool()),
});
export type GetContainersCall = Static<typeof GetContainersCall>;

/** Deprecated in favour of LAUNCH_CONTAINER. */
export const LaunchNestedContainerCall = message('agent.Call.LaunchNestedContainer', {
  container_id: ContainerID,
  command: optional(CommandInfo),
  container: optional(ContainerInfo),
});
export type LaunchNestedContainerCall = Static<typeof LaunchNestedContainerCall>;

/** The `{container_id}` body shared by WAIT/REMOVE (nested) container and ATTACH output. */
const containerIdOnly = (name: string) => message(name, { container_id: ContainerID });

export const WaitNestedContainerCall = containerIdOnly('agent.Call.WaitNestedContainer');
export type WaitNestedContainerCall = Static<typeof WaitNestedContainerCall>;

export const KillNestedContainerCall = message('agent.Call.KillNestedContainer', {
  container_id: ContainerID,
  signal: optional(int32()),
});
export type KillNestedContainerCall = Static<typeof KillNestedContainerCall>;

export const RemoveNestedContainerCall = containerIdOnly('agent.Call.RemoveNestedContainer');
export type RemoveNestedContainerCall = Static<typeof RemoveNestedContainerCall>;

/**
 * Launch a nested container tied to this connection (destroyed when it breaks); the reply
 * streams ProcessIO records of its output.
 */
export const LaunchNestedContainerSessionCall = message('agent.Call.LaunchNestedContainerSession', {
  container_id: ContainerID,
  command: optional(CommandInfo),
  container: optional(ContainerInfo),
});
export type LaunchNestedContainerSessionCall = Static<typeof LaunchNestedContainerSessionCall>;

export const ATTACH_CONTAINER_INPUT_TYPES = ['UNKNOWN', 'CONTAINER_ID', 'PROCESS_IO'] as const;
export type AttachContainerInputType = (typeof ATTACH_CONTAINER_INPUT_TYPES)[number];

/**
 * One record of the streamed ATTACH_CONTAINER_INPUT request: first `{type: CONTAINER_ID,
 * container_id}`, then `{type: PROCESS_IO, process_io}` records.
 */
export const AttachContainerInputCall = message('agent.Call.AttachContainerInput', {
  type: optional(enumOf(ATTACH_CONTAINER_INPUT_TYPES)),
  container_id: optional(ContainerID),
  process_io: optional(ProcessIO),
});
export type AttachContainerInputCall = Static<typeof AttachContainerInputCall>;

export const AttachContainerOutputCall = containerIdOnly('agent.Call.AttachContainerOutput');
export type AttachContainerOutputCall = Static<typeof AttachContainerOutputCall>;

/**
 * Launch a standalone container (no parent) or a nested one (with a parent). Nested containers
 * share their parent's resources and must not set `resources`.
 */
export const LaunchContainerCall = message('agent.Call.LaunchContainer', {
  container_id: ContainerID,
  command: optional(CommandInfo),
  resources: repeated(Resource),
  container: optional(ContainerInfo),
  limits: map(Scalar),
});
export type LaunchContainerCall = Static<typeof LaunchContainerCall>;

export const WaitContainerCall = containerIdOnly('agent.Call.WaitContainer');
export type WaitContainerCall = Static<typeof WaitContainerCall>;

/** KILL_CONTAINER: `signal` defaults to SIGKILL when unset. */
export const KillContainerCall = message('agent.Call.KillContainer', {
  container_id: ContainerID,
  signal: optional(int32()),
});
export type KillContainerCall = Static<typeof KillContainerCall>;

export const RemoveContainerCall = containerIdOnly('agent.Call.RemoveContainer');
export type RemoveContainerCall = Static<typeof RemoveContainerCall>;

export const AddResourceProviderConfigCall = message('agent.Call.AddResourceProviderConfig', {
  info: ResourceProviderInfo,
});
export type AddResourceProviderConfigCall = Static<typeof AddResourceProviderConfigCall>;

export const UpdateResourceProviderConfigCall = message('agent.Call.UpdateResourceProviderConfig', {
  info: ResourceProviderInfo,
});
export type UpdateResourceProviderConfigCall = Static<typeof UpdateResourceProviderConfigCall>;

export const RemoveResourceProviderConfigCall = message('agent.Call.RemoveResourceProviderConfig', {
  type: string(),
  name: string(),
});
export type RemoveResourceProviderConfigCall = Static<typeof RemoveResourceProviderConfigCall>;

export const MarkResourceProviderGoneCall = message('agent.Call.MarkResourceProviderGone', {
  resource_provider_id: ResourceProviderID,
});
export type MarkResourceProviderGoneCall = Static<typeof MarkResourceProviderGoneCall>;

/** PRUNE_IMAGES: remove unused images except those listed. */
export const PruneImagesCall = message('agent.Call.PruneImages', { excluded_images: repeated(Image) });
export type PruneImagesCall = Static<typeof PruneImagesCall>;

/** `mesos.v1.agent.Call`; `type` is required here (optional in the proto). */
export const AgentCall = message('agent.Call', {
  type: enumOf(AGENT_CALL_TYPES),
  get_metrics: optional(GetMetricsCall),
  set_logging_level: optional(SetLoggingLevelCall),
  list_files: optional(ListFilesCall),
  read_file: optional(ReadFileCall),
  get_containers: optional(GetContainersCall),
  launch_nested_container: optional(LaunchNestedContainerCall),
  wait_nested_container: optional(WaitNestedContainerCall),
  kill_nested_container: optional(KillNestedContainerCall),
  remove_nested_container: optional(RemoveNestedContainerCall),
  launch_nested_container_session: optional(LaunchNestedContainerSessionCall),
  attach_container_input: optional(AttachContainerInputCall),
  attach_container_output: optional(AttachContainerOutputCall),
  launch_container: optional(LaunchContainerCall),
  wait_container: optional(WaitContainerCall),
  kill_container: optional(KillContainerCall),
  remove_container: optional(RemoveContainerCall),
  add_resource_provider_config: optional(AddResourceProviderConfigCall),
  update_resource_provider_config: optional(UpdateResourceProviderConfigCall),
  remove_resource_provider_config: optional(RemoveResourceProviderConfigCall),
  mark_resource_provider_gone: optional(MarkResourceProviderGoneCall),
  prune_images: optional(PruneImagesCall),
});
export type AgentCall = Static<typeof AgentCall>;

type AgentCallWithOptionalPayload = Exclude<
  AgentCallType,
  (typeof AGENT_CALLS_WITH_REQUIRED_PAYLOAD)[number]
>;

/** An agent call that passed `validateAgentCall`. */
export type ValidAgentCall = Narrowed<AgentCall, AgentCallWithOptionalPayload>;

// ---------------------------------------------------------------------------------------------
// Responses.

export const AGENT_RESPONSE_TYPES = [
  'UNKNOWN',
  'GET_HEALTH',
  'GET_FLAGS',
  'GET_VERSION',
  'GET_METRICS',
  'GET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'GET_STATE',
  'GET_CONTAINERS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_OPERATIONS',
  'GET_TASKS',
  'GET_AGENT',
  'GET_RESOURCE_PROVIDERS',
  'WAIT_NESTED_CONTAINER',
  'WAIT_CONTAINER',
] as const;
export type AgentResponseType = (typeof AGENT_RESPONSE_TYPES)[number];

/** One container on the agent with its status and usage. */
export const AgentContainer = message('agent.Response.GetContainers.Container', {
  framework_id: optional(FrameworkID),
  executor_id: optional(ExecutorID),
  executor_name: optional(string()),
  container_id: ContainerID,
  container_status: optional(ContainerStatus),
  resource_statistics: optional(ResourceStatistics),
});
export type AgentContainer = Static<typeof AgentContainer>;

export const GetContainersResponse = message('agent.Response.GetContainers', {
  containers: repeated(AgentContainer),
});
export type GetContainersResponse = Static<typeof GetContainersResponse>;

export const AgentFramework = message('agent.Response.GetFrameworks.Framework', {
  framework_info: FrameworkInfo,
});
export type AgentFramework = Static<typeof AgentFramework>;

export const AgentGetFrameworksResponse = message('agent.Response.GetFrameworks', {
  frameworks: repeated(AgentFramework),
  completed_frameworks: repeated(AgentFramework),
});
export type AgentGetFrameworksResponse = Static<typeof AgentGetFrameworksResponse>;

export const AgentExecutor = message('agent.Response.GetExecutors.Executor', {
  executor_info: ExecutorInfo,
});
export type AgentExecutor = Static<typeof AgentExecutor>;

export const AgentGetExecutorsResponse = message('agent.Response.GetExecutors', {
  executors: repeated(AgentExecutor),
  completed_executors: repeated(AgentExecutor),
});
export type AgentGetExecutorsResponse = Static<typeof AgentGetExecutorsResponse>;

export const AgentGetOperationsResponse = message('agent.Response.GetOperations', {
  operations: repeated(Operation),
});
export type AgentGetOperationsResponse = Static<typeof AgentGetOperationsResponse>;

/**
 * GET_TASKS on the agent: pending (no executor yet), queued (executor not registered yet),
 * launched, terminated (updates not acknowledged yet) and completed.
 */
export const AgentGetTasksResponse = message('agent.Response.GetTasks', {
  pending_tasks: repeated(Task),
  queued_tasks: repeated(Task),
  launched_tasks: repeated(Task),
  terminated_tasks: repeated(Task),
  completed_tasks: repeated(Task),
});
export type AgentGetTasksResponse = Static<typeof AgentGetTasksResponse>;

export const AgentGetStateResponse = message('agent.Response.GetState', {
  get_tasks: optional(AgentGetTasksResponse),
  get_executors: optional(AgentGetExecutorsResponse),
  get_frameworks: optional(AgentGetFrameworksResponse),
});
export type AgentGetStateResponse = Static<typeof AgentGetStateResponse>;

export const GetAgentResponse = message('agent.Response.GetAgent', {
  agent_info: optional(AgentInfo),
  drain_config: optional(DrainConfig),
  estimated_drain_start_time: optional(TimeInfo),
});
export type GetAgentResponse = Static<typeof GetAgentResponse>;

export const GetResourceProvidersResponse = message('agent.Response.GetResourceProviders', {
  resource_providers: repeated(
    message('agent.Response.GetResourceProviders.ResourceProvider', {
      resource_provider_info: ResourceProviderInfo,
      total_resources: repeated(Resource),
    }),
  ),
});
export type GetResourceProvidersResponse = Static<typeof GetResourceProvidersResponse>;

/**
 * How a container ended. `exit_status` is the raw wait(2) status; `state`, `reason`,
 * `limitation` and `message` are set when the agent itself terminated the container.
 */
export const WaitContainerResponse = message('agent.Response.WaitContainer', {
  exit_status: optional(int32()),
  state: optional(TaskState),
  reason: optional(TaskStatusReason),
  limitation: optional(TaskResourceLimitation),
  message: optional(string()),
});
export type WaitContainerResponse = Static<typeof WaitContainerResponse>;

/** `mesos.v1.agent.Response`. */
export const AgentResponse = message('agent.Response', {
  type: enumOf(AGENT_RESPONSE_TYPES),
  get_health: optional(GetHealthResponse),
  get_flags: optional(GetFlagsResponse),
  get_version: optional(GetVersionResponse),
  get_metrics: optional(GetMetricsResponse),
  get_logging_level: optional(GetLoggingLevelResponse),
  list_files: optional(ListFilesResponse),
  read_file: optional(ReadFileResponse),
  get_state: optional(AgentGetStateResponse),
  get_containers: optional(GetContainersResponse),
  get_frameworks: optional(AgentGetFrameworksResponse),
  get_executors: optional(AgentGetExecutorsResponse),
  get_operations: optional(AgentGetOperationsResponse),
  get_tasks: optional(AgentGetTasksResponse),
  get_agent: optional(GetAgentResponse),
  get_resource_providers: optional(GetResourceProvidersResponse),
  wait_nested_container: optional(WaitContainerResponse),
  wait_container: optional(WaitContainerResponse),
});
export type AgentResponse = Static<typeof AgentResponse>;

export type ValidAgentResponse = Narrowed<AgentResponse>;
