// Agent lifecycle (docs/protocol/agent-master.md, master-features §6.3):
//
//   SUBSCRIBE (no id) ──► connected ──stream breaks──► disconnected ──re-SUBSCRIBE──► connected
//                           │  ▲                            │
//        missed pings ≥ max │  └──── re-SUBSCRIBE ──────────┤ missed pings ≥ max (same total)
//                           ▼                               ▼
//                       unreachable ◄───────────────────────┘   tasks UNREACHABLE (or LOST),
//                           │                                   offers rescinded, FAILURE sent
//                           └── re-SUBSCRIBE with its id ──► connected, tasks reconciled
//   UNREGISTER ──► removed (tasks GONE/LOST)
//
// One PING goes out every --agent_ping_timeout; an interval that ends without a PONG (or without
// a connection) is a missed ping. On every (re-)registration the allocator is given the agent
// afresh, with the resources its tasks and executors use, so its view always matches ours.
import type { ServerResponse } from 'node:http';
import { InvalidArgumentError } from '../common/errors.ts';
import { EventStream } from '../common/http/event-stream.ts';
import { newUuid } from '../common/ids.ts';
import { resourcesFromWire, type Resources } from '../common/resources/index.ts';
import { AGENT_STREAM_ID_HEADER, encodeMasterToAgentEvent, type AgentSubscribe, type TaskReconciliation } from '../protocol/agora/agent-master.ts';
import type { Task, TaskInfo } from '../protocol/index.ts';
import { isTerminalTaskState } from '../protocol/index.ts';
import { applyCheckpointed } from './agent-resources.ts';
import { capabilitiesOf } from './frameworks.ts';
import type { Master } from './master.ts';
import { registerFrameworkMetrics } from './master-metrics.ts';
import { taskKey, type AgentRecord, type FrameworkRecord, type TaskRecord } from './model.ts';
import { rescindAgentOffers } from './offers.ts';
import { sendKill } from './scheduler-calls.ts';
import { addTask, completeTask, transitionTask } from './status-updates.ts';
import { invalidOfferState, unreachableState } from './tasks.ts';
import { frameworkRoles } from './validation/framework.ts';

function refuseAgent(res: ServerResponse, type: 'SHUTDOWN' | 'ERROR', message: string): void {
  const stream = new EventStream(res);
  const event = type === 'SHUTDOWN' ? { type, shutdown: { message } } : { type, error: { message } };
  stream.send(JSON.stringify(encodeMasterToAgentEvent(event)));
  stream.close();
}

