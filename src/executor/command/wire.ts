// The executor side of the v1 executor API, read and written by hand.
//
// NOTE: The command executor runs once per task, so its memory and start time are multiplied by
// the number of tasks on an agent. Loading the TypeBox schemas and the generic codec costs about
// 30 MB of RSS and 150 ms of start-up, so this module reads only the fields the executor uses,
// checking each one's JSON type with Mesos's parsing rules (null = absent, unknown keys ignored,
// int64 as a number or a decimal string, bool as true/false or "true"/"false"), and builds the
// few calls it sends as plain objects. The protocol types are imported as types only (erased at
// run time), and the unit tests check the output against the real codec.
import type { CheckStatusInfo, ExecutorCall, TaskState, TaskStatus, TaskStatusReason } from '../../protocol/index.ts';

/** A field of an event that does not have the JSON type the proto gives it. */
export class WireError extends Error {
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'WireError';
  }
}

export type Json = Record<string, unknown>;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function obj(v: unknown, path: string): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new WireError(path, `expected object, got ${describe(v)}`);
  return v as Json;
}

export function reqObj(v: unknown, path: string): Json {
  const o = obj(v, path);
  if (o === undefined) throw new WireError(path, 'missing required field');
  return o;
}

export function str(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new WireError(path, `expected string, got ${describe(v)}`);
  return v;
}

function reqStr(v: unknown, path: string): string {
  const s = str(v, path);
  if (s === undefined) throw new WireError(path, 'missing required field');
  return s;
}

export function int64(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new WireError(path, `expected integer, got ${describe(v)}`);
  return n;
}

export function bool(v: unknown, path: string, fallback: boolean): boolean {
  if (v === undefined || v === null) return fallback;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new WireError(path, `expected bool, got ${describe(v)}`);
}

export function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new WireError(path, `expected array, got ${describe(v)}`);
  return v;
}

/** A double: a JSON number, a numeric string, or "Infinity"/"-Infinity" (stout's rules). */
export function double(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === 'Infinity') return Infinity;
    if (t === '-Infinity') return -Infinity;
    if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  }
  throw new WireError(path, `expected number, got ${describe(v)}`);
}

function idValue(v: unknown, path: string): string {
  return reqStr(reqObj(v, path).value, `${path}.value`);
}

/** DurationInfo / KillPolicy.grace_period: nanoseconds, or undefined when absent. */
function durationNs(v: unknown, path: string): number | undefined {
  const d = obj(v, path);
  return d === undefined ? undefined : int64(d.nanoseconds, `${path}.nanoseconds`);
}

// ---------------------------------------------------------------------------------------------
// Events in.

export type EnvironmentVariable = { name: string; type: 'VALUE' | 'SECRET'; value: string };

/** The part of CommandInfo the command executor acts on. */
export type TaskCommand = {
  shell: boolean;
  value: string | undefined;
  arguments: string[];
  variables: EnvironmentVariable[];
  /** Unknown variable types (a newer proto), which we cannot honour. */
  unsupportedVariables: string[];
};

export type LaunchedTask = {
  taskId: string;
  name: string;
  /** The TaskInfo exactly as received: re-sent in SUBSCRIBE's unacknowledged_tasks. */
  raw: Json;
  command: TaskCommand | undefined;
  killPolicyGraceNs: number | undefined;
  maxCompletionNs: number | undefined;
  /** allocation_info.role of the first resource: the task's MESOS_ALLOCATION_ROLE. */
  allocationRole: string | undefined;
  /** HealthCheck and CheckInfo as received; check-spec.ts reads and validates them. */
  healthCheck: Json | undefined;
  check: Json | undefined;
};

