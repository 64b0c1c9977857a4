// Agora's agent <-> master protocol, version 1 (docs/protocol/agent-master.md).
//
// Mesos used internal libprocess messages between agent and master; Agora uses a small HTTP
// protocol in the style of the v1 APIs, keeping Mesos's information model (agent info, total and
// checkpointed resources, a full task/executor report on re-registration, ping/pong liveness,
// reliable status updates acknowledged by uuid):
//
//   agent                                              master
//     | POST /agora/v1/agent  {type: SUBSCRIBE}          |   register or re-register
//     | <-------- 200, RecordIO stream of AgentEvent ----|   SUBSCRIBED first, then commands
//     | POST /agora/v1/agent  {type: STATUS_UPDATE, ...} |   other calls: own connection,
//     |   header Agora-Agent-Stream-Id                   |   202 Accepted, empty body
//
// The messages reuse the Mesos v1 wire types and the same JSON rules, so one codec serves all.
import type { Static } from '@sinclair/typebox';
import { decode, decodeParsed, encode, type DecodeError, type JsonObject } from '../codec.ts';
import { bytes, double, enumOf, int32, message, optional, repeated, string } from '../schema.ts';
import { checkUuidBytes, validateEnvelopePayload } from '../validate-calls.ts';
import type { Narrowed } from '../v1/envelope.ts';
import { ExecutorInfo } from '../v1/executor.ts';
import { FrameworkInfo } from '../v1/framework.ts';
import { KillPolicy } from '../v1/health.ts';
import { AgentCapability, AgentInfo, MasterInfo } from '../v1/master-info.ts';
import { OfferOperation } from '../v1/offer.ts';
import { Resource } from '../v1/resources.ts';
import { Task, TaskGroupInfo, TaskInfo, TaskStatus, TASK_STATES } from '../v1/task.ts';
import { AgentID, ExecutorID, FrameworkID, OperationID, TaskID } from '../v1/values.ts';

/** Version of this protocol; sent by the agent in SUBSCRIBE and checked by the master. */
export const AGENT_PROTOCOL_VERSION = 1;
/** Path of the endpoint on the master. */
export const AGENT_PROTOCOL_PATH = '/agora/v1/agent';
/** Header carrying the stream id on every call after SUBSCRIBE. */
export const AGENT_STREAM_ID_HEADER = 'Agora-Agent-Stream-Id';

// ---------------------------------------------------------------------------------------------
// Agent -> master calls.

export const AGENT_TO_MASTER_CALLS = [
  'UNKNOWN',
  'SUBSCRIBE',
  'STATUS_UPDATE',
  'EXITED_EXECUTOR',
  'EXECUTOR_MESSAGE',
  'UPDATE_AGENT',
  'UPDATE_OPERATION_STATUS',
  'PONG',
  'UNREGISTER',
] as const;
export type AgentToMasterCallType = (typeof AGENT_TO_MASTER_CALLS)[number];

/** A framework the agent knows about, with the executors and tasks it runs for it. */
export const AgentFrameworkReport = message('agora.AgentFrameworkReport', {
  framework_info: FrameworkInfo,
});
export type AgentFrameworkReport = Static<typeof AgentFrameworkReport>;

/**
 * Register (no `agent_info.id`) or re-register (with the id the master gave before, after an
 * agent restart or a master failover). A re-registering agent reports everything it runs.
 */
export const AgentSubscribe = message('agora.Call.Subscribe', {
  protocol_version: int32(),
  /** Agora version of the agent, e.g. `0.1.0`. */
  version: string(),
  /** hostname, port, resources (the total), attributes, domain; `id` when re-registering. */
  agent_info: AgentInfo,
  /** The agent's own address, from which the master builds `slave(1)@ip:port` and offer urls. */
  ip: string(),
  capabilities: repeated(AgentCapability),
  /** Reservations and persistent volumes the agent has checkpointed. */
  checkpointed_resources: repeated(Resource),
  /** Kernel boot id: a changed boot id tells the master the agent machine rebooted. */
  boot_id: optional(string()),
  /**
   * The agent's `--work_dir` as an absolute path (added within version 1; optional). Sandboxes
   * live under `<work_dir>/slaves/<agent_id>/...`, so the master can route a `/files` request for
   * a real sandbox path to the agent that holds it.
   */
  work_dir: optional(string()),
  frameworks: repeated(AgentFrameworkReport),
  executors: repeated(ExecutorInfo),
  /** Every task the agent knows, non-terminal and terminal-but-unacknowledged, latest state. */
  tasks: repeated(Task),
});
export type AgentSubscribe = Static<typeof AgentSubscribe>;

