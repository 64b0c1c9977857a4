// Task bookkeeping around status updates: adding launched tasks, applying agent updates and the
// master's own transitions (tasks.ts decides), forwarding UPDATE events, acknowledgements, and
// moving finished tasks to the bounded completed list.
//
// Reliability (reference §2.4): updates from agents carry a uuid and are forwarded every time the
// agent sends them (it retries until acknowledged); the latest unacknowledged one is re-sent to a
// framework that re-subscribes. Updates the master makes up carry no uuid and need no ACK.
import type { TaskState, TaskStatus, TaskStatusReason } from '../protocol/index.ts';
import { isTerminalTaskState } from '../protocol/index.ts';
import type { Master } from './master.ts';
import { taskKey, type AgentRecord, type FrameworkRecord, type TaskRecord } from './model.ts';
import { forgetPersistedTask, persistTask } from './persistence.ts';
import { applyAcknowledge, applyAgentUpdate, applyMasterTransition, completesAfterMasterTransition, stateForFramework } from './tasks.ts';

const MAX_STATUSES_PER_TASK = 100;

/** A status the master makes: SOURCE_MASTER, no uuid, timestamp now. */
export function masterStatus(
  m: Master,
  task: { taskId: string; agentId?: string | undefined; executorId?: string | undefined },
  state: TaskState,
  reason: TaskStatusReason,
  message: string,
): TaskStatus {
  return {
    task_id: { value: task.taskId },
    state,
    source: 'SOURCE_MASTER',
    reason,
    message,
    ...(task.agentId !== undefined && { agent_id: { value: task.agentId } }),
    ...(task.executorId !== undefined && { executor_id: { value: task.executorId } }),
    timestamp: m.nowSeconds(),
  };
}

/** Sends an UPDATE event; returns whether it went out. */
export function sendUpdate(m: Master, fw: FrameworkRecord, status: TaskStatus): boolean {
  return m.sendToFramework(fw, { type: 'UPDATE', update: { status } });
}

function recordStatus(task: TaskRecord, status: TaskStatus): void {
  // Keep the history lean: the data field can be large and is not needed afterwards (Mesos too).
  const { data: _data, ...kept } = status;
  task.statuses.push(kept);
  if (task.statuses.length > MAX_STATUSES_PER_TASK) task.statuses.splice(0, task.statuses.length - MAX_STATUSES_PER_TASK);
}

/** A task the master just accepted for launch (TASK_STAGING). */
export function addTask(m: Master, fw: FrameworkRecord, agent: AgentRecord, task: TaskRecord): void {
  fw.tasks.set(task.taskId, task);
  agent.tasks.add(taskKey(fw.id, task.taskId));
  m.notify((o) => o.taskAdded?.(task));
}

function recoverTaskResources(m: Master, task: TaskRecord): void {
  if (task.resourcesRecovered) return;
  task.resourcesRecovered = true;
  m.allocation.recover(task.frameworkId, task.agentId, task.resources);
  m.allocation.trigger(task.agentId);
}

/** Moves a task to the framework's completed tasks (bounded) and forgets it on its agent. */
export function completeTask(m: Master, fw: FrameworkRecord, task: TaskRecord): void {
  recoverTaskResources(m, task);
  if (fw.tasks.get(task.taskId) === task) fw.tasks.delete(task.taskId);
  m.agents.get(task.agentId)?.tasks.delete(taskKey(fw.id, task.taskId));
  task.pendingUpdate = undefined;
  forgetPersistedTask(m, task);
  fw.completedTasks.push(task);
  const max = m.options.maxCompletedTasksPerFramework;
  if (fw.completedTasks.length > max) fw.completedTasks.splice(0, fw.completedTasks.length - max);
}

/**
 * An update from an agent for a task the master knows: the task moves on (tasks.ts), and the
 * update goes to the framework with agent id, executor id and timestamp filled in.
 */
