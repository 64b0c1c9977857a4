// The v1 master operator API (mesos.v1.master, include/mesos/v1/master/master.proto):
// Call and Response (POST /api/v1 on the master) and Event (its SUBSCRIBE RecordIO stream).
import type { Static } from '@sinclair/typebox';
import { bool, double, enumOf, message, optional, repeated, string } from '../schema.ts';
import type { Narrowed } from './envelope.ts';
import { ExecutorInfo } from './executor.ts';
import { FrameworkInfo } from './framework.ts';
import { MaintenanceClusterStatus, MaintenanceSchedule } from './maintenance.ts';
import { AgentCapability, AgentInfo, DrainInfo, MasterInfo } from './master-info.ts';
import { InverseOffer, Offer, Operation } from './offer.ts';
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
  Role,
  SetLoggingLevelCall,
  WeightInfo,
} from './operator-common.ts';
import { QuotaConfig, QuotaRequest, QuotaStatus } from './quota.ts';
import { ResourceProviderInfo } from './resource-provider.ts';
import { Resource } from './resources.ts';
import { OfferConstraints } from './scheduler.ts';
import { Task, TaskState, TaskStatus } from './task.ts';
import {
  AgentID,
  FrameworkID,
  MachineID,
  ProtobufDuration,
  Scalar,
  TimeInfo,
} from './values.ts';

// ---------------------------------------------------------------------------------------------
// Calls.

export const MASTER_CALL_TYPES = [
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
  'GET_AGENTS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_OPERATIONS',
  'GET_TASKS',
  'GET_ROLES',
  'GET_WEIGHTS',
  'UPDATE_WEIGHTS',
  'GET_MASTER',
  'SUBSCRIBE',
  'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES',
  'CREATE_VOLUMES',
  'DESTROY_VOLUMES',
  'GROW_VOLUME',
  'SHRINK_VOLUME',
  'GET_MAINTENANCE_STATUS',
  'GET_MAINTENANCE_SCHEDULE',
  'UPDATE_MAINTENANCE_SCHEDULE',
  'START_MAINTENANCE',
  'STOP_MAINTENANCE',
  'DRAIN_AGENT',
  'DEACTIVATE_AGENT',
  'REACTIVATE_AGENT',
  'GET_QUOTA',
  'UPDATE_QUOTA',
  'SET_QUOTA',
  'REMOVE_QUOTA',
  'TEARDOWN',
  'MARK_AGENT_GONE',
] as const;
export type MasterCallType = (typeof MASTER_CALL_TYPES)[number];

/** Master call types that take a sub-message (the rest carry only `type`). */
export const MASTER_CALLS_WITH_PAYLOAD = [
  'GET_METRICS',
  'SET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'UPDATE_WEIGHTS',
  'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES',
  'CREATE_VOLUMES',
  'DESTROY_VOLUMES',
  'GROW_VOLUME',
  'SHRINK_VOLUME',
  'UPDATE_MAINTENANCE_SCHEDULE',
  'START_MAINTENANCE',
  'STOP_MAINTENANCE',
  'DRAIN_AGENT',
  'DEACTIVATE_AGENT',
  'REACTIVATE_AGENT',
  'UPDATE_QUOTA',
  'SET_QUOTA',
  'REMOVE_QUOTA',
  'TEARDOWN',
  'MARK_AGENT_GONE',
] as const satisfies readonly MasterCallType[];

/**
 * Master calls whose sub-message Mesos does not insist on: GET_METRICS' timeout is optional
 * (`{"type":"GET_METRICS"}` is the common form).
 */
export const MASTER_CALLS_WITH_OPTIONAL_PAYLOAD = ['GET_METRICS'] as const;

export const UpdateWeightsCall = message('master.Call.UpdateWeights', {
  weight_infos: repeated(WeightInfo),
});
export type UpdateWeightsCall = Static<typeof UpdateWeightsCall>;

/** Reserve resources on an agent; `source` optionally names the resources before. */
export const ReserveResourcesCall = message('master.Call.ReserveResources', {
  agent_id: AgentID,
  source: repeated(Resource),
  resources: repeated(Resource),
});
export type ReserveResourcesCall = Static<typeof ReserveResourcesCall>;