/**
 * A status update from an executor (or made by the agent), forwarded to the framework. `status`
 * carries the update's uuid; `latest_state` is the newest state the agent knows for the task
 * (it may be ahead of `status.state` while earlier updates wait for acknowledgement).
 */
export const AgentStatusUpdate = message('agora.Call.StatusUpdate', {
  framework_id: FrameworkID,
  executor_id: optional(ExecutorID),
  status: TaskStatus,
  latest_state: optional(enumOf(TASK_STATES)),
});
export type AgentStatusUpdate = Static<typeof AgentStatusUpdate>;

export const AgentExitedExecutor = message('agora.Call.ExitedExecutor', {
  framework_id: FrameworkID,
  executor_id: ExecutorID,
  /** Wait status as Mesos reports it (exit code << 8, or the signal number). */
  status: optional(int32()),
});
export type AgentExitedExecutor = Static<typeof AgentExitedExecutor>;

export const AgentExecutorMessage = message('agora.Call.ExecutorMessage', {
  framework_id: FrameworkID,
  executor_id: ExecutorID,
  data: bytes(),
});
export type AgentExecutorMessage = Static<typeof AgentExecutorMessage>;

export const AgentUpdateAgent = message('agora.Call.UpdateAgent', {
  /** New total resources (e.g. after an operator changed them), if they changed. */
  total_resources: repeated(Resource),
  /** Revocable resources the agent can offer now (oversubscription). */
  oversubscribed_resources: repeated(Resource),
});
export type AgentUpdateAgent = Static<typeof AgentUpdateAgent>;

export const AgentUpdateOperationStatus = message('agora.Call.UpdateOperationStatus', {
  framework_id: optional(FrameworkID),
  operation_id: optional(OperationID),
  /** The master's uuid for the operation (APPLY_OPERATION.operation_uuid). */
  operation_uuid: bytes(),
  state: string(),
  message: optional(string()),
});
export type AgentUpdateOperationStatus = Static<typeof AgentUpdateOperationStatus>;

export const AgentPong = message('agora.Call.Pong', {
  /** Echo of PING.sequence. */
  sequence: int32(),
});
export type AgentPong = Static<typeof AgentPong>;

export const AgentToMasterCall = message('agora.AgentCall', {
  type: enumOf(AGENT_TO_MASTER_CALLS),
  /** Required on every call except SUBSCRIBE. */
  agent_id: optional(AgentID),
  subscribe: optional(AgentSubscribe),
  status_update: optional(AgentStatusUpdate),
  exited_executor: optional(AgentExitedExecutor),
  executor_message: optional(AgentExecutorMessage),
  update_agent: optional(AgentUpdateAgent),
  update_operation_status: optional(AgentUpdateOperationStatus),
  pong: optional(AgentPong),
});
export type AgentToMasterCall = Static<typeof AgentToMasterCall>;
/** A validated call: `type` discriminates and the matching payload is present. */
export type ValidAgentToMasterCall = Narrowed<AgentToMasterCall, 'UNREGISTER' | 'UNKNOWN'>;

// ---------------------------------------------------------------------------------------------
// Master -> agent events (the RecordIO stream opened by SUBSCRIBE).

