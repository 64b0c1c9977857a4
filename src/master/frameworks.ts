// Framework lifecycle (reference §2.1, master-features §6.4):
//
//   SUBSCRIBE (new id) ──► connected ──stream breaks──► disconnected ──failover_timeout──► completed
//                            ▲   │                           │                              ▲
//                            │   └─ re-SUBSCRIBE (same id): the old stream gets ERROR        │
//                            │      "Framework failed over" and is closed                    │
//                            └──────────── re-SUBSCRIBE within failover_timeout ─────────────┤
//                                                                            TEARDOWN ────────┘
//
// A removed framework's tasks are killed (SHUTDOWN_FRAMEWORK to their agents) and it is kept in
// a bounded list of completed frameworks.
import type { ServerResponse } from 'node:http';
import { InvalidArgumentError } from '../common/errors.ts';
import { EventStream } from '../common/http/event-stream.ts';
import { newUuid } from '../common/ids.ts';
import { encodeSchedulerEvent, type FrameworkInfo, type SubscribeCall, type UpdateFrameworkCall } from '../protocol/index.ts';
import type { Master } from './master.ts';
import { frameworkMetricPrefix, registerFrameworkMetrics } from './master-metrics.ts';
import type { FrameworkCapabilities, FrameworkRecord } from './model.ts';
import { dropFrameworkOffers, removeOffer } from './offers.ts';
import { resendPendingUpdates, transitionTask } from './status-updates.ts';
import { frameworkRoles, hasCapability, validateFrameworkInfo, validateFrameworkUpdate } from './validation/framework.ts';

export const STREAM_ID_HEADER = 'Mesos-Stream-Id';

export function capabilitiesOf(info: FrameworkInfo): FrameworkCapabilities {
  return {
    partitionAware: hasCapability(info, 'PARTITION_AWARE'),
    taskKillingState: hasCapability(info, 'TASK_KILLING_STATE'),
    reservationRefinement: hasCapability(info, 'RESERVATION_REFINEMENT'),
    multiRole: hasCapability(info, 'MULTI_ROLE'),
  };
}

/**
 * Answers a SUBSCRIBE that failed FrameworkInfo checks: 200, one ERROR event, end of stream. The
 * stream id header is there too: Mesos sets it before the master looks at the FrameworkInfo
 * (master/http.cpp `scheduler`), and clients may read it unconditionally.
 */
function refuseSubscription(res: ServerResponse, streamId: string, message: string): void {
  const stream = new EventStream(res, { headers: { [STREAM_ID_HEADER]: streamId } });
  stream.send(JSON.stringify(encodeSchedulerEvent({ type: 'ERROR', error: { message } })));
  stream.close();
}