/** SUBSCRIBE: register a new agent, or re-register a known (or unknown, after a restart) id. */
export function subscribeAgent(m: Master, call: AgentSubscribe, res: ServerResponse): void {
  const info = call.agent_info;
  // Bad resources are a malformed call: 400 naming the field, before any stream opens.
  const configured = resourcesFromWire(info.resources ?? [], { label: 'subscribe.agent_info.resources' });
  const checkpointed = resourcesFromWire(call.checkpointed_resources ?? [], { label: 'subscribe.checkpointed_resources' });
  const total = applyCheckpointed(configured, checkpointed);
  if (typeof total === 'string') throw new InvalidArgumentError(`subscribe.checkpointed_resources: ${total}`);

  const requestedId = info.id?.value;
  if (requestedId !== undefined && m.registry.agents().get(requestedId)?.state === 'gone') {
    refuseAgent(res, 'SHUTDOWN', `Agent ${requestedId} has been marked gone`);
    return;
  }
  const now = m.clock.now();
  const id = requestedId ?? m.ids.agent();
  let agent = m.agents.get(id);
  const previous = agent?.status;
  const agentInfo = { ...info, id: { value: id } };
  const port = info.port ?? 5051;
  if (agent === undefined) {
    agent = {
      id,
      info: agentInfo,
      ip: call.ip,
      port,
      hostname: info.hostname,
      version: call.version,
      workDir: call.work_dir,
      capabilities: call.capabilities ?? [],
      checkpointedResources: checkpointed,
      total,
      status: 'connected',
      connection: undefined,
      registeredTime: now,
      reregisteredTime: requestedId === undefined ? undefined : now,
      unreachableTime: undefined,
      ping: { sequence: 0, awaiting: false, missed: 0, timer: undefined },
      tasks: new Set(),
      executors: new Map(),
      offers: new Set(),
    };
    m.agents.set(id, agent);
    if (m.registry.agents().has(id)) m.registry.markAgentReachable(agentInfo);
    else m.registry.admitAgent(agentInfo);
  } else {
    const old = agent.connection;
    agent.connection = undefined;
    old?.stream.close();
    rescindAgentOffers(m, agent);
    if (previous !== 'unreachable') m.allocation.removeAgent(id);
    Object.assign(agent, {
      info: agentInfo,
      ip: call.ip,
      port,
      hostname: info.hostname,
      version: call.version,
      workDir: call.work_dir,
      capabilities: call.capabilities ?? [],
      checkpointedResources: checkpointed,
      total,
      reregisteredTime: now,
      unreachableTime: undefined,
    });
    if (previous === 'unreachable') m.registry.markAgentReachable(agentInfo);
    else m.registry.updateAgent(agentInfo);
  }
  agent.status = 'connected';

  const reconciliations = reconcileReport(m, agent, call);
  const streamId = newUuid();
  const stream = new EventStream(res, { headers: { [AGENT_STREAM_ID_HEADER]: streamId } });
  const connection = { streamId, stream };
  agent.connection = connection;
  const record = agent;
  stream.onClose(() => {
    if (record.connection === connection) disconnectAgent(m, record);
  });
  m.sendToAgent(agent, {
    type: 'SUBSCRIBED',
    subscribed: {
      agent_id: { value: id },
      master_info: m.info,
      ping_interval_seconds: m.options.agentPingTimeoutMs / 1000,
      max_ping_timeouts: m.options.maxAgentPingTimeouts,
      ...(reconciliations.length > 0 && { reconciliations }),
    },
  });
  m.allocation.addAgent(id, agent.hostname, agent.total, usedOnAgent(m, agent));
  startPinging(m, agent);
  for (const key of agent.tasks) {
    const [frameworkId, taskId] = key.split('\u0000') as [string, string];
    const task = m.findTask(frameworkId, taskId);
    if (task?.pendingKill !== undefined && sendKill(m, task, task.pendingKill.killPolicy)) task.pendingKill = undefined;
  }
  if (previous === undefined) {
    m.metrics.counter(requestedId === undefined ? 'master/slave_registrations' : 'master/slave_reregistrations').inc();
    m.log.info({ agentId: id, hostname: agent.hostname }, requestedId === undefined ? 'agent registered' : 'agent re-registered');
    m.notify((o) => o.agentAdded?.(record));
  } else {
    m.metrics.counter('master/slave_reregistrations').inc();
    m.log.info({ agentId: id, hostname: agent.hostname, previous }, 'agent re-registered');
    if (previous === 'unreachable') m.notify((o) => o.agentAdded?.(record));
  }
}

/** Resources in use on an agent, per framework: live tasks and executors. */
function usedOnAgent(m: Master, agent: AgentRecord): Map<string, Resources> {
  const used = new Map<string, Resources>();
  const add = (frameworkId: string, r: Resources): void => {
    if (r.isEmpty()) return;
    const prev = used.get(frameworkId);
    used.set(frameworkId, prev === undefined ? r : prev.add(r));
  };
  for (const key of agent.tasks) {
    const [frameworkId, taskId] = key.split('\u0000') as [string, string];
    const task = m.findTask(frameworkId, taskId);
    if (task !== undefined && !isTerminalTaskState(task.state)) {
      task.resourcesRecovered = false;
      add(frameworkId, task.resources);
    }
  }
  for (const [frameworkId, executors] of agent.executors) {
    for (const executor of executors.values()) {
      try {
        add(frameworkId, resourcesFromWire(executor.resources ?? []));
      } catch {
        // Executor resources were validated when launched; a report we cannot read counts as none.
      }
    }
  }
  return used;
}