export const MASTER_TO_AGENT_EVENTS = [
  'UNKNOWN',
  'SUBSCRIBED',
  'RUN_TASK',
  'RUN_TASK_GROUP',
  'KILL_TASK',
  'SHUTDOWN_EXECUTOR',
  'SHUTDOWN_FRAMEWORK',
  'ACKNOWLEDGE_STATUS_UPDATE',
  'UPDATE_FRAMEWORK',
  'APPLY_OPERATION',
  'FRAMEWORK_TO_EXECUTOR_MESSAGE',
  'PING',
  'SHUTDOWN',
  'ERROR',
  'HEARTBEAT',
] as const;
export type MasterToAgentEventType = (typeof MASTER_TO_AGENT_EVENTS)[number];

/** For a task the master knows but the re-registering agent did not report: what to do. */
export const TaskReconciliation = message('agora.TaskReconciliation', {
  framework_id: FrameworkID,
  task_id: TaskID,
  state: enumOf(TASK_STATES),
});
export type TaskReconciliation = Static<typeof TaskReconciliation>;

export const AgentSubscribed = message('agora.Event.Subscribed', {
  agent_id: AgentID,
  master_info: MasterInfo,
  /** The master pings this often; the agent answers each PING with a PONG. */
  ping_interval_seconds: double(),
  /** After this many unanswered pings the master marks the agent unreachable, and an agent that
   * saw no ping for this many intervals considers the master lost and re-subscribes. */
  max_ping_timeouts: int32(),
  reconciliations: repeated(TaskReconciliation),
});
export type AgentSubscribed = Static<typeof AgentSubscribed>;

export const AgentRunTask = message('agora.Event.RunTask', {
  framework_info: FrameworkInfo,
  /** With `command` the agent runs the command executor; with `executor`, that executor. */
  task: TaskInfo,
});
export type AgentRunTask = Static<typeof AgentRunTask>;

export const AgentRunTaskGroup = message('agora.Event.RunTaskGroup', {
  framework_info: FrameworkInfo,
  executor: ExecutorInfo,
  task_group: TaskGroupInfo,
});
export type AgentRunTaskGroup = Static<typeof AgentRunTaskGroup>;

export const AgentKillTask = message('agora.Event.KillTask', {
  framework_id: FrameworkID,
  task_id: TaskID,
  kill_policy: optional(KillPolicy),
});
export type AgentKillTask = Static<typeof AgentKillTask>;

export const AgentShutdownExecutor = message('agora.Event.ShutdownExecutor', {
  framework_id: FrameworkID,
  executor_id: ExecutorID,
});
export type AgentShutdownExecutor = Static<typeof AgentShutdownExecutor>;

export const AgentShutdownFramework = message('agora.Event.ShutdownFramework', {
  framework_id: FrameworkID,
});
export type AgentShutdownFramework = Static<typeof AgentShutdownFramework>;

/** The framework acknowledged this update; the agent may forward the task's next one. */
export const AgentAcknowledgeStatusUpdate = message('agora.Event.AcknowledgeStatusUpdate', {
  framework_id: FrameworkID,
  task_id: TaskID,
  uuid: bytes(),
});
export type AgentAcknowledgeStatusUpdate = Static<typeof AgentAcknowledgeStatusUpdate>;

export const AgentUpdateFramework = message('agora.Event.UpdateFramework', {
  framework_info: FrameworkInfo,
});
export type AgentUpdateFramework = Static<typeof AgentUpdateFramework>;

/** Reserve/unreserve/create/destroy applied by the master; the agent checkpoints the result. */
export const AgentApplyOperation = message('agora.Event.ApplyOperation', {
  framework_id: optional(FrameworkID),
  operation: OfferOperation,
  operation_uuid: bytes(),
  /** The agent's checkpointed resources after the operation. */
  checkpointed_resources: repeated(Resource),
});
export type AgentApplyOperation = Static<typeof AgentApplyOperation>;

export const AgentFrameworkToExecutorMessage = message('agora.Event.FrameworkToExecutorMessage', {
  framework_id: FrameworkID,
  executor_id: ExecutorID,
  data: bytes(),
});
export type AgentFrameworkToExecutorMessage = Static<typeof AgentFrameworkToExecutorMessage>;

export const AgentPing = message('agora.Event.Ping', {
  sequence: int32(),
});
export type AgentPing = Static<typeof AgentPing>;

