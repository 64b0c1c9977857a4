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
// a connection) is a missed ping. On every (re-)registration the agent's report is matched
// against the master's records (agent-report.ts), and then the allocator is given the agent
// afresh, with the resources its non-terminal tasks and its executors use, so that its view
// always matches ours (`rebuildAgentAllocation`).
import type { ServerResponse } from 'node:http';
import { InvalidArgumentError } from '../common/errors.ts';
import { EventStream } from '../common/http/event-stream.ts';
import { newUuid } from '../common/ids.ts';
import { resourcesFromWire, type Resources } from '../common/resources/index.ts';
import { AGENT_STREAM_ID_HEADER, encodeMasterToAgentEvent, type AgentSubscribe } from '../protocol/agora/agent-master.ts';
import { isTerminalTaskState, type TaskState, type TaskStatusReason } from '../protocol/index.ts';
import { encodeRecord } from '../protocol/recordio.ts';
import { applyCheckpointed } from './agent-resources.ts';
import { reconcileReport } from './agent-report.ts';
import type { Master } from './master.ts';
import { tasksByKey, type AgentRecord, type FrameworkRecord } from './model.ts';
import { removeOffer, rescindAgentOffers } from './offers.ts';
import { pruneUnreachableTasks } from './pruning.ts';
import { sendKill } from './scheduler-calls.ts';
import { completeTask, transitionTask } from './status-updates.ts';
import { unreachableState } from './tasks.ts';

/**
 * Refuses a SUBSCRIBE for good (docs/protocol/agent-master.md): 403, with the SHUTDOWN (or ERROR)
 * event as one RecordIO record in the body, so that an agent reading it as a stream learns why.
 */