/** A framework only known from an agent's report (the master restarted): kept as "recovered". */
function recoveredFramework(m: Master, call: AgentSubscribe, frameworkId: string): FrameworkRecord | undefined {
  const report = (call.frameworks ?? []).find((f) => f.framework_info.id?.value === frameworkId);
  if (report === undefined) return undefined;
  const info = { ...report.framework_info, id: { value: frameworkId } };
  const fw: FrameworkRecord = {
    id: frameworkId,
    info,
    roles: frameworkRoles(info),
    capabilities: capabilitiesOf(info),
    status: 'recovered',
    connection: undefined,
    suppressedRoles: new Set(),
    offerConstraints: undefined,
    registeredTime: m.clock.now(),
    reregisteredTime: undefined,
    unregisteredTime: undefined,
    failoverTimer: undefined,
    tasks: new Map(),
    completedTasks: [],
    offers: new Set(),
    executors: new Map(),
    operations: new Map(),
  };
  m.frameworks.set(frameworkId, fw);
  registerFrameworkMetrics(m, fw);
  m.notify((o) => o.frameworkAdded?.(fw));
  return fw;
}

function taskInfoFromReport(task: Task): TaskInfo {
  return {
    name: task.name,
    task_id: task.task_id,
    agent_id: task.agent_id,
    ...(task.resources !== undefined && { resources: task.resources }),
    ...(task.labels !== undefined && { labels: task.labels }),
    ...(task.discovery !== undefined && { discovery: task.discovery }),
    ...(task.container !== undefined && { container: task.container }),
    ...(task.health_check !== undefined && { health_check: task.health_check }),
    ...(task.kill_policy !== undefined && { kill_policy: task.kill_policy }),
  };
}

/**
 * Matches what a (re-)registering agent reports against what the master knows: reported tasks
 * are adopted (and killed when their framework already gave them up), tasks the agent does not
 * know are lost (or dropped), and executors are recorded. Returns the reconciliations for
 * SUBSCRIBED.
 */
