// The master's in-memory records. They are plain mutable objects owned by the Master (master.ts):
// only the master's modules change them, and nothing outside src/master sees them; the HTTP
// read-side turns them into wire objects (http/views.ts).
import type { TimerHandle } from '../common/clock.ts';
import type { EventStream } from '../common/http/event-stream.ts';
import type { Resources } from '../common/resources/index.ts';
import type {
  AgentCapability,
  AgentInfo,
  ExecutorInfo,
  FrameworkInfo,
  KillPolicy,
  OfferConstraints,
  OfferOperation,
  TaskInfo,
  TaskState,
  TaskStatus,
} from '../protocol/index.ts';

export type FrameworkCapabilities = {
  readonly partitionAware: boolean;
  readonly taskKillingState: boolean;
  readonly reservationRefinement: boolean;
  readonly multiRole: boolean;
};

/** An open SUBSCRIBE stream of a scheduler. */
export type SchedulerConnection = {
  readonly streamId: string;
  readonly stream: EventStream;
  heartbeat: TimerHandle | undefined;
};

/**
 * connected: has a live stream. disconnected: the stream broke, `failover_timeout` runs.
 * recovered: known only from an agent's report after a master restart; never subscribed here.
 * completed: removed (torn down or failed over for too long); kept for the UI, bounded.
 */
export type FrameworkStatus = 'connected' | 'disconnected' | 'recovered' | 'completed';

export type FrameworkRecord = {
  readonly id: string;
  info: FrameworkInfo & { id: { value: string } };
  roles: string[];
  capabilities: FrameworkCapabilities;
  status: FrameworkStatus;
  connection: SchedulerConnection | undefined;
  suppressedRoles: Set<string>;
  offerConstraints: OfferConstraints | undefined;
  /** ms since the epoch. */
  registeredTime: number;
  reregisteredTime: number | undefined;
  unregisteredTime: number | undefined;
  failoverTimer: { cancel(): void } | undefined;
  /**
   * `master/frameworks/<name>/<id>/`, fixed when the framework is first registered: a later
   * rename (UPDATE_FRAMEWORK, re-SUBSCRIBE) must not move its metrics, or the old ones would leak.
   */
  readonly metricPrefix: string;
  /** Non-completed tasks (including unreachable ones), by task id. */
  tasks: Map<string, TaskRecord>;
  completedTasks: TaskRecord[];
  offers: Set<string>;
  /** Executors by agent id, then executor id. */
  executors: Map<string, Map<string, ExecutorInfo>>;
  /** Operations with an id awaiting their result from the agent, by operation uuid. */
  operations: Map<string, OperationRecord>;
};

export type TaskRecord = {
  readonly taskId: string;
  readonly frameworkId: string;
  readonly agentId: string;
  /** The task as sent to (or reported by) the agent; resources carry allocation_info. */
  readonly info: TaskInfo;
  /** Executor id for custom and default executor tasks; undefined for command tasks. */
  readonly executorId: string | undefined;
  readonly resources: Resources;
  state: TaskState;
  statuses: TaskStatus[];
  statusUpdateState: TaskState | undefined;
  statusUpdateUuid: string | undefined;
  /** The latest forwarded update still awaiting ACKNOWLEDGE, re-sent when the framework re-subscribes. */
  pendingUpdate: TaskStatus | undefined;
  resourcesRecovered: boolean;
  /** Whether RUN_TASK reached the agent's stream (a KILL before that is answered by the master). */
  delivered: boolean;
  /** A KILL the agent could not receive yet (it was disconnected). */
  pendingKill: { killPolicy: KillPolicy | undefined } | undefined;
  /** The framework user the task runs as (for the operator API). */
  user: string | undefined;
  /** ms since the epoch when the agent became unreachable. */
  unreachableTime: number | undefined;
};

/** An open stream of an agent. */
export type AgentConnection = {
  readonly streamId: string;
  readonly stream: EventStream;
};

/**
 * connected: live stream. disconnected: stream broke, waiting for it to re-subscribe (missed pings
 * count on). unreachable: marked so after too many missed pings; tasks are UNREACHABLE/LOST.
 * removed: it unregistered, or was marked gone.
 */
export type AgentStatus = 'connected' | 'disconnected' | 'unreachable' | 'removed';

export type AgentRecord = {
  readonly id: string;
  info: AgentInfo & { id: { value: string } };
  ip: string;
  port: number;
  hostname: string;
  version: string;
  /** The agent's `--work_dir` (absolute), if it reported it; sandboxes live below it. */
  workDir: string | undefined;
  capabilities: AgentCapability[];
  /** Dynamic reservations and persistent volumes the agent checkpoints. */
  checkpointedResources: Resources;
  /** Configured resources with the checkpointed ones applied: what the allocator offers. */
  total: Resources;
  status: AgentStatus;
  connection: AgentConnection | undefined;
  registeredTime: number;
  reregisteredTime: number | undefined;
  unreachableTime: number | undefined;
  ping: { sequence: number; awaiting: boolean; missed: number; timer: TimerHandle | undefined };
  /** Task keys (`frameworkId \0 taskId`) of tasks on this agent. */
  tasks: Set<string>;
  /** Executors by framework id, then executor id. */
  executors: Map<string, Map<string, ExecutorInfo>>;
  offers: Set<string>;
};

export type OfferRecord = {
  readonly id: string;
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  /** Allocated to `role`. */
  readonly resources: Resources;
  readonly createdAt: number;
  timer: TimerHandle | undefined;
};

export type OperationRecord = {
  readonly uuid: string;
  readonly operationId: string;
  readonly frameworkId: string;
  readonly agentId: string;
  readonly info: OfferOperation;
  state: string;
  message: string | undefined;
};

export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}

/** The framework id and task id inside a `taskKey`. */
export function parseTaskKey(key: string): [frameworkId: string, taskId: string] {
  const i = key.indexOf('\u0000');
  return [key.slice(0, i), key.slice(i + 1)];
}

/**
 * The tasks named by `keys` (an agent's `tasks`, say) with their frameworks, skipping keys whose
 * task is gone. Iterates a snapshot of `keys`, so callers may change the set as they go.
 */
export function* tasksByKey(
  frameworks: ReadonlyMap<string, FrameworkRecord>,
  keys: Iterable<string>,
): Generator<{ key: string; fw: FrameworkRecord; task: TaskRecord }> {
  for (const key of [...keys]) {
    const [frameworkId, taskId] = parseTaskKey(key);
    const fw = frameworks.get(frameworkId);
    const task = fw?.tasks.get(taskId);
    if (fw !== undefined && task !== undefined) yield { key, fw, task };
  }
}

export function agentPid(ip: string, port: number): string {
  return `slave(1)@${ip}:${port}`;
}