function refuseAgent(res: ServerResponse, type: 'SHUTDOWN' | 'ERROR', message: string): void {
  const event = type === 'SHUTDOWN' ? { type, shutdown: { message } } : { type, error: { message } };
  const body = encodeRecord(JSON.stringify(encodeMasterToAgentEvent(event)));
  res.writeHead(403, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
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
  // What the agent reports about itself, on a first registration and on every re-registration.
  const reported = {
    info: agentInfo,
    ip: call.ip,
    port,
    hostname: info.hostname,
    version: call.version,
    workDir: call.work_dir,
    capabilities: call.capabilities ?? [],
    checkpointedResources: checkpointed,
    total,
  };
  if (agent === undefined) {
    agent = {
      id,
      ...reported,
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
    // Back after a master restart: its persisted tasks are matched against its report below.
    const recovered = m.recoveringAgents.get(id);
    if (recovered !== undefined) {
      for (const key of recovered) agent.tasks.add(key);
      m.recoveringAgents.delete(id);
    }
    if (m.registry.agents().has(id)) m.registry.markAgentReachable(agentInfo);
    else m.registry.admitAgent(agentInfo);
  } else {
    const old = agent.connection;
    agent.connection = undefined;
    if (old !== undefined) m.closeStream(old.stream);
    rescindAgentOffers(m, agent);
    m.allocation.removeAgent(id);
    Object.assign(agent, {
      ...reported,
      reregisteredTime: now,
      unreachableTime: undefined,
    });
    if (previous === 'unreachable') m.registry.markAgentReachable(agentInfo);
    else m.registry.updateAgent(agentInfo);
  }
  agent.status = 'connected';
  cancelScheduledUnreachable(m, agent, 'it re-subscribed');

  const reconciliations = reconcileReport(m, agent, call);
  const streamId = newUuid();
  const stream = new EventStream(res, { headers: { [AGENT_STREAM_ID_HEADER]: streamId } });
  const connection = { streamId, stream };
  agent.connection = connection;
  const record = agent;
  // One transaction: what the disconnect writes is committed before anything it says goes out.
  stream.onClose(() => {
    if (record.connection === connection) m.transaction(() => disconnectAgent(m, record));
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
  rebuildAgentAllocation(m, agent);
  startPinging(m, agent);
  for (const { task } of tasksByKey(m.frameworks, agent.tasks)) {
    if (task.pendingKill !== undefined && sendKill(m, task, task.pendingKill.killPolicy)) task.pendingKill = undefined;
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

/**
 * Gives the allocator the agent afresh from the master's records (on every (re-)registration, and
 * when the allocator refused an update about it): outstanding offers on it are rescinded, and it
 * is added back with what its non-terminal tasks and its executors use. Each task's
 * `resourcesRecovered` is set to match, so that every task's resources go back exactly once,
 * whatever order its updates, acknowledgements and the agent's reconnections come in.
 */
export function rebuildAgentAllocation(m: Master, agentOrId: AgentRecord | string): void {
  const agent = typeof agentOrId === 'string' ? m.agents.get(agentOrId) : agentOrId;
  if (agent === undefined) return;
  for (const id of [...agent.offers]) {
    const offer = m.offers.get(id);
    // Not given back: the allocator forgets the agent, offers included.
    if (offer !== undefined) removeOffer(m, offer, { rescind: true, recover: false });
  }
  m.allocation.removeAgent(agent.id);
  // Unreachable and removed agents stay out of the allocator (their tasks were given back then).
  if (agent.status !== 'connected' && agent.status !== 'disconnected') return;
  m.allocation.addAgent(agent.id, agent.hostname, agent.total, usedOnAgent(m, agent));
  if (agent.status === 'disconnected') m.allocation.setAgentActive(agent.id, false);
}

/** Resources in use on an agent, per framework: non-terminal tasks and executors. */
function usedOnAgent(m: Master, agent: AgentRecord): Map<string, Resources> {
  const used = new Map<string, Resources>();
  const add = (frameworkId: string, r: Resources): void => {
    if (r.isEmpty()) return;
    const prev = used.get(frameworkId);
    used.set(frameworkId, prev === undefined ? r : prev.add(r));
  };
  for (const { fw, task } of tasksByKey(m.frameworks, agent.tasks)) {
    // The allocator's view and the flag must agree: a terminal task is not counted, so nothing
    // may recover it again later (its ACK completes it without touching the allocator).
    task.resourcesRecovered = isTerminalTaskState(task.state);
    if (!task.resourcesRecovered) add(fw.id, task.resources);
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

/** The agent's stream broke: no offers from it until it is back; missed pings keep counting. */
export function disconnectAgent(m: Master, agent: AgentRecord): void {
  if (agent.status !== 'connected') return;
  agent.connection = undefined;
  agent.status = 'disconnected';
  m.stateChanged();
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
      if (ping.missed >= m.options.maxAgentPingTimeouts && !m.unreachableLimiter.has(agent.id)) {
        m.log.warn({ agentId: agent.id, missed: ping.missed }, 'agent missed too many pings; marking it unreachable');
        scheduleUnreachable(m, agent);
        // Unlimited: already done. Otherwise it keeps being pinged while it waits its turn, so
        // that an answer takes it out of the queue.
        if (agent.status === 'unreachable') return;
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

export function receivePong(m: Master, agent: AgentRecord): void {
  agent.ping.awaiting = false;
  agent.ping.missed = 0;
  cancelScheduledUnreachable(m, agent, 'it answered a ping');
}

/** Queues marking the agent unreachable behind --agent_removal_rate_limit (at once without one). */
function scheduleUnreachable(m: Master, agent: AgentRecord): void {
  m.metrics.counter('master/slave_unreachable_scheduled').inc();
  m.unreachableLimiter.schedule(agent.id, () => {
    if (m.agents.get(agent.id) !== agent) return;
    markUnreachable(m, agent);
  });
}

/** The agent came back (a PONG, or a new stream) before its turn: it is not marked unreachable. */
export function cancelScheduledUnreachable(m: Master, agent: AgentRecord | string, why: string): void {
  const id = typeof agent === 'string' ? agent : agent.id;
  if (!m.unreachableLimiter.cancel(id)) return;
  m.metrics.counter('master/slave_unreachable_canceled').inc();
  m.log.info({ agentId: id, why }, 'agent is back; it will not be marked unreachable');
}

export function sendAgentFailure(m: Master, agent: AgentRecord): void {
  for (const fw of m.frameworks.values()) m.sendToFramework(fw, { type: 'FAILURE', failure: { agent_id: { value: agent.id } } });
}

/** Too many missed pings: tasks become UNREACHABLE (LOST for others), offers go, FAILURE is sent. */
export function markUnreachable(m: Master, agent: AgentRecord): void {
  if (agent.status === 'unreachable' || agent.status === 'removed') return;
  // Marked by another path (e.g. the re-register timeout) while waiting its turn.
  m.unreachableLimiter.cancel(agent.id);
  const now = m.clock.now();
  m.clearRepeating(agent.ping.timer);
  agent.ping.timer = undefined;
  const connection = agent.connection;
  agent.connection = undefined;
  if (connection !== undefined) m.closeStream(connection.stream);
  agent.status = 'unreachable';
  agent.unreachableTime = now;
  m.registry.markAgentUnreachable(agent.id, now);
  rescindAgentOffers(m, agent);
  m.allocation.removeAgent(agent.id);
  const message = `Agent ${agent.hostname} is unreachable`;
  const touched = new Set<FrameworkRecord>();
  for (const { fw, task } of tasksByKey(m.frameworks, agent.tasks)) {
    // The allocator forgot the agent, and with it these resources.
    task.resourcesRecovered = true;
    if (isTerminalTaskState(task.state)) continue;
    transitionTask(m, fw, task, unreachableState(fw.capabilities.partitionAware), 'REASON_AGENT_REMOVED', message, { unreachableTime: now });
    touched.add(fw);
  }
  for (const fw of touched) pruneUnreachableTasks(m, fw);
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
  if (connection !== undefined) m.closeStream(connection.stream);
  rescindAgentOffers(m, agent);
  m.allocation.removeAgent(agent.id);
  settleTasksOfRemovedAgent(m, agent.tasks, 'TASK_GONE', 'REASON_AGENT_REMOVED', `Agent ${agent.hostname} unregistered`);
  for (const fw of m.frameworks.values()) fw.executors.delete(agent.id);
  m.registry.removeAgent(agent.id);
  m.agents.delete(agent.id);
  sendAgentFailure(m, agent);
  m.metrics.counter('master/slave_removals').inc();
  m.log.info({ agentId: agent.id }, 'agent unregistered');
  m.notify((o) => o.agentRemoved?.(agent.id));
}

/**
 * The tasks of an agent that is gone for good (unregistered, or marked gone by an operator): the
 * allocator already forgot the agent and with it their resources; terminal tasks are completed,
 * the others move to `state`.
 */
export function settleTasksOfRemovedAgent(m: Master, keys: Iterable<string>, state: TaskState, reason: TaskStatusReason, message: string): void {
  for (const { fw, task } of tasksByKey(m.frameworks, keys)) {
    task.resourcesRecovered = true;
    if (isTerminalTaskState(task.state)) completeTask(m, fw, task);
    else transitionTask(m, fw, task, state, reason, message);
  }
}