/** The master tells the agent to shut down (marked gone, or an unknown agent id). */
export const AgentShutdown = message('agora.Event.Shutdown', {
  message: string(),
});
export type AgentShutdown = Static<typeof AgentShutdown>;

export const AgentError = message('agora.Event.Error', {
  message: string(),
});
export type AgentError = Static<typeof AgentError>;

export const MasterToAgentEvent = message('agora.AgentEvent', {
  type: enumOf(MASTER_TO_AGENT_EVENTS),
  subscribed: optional(AgentSubscribed),
  run_task: optional(AgentRunTask),
  run_task_group: optional(AgentRunTaskGroup),
  kill_task: optional(AgentKillTask),
  shutdown_executor: optional(AgentShutdownExecutor),
  shutdown_framework: optional(AgentShutdownFramework),
  acknowledge_status_update: optional(AgentAcknowledgeStatusUpdate),
  update_framework: optional(AgentUpdateFramework),
  apply_operation: optional(AgentApplyOperation),
  framework_to_executor_message: optional(AgentFrameworkToExecutorMessage),
  ping: optional(AgentPing),
  shutdown: optional(AgentShutdown),
  error: optional(AgentError),
});
export type MasterToAgentEvent = Static<typeof MasterToAgentEvent>;
export type ValidMasterToAgentEvent = Narrowed<MasterToAgentEvent, 'HEARTBEAT' | 'UNKNOWN'>;

// ---------------------------------------------------------------------------------------------
// Codec entry points, in the same shape as src/protocol/api.ts.

export type AgentProtocolResult<T> = { ok: true; value: T } | { ok: false; errors: DecodeError[] };

/** Envelope checks that need no state: ids present, payload present, uuids 16 bytes. */
export function validateAgentToMasterCall(call: AgentToMasterCall): DecodeError[] {
  const errors = validateEnvelopePayload(AgentToMasterCall, call);
  if (call.type === 'UNKNOWN') errors.push({ path: 'type', message: 'unknown call type' });
  if (call.type !== 'SUBSCRIBE' && call.agent_id === undefined) {
    errors.push({ path: 'agent_id', message: `required for type ${call.type}` });
  }
  if (call.type === 'SUBSCRIBE' && call.subscribe && call.subscribe.protocol_version !== AGENT_PROTOCOL_VERSION) {
    errors.push({
      path: 'subscribe.protocol_version',
      message: `unsupported agent protocol version ${call.subscribe.protocol_version}; this master speaks ${AGENT_PROTOCOL_VERSION}`,
    });
  }
  if (call.type === 'STATUS_UPDATE' && call.status_update) {
    errors.push(...checkUuidBytes(call.status_update.status.uuid, 'status_update.status.uuid'));
  }
  return errors;
}

/**
 * Master side: decode and validate a call from an agent. `input` is freshly parsed JSON the caller
 * hands over: when it is already canonical (as every Agora agent writes it) the value is `input`
 * itself, not a copy (codec.ts `decodeParsed`).
 */
export function decodeAgentToMasterCall(input: unknown): AgentProtocolResult<ValidAgentToMasterCall> {
  const decoded = decodeParsed(AgentToMasterCall, input);
  if (!decoded.ok) return decoded;
  const errors = validateAgentToMasterCall(decoded.value);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: decoded.value as ValidAgentToMasterCall };
}

/** Agent side: a call to POST. */
export function encodeAgentToMasterCall(call: AgentToMasterCall): JsonObject {
  return encode(AgentToMasterCall, call);
}

/** Master side: one event for an agent's stream. */
export function encodeMasterToAgentEvent(event: MasterToAgentEvent): JsonObject {
  return encode(MasterToAgentEvent, event);
}

/** Agent side: decode one record of the master's stream. */
export function decodeMasterToAgentEvent(input: unknown): AgentProtocolResult<ValidMasterToAgentEvent> {
  const decoded = decode(MasterToAgentEvent, input);
  if (!decoded.ok) return decoded;
  const errors = validateEnvelopePayload(MasterToAgentEvent, decoded.value);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: decoded.value as ValidMasterToAgentEvent };
}
