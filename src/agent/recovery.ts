// Agent restart, the state part (Mesos Slave::recover): turns a recovery plan
// (checkpoint/recovery-plan.ts) into frameworks, executors and tasks in the AgentState. Pure: no
// timers, no containers; Agent.start() adopts the containers and times the re-subscription.
//
// Each recovered executor starts REGISTERING: it has `--executor_reregistration_timeout` to
// SUBSCRIBE again over the executor API, or it is destroyed and its tasks end TASK_GONE
// (TASK_LOST for frameworks that are not PARTITION_AWARE), REASON_EXECUTOR_REREGISTRATION_TIMEOUT.
import type { TaskState } from '../protocol/index.ts';
import { Resources, resourcesFromWire } from '../common/resources/index.ts';
import type { RecoveryPlan } from './checkpoint/index.ts';
import { isPartitionAware } from './executor-launch.ts';
import { newExecutor, newTask, recordStatus, completeTask, type AgentState, type Executor, type PendingTermination } from './state.ts';
import { isTerminalTaskState } from '../protocol/index.ts';

export type RecoveredPlan = Extract<RecoveryPlan, { kind: 'recover' }>;

/** Adds the plan's frameworks, executors and tasks to `state`; returns the recovered executors. */
export function rebuildState(plan: RecoveredPlan, state: AgentState): Executor[] {
  for (const { frameworkId, info } of plan.frameworks) {
    state.frameworks.set(frameworkId, { id: frameworkId, info, state: 'RUNNING', executors: new Map(), completedExecutors: [] });
  }
  const executors: Executor[] = [];
  for (const planned of plan.executors) {
    const framework = state.frameworks.get(planned.frameworkId);
    if (!framework) continue;
    // The agent made this executor up for a command task (Mesos: the task has a CommandInfo).
    const commandExecutor = planned.tasks.some((t) => t.info.command !== undefined && t.info.executor === undefined && t.info.task_id.value === planned.executorId);
    const executor = newExecutor({
      id: planned.executorId,
      frameworkId: planned.frameworkId,
      info: planned.info,
      isCommandExecutor: commandExecutor,
      containerId: planned.container.containerId,
      directory: planned.container.directory,
      resources: Resources.EMPTY,
    });
    let resources = parseResources(planned.info.resources);
    for (const t of planned.tasks) {
      const task = newTask(t.info, framework.id, plan.agentId, commandExecutor ? undefined : executor.id);
      for (const update of t.updates) recordStatus(task, update.status);
      const taskId = t.info.task_id.value;
      if (isTerminalTaskState(task.state)) {
        executor.terminatedTasks.set(taskId, task);
        if (t.completed) completeTask(executor, taskId);
      } else {
        executor.launchedTasks.set(taskId, task);
        resources = resources.add(parseResources(t.info.resources));
      }
    }
    executor.resources = resources;
    framework.executors.set(executor.id, executor);
    executors.push(executor);
  }
  return executors;
}

/** Why a recovered executor that did not come back ends its tasks (Mesos slave.cpp). */
export function reregistrationTimedOut(partitionAware: boolean, timeout: string): PendingTermination {
  return {
    state: goneOrLost(partitionAware),
    reason: 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT',
    message: `Executor did not re-register within ${timeout}`,
  };
}

/**
 * A recovered executor whose process did not survive the agent restart, or died with the host
 * (`rebooted`: the checkpoint's boot id is not the host's; Mesos discards every checkpointed pid).
 */
export function notRecovered(partitionAware: boolean, rebooted = false): PendingTermination {
  return {
    state: goneOrLost(partitionAware),
    reason: 'REASON_EXECUTOR_TERMINATED',
    message: rebooted ? 'Executor did not survive the host reboot' : 'Executor did not survive the agent restart',
  };
}

/**
 * A recovered executor subscribed again: the tasks the agent launched to it that it never heard
 * of (still TASK_STAGING, not in its `unacknowledged_tasks`) were lost in the restart, between the
 * agent's checkpoint and the LAUNCH reaching the executor (Mesos Slave::subscribe: "Task launched
 * during agent restart"). Returns their ids, in the executor's order.
 */
export function tasksLostInRestart(executor: Pick<Executor, 'launchedTasks'>, knownToExecutor: Iterable<string>): string[] {
  const known = new Set(knownToExecutor);
  return [...executor.launchedTasks].filter(([id, task]) => task.state === 'TASK_STAGING' && !known.has(id)).map(([id]) => id);
}

/** How a task lost in the restart ends: TASK_DROPPED, TASK_LOST if the framework is not PARTITION_AWARE. */
export function lostInRestart(partitionAware: boolean): PendingTermination {
  return {
    state: partitionAware ? 'TASK_DROPPED' : 'TASK_LOST',
    reason: 'REASON_AGENT_RESTARTED',
    message: 'Task launched during agent restart',
  };
}

export function goneOrLost(partitionAware: boolean): TaskState {
  return partitionAware ? 'TASK_GONE' : 'TASK_LOST';
}

export { isPartitionAware };

function parseResources(list: Parameters<typeof resourcesFromWire>[0] | undefined): Resources {
  try {
    return resourcesFromWire(list ?? []);
  } catch {
    return Resources.EMPTY;
  }
}
