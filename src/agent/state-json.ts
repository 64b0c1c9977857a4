// The legacy agent `/state` JSON (reference §6.6): a hand-written shape, not the v1 proto JSON.
// Ids are plain strings, resources the `{cpus, mem, disk, gpus, ports:"[a-b]"}` object, times in
// seconds. The Mesos web UI reads `frameworks[].executors[].directory` to browse sandboxes.
import type { Task, TaskInfo, TaskStatus } from '../protocol/index.ts';
import { encode, TaskStatus as TaskStatusSchema } from '../protocol/index.ts';
import { formatFlags } from '../common/flags.ts';
import { resourcesFromWire, resourcesToLegacyJSON, resourcesToWire, Resources } from '../common/resources/index.ts';
import { AGORA_VERSION, MESOS_API_VERSION } from '../common/version.ts';
import { attributesToLegacyJSON } from './attributes.ts';
import { allocationRole } from './executor-launch.ts';
import { AGENT_FLAGS } from './flags.ts';
import type { Agent } from './agent.ts';
import { executorResources, type Executor, type Framework } from './state.ts';

type Json = Record<string, unknown>;

function legacyResources(list: TaskInfo['resources']): Json {
  try {
    return resourcesToLegacyJSON(resourcesFromWire(list ?? []));
  } catch {
    return resourcesToLegacyJSON(Resources.EMPTY);
  }
}

function legacyStatus(status: TaskStatus): Json {
  const out: Json = { state: status.state, timestamp: status.timestamp ?? 0 };
  if (status.healthy !== undefined) out.healthy = status.healthy;
  if (status.labels?.labels) out.labels = status.labels.labels;
  if (status.container_status) out.container_status = encode(TaskStatusSchema, status).container_status;
  return out;
}

export function legacyTask(task: Task): Json {
  const out: Json = {
    id: task.task_id.value,
    name: task.name,
    framework_id: task.framework_id.value,
    executor_id: task.executor_id?.value ?? '',
    slave_id: task.agent_id.value,
    state: task.state,
    resources: legacyResources(task.resources),
    statuses: (task.statuses ?? []).map(legacyStatus),
  };
  const role = allocationRole(task.resources);
  if (role !== undefined) out.role = role;
  if (task.labels?.labels) out.labels = task.labels.labels;
  if (task.discovery) out.discovery = task.discovery;
  if (task.container) out.container = task.container;
  if (task.health_check) out.health_check = task.health_check;
  return out;
}

function legacyQueuedTask(info: TaskInfo, agentId: string): Json {
  const out: Json = { id: info.task_id.value, name: info.name, slave_id: agentId, resources: legacyResources(info.resources) };
  const role = allocationRole(info.resources);
  if (role !== undefined) out.role = role;
  if (info.command) out.command = info.command;
  if (info.executor) out.executor_id = info.executor.executor_id.value;
  if (info.discovery) out.discovery = info.discovery;
  return out;
}

function legacyExecutor(executor: Executor, agentId: string): Json {
  const out: Json = {
    id: executor.id,
    name: executor.info.name ?? '',
    source: executor.info.source ?? '',
    container: executor.containerId,
    directory: executor.directory,
    resources: resourcesToLegacyJSON(executorResources(executor)),
    tasks: [...executor.launchedTasks.values(), ...executor.terminatedTasks.values()].map(legacyTask),
    queued_tasks: [...executor.queuedTasks.values()].map((t) => legacyQueuedTask(t, agentId)),
    completed_tasks: executor.completedTasks.map(legacyTask),
  };
  const role = allocationRole(executor.info.resources);
  if (role !== undefined) out.role = role;
  if (executor.info.labels?.labels) out.labels = executor.info.labels.labels;
  if (executor.info.type !== undefined) out.type = executor.info.type;
  return out;
}

function legacyFramework(framework: Framework, agentId: string): Json {
  const info = framework.info;
  const out: Json = {
    id: framework.id,
    name: info.name,
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    hostname: info.hostname ?? '',
    capabilities: (info.capabilities ?? []).flatMap((c) => (c.type ? [c.type] : [])),
    executors: [...framework.executors.values()].map((e) => legacyExecutor(e, agentId)),
    completed_executors: framework.completedExecutors.map((e) => legacyExecutor(e, agentId)),
  };
  if (info.principal !== undefined) out.principal = info.principal;
  if (info.capabilities?.some((c) => c.type === 'MULTI_ROLE')) out.roles = info.roles ?? [];
  else out.role = info.role ?? '*';
  return out;
}

/** The whole `/state` object. */
export function agentStateJson(agent: Agent): Json {
  const agentId = agent.agentId ?? '';
  const total = agent.resources;
  const reserved: Json = {};
  const reservedFull: Json = {};
  for (const [role, r] of total.reservations()) {
    reserved[role] = resourcesToLegacyJSON(r);
    reservedFull[role] = resourcesToWire(r, 'ENDPOINT');
  }
  const out: Json = {
    version: MESOS_API_VERSION,
    agora_version: AGORA_VERSION,
    build_date: '',
    build_time: 0,
    build_user: '',
    start_time: agent.startTimeMs / 1000,
    id: agentId,
    pid: agent.pid,
    hostname: agent.hostname,
    capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT'],
    resources: resourcesToLegacyJSON(total),
    reserved_resources: reserved,
    unreserved_resources: resourcesToLegacyJSON(total.unreserved()),
    reserved_resources_full: reservedFull,
    unreserved_resources_full: resourcesToWire(total.unreserved(), 'ENDPOINT'),
    reserved_resources_allocated: {},
    unreserved_resources_allocated: {},
    resource_providers: [],
    attributes: attributesToLegacyJSON(agent.attributes),
    flags: formatFlags(AGENT_FLAGS, agent.flags),
    frameworks: [...agent.state.frameworks.values()].map((f) => legacyFramework(f, agentId)),
    completed_frameworks: agent.state.completedFrameworks.map((f) => legacyFramework(f, agentId)),
  };
  if (agent.masterHostname !== undefined) out.master_hostname = agent.masterHostname;
  return out;
}
