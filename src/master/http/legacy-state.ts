// The legacy, hand-shaped JSON endpoints (reference §6.1–6.2): `/state` (`/master/state`, the
// `/state.json` alias older tools still call) and `/flags`, with `?jsonp=`. Plain string ids,
// `slave_id`, resources as `{cpus, gpus, mem, disk, ports: "[a-b]"}`, times in seconds. The web
// UI reads these fields; keep their names.
import { resourcesToLegacyJSON, type Resources } from '../../common/resources/index.ts';
import type { Route } from '../../common/http/server.ts';
import { formatFlags } from '../../common/flags.ts';
import { AGORA_VERSION, MESOS_API_VERSION } from '../../common/version.ts';
import type { Attribute, ExecutorInfo } from '../../protocol/index.ts';
import { MASTER_FLAGS } from '../flags.ts';
import type { Master } from '../master.ts';
import { agentPid, type AgentRecord, type FrameworkRecord, type OfferRecord, type TaskRecord } from '../model.ts';
import { agentUsage, executorResources, frameworkUsage } from './views.ts';

type Json = Record<string, unknown>;

function attributes(list: readonly Attribute[] | undefined): Json {
  const out: Json = {};
  for (const a of list ?? []) {
    if (a.type === 'SCALAR') out[a.name] = a.scalar?.value;
    else if (a.type === 'TEXT') out[a.name] = a.text?.value;
    else if (a.type === 'RANGES') out[a.name] = `[${(a.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
    else if (a.type === 'SET') out[a.name] = `{${(a.set?.item ?? []).join(', ')}}`;
  }
  return out;
}

function byRole(resources: Resources): Json {
  const out: Json = {};
  for (const [role, r] of resources.reservations()) out[role] = resourcesToLegacyJSON(r);
  return out;
}

function task(t: TaskRecord): Json {
  const role = t.resources.entries[0]?.allocationRole;
  return {
    id: t.taskId,
    name: t.info.name,
    framework_id: t.frameworkId,
    executor_id: t.executorId ?? '',
    slave_id: t.agentId,
    state: t.state,
    resources: resourcesToLegacyJSON(t.resources),
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

function offer(o: OfferRecord): Json {
  return { id: o.id, framework_id: o.frameworkId, allocation_info: { role: o.role }, slave_id: o.agentId, resources: resourcesToLegacyJSON(o.resources) };
}

function executor(e: ExecutorInfo, agentId: string): Json {
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

export function legacyAgent(m: Master, a: AgentRecord): Json {
  const { used, offered } = agentUsage(m, a);
  return {
    id: a.id,
    hostname: a.hostname,
    port: a.port,
    attributes: attributes(a.info.attributes),
    pid: agentPid(a.ip, a.port),
    registered_time: a.registeredTime / 1000,
    ...(a.reregisteredTime !== undefined && { reregistered_time: a.reregisteredTime / 1000 }),
    resources: resourcesToLegacyJSON(a.total),
    used_resources: resourcesToLegacyJSON(used.unallocate()),
    offered_resources: resourcesToLegacyJSON(offered.unallocate()),
    reserved_resources: byRole(a.total),
    unreserved_resources: resourcesToLegacyJSON(a.total.unreserved()),
    active: a.status === 'connected' || a.status === 'disconnected',
    deactivated: false,
    version: a.version,
    capabilities: a.capabilities.flatMap((c) => (c.type === undefined ? [] : [c.type])),
  };
}

export function legacyFramework(m: Master, fw: FrameworkRecord): Json {
  const { used, offered } = frameworkUsage(m, fw);
  const info = fw.info;
  const tasks = [...fw.tasks.values()];
  return {
    id: fw.id,
    name: info.name,
    used_resources: resourcesToLegacyJSON(used.unallocate()),
    offered_resources: resourcesToLegacyJSON(offered.unallocate()),
    capabilities: (info.capabilities ?? []).flatMap((c) => (c.type === undefined ? [] : [c.type])),
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    active: fw.status === 'connected',
    connected: fw.status === 'connected',
    recovered: fw.status === 'recovered',
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    registered_time: fw.registeredTime / 1000,
    unregistered_time: (fw.unregisteredTime ?? 0) / 1000,
    ...(fw.reregisteredTime !== undefined && { reregistered_time: fw.reregisteredTime / 1000 }),
    ...(info.principal !== undefined && { principal: info.principal }),
    resources: resourcesToLegacyJSON(used.add(offered).unallocate()),
    ...(fw.capabilities.multiRole ? { roles: fw.roles } : { role: fw.roles[0] ?? '*' }),
    tasks: tasks.filter((t) => t.state !== 'TASK_UNREACHABLE').map(task),
    unreachable_tasks: tasks.filter((t) => t.state === 'TASK_UNREACHABLE').map(task),
    completed_tasks: fw.completedTasks.map(task),
    offers: [...fw.offers].flatMap((id) => {
      const o = m.offers.get(id);
      return o === undefined ? [] : [offer(o)];
    }),
    executors: [...fw.executors].flatMap(([agentId, executors]) => [...executors.values()].map((e) => executor(e, agentId))),
    ...(info.labels !== undefined && { labels: info.labels.labels ?? [] }),
  };
}

export function legacyState(m: Master): Json {
  const agents = [...m.agents.values()];
  const live = agents.filter((a) => a.status === 'connected' || a.status === 'disconnected');
  const leaderInfo = { id: m.info.id, pid: m.info.pid, port: m.info.port, hostname: m.info.hostname };
  return {
    version: MESOS_API_VERSION,
    agora_version: AGORA_VERSION,
    build_date: '',
    build_time: 0,
    build_user: '',
    start_time: m.startTime / 1000,
    elected_time: m.startTime / 1000,
    id: m.info.id,
    pid: m.info.pid,
    hostname: m.info.hostname,
    capabilities: [],
    activated_slaves: live.length,
    deactivated_slaves: 0,
    unreachable_slaves: agents.filter((a) => a.status === 'unreachable').length,
    leader: m.info.pid,
    leader_info: leaderInfo,
    ...(m.options.cluster !== undefined && { cluster: m.options.cluster }),
    flags: formatFlags(MASTER_FLAGS, m.options.flags),
    slaves: live.map((a) => legacyAgent(m, a)),
    recovered_slaves: [],
    frameworks: [...m.frameworks.values()].map((fw) => legacyFramework(m, fw)),
    completed_frameworks: m.completedFrameworks.map((fw) => legacyFramework(m, fw)),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}

export function legacyStateRoutes(m: Master): Route[] {
  return [
    { methods: ['GET'], path: '/state', jsonp: true, handler: () => legacyState(m) },
    { methods: ['GET'], path: '/state.json', jsonp: true, handler: () => legacyState(m) },
    { methods: ['GET'], path: '/flags', jsonp: true, handler: () => ({ flags: formatFlags(MASTER_FLAGS, m.options.flags) }) },
  ];
}