export function applyAgentStatusUpdate(
  m: Master,
  fw: FrameworkRecord,
  task: TaskRecord,
  status: TaskStatus,
  latestState: TaskState | undefined,
): void {
  const decision = applyAgentUpdate(task, status, latestState);
  const changed = decision.next.state !== task.state;
  task.state = decision.next.state;
  task.statusUpdateState = decision.next.statusUpdateState;
  task.statusUpdateUuid = decision.next.statusUpdateUuid;
  if (task.state !== 'TASK_UNREACHABLE') task.unreachableTime = undefined;
  recordStatus(task, status);
  if (status.uuid !== undefined) task.pendingUpdate = status;
  if (decision.recoverResources) recoverTaskResources(m, task);
  sendUpdate(m, fw, status);
  if (changed || status.uuid !== undefined) m.notify((o) => o.taskUpdated?.(task));
}

/** Fills the envelope fields of an agent's update, as Mesos' `evolve(StatusUpdate)` does. */
export function normalizeAgentStatus(m: Master, status: TaskStatus, agentId: string, executorId: string | undefined): TaskStatus {
  return {
    ...status,
    agent_id: { value: agentId },
    ...(status.executor_id === undefined && executorId !== undefined && { executor_id: { value: executorId } }),
    timestamp: status.timestamp ?? m.nowSeconds(),
  };
}

/**
 * A transition the master decides (kill before launch, unreachable agent, framework removal):
 * the framework is told (in the state it understands) unless `notify` is false, and a task
 * that became terminal is completed at once.
 */
export function transitionTask(
  m: Master,
  fw: FrameworkRecord,
  task: TaskRecord,
  state: TaskState,
  reason: TaskStatusReason,
  message: string,
  options: { notify?: boolean; unreachableTime?: number } = {},
): void {
  const decision = applyMasterTransition(task, state);
  if (decision.next.state === task.state && isTerminalTaskState(task.state)) return;
  task.state = decision.next.state;
  // The master's own update supersedes an agent update still awaiting ACK: it is not re-sent on
  // re-subscription, and reconciliation answers the new state (the agent re-sends its update when
  // it is back, and a late ACK of it still reaches the agent).
  task.statusUpdateState = decision.next.statusUpdateState;
  task.statusUpdateUuid = decision.next.statusUpdateUuid;
  task.pendingUpdate = undefined;
  const status = masterStatus(m, task, stateForFramework(state, fw.capabilities.partitionAware), reason, message);
  if (options.unreachableTime !== undefined) {
    task.unreachableTime = options.unreachableTime;
    status.unreachable_time = { nanoseconds: options.unreachableTime * 1_000_000 };
  }
  recordStatus(task, status);
  if (decision.recoverResources) recoverTaskResources(m, task);
  if (options.notify !== false) sendUpdate(m, fw, status);
  m.notify((o) => o.taskUpdated?.(task));
  if (completesAfterMasterTransition(task)) completeTask(m, fw, task);
}

/**
 * ACKNOWLEDGE: the agent is told (it forwards the next update), and a task whose terminal
 * update is acknowledged is completed.
 */
export function acknowledgeUpdate(m: Master, fw: FrameworkRecord, agentId: string, taskId: string, uuid: string): void {
  const agent = m.agents.get(agentId);
  const task = fw.tasks.get(taskId);
  if (task !== undefined && task.agentId === agentId) {
    const decision = applyAcknowledge(task, uuid);
    if (decision.kind === 'acknowledged') {
      task.statusUpdateState = undefined;
      task.statusUpdateUuid = undefined;
      task.pendingUpdate = undefined;
      if (decision.complete) completeTask(m, fw, task);
      else persistTask(m, task);
    }
  }
  m.metrics.counter('master/messages_status_update_acknowledgement').inc();
  if (agent === undefined) return;
  if (
    !m.sendToAgent(agent, {
      type: 'ACKNOWLEDGE_STATUS_UPDATE',
      acknowledge_status_update: { framework_id: { value: fw.id }, task_id: { value: taskId }, uuid },
    })
  ) {
    // The agent will re-send the update when it is back, and the framework will ACK it again.
    m.log.debug({ agentId, taskId }, 'acknowledgement not delivered: agent not connected');
  }
}

/** After a re-subscription: the latest unacknowledged update of every task goes out again. */
export function resendPendingUpdates(m: Master, fw: FrameworkRecord): void {
  for (const task of fw.tasks.values()) {
    if (task.pendingUpdate !== undefined) sendUpdate(m, fw, task.pendingUpdate);
  }
}