export const UnreserveResourcesCall = message('master.Call.UnreserveResources', {
  agent_id: AgentID,
  resources: repeated(Resource),
});
export type UnreserveResourcesCall = Static<typeof UnreserveResourcesCall>;

export const CreateVolumesCall = message('master.Call.CreateVolumes', {
  agent_id: AgentID,
  volumes: repeated(Resource),
});
export type CreateVolumesCall = Static<typeof CreateVolumesCall>;

export const DestroyVolumesCall = message('master.Call.DestroyVolumes', {
  agent_id: AgentID,
  volumes: repeated(Resource),
});
export type DestroyVolumesCall = Static<typeof DestroyVolumesCall>;

/** `agent_id` is set for agent-local volumes and unset for external ones. */
export const MasterGrowVolumeCall = message('master.Call.GrowVolume', {
  agent_id: optional(AgentID),
  volume: Resource,
  addition: Resource,
});
export type MasterGrowVolumeCall = Static<typeof MasterGrowVolumeCall>;

export const MasterShrinkVolumeCall = message('master.Call.ShrinkVolume', {
  agent_id: optional(AgentID),
  volume: Resource,
  subtract: Scalar,
});
export type MasterShrinkVolumeCall = Static<typeof MasterShrinkVolumeCall>;

export const UpdateMaintenanceScheduleCall = message('master.Call.UpdateMaintenanceSchedule', {
  schedule: MaintenanceSchedule,
});
export type UpdateMaintenanceScheduleCall = Static<typeof UpdateMaintenanceScheduleCall>;

export const StartMaintenanceCall = message('master.Call.StartMaintenance', {
  machines: repeated(MachineID),
});
export type StartMaintenanceCall = Static<typeof StartMaintenanceCall>;

export const StopMaintenanceCall = message('master.Call.StopMaintenance', {
  machines: repeated(MachineID),
});
export type StopMaintenanceCall = Static<typeof StopMaintenanceCall>;

/**
 * Drain an agent: stop offering it and kill its tasks, with kill grace periods capped at
 * `max_grace_period` (a google.protobuf.Duration, `{"seconds":600}`); `mark_gone` (default
 * false) removes the agent once drained.
 */
export const DrainAgentCall = message('master.Call.DrainAgent', {
  agent_id: AgentID,
  max_grace_period: optional(ProtobufDuration),
  mark_gone: optional(bool({ default: false })),
});
export type DrainAgentCall = Static<typeof DrainAgentCall>;

export const DeactivateAgentCall = message('master.Call.DeactivateAgent', { agent_id: AgentID });
export type DeactivateAgentCall = Static<typeof DeactivateAgentCall>;

export const ReactivateAgentCall = message('master.Call.ReactivateAgent', { agent_id: AgentID });
export type ReactivateAgentCall = Static<typeof ReactivateAgentCall>;

/** Apply quota configs all-or-nothing; `force` skips the capacity check. */
export const UpdateQuotaCall = message('master.Call.UpdateQuota', {
  force: optional(bool()),
  quota_configs: repeated(QuotaConfig),
});
export type UpdateQuotaCall = Static<typeof UpdateQuotaCall>;

export const SetQuotaCall = message('master.Call.SetQuota', { quota_request: QuotaRequest });
export type SetQuotaCall = Static<typeof SetQuotaCall>;

export const RemoveQuotaCall = message('master.Call.RemoveQuota', { role: string() });
export type RemoveQuotaCall = Static<typeof RemoveQuotaCall>;

export const TeardownCall = message('master.Call.Teardown', { framework_id: FrameworkID });
export type TeardownCall = Static<typeof TeardownCall>;

export const MarkAgentGoneCall = message('master.Call.MarkAgentGone', { agent_id: AgentID });
export type MarkAgentGoneCall = Static<typeof MarkAgentGoneCall>;

