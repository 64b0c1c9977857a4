// Tasks arriving from the master (RUN_TASK, RUN_TASK_GROUP): the agent's own checks, then the
// task goes to its executor, launching that executor when it is the first task for it.
//
//   RUN_TASK ──invalid──> TASK_ERROR / REASON_TASK_INVALID (+ EXITED_EXECUTOR for a new executor)
//      │ executor exists: TERMINATING/TERMINATED ──> TASK_LOST (TASK_DROPPED if partition aware)
//      │                  otherwise ──────────────> queued; LAUNCHed at once if it is RUNNING
//      └ no executor yet ──> ExecutorLifecycle.launch
import type { AgentRunTaskGroup } from '../protocol/agora/agent-master.ts';
import type { FrameworkInfo, TaskInfo } from '../protocol/index.ts';
import type { Logger } from '../common/log.ts';
import { validateUserId } from '../common/ids.ts';
import { resourcesFromWire, type Resources } from '../common/resources/index.ts';
import { commandExecutorInfo, droppedOrLost } from './executor-launch.ts';
import type { AgentCheckpoint } from './agent-checkpoint.ts';
import type { ExecutorLifecycle } from './executor-lifecycle.ts';
import { findTask, type AgentState, type Framework } from './state.ts';
import type { StatusRelay } from './status-relay.ts';

export type TaskIntakeDeps = {
  state: AgentState;
  log: Logger;
  relay: StatusRelay;
  lifecycle: ExecutorLifecycle;
  agentId: () => string | undefined;
  /** argv of the command executor program. */
  commandExecutorArgv: string[];
  /** Writes task.info for a task joining a checkpointing framework's running executor. */
  checkpoint?: AgentCheckpoint | undefined;
};

/** The framework's record, created on its first task; undefined (logged) for a bad id. */
export function ensureFramework(d: Pick<TaskIntakeDeps, 'state' | 'log'>, info: FrameworkInfo): Framework | undefined {
  const id = info.id?.value;
  if (id === undefined || validateUserId(id) !== undefined) {
    d.log.error({ framework: info.name }, 'ignoring task of a framework without a valid id');
    return undefined;
  }
  let framework = d.state.frameworks.get(id);
  if (!framework) {
    framework = { id, info, state: 'RUNNING', executors: new Map(), completedExecutors: [] };
    d.state.frameworks.set(id, framework);
  } else {
    framework.info = info;
  }
  return framework;
}

export function runTask(d: TaskIntakeDeps, frameworkInfo: FrameworkInfo, task: TaskInfo): void {
  const framework = ensureFramework(d, frameworkInfo);
  if (!framework || d.agentId() === undefined) return;
  const taskId = task.task_id.value;
  if (framework.state === 'TERMINATING') {
    d.log.warn({ task_id: taskId, framework_id: framework.id }, 'ignoring task of a terminating framework');
    return;
  }
  const { relay, lifecycle } = d;
  const invalid = (message: string): void => {
    relay.update(framework.id, undefined, relay.agentStatus(taskId, 'TASK_ERROR', 'REASON_TASK_INVALID', message));
    // The master counted a new custom executor's resources when it sent this task.
    if (task.executor) lifecycle.reportNeverStarted(framework.id, task.executor.executor_id.value, false);
  };
  if ((task.command === undefined) === (task.executor === undefined)) {
    return invalid('Task should have at least one (but not both) of CommandInfo or ExecutorInfo present');
  }
  const idProblem = validateUserId(taskId) ?? (task.executor ? validateUserId(task.executor.executor_id.value) : undefined);
  if (idProblem !== undefined) return invalid(`Invalid id: ${idProblem}`);
  for (const executor of framework.executors.values()) {
    if (findTask(executor, taskId)) {
      d.log.warn({ task_id: taskId }, 'ignoring a task whose id is already running');
      return;
    }
  }
  let taskResources: Resources;
  try {
    taskResources = resourcesFromWire(task.resources ?? []);
  } catch (err) {
    return invalid(`Invalid resources: ${(err as Error).message}`);
  }

  const info = task.executor ? { ...task.executor, framework_id: { value: framework.id } } : commandExecutorInfo(task, framework.id, d.commandExecutorArgv);
  const existing = framework.executors.get(info.executor_id.value);
  if (!existing) return lifecycle.launch(framework, info, task, taskResources, task.executor === undefined);
  if (existing.state === 'TERMINATING' || existing.state === 'TERMINATED') {
    relay.update(framework.id, existing.id, relay.agentStatus(taskId, droppedOrLost(framework.info), 'REASON_EXECUTOR_TERMINATED', 'Executor terminating', existing.id));
    return;
  }
  existing.resources = existing.resources.add(taskResources);
  if (existing.containerizer) void existing.containerizer.update(existing.containerId, existing.resources).catch(() => {});
  existing.queuedTasks.set(taskId, task);
  d.checkpoint?.taskAdded(framework, existing, task);
  if (existing.state === 'RUNNING') lifecycle.launchQueuedTasks(existing);
}

/** Task groups fail until the default executor exists; the master frees the executor's resources. */
// TODO(default-executor): launch task groups once the default executor exists.
export function runTaskGroup(d: TaskIntakeDeps, group: AgentRunTaskGroup): void {
  const framework = ensureFramework(d, group.framework_info);
  if (!framework) return;
  const { relay } = d;
  for (const task of group.task_group.tasks ?? []) {
    relay.update(framework.id, undefined, relay.agentStatus(task.task_id.value, 'TASK_FAILED', 'REASON_TASK_GROUP_INVALID', 'task groups need the default executor, not built yet'));
  }
  d.lifecycle.reportNeverStarted(framework.id, group.executor.executor_id.value, false);
}
