// ACCEPT and DECLINE (reference §2.3 "Semantics worth copying", master-features §1.6, §8.1).
//
// ACCEPT: the offers must be valid (validation/offers.ts); otherwise every task in it gets
// TASK_LOST (TASK_DROPPED for PARTITION_AWARE frameworks) with REASON_INVALID_OFFERS, and the
// valid offers among them go back to the allocator. With valid offers the operations run in
// order against what is left of the offers: each task is checked (validation/task.ts) and either
// launched (TASK_STAGING, RUN_TASK / RUN_TASK_GROUP to the agent) or refused with TASK_ERROR
// (REASON_TASK_INVALID, or REASON_TASK_GROUP_INVALID for every task of a refused group);
// reservations and volumes are applied (operations.ts). Whatever is left is declined with the
// call's filters, so a LAUNCH of zero tasks is a decline.
import { Resources } from '../common/resources/index.ts';
import type { AcceptCall, DeclineCall, ExecutorInfo, OfferOperation, TaskInfo } from '../protocol/index.ts';
import type { Master } from './master.ts';
import { countForFramework } from './master-metrics.ts';
import type { AgentRecord, FrameworkRecord, TaskRecord } from './model.ts';
import { removeOffer } from './offers.ts';
import { applyResourceOperation, sendOperationStatus } from './operations.ts';
import { addTask, masterStatus, sendUpdate } from './status-updates.ts';
import { invalidOfferState } from './tasks.ts';
import { validateOfferIds } from './validation/offers.ts';
import { checkTask, checkTaskGroup, type CheckedTask, type TaskCheckContext } from './validation/task.ts';

/** The TASK_ERROR message for LAUNCH_GROUP on a master started with `defaultExecutorAvailable: false`. */
export const TASK_GROUPS_UNAVAILABLE = 'task groups need the default executor, which this cluster does not run';

function tasksOf(op: OfferOperation): TaskInfo[] {
  if (op.type === 'LAUNCH') return op.launch?.task_infos ?? [];
  if (op.type === 'LAUNCH_GROUP') return op.launch_group?.task_group.tasks ?? [];
  return [];
}

/** Every task of an ACCEPT with invalid offers is lost (or dropped); other operations are dropped. */
function refuseAll(m: Master, fw: FrameworkRecord, operations: readonly OfferOperation[], error: string): void {
  const state = invalidOfferState(fw.capabilities.partitionAware);
  for (const op of operations) {
    for (const task of tasksOf(op)) {
      sendUpdate(
        m,
        fw,
        masterStatus(m, { taskId: task.task_id.value, agentId: task.agent_id.value }, state, 'REASON_INVALID_OFFERS', `Task launched with invalid offers: ${error}`),
      );
    }
    if (op.type !== 'LAUNCH' && op.type !== 'LAUNCH_GROUP') {
      sendOperationStatus(m, fw, op, '', 'OPERATION_ERROR', `Operation launched with invalid offers: ${error}`);
    }
  }
}