export type ExecutorEventIn =
  | { type: 'SUBSCRIBED'; taskKillingCapable: boolean; agentHostname: string | undefined }
  | { type: 'LAUNCH'; task: LaunchedTask }
  | { type: 'LAUNCH_GROUP' }
  | { type: 'KILL'; taskId: string; graceNs: number | undefined }
  | { type: 'ACKNOWLEDGED'; taskId: string; uuid: string }
  | { type: 'MESSAGE' }
  | { type: 'ERROR'; message: string }
  | { type: 'SHUTDOWN' }
  | { type: 'HEARTBEAT' }
  | { type: 'UNKNOWN'; name: string };

export type ParsedEvent =
  | { ok: true; event: ExecutorEventIn }
  /** `taskId` is set when a LAUNCH was unreadable but named its task, so it can be failed. */
  | { ok: false; error: string; taskId?: string };

export function parseCommand(v: unknown, path: string): TaskCommand | undefined {
  const c = obj(v, path);
  if (c === undefined) return undefined;
  const env = obj(c.environment, `${path}.environment`);
  const variables: EnvironmentVariable[] = [];
  const unsupportedVariables: string[] = [];
  arr(env?.variables, `${path}.environment.variables`).forEach((item, i) => {
    const p = `${path}.environment.variables[${i}]`;
    const variable = obj(item, p);
    if (variable === undefined) return; // null array items are absent
    const name = reqStr(variable.name, `${p}.name`);
    const type = str(variable.type, `${p}.type`) ?? 'VALUE';
    if (type === 'VALUE') variables.push({ name, type, value: str(variable.value, `${p}.value`) ?? '' });
    else if (type === 'SECRET') variables.push({ name, type, value: '' });
    else unsupportedVariables.push(name);
  });
  return {
    shell: bool(c.shell, `${path}.shell`, true),
    value: str(c.value, `${path}.value`),
    arguments: arr(c.arguments, `${path}.arguments`).flatMap((a, i) => {
      const s = str(a, `${path}.arguments[${i}]`);
      return s === undefined ? [] : [s];
    }),
    variables,
    unsupportedVariables,
  };
}

/** One TaskInfo (a LAUNCH's, or each of a LAUNCH_GROUP's). */
export function parseTask(v: unknown, path: string): LaunchedTask {
  const t = reqObj(v, path);
  const firstResource = obj(arr(t.resources, `${path}.resources`)[0], `${path}.resources[0]`);
  const allocation = obj(firstResource?.allocation_info, `${path}.resources[0].allocation_info`);
  return {
    taskId: idValue(t.task_id, `${path}.task_id`),
    name: str(t.name, `${path}.name`) ?? '',
    raw: t,
    command: parseCommand(t.command, `${path}.command`),
    killPolicyGraceNs: durationNs(obj(t.kill_policy, `${path}.kill_policy`)?.grace_period, `${path}.kill_policy.grace_period`),
    maxCompletionNs: durationNs(t.max_completion_time, `${path}.max_completion_time`),
    allocationRole: str(allocation?.role, `${path}.resources[0].allocation_info.role`),
    healthCheck: obj(t.health_check, `${path}.health_check`),
    check: obj(t.check, `${path}.check`),
  };
}

function parseEvent(e: Json): ExecutorEventIn {
  const type = reqStr(e.type, 'type');
  switch (type) {
    case 'SUBSCRIBED': {
      const s = reqObj(e.subscribed, 'subscribed');
      const framework = obj(s.framework_info, 'subscribed.framework_info');
      const capabilities = arr(framework?.capabilities, 'subscribed.framework_info.capabilities');
      const taskKillingCapable = capabilities.some(
        (c, i) => str(obj(c, `subscribed.framework_info.capabilities[${i}]`)?.type, `subscribed.framework_info.capabilities[${i}].type`) === 'TASK_KILLING_STATE',
      );
      const agent = obj(s.agent_info, 'subscribed.agent_info');
      return { type, taskKillingCapable, agentHostname: str(agent?.hostname, 'subscribed.agent_info.hostname') };
    }
    case 'LAUNCH':
      return { type, task: parseTask(reqObj(e.launch, 'launch').task, 'launch.task') };
    case 'LAUNCH_GROUP':
      return { type };
    case 'KILL': {
      const k = reqObj(e.kill, 'kill');
      const policy = obj(k.kill_policy, 'kill.kill_policy');
      return { type, taskId: idValue(k.task_id, 'kill.task_id'), graceNs: durationNs(policy?.grace_period, 'kill.kill_policy.grace_period') };
    }
    case 'ACKNOWLEDGED': {
      const a = reqObj(e.acknowledged, 'acknowledged');
      return { type, taskId: idValue(a.task_id, 'acknowledged.task_id'), uuid: reqStr(a.uuid, 'acknowledged.uuid') };
    }
    case 'MESSAGE':
      return { type };
    case 'ERROR':
      return { type, message: str(obj(e.error, 'error')?.message, 'error.message') ?? '' };
    case 'SHUTDOWN':
    case 'HEARTBEAT':
      return { type };
    default:
      return { type: 'UNKNOWN', name: type };
  }
}

