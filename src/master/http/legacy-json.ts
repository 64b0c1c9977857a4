// The hand-shaped objects of the legacy (unversioned) JSON endpoints (reference §6.1–6.3): plain
// string ids, `slave_id`, resources as `{cpus, gpus, mem, disk, ports: "[a-b]"}`, times in
// seconds. Every legacy endpoint (`/state`, `/state-summary`, `/frameworks`, `/slaves`, `/tasks`)
// builds its framework, agent and task objects here, so the shapes cannot drift apart. The web UI
// and many operator tools read these fields; keep their names.
//
// Built straight from the master's current records (no snapshot copies). Two caches keep `/state`
// cheap on large clusters, where most tasks do not change between two polls:
// - the legacy object of a `Resources` value, by instance (Resources are immutable);
// - the legacy object of a task, by record, rebuilt when its state or statuses change (every
//   other field a task object shows is fixed when the record is made).
// Cached objects are frozen and shared between answers; nothing may change them.
import { resourcesToLegacyJSON, type Resources } from '../../common/resources/index.ts';
import type { Attribute, ExecutorInfo, TaskState, TaskStatus } from '../../protocol/index.ts';
import type { Master } from '../master.ts';
import { agentPid, type AgentRecord, type FrameworkRecord, type OfferRecord, type TaskRecord } from '../model.ts';
import { agentUsage, endpointResources, executorResources, frameworkUsage } from './views.ts';

export type Json = Record<string, unknown>;

/** What a framework or an agent uses (live tasks and executors) and is offered. */
export type Usage = { used: Resources; offered: Resources };

