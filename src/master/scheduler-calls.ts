// Every scheduler call after SUBSCRIBE, for a framework the HTTP layer has already found and
// checked (subscribed, right stream id). The HTTP layer answers 202 unless a handler throws.
import type { KillCall, ReconcileCall, ReconcileOperationsCall, TaskStatus, ValidSchedulerCall } from '../protocol/index.ts';
import { TERMINAL_OPERATION_STATES, type OperationState } from '../protocol/index.ts';
import { newStatusUuid } from '../common/ids.ts';
import { accept, decline } from './accept.ts';
import { removeFramework, updateFramework } from './frameworks.ts';
import type { Master } from './master.ts';
import { countForFramework } from './master-metrics.ts';
import type { FrameworkRecord, TaskRecord } from './model.ts';
import { acknowledgeUpdate, masterStatus, sendUpdate, transitionTask } from './status-updates.ts';
import { RECONCILIATION_MESSAGE, reconciledState, reconcileUnknownTask, stateForFramework, type AgentStanding } from './tasks.ts';

export function handleSchedulerCall(m: Master, fw: FrameworkRecord, call: ValidSchedulerCall): void {
  countForFramework(m, fw, 'calls', call.type);
  switch (call.type) {
    case 'TEARDOWN':
      m.log.info({ frameworkId: fw.id }, 'framework asked for teardown');
      removeFramework(m, fw);
      return;
    case 'ACCEPT':
      accept(m, fw, call.accept);
      return;
    case 'DECLINE':
      decline(m, fw, call.decline);
      return;
    case 'ACCEPT_INVERSE_OFFERS':
    case 'DECLINE_INVERSE_OFFERS':
      // No maintenance schedules yet, so no inverse offers to answer.
      return;
    case 'REVIVE': {
      const roles = call.revive?.roles;
      m.metrics.counter('master/messages_revive_offers').inc();
      for (const role of roles === undefined || roles.length === 0 ? fw.roles : roles) fw.suppressedRoles.delete(role);
      m.allocation.revive(fw.id, roles);
      return;
    }
    case 'SUPPRESS': {
      const roles = call.suppress?.roles;
      m.metrics.counter('master/messages_suppress_offers').inc();
      for (const role of roles === undefined || roles.length === 0 ? fw.roles : roles) if (fw.roles.includes(role)) fw.suppressedRoles.add(role);
      m.allocation.suppress(fw.id, roles);
      return;
    }
    case 'KILL':
      kill(m, fw, call.kill);
      return;
    case 'SHUTDOWN': {
      const agent = m.agents.get(call.shutdown.agent_id.value);
      if (agent !== undefined) {
        m.sendToAgent(agent, {
          type: 'SHUTDOWN_EXECUTOR',
          shutdown_executor: { framework_id: { value: fw.id }, executor_id: call.shutdown.executor_id },
        });
      }
      return;
    }
    case 'ACKNOWLEDGE':
      acknowledgeUpdate(m, fw, call.acknowledge.agent_id.value, call.acknowledge.task_id.value, call.acknowledge.uuid);
      return;
    case 'ACKNOWLEDGE_OPERATION_STATUS': {
      const ack = call.acknowledge_operation_status;
      for (const [uuid, op] of fw.operations) {
        if (op.operationId === ack.operation_id.value && TERMINAL_OPERATION_STATES.has(op.state as OperationState)) fw.operations.delete(uuid);
      }
      return;
    }
    case 'RECONCILE':
      reconcile(m, fw, call.reconcile);
      return;
    case 'RECONCILE_OPERATIONS':
      reconcileOperations(m, fw, call.reconcile_operations);
      return;
    case 'MESSAGE': {
      const agent = m.agents.get(call.message.agent_id.value);
      if (agent === undefined || !m.sendToAgent(agent, {
        type: 'FRAMEWORK_TO_EXECUTOR_MESSAGE',
        framework_to_executor_message: { framework_id: { value: fw.id }, executor_id: call.message.executor_id, data: call.message.data },
      })) {
        m.log.info({ frameworkId: fw.id, agentId: call.message.agent_id.value }, 'framework message dropped: agent not connected');
      }
      return;
    }
    case 'REQUEST':
      // The built-in allocator ignores resource requests, as Mesos' does.
      return;
    case 'UPDATE_FRAMEWORK':
      updateFramework(m, fw, call.update_framework);
      return;
    case 'SUBSCRIBE':
    case 'UNKNOWN':
      return;
  }
}

/**
 * KILL (reference §2.3): an unknown task is reconciled; a task that never reached its agent is
 * killed by the master; otherwise the agent gets KILL_TASK with the call's kill policy (or the
 * task's), now or when it comes back.
 */