/** Reads one record of the executor event stream (already JSON.parse'd). Never throws. */
export function parseExecutorEvent(json: unknown): ParsedEvent {
  try {
    return { ok: true, event: parseEvent(reqObj(json, 'event')) };
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    const result: ParsedEvent = { ok: false, error: err.message };
    // A LAUNCH we cannot read must still be answered, or the task would hang in STAGING.
    const e = json as Json | null;
    const launch = e !== null && typeof e === 'object' && e.type === 'LAUNCH' ? (e.launch as Json | null | undefined) : undefined;
    const taskId = (launch?.task as { task_id?: { value?: unknown } } | undefined)?.task_id?.value;
    if (typeof taskId === 'string') result.taskId = taskId;
    return result;
  }
}

// ---------------------------------------------------------------------------------------------
// Calls out.

export type ExecutorIdentity = { frameworkId: string; executorId: string };

/** A status update of ours, as it goes into UPDATE and into SUBSCRIBE's unacknowledged_updates. */
export type OutgoingUpdate = { status: TaskStatus & { uuid: string } };

export type StatusFields = {
  taskId: string;
  state: TaskState;
  uuid: string;
  /** Seconds since the epoch. */
  timestamp: number;
  message?: string;
  reason?: TaskStatusReason;
  healthy?: boolean;
  checkStatus?: CheckStatusInfo;
};

export function statusUpdate(id: ExecutorIdentity, f: StatusFields): OutgoingUpdate {
  const status: TaskStatus & { uuid: string } = {
    task_id: { value: f.taskId },
    state: f.state,
    source: 'SOURCE_EXECUTOR',
    executor_id: { value: id.executorId },
    timestamp: f.timestamp,
    uuid: f.uuid,
  };
  if (f.message !== undefined) status.message = f.message;
  if (f.reason !== undefined) status.reason = f.reason;
  if (f.healthy !== undefined) status.healthy = f.healthy;
  if (f.checkStatus !== undefined) status.check_status = f.checkStatus;
  return { status };
}

function envelope(id: ExecutorIdentity, type: ExecutorCall['type']): ExecutorCall {
  return { type, executor_id: { value: id.executorId }, framework_id: { value: id.frameworkId } };
}

export function subscribeCall(id: ExecutorIdentity, unacknowledgedUpdates: OutgoingUpdate[], unacknowledgedTasks: Json[]): ExecutorCall {
  const subscribe: NonNullable<ExecutorCall['subscribe']> = {};
  if (unacknowledgedUpdates.length > 0) subscribe.unacknowledged_updates = unacknowledgedUpdates;
  // The TaskInfo goes back exactly as the agent sent it.
  if (unacknowledgedTasks.length > 0) subscribe.unacknowledged_tasks = unacknowledgedTasks as unknown as NonNullable<typeof subscribe.unacknowledged_tasks>;
  return { ...envelope(id, 'SUBSCRIBE'), subscribe };
}

export function updateCall(id: ExecutorIdentity, update: OutgoingUpdate): ExecutorCall {
  return { ...envelope(id, 'UPDATE'), update };
}
