// The agent's bookkeeping of frameworks, executors and tasks, and the pure helpers that move a
// task through it. The Agent class (agent.ts) owns one AgentState and is the only writer.
//
// An executor's tasks live in exactly one of four places:
//
//   queuedTasks ──(executor subscribed: LAUNCH sent)──> launchedTasks
//        │                                                  │ terminal update received
//        └──(killed / failed before delivery)───────────────┴──> terminatedTasks
//                                                                     │ terminal update acknowledged
//                                                                     v
//                                                               completedTasks (bounded)
//
// Executor states (Mesos): REGISTERING (container starting, not subscribed) -> RUNNING
// (subscribed) -> TERMINATING (shutdown asked, or registration timed out) -> TERMINATED
// (container gone; waits until its tasks' terminal updates are acknowledged, then completed).
import type { EventStream } from '../common/http/event-stream.ts';
import type { TimerHandle } from '../common/clock.ts';
import { Resources, resourcesFromWire } from '../common/resources/index.ts';
import type {
  ExecutorInfo,
  FrameworkInfo,
  Task,
  TaskInfo,
  TaskState,
  TaskStatus,
  TaskStatusReason,
} from '../protocol/index.ts';
import { isTerminalTaskState } from '../protocol/index.ts';
import type { Containerizer } from '../containerizer/index.ts';

/** Mesos keeps this many completed tasks per executor, executors per framework, frameworks. */
export const MAX_COMPLETED_TASKS_PER_EXECUTOR = 200;
export const MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK = 150;
export const MAX_COMPLETED_FRAMEWORKS = 50;
/**
 * Statuses kept per task, newest last (the master keeps the same number). A task with a health
 * check reports for as long as it runs, so its history must be bounded.
 */
export const MAX_STATUSES_PER_TASK = 100;

export type ExecutorState = 'REGISTERING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED';

/** Why the agent itself ended an executor; becomes the state of its unfinished tasks. */
export type PendingTermination = { state: TaskState; reason: TaskStatusReason; message: string };

export type Executor = {
  id: string;
  frameworkId: string;
  info: ExecutorInfo;
  /** True when the agent made this executor up for a command task. */
  isCommandExecutor: boolean;
  containerId: string;
  /** The sandbox on the host. */
  directory: string;
  state: ExecutorState;
  /** The containerizer that runs it; unset until the launch succeeded. */
  containerizer: Containerizer | undefined;
  /** Executor + task resources: the container's limits. */
  resources: Resources;
  queuedTasks: Map<string, TaskInfo>;
  /**
   * Task groups not yet delivered, as ids of `queuedTasks` entries: each goes to the executor as
   * one LAUNCH_GROUP. Queued tasks outside any group go as LAUNCH.
   */
  queuedGroups: string[][];
  launchedTasks: Map<string, Task>;
  terminatedTasks: Map<string, Task>;
  completedTasks: Task[];
  /** The executor's SUBSCRIBE stream while it is connected. */
  stream: EventStream | undefined;
  timers: { registration?: TimerHandle; shutdown?: TimerHandle; heartbeat?: TimerHandle };
  pendingTermination: PendingTermination | undefined;
  /** wait(2) status of the container once terminated. */
  exitStatus: number | undefined;
};

export type FrameworkState = 'RUNNING' | 'TERMINATING';

export type Framework = {
  id: string;
  info: FrameworkInfo;
  state: FrameworkState;
  executors: Map<string, Executor>;
  completedExecutors: Executor[];
};

export type AgentState = {
  frameworks: Map<string, Framework>;
  completedFrameworks: Framework[];
};

/** The fields that tell one executor from another; everything else starts empty. */
export type ExecutorIdentity = Pick<Executor, 'id' | 'frameworkId' | 'info' | 'isCommandExecutor' | 'containerId' | 'directory' | 'resources'>;

/** A new executor record, REGISTERING, with no tasks, no container and no stream yet. */
export function newExecutor(identity: ExecutorIdentity): Executor {
  return {
    ...identity,
    state: 'REGISTERING',
    containerizer: undefined,
    queuedTasks: new Map(),
    queuedGroups: [],
    launchedTasks: new Map(),
    terminatedTasks: new Map(),
    completedTasks: [],
    stream: undefined,
    timers: {},
    pendingTermination: undefined,
    exitStatus: undefined,
  };
}

/** The agent's Task record for a TaskInfo (state TASK_STAGING until the executor reports). */
export function newTask(info: TaskInfo, frameworkId: string, agentId: string, executorIdForTask: string | undefined): Task {
  const task: Task = {
    name: info.name,
    task_id: info.task_id,
    framework_id: { value: frameworkId },
    agent_id: { value: agentId },
    state: 'TASK_STAGING',
  };
  if (executorIdForTask !== undefined) task.executor_id = { value: executorIdForTask };
  if (info.resources) task.resources = info.resources;
  if (info.labels) task.labels = info.labels;
  if (info.discovery) task.discovery = info.discovery;
  if (info.container) task.container = info.container;
  if (info.health_check) task.health_check = info.health_check;
  if (info.kill_policy) task.kill_policy = info.kill_policy;
  if (info.limits) task.limits = info.limits;
  return task;
}

