// Master restart (master-features §6.3, §6.4): the state in the registry becomes records again.
//
//   registry agent admitted     "recovered" (GET_AGENTS recovered_agents, /state recovered_slaves)
//                               until it re-registers with its id (agents.ts picks up its persisted
//                               tasks and reconciles them with its report) or until
//                               --agent_reregister_timeout, when it is marked unreachable (its tasks
//                               UNREACHABLE, or LOST for frameworks that are not PARTITION_AWARE)
//   registry agent unreachable  an unreachable AgentRecord with its tasks, as before the restart
//   framework                   "recovered" (inactive in the allocator, its tasks known at once, so
//                               reconciliation answers from the persisted states) until it
//                               re-subscribes with its id; its failover_timeout runs from when its
//                               scheduler disconnected — before the restart if it had — or from this
//                               start, and one already expired is torn down here (its tasks are
//                               killed when their agents re-register: agent-report.ts)
//   completed framework         completed: a re-subscription is refused, reported tasks are killed
//
// Mesos kept no frameworks or tasks (MESOS-4659): a framework that never came back orphaned its
// tasks forever, and reconciliation of tasks on recovering agents had no answer until they did.
import { resourcesFromWire, type Resources } from '../common/resources/index.ts';
import { capabilitiesOf, removeFramework } from './frameworks.ts';
import { markUnreachable } from './agents.ts';
import type { Master } from './master.ts';
import { frameworkMetricPrefix, registerFrameworkMetrics } from './master-metrics.ts';
import { taskKey, type AgentRecord, type FrameworkRecord, type TaskRecord } from './model.ts';
import type { AgentWithId, RegistryFramework, RegistryTask } from './registry.ts';
import { frameworkRoles } from './validation/framework.ts';

/** Loads the registry into the master's records; runs once, before the master serves requests. */
export function recoverFromRegistry(m: Master): void {
  const now = m.clock.now();
  m.registry.batch(() => {
    const expired: FrameworkRecord[] = [];
    const completed = [...m.registry.frameworks().values()].filter((f) => f.state === 'completed');
    completed.sort((a, b) => (a.removedTime ?? 0) - (b.removedTime ?? 0));
    for (const entry of completed.slice(-m.options.maxCompletedFrameworks)) m.completedFrameworks.push(frameworkRecord(entry, 'completed'));
    for (const entry of m.registry.frameworks().values()) {
      if (entry.state !== 'active') continue;
      const fw = frameworkRecord(entry, 'recovered');
      fw.unregisteredTime = entry.disconnectedTime ?? now;
      m.frameworks.set(fw.id, fw);
      registerFrameworkMetrics(m, fw);
      m.allocation.addFramework(fw.id, fw, new Map(), false);
      const deadline = fw.unregisteredTime + Math.max(0, (fw.info.failover_timeout ?? 0) * 1000);
      if (deadline <= now) expired.push(fw);
      else armFailover(m, fw, deadline - now);
    }
    for (const [id, entry] of m.registry.agents()) {
      if (entry.state === 'admitted') m.recoveringAgents.set(id, new Set());
      else if (entry.state === 'unreachable') {
        const agent = agentRecord(m, entry.info as AgentWithId, 'unreachable');
        agent.unreachableTime = entry.since;
        m.agents.set(id, agent);
      }
    }
    for (const persisted of m.registry.tasks()) recoverTask(m, persisted);
    for (const fw of expired) {
      m.log.info({ frameworkId: fw.id }, 'framework failover timeout expired while the master was down; removing it');
      removeFramework(m, fw);
    }
  });
  const recovering = m.recoveringAgents.size;
  m.log.info({ agents: recovering, frameworks: m.frameworks.size, tasks: m.registry.tasks().length }, 'master recovered the registry');
  if (recovering > 0) m.setTimer(() => expireRecoveringAgents(m), m.options.agentReregisterTimeoutMs);
}

/** A recovered framework that does not re-subscribe in time is torn down (re-subscribing cancels it). */
function armFailover(m: Master, fw: FrameworkRecord, ms: number): void {
  fw.failoverTimer = m.setLongTimer(() => {
    fw.failoverTimer = undefined;
    if (fw.status !== 'recovered' && fw.status !== 'disconnected') return;
    m.log.info({ frameworkId: fw.id }, 'recovered framework did not re-subscribe within its failover timeout; removing it');
    removeFramework(m, fw);
  }, ms);
}

