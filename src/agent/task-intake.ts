// Tasks arriving from the master (RUN_TASK, RUN_TASK_GROUP): the agent's own checks, then the
// task goes to its executor, launching that executor when it is the first task for it.
//
//   RUN_TASK ──invalid──> TASK_ERROR / REASON_TASK_INVALID (+ EXITED_EXECUTOR for a new executor)
//      │ executor exists: TERMINATING/TERMINATED ──> TASK_LOST (TASK_DROPPED if partition aware)
//      │                  otherwise ──────────────> queued; LAUNCHed at once if it is RUNNING
//      └ no executor yet ──> ExecutorLifecycle.launch
//
//   RUN_TASK_GROUP: the same, for all tasks of the group at once (TASK_ERROR /
//   REASON_TASK_GROUP_INVALID), queued as one group and delivered as one LAUNCH_GROUP;
//   no executor yet ──> ExecutorLifecycle.launchGroup (a DEFAULT executor runs Agora's default
//   executor program, a CUSTOM one the framework's command)
import type { AgentRunTaskGroup } from '../protocol/agora/agent-master.ts';
import type { FrameworkInfo, TaskInfo } from '../protocol/index.ts';
import type { Logger } from '../common/log.ts';
import { validateUserId } from '../common/ids.ts';
import { Resources, resourcesFromWire } from '../common/resources/index.ts';
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

/**
 * A task group (Mesos `Slave::run` with a TaskGroupInfo): the agent's own checks, then the group
 * is queued on its executor, launched for the group when it does not run yet, and delivered as
 * one LAUNCH_GROUP once the executor is subscribed. A refused group ends every task TASK_ERROR /
 * REASON_TASK_GROUP_INVALID, and the master hears EXITED_EXECUTOR for an executor never started.
 */
export function runTaskGroup(d: TaskIntakeDeps, group: AgentRunTaskGroup): void {
  const framework = ensureFramework(d, group.framework_info);
  if (!framework || d.agentId() === undefined) return;
  const tasks = group.task_group.tasks ?? [];
  const executorId = group.executor.executor_id.value;
  if (framework.state === 'TERMINATING') {
    d.log.warn({ executor_id: executorId, framework_id: framework.id }, 'ignoring task group of a terminating framework');
    return;
  }
  const { relay, lifecycle } = d;
  const problem = taskGroupProblem(framework, group);
  if (problem !== undefined) {
    d.log.warn({ executor_id: executorId, problem }, 'task group refused');
    for (const task of tasks) relay.update(framework.id, undefined, relay.agentStatus(task.task_id.value, 'TASK_ERROR', 'REASON_TASK_GROUP_INVALID', problem));
    lifecycle.reportNeverStarted(framework.id, executorId, false);
    return;
  }
  let taskResources: Resources = Resources.EMPTY;
  try {
    for (const task of tasks) taskResources = taskResources.add(resourcesFromWire(task.resources ?? []));
  } catch (err) {
    for (const task of tasks) {
      relay.update(framework.id, undefined, relay.agentStatus(task.task_id.value, 'TASK_ERROR', 'REASON_TASK_GROUP_INVALID', `Invalid resources: ${(err as Error).message}`));
    }
    lifecycle.reportNeverStarted(framework.id, executorId, false);
    return;
  }
  // The executor of every task is the group's; the tasks travel without one, as Mesos delivers them.
  const groupTasks = tasks.map(({ executor: _executor, ...task }) => task);
  const info = { ...group.executor, framework_id: { value: framework.id } };
  const existing = framework.executors.get(executorId);
  if (!existing) return lifecycle.launchGroup(framework, info, groupTasks, taskResources);
  if (existing.state === 'TERMINATING' || existing.state === 'TERMINATED') {
    for (const task of groupTasks) {
      relay.update(framework.id, existing.id, relay.agentStatus(task.task_id.value, droppedOrLost(framework.info), 'REASON_EXECUTOR_TERMINATED', 'Executor terminating', existing.id));
    }
    return;
  }
  existing.resources = existing.resources.add(taskResources);
  if (existing.containerizer) void existing.containerizer.update(existing.containerId, existing.resources).catch(() => {});
  for (const task of groupTasks) {
    existing.queuedTasks.set(task.task_id.value, task);
    d.checkpoint?.taskAdded(framework, existing, task);
  }
  existing.queuedGroups.push(groupTasks.map((t) => t.task_id.value));
  if (existing.state === 'RUNNING') lifecycle.launchQueuedTasks(existing);
}

/** Why the agent refuses a task group (the master checked it in full), if it does. */
function taskGroupProblem(framework: Framework, group: AgentRunTaskGroup): string | undefined {
  const executor = group.executor;
  const tasks = group.task_group.tasks ?? [];
  if (tasks.length === 0) return 'Task group must not be empty';
  const executorIdProblem = validateUserId(executor.executor_id.value);
  if (executorIdProblem !== undefined) return `'ExecutorInfo.executor_id' is invalid: ${executorIdProblem}`;
  if (executor.type !== 'DEFAULT' && executor.type !== 'CUSTOM') return "'ExecutorInfo.type' must be 'DEFAULT' or 'CUSTOM'";
  if (executor.type === 'CUSTOM' && executor.command === undefined) return "'ExecutorInfo.command' must be set for 'CUSTOM' executor";
  const existing = framework.executors.get(executor.executor_id.value);
  if (existing && existing.info.type !== executor.type) return `Executor '${executor.executor_id.value}' already runs with type ${existing.info.type ?? 'CUSTOM'}`;
  const ids = new Set<string>();
  for (const task of tasks) {
    const id = task.task_id.value;
    const idProblem = validateUserId(id);
    if (idProblem !== undefined) return `'TaskInfo.task_id' is invalid: ${idProblem}`;
    if (ids.has(id)) return `Task has duplicate ID: ${id}`;
    ids.add(id);
    for (const running of framework.executors.values()) if (findTask(running, id)) return `Task has duplicate ID: ${id}`;
  }
  return undefined;
}
