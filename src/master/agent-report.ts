// What a (re-)registering agent reports, matched against what the master knows (Mesos
// `reconcileKnownSlave`, and `addSlave` with the reported tasks after a master restart):
//
//   reported, known here       the master keeps its own state: the agent re-sends every update the
//                              framework has not acknowledged, and those move the task on through
//                              status-updates.ts, the one place that recovers a task's resources.
//                              Only an UNREACHABLE task takes the reported state: the master had
//                              lost track of it (Mesos re-adds such tasks as the agent reports them).
//   reported, given up         its framework was removed, or was told the task is LOST: killed
//   reported, unknown          (master restart, pruned): adopted, under a "recovered" framework
//   known, not reported        terminal here: completed (the framework has its terminal update);
//                              otherwise listed in SUBSCRIBED.reconciliations and left as it is: the
//                              agent answers with a terminal update in the listed state, which takes
//                              the normal path (forwarded once, resources recovered once, completed
//                              on ACK). The master never settles such a task on its own as well.
//
// Executors are taken from the report as they are. Afterwards agents.ts gives the allocator the
// agent afresh, counting exactly the non-terminal tasks and the executors recorded here.
import { resourcesFromWire, resourcesToWire, type Resources } from '../common/resources/index.ts';
import type { AgentSubscribe, TaskReconciliation } from '../protocol/agora/agent-master.ts';
import type { ExecutorInfo, Resource, Task, TaskInfo } from '../protocol/index.ts';
import { isTerminalTaskState } from '../protocol/index.ts';
import { capabilitiesOf } from './frameworks.ts';
import type { Master } from './master.ts';
import { frameworkMetricPrefix, registerFrameworkMetrics } from './master-metrics.ts';
import { parseTaskKey, taskKey, type AgentRecord, type FrameworkRecord, type TaskRecord } from './model.ts';
import { addTask, completeTask } from './status-updates.ts';
import { invalidOfferState } from './tasks.ts';
import { frameworkRoles } from './validation/framework.ts';

/**
 * Applies an agent's report (see the table above); returns the reconciliations for SUBSCRIBED.
 * Runs before the allocator is given the agent.
 */
export function reconcileReport(m: Master, agent: AgentRecord, call: AgentSubscribe): TaskReconciliation[] {
  const reported = new Set<string>();
  for (const task of call.tasks ?? []) {
    reported.add(taskKey(task.framework_id.value, task.task_id.value));
    adoptReportedTask(m, agent, call, task);
  }
  const reconciliations: TaskReconciliation[] = [];
  for (const key of [...agent.tasks]) {
    if (reported.has(key)) continue;
    const [frameworkId, taskId] = parseTaskKey(key);
    const fw = m.frameworks.get(frameworkId);
    const task = fw?.tasks.get(taskId);
    if (fw === undefined || task === undefined) {
      agent.tasks.delete(key);
      continue;
    }
    if (isTerminalTaskState(task.state)) {
      // The agent no longer has the terminal update to re-send: nothing would complete it otherwise.
      completeTask(m, fw, task);
      continue;
    }
    m.log.info({ agentId: agent.id, frameworkId, taskId }, 'task unknown to the re-registering agent; reconciling with the agent');
    reconciliations.push({ framework_id: { value: frameworkId }, task_id: { value: taskId }, state: invalidOfferState(fw.capabilities.partitionAware) });
  }
  recordExecutors(m, agent, call.executors ?? []);
  return reconciliations;
}