/** `mesos.v1.master.Call`; `type` is required here (optional in the proto). */
export const MasterCall = message('master.Call', {
  type: enumOf(MASTER_CALL_TYPES),
  get_metrics: optional(GetMetricsCall),
  set_logging_level: optional(SetLoggingLevelCall),
  list_files: optional(ListFilesCall),
  read_file: optional(ReadFileCall),
  update_weights: optional(UpdateWeightsCall),
  reserve_resources: optional(ReserveResourcesCall),
  unreserve_resources: optional(UnreserveResourcesCall),
  create_volumes: optional(CreateVolumesCall),
  destroy_volumes: optional(DestroyVolumesCall),
  grow_volume: optional(MasterGrowVolumeCall),
  shrink_volume: optional(MasterShrinkVolumeCall),
  update_maintenance_schedule: optional(UpdateMaintenanceScheduleCall),
  start_maintenance: optional(StartMaintenanceCall),
  stop_maintenance: optional(StopMaintenanceCall),
  drain_agent: optional(DrainAgentCall),
  deactivate_agent: optional(DeactivateAgentCall),
  reactivate_agent: optional(ReactivateAgentCall),
  update_quota: optional(UpdateQuotaCall),
  teardown: optional(TeardownCall),
  mark_agent_gone: optional(MarkAgentGoneCall),
  // Deprecated in favour of update_quota, but still served.
  set_quota: optional(SetQuotaCall),
  remove_quota: optional(RemoveQuotaCall),
});
export type MasterCall = Static<typeof MasterCall>;

/** A master call that passed `validateMasterCall`. */
export type ValidMasterCall = Narrowed<MasterCall, (typeof MASTER_CALLS_WITH_OPTIONAL_PAYLOAD)[number]>;

// ---------------------------------------------------------------------------------------------
// Responses.

export const MASTER_RESPONSE_TYPES = [
  'UNKNOWN',
  'GET_HEALTH',
  'GET_FLAGS',
  'GET_VERSION',
  'GET_METRICS',
  'GET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'GET_STATE',
  'GET_AGENTS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_OPERATIONS',
  'GET_TASKS',
  'GET_ROLES',
  'GET_WEIGHTS',
  'GET_MASTER',
  'GET_MAINTENANCE_STATUS',
  'GET_MAINTENANCE_SCHEDULE',
  'GET_QUOTA',
] as const;
export type MasterResponseType = (typeof MASTER_RESPONSE_TYPES)[number];

/** A resource provider on an agent and its total resources. */
export const AgentResourceProvider = message('master.Response.GetAgents.Agent.ResourceProvider', {
  resource_provider_info: ResourceProviderInfo,
  total_resources: repeated(Resource),
});
export type AgentResourceProvider = Static<typeof AgentResourceProvider>;

/** A registered agent as the master sees it. `deactivated` is set while draining/deactivated. */
export const MasterAgent = message('master.Response.GetAgents.Agent', {
  agent_info: AgentInfo,
  active: bool(),
  deactivated: optional(bool()),
  version: string(),
  pid: optional(string()),
  registered_time: optional(TimeInfo),
  reregistered_time: optional(TimeInfo),
  total_resources: repeated(Resource),
  allocated_resources: repeated(Resource),
  offered_resources: repeated(Resource),
  capabilities: repeated(AgentCapability),
  resource_providers: repeated(AgentResourceProvider),
  drain_info: optional(DrainInfo),
  estimated_drain_start_time: optional(TimeInfo),
});
export type MasterAgent = Static<typeof MasterAgent>;

/** GET_AGENTS: registered agents, plus agents recovered from the registry not yet back. */
export const GetAgentsResponse = message('master.Response.GetAgents', {
  agents: repeated(MasterAgent),
  recovered_agents: repeated(AgentInfo),
});
export type GetAgentsResponse = Static<typeof GetAgentsResponse>;

/**
 * A framework as the master sees it. `recovered` marks a framework known from agents after a
 * master failover that has not re-subscribed yet. Offers, allocations and offer constraints are
 * never included in events.
 */
export const MasterFramework = message('master.Response.GetFrameworks.Framework', {
  framework_info: FrameworkInfo,
  active: bool(),
  connected: bool(),
  recovered: bool(),
  registered_time: optional(TimeInfo),
  reregistered_time: optional(TimeInfo),
  unregistered_time: optional(TimeInfo),
  offers: repeated(Offer),
  inverse_offers: repeated(InverseOffer),
  allocated_resources: repeated(Resource),
  offered_resources: repeated(Resource),
  offer_constraints: optional(OfferConstraints),
});
export type MasterFramework = Static<typeof MasterFramework>;