function kill(m: Master, fw: FrameworkRecord, call: KillCall): void {
  m.metrics.counter('master/messages_kill_task').inc();
  const task = fw.tasks.get(call.task_id.value);
  if (task === undefined) {
    reconcile(m, fw, { tasks: [{ task_id: call.task_id, ...(call.agent_id !== undefined && { agent_id: call.agent_id }) }] });
    return;
  }
  if (!task.delivered) {
    transitionTask(m, fw, task, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'Killed before delivery to the agent');
    return;
  }
  const killPolicy = call.kill_policy ?? task.info.kill_policy;
  const agent = m.agents.get(task.agentId);
  if (agent !== undefined && sendKill(m, task, killPolicy)) {
    task.pendingKill = undefined;
    return;
  }
  task.pendingKill = { killPolicy };
  m.log.info({ frameworkId: fw.id, taskId: task.taskId }, 'kill deferred until the agent is back');
}

/** KILL_TASK to the task's agent; false when it is not connected. */
export function sendKill(m: Master, task: TaskRecord, killPolicy: TaskRecord['info']['kill_policy']): boolean {
  const agent = m.agents.get(task.agentId);
  if (agent === undefined) return false;
  return m.sendToAgent(agent, {
    type: 'KILL_TASK',
    kill_task: {
      framework_id: { value: task.frameworkId },
      task_id: { value: task.taskId },
      ...(killPolicy !== undefined && { kill_policy: killPolicy }),
    },
  });
}

/** What the master knows about an agent id, for reconciling a task it does not know. */
export function agentStanding(m: Master, agentId: string | undefined): AgentStanding {
  if (agentId === undefined) return 'unknown';
  const agent = m.agents.get(agentId);
  if (agent !== undefined) {
    if (agent.status === 'connected' || agent.status === 'disconnected') return 'registered';
    if (agent.status === 'unreachable') return 'unreachable';
  }
  const registered = m.registry.agents().get(agentId);
  if (registered === undefined) return 'unknown';
  if (registered.state === 'gone') return 'gone';
  if (registered.state === 'unreachable') return 'unreachable';
  // Admitted in the registry but not re-registered with this master yet.
  return agent === undefined ? 'recovering' : 'unknown';
}

/**
 * A known task's state as a reconciliation answer (no uuid): that of its unacknowledged update if
 * it has one (tasks.ts `reconciledState`), with that update's health, labels and check and
 * container status; else the latest state.
 */
function latestStatus(m: Master, fw: FrameworkRecord, task: TaskRecord): TaskStatus {
  const last = task.pendingUpdate ?? task.statuses.at(-1);
  const status = masterStatus(
    m,
    task,
    stateForFramework(reconciledState(task), fw.capabilities.partitionAware),
    'REASON_RECONCILIATION',
    RECONCILIATION_MESSAGE,
  );
  if (last?.healthy !== undefined) status.healthy = last.healthy;
  if (last?.labels !== undefined) status.labels = last.labels;
  if (last?.check_status !== undefined) status.check_status = last.check_status;
  if (last?.container_status !== undefined) status.container_status = last.container_status;
  if (task.unreachableTime !== undefined) status.unreachable_time = { nanoseconds: task.unreachableTime * 1_000_000 };
  return status;
}

/** RECONCILE: explicit (listed tasks) or implicit (an empty list: every task the framework has). */
export function reconcile(m: Master, fw: FrameworkRecord, call: ReconcileCall): void {
  m.metrics.counter('master/messages_reconcile_tasks').inc();
  const listed = call.tasks ?? [];
  if (listed.length === 0) {
    for (const task of fw.tasks.values()) sendUpdate(m, fw, latestStatus(m, fw, task));
    return;
  }
  for (const item of listed) {
    const task = fw.tasks.get(item.task_id.value);
    const agentId = item.agent_id?.value;
    if (task !== undefined && (agentId === undefined || agentId === task.agentId)) {
      sendUpdate(m, fw, latestStatus(m, fw, task));
      continue;
    }
    const reply = reconcileUnknownTask(agentStanding(m, agentId), fw.capabilities.partitionAware);
    if (reply === undefined) continue;
    sendUpdate(m, fw, masterStatus(m, { taskId: item.task_id.value, agentId }, reply.state, 'REASON_RECONCILIATION', reply.message));
  }
}

/** RECONCILE_OPERATIONS: the latest status of the listed (or all known) operations. */
function reconcileOperations(m: Master, fw: FrameworkRecord, call: ReconcileOperationsCall): void {
  const listed = call.operations ?? [];
  const known = [...fw.operations.values()];
  const answer = (operationId: string, state: OperationState, agentId: string | undefined, message?: string): void => {
    m.sendToFramework(fw, {
      type: 'UPDATE_OPERATION_STATUS',
      update_operation_status: {
        status: {
          operation_id: { value: operationId },
          state,
          ...(message !== undefined && { message }),
          ...(agentId !== undefined && agentId !== '' && { agent_id: { value: agentId } }),
          uuid: { value: newStatusUuid() },
        },
      },
    });
  };
  if (listed.length === 0) {
    for (const op of known) answer(op.operationId, op.state as OperationState, op.agentId, op.message);
    return;
  }
  for (const item of listed) {
    const op = known.find((o) => o.operationId === item.operation_id.value);
    if (op !== undefined) answer(op.operationId, op.state as OperationState, op.agentId, op.message);
    else answer(item.operation_id.value, 'OPERATION_UNKNOWN', item.agent_id?.value);
  }
}