function reconcileReport(m: Master, agent: AgentRecord, call: AgentSubscribe): TaskReconciliation[] {
  const reported = new Set<string>();
  for (const task of call.tasks ?? []) {
    const frameworkId = task.framework_id.value;
    const taskId = task.task_id.value;
    reported.add(taskKey(frameworkId, taskId));
    const fw = m.frameworks.get(frameworkId) ?? (m.completedFrameworks.some((f) => f.id === frameworkId) ? undefined : recoveredFramework(m, call, frameworkId));
    const known = fw?.tasks.get(taskId);
    if (fw !== undefined && known !== undefined && known.agentId === agent.id) {
      if (!isTerminalTaskState(known.state)) {
        known.state = task.state;
        known.unreachableTime = undefined;
        m.notify((o) => o.taskUpdated?.(known));
      }
      known.delivered = true;
      agent.tasks.add(taskKey(frameworkId, taskId));
      continue;
    }
    const givenUp = fw === undefined || fw.completedTasks.some((t) => t.taskId === taskId && t.agentId === agent.id);
    if (givenUp) {
      // The framework was told this task is lost (or was removed): Mesos kills such tasks.
      if (!isTerminalTaskState(task.state)) {
        m.log.info({ agentId: agent.id, frameworkId, taskId }, 'killing a task its framework already gave up');
        queueKill(m, agent, frameworkId, taskId);
      }
      continue;
    }
    let resources: Resources;
    try {
      resources = resourcesFromWire(task.resources ?? []);
    } catch {
      resources = resourcesFromWire([]);
    }
    // Reports from older agents may lack allocation_info: count them against the framework's role.
    const unallocated = resources.filter((e) => e.allocationRole === undefined);
    if (!unallocated.isEmpty()) {
      resources = resources.filter((e) => e.allocationRole !== undefined).add(unallocated.allocate(fw.roles[0] ?? '*'));
    }
    const record: TaskRecord = {
      taskId,
      frameworkId,
      agentId: agent.id,
      info: taskInfoFromReport(task),
      executorId: task.executor_id?.value,
      resources,
      state: task.state,
      statuses: [...(task.statuses ?? [])],
      statusUpdateState: task.status_update_state,
      statusUpdateUuid: task.status_update_uuid,
      pendingUpdate: undefined,
      resourcesRecovered: isTerminalTaskState(task.state),
      delivered: true,
      pendingKill: undefined,
      user: task.user,
      unreachableTime: undefined,
    };
    addTask(m, fw, agent, record);
  }
  const reconciliations: TaskReconciliation[] = [];
  for (const key of [...agent.tasks]) {
    if (reported.has(key)) continue;
    const [frameworkId, taskId] = key.split('\u0000') as [string, string];
    const fw = m.frameworks.get(frameworkId);
    const task = fw?.tasks.get(taskId);
    if (fw === undefined || task === undefined) {
      agent.tasks.delete(key);
      continue;
    }
    if (isTerminalTaskState(task.state)) {
      // The agent no longer has the terminal update to re-send: nothing will complete it otherwise.
      completeTask(m, fw, task);
      continue;
    }
    const state = invalidOfferState(fw.capabilities.partitionAware);
    transitionTask(m, fw, task, state, 'REASON_RECONCILIATION', 'Reconciliation: task unknown to the agent');
    reconciliations.push({ framework_id: { value: frameworkId }, task_id: { value: taskId }, state });
  }
  agent.executors = new Map();
  for (const fw of m.frameworks.values()) fw.executors.delete(agent.id);
  for (const executor of call.executors ?? []) {
    const frameworkId = executor.framework_id?.value;
    if (frameworkId === undefined) continue;
    const fw = m.frameworks.get(frameworkId);
    if (fw === undefined) continue;
    let onAgent = agent.executors.get(frameworkId);
    if (onAgent === undefined) agent.executors.set(frameworkId, (onAgent = new Map()));
    onAgent.set(executor.executor_id.value, executor);
    let forFramework = fw.executors.get(agent.id);
    if (forFramework === undefined) fw.executors.set(agent.id, (forFramework = new Map()));
    forFramework.set(executor.executor_id.value, executor);
  }
  return reconciliations;
}

/** KILL_TASK for a task the master does not track, sent right after SUBSCRIBED. */
function queueKill(m: Master, agent: AgentRecord, frameworkId: string, taskId: string): void {
  setImmediate(() => {
    m.sendToAgent(agent, { type: 'KILL_TASK', kill_task: { framework_id: { value: frameworkId }, task_id: { value: taskId } } });
  });
}

/** The agent's stream broke: no offers from it until it is back; missed pings keep counting. */
export function disconnectAgent(m: Master, agent: AgentRecord): void {
  if (agent.status !== 'connected') return;
  agent.connection = undefined;
  agent.status = 'disconnected';
  rescindAgentOffers(m, agent);
  m.allocation.setAgentActive(agent.id, false);
  m.log.info({ agentId: agent.id }, 'agent disconnected');
}