/** GET_FRAMEWORKS. `recovered_frameworks` has been always empty since Mesos 1.2. */
export const GetFrameworksResponse = message('master.Response.GetFrameworks', {
  frameworks: repeated(MasterFramework),
  completed_frameworks: repeated(MasterFramework),
  recovered_frameworks: repeated(FrameworkInfo),
});
export type GetFrameworksResponse = Static<typeof GetFrameworksResponse>;

export const MasterExecutor = message('master.Response.GetExecutors.Executor', {
  executor_info: ExecutorInfo,
  agent_id: AgentID,
});
export type MasterExecutor = Static<typeof MasterExecutor>;

/** GET_EXECUTORS. `orphan_executors` has been always empty since Mesos 1.3. */
export const GetExecutorsResponse = message('master.Response.GetExecutors', {
  executors: repeated(MasterExecutor),
  orphan_executors: repeated(MasterExecutor),
});
export type GetExecutorsResponse = Static<typeof GetExecutorsResponse>;

export const GetOperationsResponse = message('master.Response.GetOperations', {
  operations: repeated(Operation),
});
export type GetOperationsResponse = Static<typeof GetOperationsResponse>;

/**
 * GET_TASKS: `tasks` are launched (including terminal ones whose update is not acknowledged
 * yet), `unreachable_tasks` are on partitioned agents, `completed_tasks` are terminal and
 * acknowledged. `pending_tasks` and `orphan_tasks` are deprecated and always empty.
 */
export const MasterGetTasksResponse = message('master.Response.GetTasks', {
  pending_tasks: repeated(Task),
  tasks: repeated(Task),
  unreachable_tasks: repeated(Task),
  completed_tasks: repeated(Task),
  orphan_tasks: repeated(Task),
});
export type MasterGetTasksResponse = Static<typeof MasterGetTasksResponse>;

/** GET_STATE: the four snapshots above in one response (also the SUBSCRIBED payload). */
export const MasterGetStateResponse = message('master.Response.GetState', {
  get_tasks: optional(MasterGetTasksResponse),
  get_executors: optional(GetExecutorsResponse),
  get_frameworks: optional(GetFrameworksResponse),
  get_agents: optional(GetAgentsResponse),
});
export type MasterGetStateResponse = Static<typeof MasterGetStateResponse>;

export const GetRolesResponse = message('master.Response.GetRoles', { roles: repeated(Role) });
export type GetRolesResponse = Static<typeof GetRolesResponse>;

export const GetWeightsResponse = message('master.Response.GetWeights', {
  weight_infos: repeated(WeightInfo),
});
export type GetWeightsResponse = Static<typeof GetWeightsResponse>;

/** GET_MASTER: `start_time` and `elected_time` are seconds since the epoch. */
export const GetMasterResponse = message('master.Response.GetMaster', {
  master_info: optional(MasterInfo),
  start_time: optional(double()),
  elected_time: optional(double()),
});
export type GetMasterResponse = Static<typeof GetMasterResponse>;

export const GetMaintenanceStatusResponse = message('master.Response.GetMaintenanceStatus', {
  status: MaintenanceClusterStatus,
});
export type GetMaintenanceStatusResponse = Static<typeof GetMaintenanceStatusResponse>;

export const GetMaintenanceScheduleResponse = message('master.Response.GetMaintenanceSchedule', {
  schedule: MaintenanceSchedule,
});
export type GetMaintenanceScheduleResponse = Static<typeof GetMaintenanceScheduleResponse>;

export const GetQuotaResponse = message('master.Response.GetQuota', { status: QuotaStatus });
export type GetQuotaResponse = Static<typeof GetQuotaResponse>;