/** SUBSCRIBE: a new framework, a failover of a known one, or a framework known from agents. */
export function subscribeFramework(m: Master, call: SubscribeCall, res: ServerResponse): void {
  const streamId = newUuid();
  const info = call.framework_info;
  const suppressed = call.suppressed_roles ?? [];
  const invalid = validateFrameworkInfo(info, { roleWhitelist: m.options.roleWhitelist, suppressedRoles: suppressed });
  if (invalid !== undefined) {
    m.log.info({ reason: invalid }, 'framework subscription refused');
    refuseSubscription(res, streamId, invalid);
    return;
  }
  const requestedId = info.id?.value;
  if (requestedId !== undefined && m.completedFrameworks.some((f) => f.id === requestedId)) {
    refuseSubscription(res, streamId, 'Framework has been removed');
    return;
  }
  const existing = requestedId === undefined ? undefined : m.frameworks.get(requestedId);
  if (existing !== undefined) {
    const error = validateFrameworkUpdate(existing.info, info, false);
    if (error !== undefined) {
      refuseSubscription(res, streamId, error);
      return;
    }
  }

  const stream = new EventStream(res, { headers: { [STREAM_ID_HEADER]: streamId } });
  const now = m.clock.now();
  let fw: FrameworkRecord;
  if (existing === undefined) {
    const id = requestedId ?? m.ids.framework();
    fw = {
      id,
      info: { ...info, id: { value: id } },
      roles: frameworkRoles(info),
      capabilities: capabilitiesOf(info),
      status: 'connected',
      connection: { streamId, stream, heartbeat: undefined },
      suppressedRoles: new Set(suppressed),
      offerConstraints: call.offer_constraints,
      registeredTime: now,
      reregisteredTime: requestedId === undefined ? undefined : now,
      unregisteredTime: undefined,
      failoverTimer: undefined,
      metricPrefix: frameworkMetricPrefix(info.name, id),
      tasks: new Map(),
      completedTasks: [],
      offers: new Set(),
      executors: new Map(),
      operations: new Map(),
    };
    m.frameworks.set(id, fw);
    registerFrameworkMetrics(m, fw);
    m.allocation.addFramework(id, fw, new Map(), true);
    m.metrics.counter('master/messages_register_framework').inc();
    m.log.info({ frameworkId: id, name: info.name }, 'framework subscribed');
    m.notify((o) => o.frameworkAdded?.(fw));
  } else {
    fw = existing;
    const wasConnected = fw.status === 'connected';
    const old = fw.connection;
    fw.connection = undefined;
    if (old !== undefined) {
      m.clearRepeating(old.heartbeat);
      if (!old.stream.closed) {
        m.sendOnStream(old.stream, JSON.stringify(encodeSchedulerEvent({ type: 'ERROR', error: { message: 'Framework failed over' } })));
        m.closeStream(old.stream);
      }
    }
    fw.failoverTimer?.cancel();
    fw.failoverTimer = undefined;
    // `user` and `checkpoint` cannot change on re-subscription; other changes are taken.
    fw.info = { ...info, id: { value: fw.id }, user: fw.info.user, checkpoint: fw.info.checkpoint };
    fw.roles = frameworkRoles(fw.info);
    fw.capabilities = capabilitiesOf(fw.info);
    fw.suppressedRoles = new Set(suppressed);
    fw.offerConstraints = call.offer_constraints;
    fw.status = 'connected';
    fw.connection = { streamId, stream, heartbeat: undefined };
    fw.reregisteredTime = now;
    fw.unregisteredTime = undefined;
    // A recovered framework is already known to the allocator, inactive (agent-report.ts).
    m.allocation.updateFramework(fw.id, fw);
    if (!wasConnected) m.allocation.activateFramework(fw.id);
    m.metrics.counter('master/messages_reregister_framework').inc();
    m.log.info({ frameworkId: fw.id, name: info.name }, 'framework re-subscribed');
  }

  const connection = fw.connection!;
  // One transaction: what the disconnect writes is committed before anything it says goes out.
  stream.onClose(() => {
    if (fw.connection === connection) m.transaction(() => disconnectFramework(m, fw));
  });
  m.sendToFramework(fw, {
    type: 'SUBSCRIBED',
    subscribed: { framework_id: { value: fw.id }, heartbeat_interval_seconds: m.options.heartbeatIntervalMs / 1000, master_info: m.info },
  });
  m.sendToFramework(fw, { type: 'HEARTBEAT' });
  connection.heartbeat = m.setRepeating(() => m.sendToFramework(fw, { type: 'HEARTBEAT' }), m.options.heartbeatIntervalMs);

  if (existing !== undefined) {
    // The new scheduler instance does not know the old offers: take them back without RESCIND.
    dropFrameworkOffers(m, fw);
    resendPendingUpdates(m, fw);
    tellAgentsAboutFramework(m, fw);
    m.notify((o) => o.frameworkUpdated?.(fw));
    m.allocation.trigger();
  }
}

/** UPDATE_FRAMEWORK on every agent that runs something of the framework. */
function tellAgentsAboutFramework(m: Master, fw: FrameworkRecord): void {
  const agentIds = new Set<string>(fw.executors.keys());
  for (const task of fw.tasks.values()) agentIds.add(task.agentId);
  for (const agentId of agentIds) {
    const agent = m.agents.get(agentId);
    if (agent !== undefined) m.sendToAgent(agent, { type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: fw.info } });
  }
}