function startPinging(m: Master, agent: AgentRecord): void {
  m.clearRepeating(agent.ping.timer);
  agent.ping = { sequence: agent.ping.sequence, awaiting: false, missed: 0, timer: undefined };
  const tick = (): void => {
    const ping = agent.ping;
    if (agent.status === 'connected' && !ping.awaiting) {
      ping.missed = 0;
    } else {
      ping.missed++;
      if (ping.missed >= m.options.maxAgentPingTimeouts) {
        m.log.warn({ agentId: agent.id, missed: ping.missed }, 'agent missed too many pings; marking it unreachable');
        markUnreachable(m, agent);
        return;
      }
    }
    if (agent.status === 'connected') {
      ping.sequence++;
      ping.awaiting = m.sendToAgent(agent, { type: 'PING', ping: { sequence: ping.sequence } });
    }
  };
  tick();
  agent.ping.timer = m.setRepeating(tick, m.options.agentPingTimeoutMs);
}

export function receivePong(agent: AgentRecord): void {
  agent.ping.awaiting = false;
  agent.ping.missed = 0;
}

function sendAgentFailure(m: Master, agent: AgentRecord): void {
  for (const fw of m.frameworks.values()) m.sendToFramework(fw, { type: 'FAILURE', failure: { agent_id: { value: agent.id } } });
}

/** Too many missed pings: tasks become UNREACHABLE (LOST for others), offers go, FAILURE is sent. */
export function markUnreachable(m: Master, agent: AgentRecord): void {
  if (agent.status === 'unreachable' || agent.status === 'removed') return;
  const now = m.clock.now();
  m.clearRepeating(agent.ping.timer);
  agent.ping.timer = undefined;
  const connection = agent.connection;
  agent.connection = undefined;
  connection?.stream.close();
  agent.status = 'unreachable';
  agent.unreachableTime = now;
  m.registry.markAgentUnreachable(agent.id, now);
  rescindAgentOffers(m, agent);
  m.allocation.removeAgent(agent.id);
  const message = `Agent ${agent.hostname} is unreachable`;
  for (const key of [...agent.tasks]) {
    const [frameworkId, taskId] = key.split('\u0000') as [string, string];
    const fw = m.frameworks.get(frameworkId);
    const task = fw?.tasks.get(taskId);
    if (fw === undefined || task === undefined) continue;
    // The allocator forgot the agent, and with it these resources.
    task.resourcesRecovered = true;
    if (isTerminalTaskState(task.state)) continue;
    transitionTask(m, fw, task, unreachableState(fw.capabilities.partitionAware), 'REASON_AGENT_REMOVED', message, { unreachableTime: now });
  }
  for (const fw of m.frameworks.values()) fw.executors.delete(agent.id);
  agent.executors.clear();
  sendAgentFailure(m, agent);
  m.metrics.counter('master/slave_unreachable_completed').inc();
  m.notify((o) => o.agentRemoved?.(agent.id));
}

/** UNREGISTER: the agent leaves for good; its tasks are gone. */
export function unregisterAgent(m: Master, agent: AgentRecord): void {
  m.clearRepeating(agent.ping.timer);
  const connection = agent.connection;
  agent.connection = undefined;
  agent.status = 'removed';
  connection?.stream.close();
  rescindAgentOffers(m, agent);
  m.allocation.removeAgent(agent.id);
  for (const key of [...agent.tasks]) {
    const [frameworkId, taskId] = key.split('\u0000') as [string, string];
    const fw = m.frameworks.get(frameworkId);
    const task = fw?.tasks.get(taskId);
    if (fw === undefined || task === undefined) continue;
    task.resourcesRecovered = true;
    if (isTerminalTaskState(task.state)) completeTask(m, fw, task);
    else transitionTask(m, fw, task, 'TASK_GONE', 'REASON_AGENT_REMOVED', `Agent ${agent.hostname} unregistered`);
  }
  for (const fw of m.frameworks.values()) fw.executors.delete(agent.id);
  m.registry.removeAgent(agent.id);
  m.agents.delete(agent.id);
  sendAgentFailure(m, agent);
  m.metrics.counter('master/slave_removals').inc();
  m.log.info({ agentId: agent.id }, 'agent unregistered');
  m.notify((o) => o.agentRemoved?.(agent.id));
}