function recoverTask(m: Master, persisted: RegistryTask): void {
  const fw = m.frameworks.get(persisted.frameworkId);
  const onRecovering = m.recoveringAgents.get(persisted.agentId);
  const agent = m.agents.get(persisted.agentId);
  if (fw === undefined || (onRecovering === undefined && agent === undefined)) {
    // Its framework or its agent is gone for good: nothing will ever report on it.
    m.registry.removeTask(persisted.frameworkId, persisted.taskId);
    return;
  }
  const latest = persisted.latestStatus;
  const task: TaskRecord = {
    taskId: persisted.taskId,
    frameworkId: persisted.frameworkId,
    agentId: persisted.agentId,
    info: persisted.info,
    executorId: persisted.executorId,
    resources: taskResources(persisted),
    state: persisted.state,
    statuses: latest === undefined ? [] : [latest],
    statusUpdateState: persisted.statusUpdateState,
    statusUpdateUuid: persisted.statusUpdateUuid,
    // Re-sent when the framework re-subscribes, until it is acknowledged.
    pendingUpdate: latest?.uuid !== undefined && latest.uuid === persisted.statusUpdateUuid ? latest : undefined,
    // The agent is not in the allocator yet: booked when it re-registers (agents.ts).
    resourcesRecovered: true,
    delivered: true,
    pendingKill: undefined,
    user: persisted.user,
    unreachableTime: persisted.unreachableTime,
  };
  fw.tasks.set(task.taskId, task);
  const key = taskKey(fw.id, task.taskId);
  onRecovering?.add(key);
  agent?.tasks.add(key);
}

function taskResources(task: RegistryTask): Resources {
  try {
    return resourcesFromWire(task.info.resources ?? []);
  } catch {
    // Validated when launched; unreadable now counts as nothing rather than failing the start.
    return resourcesFromWire([]);
  }
}

/** --agent_reregister_timeout passed: agents still recovering are marked unreachable. */
function expireRecoveringAgents(m: Master): void {
  for (const [id, tasks] of [...m.recoveringAgents]) {
    m.recoveringAgents.delete(id);
    const entry = m.registry.agents().get(id);
    if (entry === undefined || entry.state !== 'admitted') continue;
    const agent = agentRecord(m, entry.info as AgentWithId, 'disconnected');
    for (const key of tasks) agent.tasks.add(key);
    m.agents.set(id, agent);
    m.log.warn({ agentId: id }, 'agent did not re-register within --agent_reregister_timeout after the master restarted; marking it unreachable');
    markUnreachable(m, agent);
  }
}

/** A record for an agent known only from the registry (no connection, nothing in the allocator). */
function agentRecord(m: Master, info: AgentWithId, status: AgentRecord['status']): AgentRecord {
  return {
    id: info.id.value,
    info,
    // The registry keeps AgentInfo only; the agent's own address comes with its re-registration.
    ip: info.hostname,
    port: info.port ?? 5051,
    hostname: info.hostname,
    version: '',
    workDir: undefined,
    capabilities: [],
    checkpointedResources: resourcesFromWire([]),
    total: resourcesFromWire(info.resources ?? []),
    status,
    connection: undefined,
    registeredTime: m.startTime,
    reregisteredTime: undefined,
    unreachableTime: undefined,
    ping: { sequence: 0, awaiting: false, missed: 0, timer: undefined },
    tasks: new Set(),
    executors: new Map(),
    offers: new Set(),
  };
}

function frameworkRecord(entry: RegistryFramework, status: FrameworkRecord['status']): FrameworkRecord {
  const info = entry.info;
  return {
    id: info.id.value,
    info,
    roles: frameworkRoles(info),
    capabilities: capabilitiesOf(info),
    status,
    connection: undefined,
    suppressedRoles: new Set(),
    offerConstraints: undefined,
    registeredTime: entry.registeredTime,
    reregisteredTime: undefined,
    unregisteredTime: entry.removedTime,
    failoverTimer: undefined,
    metricPrefix: frameworkMetricPrefix(info.name, info.id.value),
    tasks: new Map(),
    completedTasks: [],
    offers: new Set(),
    executors: new Map(),
    operations: new Map(),
  };
}
