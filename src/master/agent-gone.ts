// Operator MARK_AGENT_GONE (master-features §5.3, reference §5.1): the operator declares an agent
// dead for good — the machine is decommissioned, or its disk was wiped — so that frameworks can
// act at once instead of waiting for it to come back.
//
//   registered / disconnected / unreachable / recovering agent
//     ──MARK_AGENT_GONE──► gone (registry: a named operation, survives restarts)
//        its non-terminal tasks      TASK_GONE_BY_OPERATOR (TASK_LOST for frameworks that are not
//                                    PARTITION_AWARE), REASON_AGENT_REMOVED_BY_OPERATOR
//        offers on it                rescinded; its resources leave the allocator
//        frameworks                  FAILURE (unless they had it when it became unreachable)
//        the agent, if connected     SHUTDOWN on its stream, which then closes
//        from then on                SUBSCRIBE with its id: 403 + SHUTDOWN; other calls: 403;
//                                    reconciliation of its tasks: TASK_GONE_BY_OPERATOR
//   gone agent ──MARK_AGENT_GONE──► 200, nothing changes (idempotent)
//   unknown id ──MARK_AGENT_GONE──► 404 (as Mesos: "Agent '<id>' not found")
import { NotFoundError } from '../common/errors.ts';
import { sendAgentFailure, settleTasksOfRemovedAgent } from './agents.ts';
import type { Master } from './master.ts';
import { rescindAgentOffers } from './offers.ts';

export type MarkGoneOutcome = 'marked' | 'already-gone';

/** Marks the agent gone; throws NotFoundError for an id the master has never known (or forgot). */
export function markAgentGone(m: Master, agentId: string): MarkGoneOutcome {
  const entry = m.registry.agents().get(agentId);
  if (entry?.state === 'gone') return 'already-gone';
  const agent = m.agents.get(agentId);
  const recovering = m.recoveringAgents.get(agentId);
  if (entry === undefined && agent === undefined && recovering === undefined) throw new NotFoundError(`Agent '${agentId}' not found`);

  const now = m.clock.now();
  const wasUnreachable = agent?.status === 'unreachable' || entry?.state === 'unreachable';
  if (m.unreachableLimiter.cancel(agentId)) m.metrics.counter('master/slave_unreachable_canceled').inc();
  if (entry === undefined && agent !== undefined) m.registry.admitAgent(agent.info);
  m.registry.markAgentGone(agentId, now);

  const hostname = agent?.hostname ?? entry?.info.hostname ?? agentId;
  const taskKeys = [...(agent?.tasks ?? recovering ?? [])];
  if (agent !== undefined) {
    m.clearRepeating(agent.ping.timer);
    agent.ping.timer = undefined;
    m.sendToAgent(agent, { type: 'SHUTDOWN', shutdown: { message: `Agent ${agentId} has been marked gone by an operator` } });
    const connection = agent.connection;
    // Detached first, so that closing the stream does not count as a disconnection.
    agent.connection = undefined;
    agent.status = 'removed';
    if (connection !== undefined) m.closeStream(connection.stream);
    rescindAgentOffers(m, agent);
    m.allocation.removeAgent(agentId);
  }
  m.recoveringAgents.delete(agentId);

  const message = `Agent ${hostname} was marked gone by an operator`;
  // The allocator forgot the agent (or never had it back), and with it these resources.
  settleTasksOfRemovedAgent(m, taskKeys, 'TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR', message);
  for (const fw of m.frameworks.values()) fw.executors.delete(agentId);
  if (agent !== undefined) {
    agent.executors.clear();
    m.agents.delete(agentId);
    if (!wasUnreachable) sendAgentFailure(m, agent);
  }
  m.metrics.counter('master/slave_removals').inc();
  m.log.info({ agentId, hostname, wasUnreachable }, 'agent marked gone by an operator');
  // Watchers heard AGENT_REMOVED already if it was unreachable.
  if (!wasUnreachable) m.notify((o) => o.agentRemoved?.(agentId));
  return 'marked';
}