/**
 * Appends a status to a task (without its `data`, which can be large and is not needed after
 * delivery, as in Mesos) and sets its state. The list is changed in place and holds at most
 * MAX_STATUSES_PER_TASK entries, the oldest dropped first.
 */
export function recordStatus(task: Task, status: TaskStatus): void {
  task.state = status.state;
  const { data: _data, ...kept } = status;
  const statuses = (task.statuses ??= []);
  statuses.push(kept);
  if (statuses.length > MAX_STATUSES_PER_TASK) statuses.splice(0, statuses.length - MAX_STATUSES_PER_TASK);
}

/** Finds a task of an executor wherever it is (queued as TaskInfo, or as a Task record). */
export function findTask(executor: Executor, taskId: string): { where: 'queued'; info: TaskInfo } | { where: 'launched' | 'terminated'; task: Task } | undefined {
  const info = executor.queuedTasks.get(taskId);
  if (info) return { where: 'queued', info };
  const launched = executor.launchedTasks.get(taskId);
  if (launched) return { where: 'launched', task: launched };
  const terminated = executor.terminatedTasks.get(taskId);
  if (terminated) return { where: 'terminated', task: terminated };
  return undefined;
}

/**
 * Applies a status to the executor's record of the task: a queued task becomes a Task record, a
 * terminal state moves the task to `terminatedTasks`. Returns whether the task reached a terminal
 * state now (for the per-state counters), or undefined when the executor does not know the task.
 */
export function updateTaskState(executor: Executor, status: TaskStatus, agentId: string): { becameTerminal: boolean } | undefined {
  const taskId = status.task_id.value;
  const found = findTask(executor, taskId);
  if (!found) return undefined;
  let task: Task;
  if (found.where === 'queued') {
    executor.queuedTasks.delete(taskId);
    task = newTask(found.info, executor.frameworkId, agentId, executor.isCommandExecutor ? undefined : executor.id);
    executor.launchedTasks.set(taskId, task);
  } else {
    task = found.task;
  }
  const wasTerminal = isTerminalTaskState(task.state);
  // Terminal is final: a later update (a duplicate re-sent after a restart, or a late one from an
  // executor) does not change the task; the status update stream refuses the late ones.
  if (wasTerminal) return { becameTerminal: false };
  recordStatus(task, status);
  if (!wasTerminal && isTerminalTaskState(status.state)) {
    executor.launchedTasks.delete(taskId);
    executor.terminatedTasks.set(taskId, task);
    return { becameTerminal: true };
  }
  return { becameTerminal: false };
}

/** The terminal update of a task was acknowledged: it is completed. */
export function completeTask(executor: Executor, taskId: string): void {
  const task = executor.terminatedTasks.get(taskId);
  if (!task) return;
  executor.terminatedTasks.delete(taskId);
  pushBounded(executor.completedTasks, task, MAX_COMPLETED_TASKS_PER_EXECUTOR);
}

/** The queued group holding a task, if the task came in a task group that was not delivered yet. */
export function queuedGroupOf(executor: Executor, taskId: string): string[] | undefined {
  return executor.queuedGroups.find((group) => group.includes(taskId));
}

/** True when an executor has no task left that is queued, running or awaiting acknowledgement. */
export function executorIsIdle(executor: Executor): boolean {
  return executor.queuedTasks.size === 0 && executor.launchedTasks.size === 0 && executor.terminatedTasks.size === 0;
}

/** The task ids an executor holds that are not completed. */
export function liveTaskIds(executor: Executor): string[] {
  return [...executor.queuedTasks.keys(), ...executor.launchedTasks.keys()];
}

export function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/** Every executor of every live framework. */
export function* allExecutors(state: AgentState): Iterable<Executor> {
  for (const framework of state.frameworks.values()) yield* framework.executors.values();
}

/** Task counts by state over live executors (queued tasks count as TASK_STAGING). */
export function countTasksByState(state: AgentState): Map<TaskState, number> {
  const counts = new Map<TaskState, number>();
  const add = (s: TaskState): void => {
    counts.set(s, (counts.get(s) ?? 0) + 1);
  };
  for (const executor of allExecutors(state)) {
    for (let i = 0; i < executor.queuedTasks.size; i++) add('TASK_STAGING');
    for (const task of executor.launchedTasks.values()) add(task.state);
  }
  return counts;
}

/**
 * What an executor uses now: its own resources plus those of its queued and running tasks
 * (Mesos `Executor::allocatedResources`). Resources that fail to parse count as nothing; they
 * were checked when the task arrived.
 */
export function executorResources(executor: Executor): Resources {
  const parse = (list: Parameters<typeof resourcesFromWire>[0] | undefined): Resources => {
    try {
      return resourcesFromWire(list ?? []);
    } catch {
      return Resources.EMPTY;
    }
  };
  let total = parse(executor.info.resources);
  for (const info of executor.queuedTasks.values()) total = total.add(parse(info.resources));
  for (const task of executor.launchedTasks.values()) total = total.add(parse(task.resources));
  return total;
}