/** Attributes as `{"rack":"r1","cores":8,"ports":"[1-2]","zones":"{a, b}"}`. */
export function legacyAttributes(list: readonly Attribute[] | undefined): Json {
  const out: Json = {};
  for (const a of list ?? []) {
    if (a.type === 'SCALAR') out[a.name] = a.scalar?.value;
    else if (a.type === 'TEXT') out[a.name] = a.text?.value;
    else if (a.type === 'RANGES') out[a.name] = `[${(a.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
    else if (a.type === 'SET') out[a.name] = `{${(a.set?.item ?? []).join(', ')}}`;
  }
  return out;
}

const resourcesCache = new WeakMap<Resources, Json>();

/** `resourcesToLegacyJSON`, computed once per (immutable) Resources value. */
export function legacyResources(resources: Resources): Json {
  let json = resourcesCache.get(resources);
  if (json === undefined) {
    json = Object.freeze(resourcesToLegacyJSON(resources) as Json);
    resourcesCache.set(resources, json);
  }
  return json;
}

function legacyByRole(resources: Resources): Json {
  const out: Json = {};
  for (const [role, r] of resources.reservations()) out[role] = legacyResources(r);
  return out;
}

function capabilityNames(list: readonly { type?: string | undefined }[] | undefined): string[] {
  return (list ?? []).flatMap((c) => (c.type === undefined ? [] : [c.type]));
}

type CachedTask = { state: TaskState; statusCount: number; lastStatus: TaskStatus | undefined; user: string | undefined; json: Json };
const taskCache = new WeakMap<TaskRecord, CachedTask>();

/** The legacy task object (reference §6.1), cached until the task's state or statuses change. */
export function legacyTask(t: TaskRecord): Json {
  const lastStatus = t.statuses.at(-1);
  const hit = taskCache.get(t);
  if (hit !== undefined && hit.state === t.state && hit.statusCount === t.statuses.length && hit.lastStatus === lastStatus && hit.user === t.user) {
    return hit.json;
  }
  const json = Object.freeze(buildLegacyTask(t));
  taskCache.set(t, { state: t.state, statusCount: t.statuses.length, lastStatus, user: t.user, json });
  return json;
}

function buildLegacyTask(t: TaskRecord): Json {
  const role = t.resources.entries[0]?.allocationRole;
  return {
    id: t.taskId,
    name: t.info.name,
    framework_id: t.frameworkId,
    executor_id: t.executorId ?? '',
    slave_id: t.agentId,
    state: t.state,
    resources: legacyResources(t.resources),
    ...(role !== undefined && { role }),
    statuses: t.statuses.map((s) => ({
      state: s.state,
      timestamp: s.timestamp ?? 0,
      ...(s.healthy !== undefined && { healthy: s.healthy }),
      ...(s.labels !== undefined && { labels: s.labels.labels ?? [] }),
      ...(s.container_status !== undefined && { container_status: s.container_status }),
    })),
    ...(t.user !== undefined && { user: t.user }),
    ...(t.info.labels !== undefined && { labels: t.info.labels.labels ?? [] }),
    ...(t.info.discovery !== undefined && { discovery: t.info.discovery }),
    ...(t.info.container !== undefined && { container: t.info.container }),
    ...(t.info.health_check !== undefined && { health_check: t.info.health_check }),
  };
}

function legacyOffer(o: OfferRecord): Json {
  return { id: o.id, framework_id: o.frameworkId, allocation_info: { role: o.role }, slave_id: o.agentId, resources: legacyResources(o.resources) };
}

function legacyExecutor(e: ExecutorInfo, agentId: string): Json {
  const r = executorResources(e);
  return {
    executor_id: e.executor_id.value,
    name: e.name ?? '',
    framework_id: e.framework_id?.value ?? '',
    command: {
      ...(e.command?.shell !== undefined && { shell: e.command.shell }),
      ...(e.command?.value !== undefined && { value: e.command.value }),
      argv: e.command?.arguments ?? [],
      uris: (e.command?.uris ?? []).map((u) => ({ value: u.value, executable: u.executable ?? false })),
    },
    resources: resourcesToLegacyJSON(r),
    ...(r.entries[0]?.allocationRole !== undefined && { role: r.entries[0].allocationRole }),
    ...(e.type !== undefined && { type: e.type }),
    slave_id: agentId,
  };
}

/** Agents Mesos calls "registered": connected or waiting to reconnect (not unreachable or removed). */
export function registeredAgents(m: Master): AgentRecord[] {
  const out: AgentRecord[] = [];
  for (const a of m.agents.values()) if (a.status === 'connected' || a.status === 'disconnected') out.push(a);
  return out;
}

/** The agent object of `/state`, `/state-summary` and `/slaves` (upstream `SlaveWriter`). */
export function legacyAgent(m: Master, a: AgentRecord, usage: Usage = agentUsage(m, a)): Json {
  return {
    id: a.id,
    hostname: a.hostname,
    port: a.port,
    attributes: legacyAttributes(a.info.attributes),
    ...(a.info.domain !== undefined && { domain: a.info.domain }),
    pid: agentPid(a.ip, a.port),
    registered_time: a.registeredTime / 1000,
    ...(a.reregisteredTime !== undefined && { reregistered_time: a.reregisteredTime / 1000 }),
    resources: legacyResources(a.total),
    used_resources: resourcesToLegacyJSON(usage.used.unallocate()),
    offered_resources: resourcesToLegacyJSON(usage.offered.unallocate()),
    reserved_resources: legacyByRole(a.total),
    unreserved_resources: resourcesToLegacyJSON(a.total.unreserved()),
    active: a.status === 'connected' || a.status === 'disconnected',
    deactivated: false,
    version: a.version,
    capabilities: capabilityNames(a.capabilities),
  };
}

/**
 * `/slaves` adds the full v1 resources (endpoint format) to the agent object, so that operators
 * can feed reservations and volumes back to `/unreserve` and `/destroy-volumes`.
 */
export function legacyAgentWithFullResources(m: Master, a: AgentRecord, usage: Usage = agentUsage(m, a)): Json {
  const reservedFull: Json = {};
  for (const [role, r] of a.total.reservations()) reservedFull[role] = endpointResources(r);
  return {
    ...legacyAgent(m, a, usage),
    reserved_resources_full: reservedFull,
    unreserved_resources_full: endpointResources(a.total.unreserved()),
    used_resources_full: endpointResources(usage.used),
    offered_resources_full: endpointResources(usage.offered),
  };
}

/**
 * `recovered_slaves[]`: agents the registry admitted that have not re-registered with this master
 * yet (after a failover), as bare SlaveInfo objects.
 */
export function recoveredAgents(m: Master, accept: (agentId: string) => boolean = () => true): Json[] {
  const out: Json[] = [];
  for (const [id, entry] of m.registry.agents()) {
    if (entry.state !== 'admitted' || m.agents.has(id) || !accept(id)) continue;
    const info = entry.info;
    out.push({
      id,
      hostname: info.hostname,
      port: info.port ?? 5051,
      attributes: legacyAttributes(info.attributes),
      ...(info.domain !== undefined && { domain: info.domain }),
    });
  }
  return out;
}

/** The summary fields every framework object starts with (upstream `Summary<Framework>`). */
export function legacyFrameworkSummary(fw: FrameworkRecord, usage: Usage): Json {
  const info = fw.info;
  return {
    id: fw.id,
    name: info.name,
    used_resources: resourcesToLegacyJSON(usage.used.unallocate()),
    offered_resources: resourcesToLegacyJSON(usage.offered.unallocate()),
    capabilities: capabilityNames(info.capabilities),
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    active: fw.status === 'connected',
    connected: fw.status === 'connected',
    recovered: fw.status === 'recovered',
  };
}

/** How a framework object holds its task lists: arrays, or built while streaming (json-stream.ts). */
export type TaskListMaker = (produce: () => Iterable<Json>) => unknown;

const materialize: TaskListMaker = (produce) => [...produce()];

function* tasksWhere(fw: FrameworkRecord, unreachable: boolean): Iterable<Json> {
  for (const t of fw.tasks.values()) if ((t.state === 'TASK_UNREACHABLE') === unreachable) yield legacyTask(t);
}

function* completedTasks(fw: FrameworkRecord): Iterable<Json> {
  for (const t of fw.completedTasks) yield legacyTask(t);
}

/**
 * The full framework object of `/state` and `/frameworks` (upstream `FullFrameworkWriter`).
 * `taskList` decides how the three task lists are held (arrays unless `/state` streams them).
 */
export function legacyFramework(m: Master, fw: FrameworkRecord, taskList: TaskListMaker = materialize): Json {
  const usage = frameworkUsage(m, fw);
  const info = fw.info;
  const tasks = taskList(() => tasksWhere(fw, false));
  const unreachable = taskList(() => tasksWhere(fw, true));
  const offers: Json[] = [];
  for (const id of fw.offers) {
    const o = m.offers.get(id);
    if (o !== undefined) offers.push(legacyOffer(o));
  }
  const executors: Json[] = [];
  for (const [agentId, byId] of fw.executors) for (const e of byId.values()) executors.push(legacyExecutor(e, agentId));
  return {
    ...legacyFrameworkSummary(fw, usage),
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    registered_time: fw.registeredTime / 1000,
    unregistered_time: (fw.unregisteredTime ?? 0) / 1000,
    ...(fw.reregisteredTime !== undefined && { reregistered_time: fw.reregisteredTime / 1000 }),
    ...(info.principal !== undefined && { principal: info.principal }),
    resources: resourcesToLegacyJSON(usage.used.add(usage.offered).unallocate()),
    ...(fw.capabilities.multiRole ? { roles: fw.roles } : { role: fw.roles[0] ?? '*' }),
    tasks,
    unreachable_tasks: unreachable,
    completed_tasks: taskList(() => completedTasks(fw)),
    offers,
    executors,
    ...(info.labels !== undefined && { labels: info.labels.labels ?? [] }),
    ...(fw.offerConstraints !== undefined && { offer_constraints: fw.offerConstraints }),
  };
}