function adoptReportedTask(m: Master, agent: AgentRecord, call: AgentSubscribe, task: Task): void {
  const frameworkId = task.framework_id.value;
  const taskId = task.task_id.value;
  const completed = m.completedFrameworks.some((f) => f.id === frameworkId);
  const fw = m.frameworks.get(frameworkId) ?? (completed ? undefined : recoveredFramework(m, call, frameworkId));
  const known = fw?.tasks.get(taskId);
  if (fw !== undefined && known !== undefined && known.agentId === agent.id) {
    if (known.state === 'TASK_UNREACHABLE') {
      known.state = task.state;
      known.unreachableTime = undefined;
      m.notify((o) => o.taskUpdated?.(known));
    }
    known.delivered = true;
    agent.tasks.add(taskKey(frameworkId, taskId));
    return;
  }
  const givenUp = fw === undefined || fw.completedTasks.some((t) => t.taskId === taskId && t.agentId === agent.id);
  if (givenUp) {
    // The framework was told this task is lost (or was removed): Mesos kills such tasks.
    if (!isTerminalTaskState(task.state)) {
      m.log.info({ agentId: agent.id, frameworkId, taskId }, 'killing a task its framework already gave up');
      queueKill(m, agent, frameworkId, taskId);
    }
    return;
  }
  const record: TaskRecord = {
    taskId,
    frameworkId,
    agentId: agent.id,
    info: taskInfoFromReport(task),
    executorId: task.executor_id?.value,
    resources: allocatedResources(task.resources, fw),
    state: task.state,
    statuses: [...(task.statuses ?? [])],
    statusUpdateState: task.status_update_state,
    statusUpdateUuid: task.status_update_uuid,
    pendingUpdate: undefined,
    // Settled when the allocator is given the agent (agents.ts `rebuildAgentAllocation`).
    resourcesRecovered: true,
    delivered: true,
    pendingKill: undefined,
    user: task.user,
    unreachableTime: undefined,
  };
  addTask(m, fw, agent, record);
}

/**
 * Reported resources as the allocator books them: each carries an allocation role. Reports from
 * older agents may lack allocation_info: those count against the framework's first role. A report
 * the master cannot read counts as nothing (it was validated when the task was launched).
 */
function allocatedResources(wire: readonly Resource[] | undefined, fw: FrameworkRecord): Resources {
  let resources: Resources;
  try {
    resources = resourcesFromWire(wire ?? []);
  } catch {
    return resourcesFromWire([]);
  }
  const unallocated = resources.filter((e) => e.allocationRole === undefined);
  if (unallocated.isEmpty()) return resources;
  return resources.filter((e) => e.allocationRole !== undefined).add(unallocated.allocate(fw.roles[0] ?? '*'));
}

/** The executors the agent runs replace what the master had recorded for it. */
function recordExecutors(m: Master, agent: AgentRecord, executors: readonly ExecutorInfo[]): void {
  agent.executors = new Map();
  for (const fw of m.frameworks.values()) fw.executors.delete(agent.id);
  for (const reported of executors) {
    const frameworkId = reported.framework_id?.value;
    if (frameworkId === undefined) continue;
    const fw = m.frameworks.get(frameworkId);
    if (fw === undefined) continue;
    const executor: ExecutorInfo = { ...reported, resources: resourcesToWire(allocatedResources(reported.resources, fw)) };
    let onAgent = agent.executors.get(frameworkId);
    if (onAgent === undefined) agent.executors.set(frameworkId, (onAgent = new Map()));
    onAgent.set(executor.executor_id.value, executor);
    let forFramework = fw.executors.get(agent.id);
    if (forFramework === undefined) fw.executors.set(agent.id, (forFramework = new Map()));
    forFramework.set(executor.executor_id.value, executor);
  }
}

/**
 * A framework only known from an agent's report (the master restarted): kept as "recovered", and
 * known to the allocator (inactive) from the start, so that its tasks' resources are booked to it
 * and come back when they end. SUBSCRIBE activates it (frameworks.ts).
 */
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
    metricPrefix: frameworkMetricPrefix(info.name, frameworkId),
    tasks: new Map(),
    completedTasks: [],
    offers: new Set(),
    executors: new Map(),
    operations: new Map(),
  };
  m.frameworks.set(frameworkId, fw);
  registerFrameworkMetrics(m, fw);
  m.allocation.addFramework(frameworkId, fw, new Map(), false);
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

/** KILL_TASK for a task the master does not track, sent right after SUBSCRIBED. */
function queueKill(m: Master, agent: AgentRecord, frameworkId: string, taskId: string): void {
  setImmediate(() => {
    m.sendToAgent(agent, { type: 'KILL_TASK', kill_task: { framework_id: { value: frameworkId }, task_id: { value: taskId } } });
  });
}