/** The framework's stream broke: offers go back, and `failover_timeout` starts. */
export function disconnectFramework(m: Master, fw: FrameworkRecord): void {
  if (fw.status !== 'connected') return;
  m.clearRepeating(fw.connection?.heartbeat);
  fw.connection = undefined;
  fw.status = 'disconnected';
  fw.unregisteredTime = m.clock.now();
  m.allocation.deactivateFramework(fw.id);
  dropFrameworkOffers(m, fw);
  const timeoutMs = Math.max(0, (fw.info.failover_timeout ?? 0) * 1000);
  m.log.info({ frameworkId: fw.id, failoverTimeoutMs: timeoutMs }, 'framework disconnected');
  fw.failoverTimer = m.setLongTimer(() => {
    fw.failoverTimer = undefined;
    if (fw.status !== 'disconnected') return;
    m.log.info({ frameworkId: fw.id }, 'framework failover timeout expired; removing it');
    removeFramework(m, fw);
  }, timeoutMs);
  m.notify((o) => o.frameworkUpdated?.(fw));
}

/** TEARDOWN or failover timeout: kill everything of the framework and keep it as completed. */
export function removeFramework(m: Master, fw: FrameworkRecord): void {
  if (fw.status === 'completed') return;
  fw.failoverTimer?.cancel();
  fw.failoverTimer = undefined;
  const connection = fw.connection;
  fw.connection = undefined;
  if (connection !== undefined) {
    m.clearRepeating(connection.heartbeat);
    m.closeStream(connection.stream);
  }
  const agentIds = new Set<string>(fw.executors.keys());
  for (const task of fw.tasks.values()) agentIds.add(task.agentId);
  for (const agentId of agentIds) {
    const agent = m.agents.get(agentId);
    if (agent === undefined) continue;
    m.sendToAgent(agent, { type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: { value: fw.id } } });
    agent.executors.delete(fw.id);
  }
  for (const task of [...fw.tasks.values()]) {
    transitionTask(m, fw, task, 'TASK_KILLED', 'REASON_FRAMEWORK_REMOVED', 'Framework removed', { notify: false });
  }
  fw.executors.clear();
  for (const id of [...fw.offers]) {
    const offer = m.offers.get(id);
    if (offer !== undefined) removeOffer(m, offer, { recover: false });
  }
  m.allocation.removeFramework(fw.id);
  fw.status = 'completed';
  fw.unregisteredTime = m.clock.now();
  m.frameworks.delete(fw.id);
  m.completedFrameworks.push(fw);
  const max = m.options.maxCompletedFrameworks;
  if (m.completedFrameworks.length > max) m.completedFrameworks.splice(0, m.completedFrameworks.length - max);
  m.metrics.removePrefix(fw.metricPrefix);
  m.log.info({ frameworkId: fw.id }, 'framework removed');
  m.notify((o) => o.frameworkRemoved?.(fw));
}

/** UPDATE_FRAMEWORK: new info, suppressed roles and offer constraints; 400 when invalid. */
export function updateFramework(m: Master, fw: FrameworkRecord, call: UpdateFrameworkCall): void {
  const info = call.framework_info;
  const suppressed = call.suppressed_roles ?? [];
  const error =
    validateFrameworkInfo(info, { roleWhitelist: m.options.roleWhitelist, suppressedRoles: suppressed }) ??
    validateFrameworkUpdate(fw.info, info, true);
  if (error !== undefined) throw new InvalidArgumentError(`Failed to validate scheduler::Call: ${error}`);
  fw.info = { ...info, id: { value: fw.id } };
  fw.roles = frameworkRoles(fw.info);
  fw.capabilities = capabilitiesOf(fw.info);
  fw.suppressedRoles = new Set(suppressed);
  fw.offerConstraints = call.offer_constraints;
  m.allocation.updateFramework(fw.id, fw);
  // Offers for roles the framework left are rescinded.
  for (const id of [...fw.offers]) {
    const offer = m.offers.get(id);
    if (offer !== undefined && !fw.roles.includes(offer.role)) removeOffer(m, offer, { rescind: true });
  }
  tellAgentsAboutFramework(m, fw);
  m.notify((o) => o.frameworkUpdated?.(fw));
  m.allocation.trigger();
}
