// What the master writes to its registry besides agents (agents.ts writes those): frameworks, the
// latest state of every task, and the id counters. Installed as the master's durable observer, so
// every change the operator event stream hears about is also committed, in the same call or timer
// tick (one transaction per call or group of calls: group-commit.ts and `Master.transaction`).
import type { Master, MasterObserver } from './master.ts';
import type { FrameworkRecord, TaskRecord } from './model.ts';
import type { RegistryFramework, RegistryTask } from './registry.ts';

export function registryTask(task: TaskRecord): RegistryTask {
  return {
    frameworkId: task.frameworkId,
    agentId: task.agentId,
    taskId: task.taskId,
    info: task.info,
    executorId: task.executorId,
    state: task.state,
    latestStatus: task.pendingUpdate ?? task.statuses.at(-1),
    statusUpdateState: task.statusUpdateState,
    statusUpdateUuid: task.statusUpdateUuid,
    user: task.user,
    unreachableTime: task.unreachableTime,
  };
}

export function registryFramework(fw: FrameworkRecord): RegistryFramework {
  return {
    info: fw.info,
    state: fw.status === 'completed' ? 'completed' : 'active',
    registeredTime: fw.registeredTime,
    // A recovered framework keeps the time its failover_timeout runs from (recovery.ts).
    disconnectedTime: fw.status === 'disconnected' || fw.status === 'recovered' ? fw.unregisteredTime : undefined,
    removedTime: fw.status === 'completed' ? fw.unregisteredTime : undefined,
  };
}

/** Writes a task's latest state (after changes no observer hears of, such as an ACK). */
export function persistTask(m: Master, task: TaskRecord): void {
  if (m.frameworks.get(task.frameworkId)?.tasks.get(task.taskId) === task) m.registry.putTask(registryTask(task));
}

/** The task left the master's active records (completed or forgotten). */
export function forgetPersistedTask(m: Master, task: TaskRecord): void {
  m.registry.removeTask(task.frameworkId, task.taskId);
}

export function durableObserver(m: Master): MasterObserver {
  const saveFramework = (fw: FrameworkRecord): void => m.registry.putFramework(registryFramework(fw));
  return {
    taskAdded: (task) => persistTask(m, task),
    taskUpdated: (task) => persistTask(m, task),
    frameworkAdded: (fw) => {
      m.registry.saveIdCounters(m.ids.counters);
      saveFramework(fw);
    },
    frameworkUpdated: saveFramework,
    frameworkRemoved: (fw) => {
      saveFramework(fw);
      forgetOldCompletedFrameworks(m);
    },
    agentAdded: () => m.registry.saveIdCounters(m.ids.counters),
  };
}

/** The registry keeps as many completed frameworks as the master does (`--max_completed_frameworks`). */
function forgetOldCompletedFrameworks(m: Master): void {
  const kept = new Set(m.completedFrameworks.map((f) => f.id));
  for (const [id, entry] of m.registry.frameworks()) {
    if (entry.state === 'completed' && !kept.has(id)) m.registry.removeFramework(id);
  }
}