/** `mesos.v1.master.Response`. */
export const MasterResponse = message('master.Response', {
  type: enumOf(MASTER_RESPONSE_TYPES),
  get_health: optional(GetHealthResponse),
  get_flags: optional(GetFlagsResponse),
  get_version: optional(GetVersionResponse),
  get_metrics: optional(GetMetricsResponse),
  get_logging_level: optional(GetLoggingLevelResponse),
  list_files: optional(ListFilesResponse),
  read_file: optional(ReadFileResponse),
  get_state: optional(MasterGetStateResponse),
  get_agents: optional(GetAgentsResponse),
  get_frameworks: optional(GetFrameworksResponse),
  get_executors: optional(GetExecutorsResponse),
  get_operations: optional(GetOperationsResponse),
  get_tasks: optional(MasterGetTasksResponse),
  get_roles: optional(GetRolesResponse),
  get_weights: optional(GetWeightsResponse),
  get_master: optional(GetMasterResponse),
  get_maintenance_status: optional(GetMaintenanceStatusResponse),
  get_maintenance_schedule: optional(GetMaintenanceScheduleResponse),
  get_quota: optional(GetQuotaResponse),
});
export type MasterResponse = Static<typeof MasterResponse>;

export type ValidMasterResponse = Narrowed<MasterResponse>;

// ---------------------------------------------------------------------------------------------
// Events (the operator SUBSCRIBE stream).

export const MASTER_EVENT_TYPES = [
  'UNKNOWN',
  'SUBSCRIBED',
  'TASK_ADDED',
  'TASK_UPDATED',
  'AGENT_ADDED',
  'AGENT_REMOVED',
  'FRAMEWORK_ADDED',
  'FRAMEWORK_UPDATED',
  'FRAMEWORK_REMOVED',
  'HEARTBEAT',
] as const;
export type MasterEventType = (typeof MASTER_EVENT_TYPES)[number];

/** The first event: a full state snapshot; HEARTBEATs follow every 15 s. */
export const MasterSubscribedEvent = message('master.Event.Subscribed', {
  get_state: optional(MasterGetStateResponse),
  heartbeat_interval_seconds: optional(double()),
});
export type MasterSubscribedEvent = Static<typeof MasterSubscribedEvent>;

export const TaskAddedEvent = message('master.Event.TaskAdded', { task: Task });
export type TaskAddedEvent = Static<typeof TaskAddedEvent>;

/**
 * A task changed state. `status` is the latest status acknowledged by the framework; `state`
 * the latest state known to the agent, which may be newer.
 */
export const TaskUpdatedEvent = message('master.Event.TaskUpdated', {
  framework_id: FrameworkID,
  status: TaskStatus,
  state: TaskState,
});
export type TaskUpdatedEvent = Static<typeof TaskUpdatedEvent>;

export const FrameworkAddedEvent = message('master.Event.FrameworkAdded', {
  framework: MasterFramework,
});
export type FrameworkAddedEvent = Static<typeof FrameworkAddedEvent>;

export const FrameworkUpdatedEvent = message('master.Event.FrameworkUpdated', {
  framework: MasterFramework,
});
export type FrameworkUpdatedEvent = Static<typeof FrameworkUpdatedEvent>;

export const FrameworkRemovedEvent = message('master.Event.FrameworkRemoved', {
  framework_info: FrameworkInfo,
});
export type FrameworkRemovedEvent = Static<typeof FrameworkRemovedEvent>;

export const AgentAddedEvent = message('master.Event.AgentAdded', { agent: MasterAgent });
export type AgentAddedEvent = Static<typeof AgentAddedEvent>;

export const AgentRemovedEvent = message('master.Event.AgentRemoved', { agent_id: AgentID });
export type AgentRemovedEvent = Static<typeof AgentRemovedEvent>;

/** `mesos.v1.master.Event`. */
export const MasterEvent = message('master.Event', {
  type: enumOf(MASTER_EVENT_TYPES),
  subscribed: optional(MasterSubscribedEvent),
  task_added: optional(TaskAddedEvent),
  task_updated: optional(TaskUpdatedEvent),
  agent_added: optional(AgentAddedEvent),
  agent_removed: optional(AgentRemovedEvent),
  framework_added: optional(FrameworkAddedEvent),
  framework_updated: optional(FrameworkUpdatedEvent),
  framework_removed: optional(FrameworkRemovedEvent),
});
export type MasterEvent = Static<typeof MasterEvent>;

export type ValidMasterEvent = Narrowed<MasterEvent>;