export function accept(m: Master, fw: FrameworkRecord, call: AcceptCall): void {
  const offerIds = (call.offer_ids ?? []).map((o) => o.value);
  const operations = call.operations ?? [];
  m.metrics.counter('master/messages_launch_tasks').inc();
  const check = validateOfferIds(offerIds, fw.id, (id) => m.offers.get(id));
  if (!check.ok) {
    m.log.info({ frameworkId: fw.id, reason: check.error }, 'accept with invalid offers');
    // Offers of this framework that are still valid go back, without a filter.
    for (const id of offerIds) {
      const offer = m.offers.get(id);
      if (offer !== undefined && offer.frameworkId === fw.id) removeOffer(m, offer);
    }
    refuseAll(m, fw, operations, check.error);
    return;
  }
  const agent = m.agents.get(check.agentId)!;
  countForFramework(m, fw, 'offers/accepted', undefined, check.offers.length);
  let available = Resources.EMPTY;
  for (const view of check.offers) {
    const offer = m.offers.get(view.id)!;
    available = available.add(offer.resources);
    removeOffer(m, offer, { recover: false });
  }

  const launchedHere = new Set<string>();
  const executorsHere = new Map<string, ExecutorInfo>();
  const context = (): TaskCheckContext => ({
    frameworkId: fw.id,
    agentId: agent.id,
    role: check.role,
    available,
    isTaskIdUsed: (id) => fw.tasks.has(id) || launchedHere.has(id),
    executorOnAgent: (id) => executorsHere.get(id) ?? agent.executors.get(fw.id)?.get(id),
  });

  for (const op of operations) {
    switch (op.type) {
      case 'LAUNCH':
        for (const task of op.launch?.task_infos ?? []) {
          const result = checkTask(task, context());
          if (!result.ok) {
            refuseTask(m, fw, task, 'REASON_TASK_INVALID', result.error);
            continue;
          }
          available = available.subtract(result.task.taskResources.add(result.task.executorResources));
          launchedHere.add(task.task_id.value);
          if (result.task.executor !== undefined) executorsHere.set(result.task.executor.executor_id.value, result.task.executor);
          const records = launch(m, fw, agent, [result.task]);
          markDelivered(records, m.sendToAgent(agent, { type: 'RUN_TASK', run_task: { framework_info: fw.info, task: result.task.info } }));
        }
        break;
      case 'LAUNCH_GROUP': {
        const group = op.launch_group;
        if (group === undefined) break;
        if (!m.options.defaultExecutorAvailable) {
          // Nothing is allocated: the agent could only fail the group after its executor's
          // resources were booked (and the framework would wait for updates from it).
          for (const task of group.task_group.tasks ?? []) refuseTask(m, fw, task, 'REASON_TASK_GROUP_INVALID', TASK_GROUPS_UNAVAILABLE);
          break;
        }
        const result = checkTaskGroup(group.executor, group.task_group.tasks ?? [], context());
        if (!result.ok) {
          for (const task of group.task_group.tasks ?? []) refuseTask(m, fw, task, 'REASON_TASK_GROUP_INVALID', result.error);
          break;
        }
        let used = result.executorResources;
        for (const t of result.tasks) used = used.add(t.taskResources);
        available = available.subtract(used);
        for (const t of result.tasks) launchedHere.add(t.info.task_id.value);
        executorsHere.set(result.executor.executor_id.value, result.executor);
        const records = launch(m, fw, agent, result.tasks);
        const sent = m.sendToAgent(agent, {
          type: 'RUN_TASK_GROUP',
          run_task_group: { framework_info: fw.info, executor: result.executor, task_group: { tasks: result.tasks.map((t) => t.info) } },
        });
        markDelivered(records, sent);
        break;
      }
      default: {
        const outcome = applyResourceOperation(m, fw, agent, op, check.role, available);
        if (typeof outcome === 'string') {
          m.log.info({ frameworkId: fw.id, operation: op.type, reason: outcome }, 'offer operation dropped');
          sendOperationStatus(m, fw, op, agent.id, 'OPERATION_ERROR', outcome);
        } else {
          available = outcome;
        }
      }
    }
  }
  // Leftovers are declined with the call's filters.
  m.allocation.recover(fw.id, agent.id, available, { refuseSeconds: call.filters?.refuse_seconds });
}

function refuseTask(m: Master, fw: FrameworkRecord, task: TaskInfo, reason: 'REASON_TASK_INVALID' | 'REASON_TASK_GROUP_INVALID', error: string): void {
  m.log.info({ frameworkId: fw.id, taskId: task.task_id.value, reason: error }, 'task refused');
  sendUpdate(m, fw, masterStatus(m, { taskId: task.task_id.value, agentId: task.agent_id.value }, 'TASK_ERROR', reason, error));
}

function markDelivered(records: readonly TaskRecord[], sent: boolean): void {
  for (const r of records) r.delivered = sent;
}

function launch(m: Master, fw: FrameworkRecord, agent: AgentRecord, tasks: readonly CheckedTask[]): TaskRecord[] {
  const records: TaskRecord[] = [];
  for (const checked of tasks) {
    const executor = checked.executor;
    if (executor !== undefined) {
      const id = executor.executor_id.value;
      if (agent.executors.get(fw.id)?.get(id) === undefined) {
        let onAgent = agent.executors.get(fw.id);
        if (onAgent === undefined) agent.executors.set(fw.id, (onAgent = new Map()));
        onAgent.set(id, executor);
        let forFramework = fw.executors.get(agent.id);
        if (forFramework === undefined) fw.executors.set(agent.id, (forFramework = new Map()));
        forFramework.set(id, executor);
      }
    }
    const info = checked.info;
    const record: TaskRecord = {
      taskId: info.task_id.value,
      frameworkId: fw.id,
      agentId: agent.id,
      info,
      executorId: executor?.executor_id.value,
      resources: checked.taskResources,
      state: 'TASK_STAGING',
      statuses: [],
      statusUpdateState: undefined,
      statusUpdateUuid: undefined,
      pendingUpdate: undefined,
      resourcesRecovered: false,
      delivered: false,
      pendingKill: undefined,
      user: info.command?.user ?? executor?.command?.user ?? fw.info.user,
      unreachableTime: undefined,
    };
    addTask(m, fw, agent, record);
    records.push(record);
    m.log.info({ frameworkId: fw.id, taskId: record.taskId, agentId: agent.id }, 'task launched');
  }
  return records;
}

export function decline(m: Master, fw: FrameworkRecord, call: DeclineCall): void {
  m.metrics.counter('master/messages_decline_offers').inc();
  for (const id of call.offer_ids ?? []) {
    const offer = m.offers.get(id.value);
    if (offer === undefined || offer.frameworkId !== fw.id) continue;
    countForFramework(m, fw, 'offers/declined');
    removeOffer(m, offer, { refuseSeconds: { value: call.filters?.refuse_seconds } });
  }
}
