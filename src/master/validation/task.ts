// Checks of the tasks in a LAUNCH or LAUNCH_GROUP (Mesos validation.cpp `task::validate` and
// `task::group::validate`), in Mesos' order, returning the first problem as the message of the
// TASK_ERROR update (REASON_TASK_INVALID / REASON_TASK_GROUP_INVALID). Pure: cluster state comes
// in through the context. On success the task comes back normalized for the agent: resources
// carry the offer's allocation role, and the executor's `framework_id` is filled in.
import { validateUserId } from '../../common/ids.ts';
import { Resources, resourcesFromWire, resourcesToWire, validateFrameworkResource } from '../../common/resources/index.ts';
import { encode, ExecutorInfo, type Resource, type TaskInfo } from '../../protocol/index.ts';
import { validateCheckInfo, validateHealthCheck } from '../../common/check-validation.ts';

export type TaskCheckContext = {
  readonly frameworkId: string;
  readonly agentId: string;
  /** The allocation role of the offers. */
  readonly role: string;
  /** What is left of the offers (allocated to `role`). */
  readonly available: Resources;
  /** Whether the framework already has a task with this id (or one earlier in this ACCEPT). */
  readonly isTaskIdUsed: (taskId: string) => boolean;
  /** The framework's executor with this id on the agent (running, or launched earlier in this ACCEPT). */
  readonly executorOnAgent: (executorId: string) => ExecutorInfo | undefined;
};

export type CheckedTask = {
  /** The task as the agent gets it. */
  readonly info: TaskInfo;
  readonly taskResources: Resources;
  /** Resources of an executor this task starts (empty when the executor already runs). */
  readonly executorResources: Resources;
  /** Set when the task starts or uses a custom or default executor. */
  readonly executor?: ExecutorInfo | undefined;
};

export type TaskCheck = { readonly ok: true; readonly task: CheckedTask } | { readonly ok: false; readonly error: string };
export type TaskGroupCheck =
  | { readonly ok: true; readonly tasks: readonly CheckedTask[]; readonly executor: ExecutorInfo; readonly executorResources: Resources }
  | { readonly ok: false; readonly error: string };

/** Wire resources as Resources allocated to `role`, or the validation error. */
export function resourcesForRole(list: readonly Resource[] | undefined, role: string, label: string): Resources | string {
  const wire = list ?? [];
  for (let i = 0; i < wire.length; i++) {
    const error = validateFrameworkResource(wire[i]!);
    if (error !== undefined) return `${label}[${i}] '${wire[i]!.name}': ${error}`;
  }
  let parsed: Resources;
  try {
    parsed = resourcesFromWire(wire, { label });
  } catch (err) {
    return (err as Error).message;
  }
  // Resources may come without allocation_info (reference §0 item 11): they get the offer's.
  const unallocated = parsed.filter((e) => e.allocationRole === undefined);
  if (unallocated.isEmpty()) return parsed;
  return parsed.filter((e) => e.allocationRole !== undefined).add(unallocated.allocate(role));
}

function executorKey(info: ExecutorInfo): string {
  return JSON.stringify(encode(ExecutorInfo, info));
}

/** The checks shared by LAUNCH and LAUNCH_GROUP tasks (Mesos `task::internal::validateTask`). */
function checkTaskBasics(task: TaskInfo, ctx: TaskCheckContext): Resources | string {
  const idError = validateUserId(task.task_id.value);
  if (idError !== undefined) return `'TaskInfo.task_id' is invalid: ${idError}`;
  if (ctx.isTaskIdUsed(task.task_id.value)) return `Task has duplicate ID: ${task.task_id.value}`;
  if (task.agent_id.value !== ctx.agentId) {
    return `Task uses invalid agent ${task.agent_id.value} while agent ${ctx.agentId} is expected`;
  }
  const grace = task.kill_policy?.grace_period?.nanoseconds;
  if (grace !== undefined && grace < 0) return "Task's 'kill_policy.grace_period' must be non-negative";
  const maxCompletion = task.max_completion_time?.nanoseconds;
  if (maxCompletion !== undefined && maxCompletion < 0) return "Task's 'max_completion_time' must be non-negative";
  // Mesos validates the check before the health check, both before the resources.
  const checkError = task.check && validateCheckInfo(task.check);
  if (checkError) return `Task uses invalid check: ${checkError}`;
  const healthError = task.health_check && validateHealthCheck(task.health_check);
  if (healthError) return `Task uses invalid health check: ${healthError}`;
  if ((task.resources ?? []).length === 0) return 'Task uses no resources';
  const resources = resourcesForRole(task.resources, ctx.role, 'resources');
  if (typeof resources === 'string') return `Task uses invalid resources: ${resources}`;
  if (resources.isEmpty()) return 'Task uses no resources';
  const revocable = resources.revocable();
  if (!revocable.isEmpty() && !revocable.equals(resources)) {
    return 'Task mixes revocable and non-revocable resources';
  }
  return resources;
}

/** Checks of an ExecutorInfo common to both launch kinds (Mesos `executor::internal::validate`). */
function checkExecutor(executor: ExecutorInfo, ctx: TaskCheckContext): { executor: ExecutorInfo; resources: Resources; isNew: boolean } | string {
  const idError = validateUserId(executor.executor_id.value);
  if (idError !== undefined) return `'ExecutorInfo.executor_id' is invalid: ${idError}`;
  if (executor.type === 'DEFAULT' && executor.command !== undefined) {
    return "'ExecutorInfo.command' must not be set for 'DEFAULT' executor";
  }
  if (executor.type === 'CUSTOM' && executor.command === undefined) return "'ExecutorInfo.command' must be set for 'CUSTOM' executor";
  if (executor.framework_id !== undefined && executor.framework_id.value !== ctx.frameworkId) {
    return `ExecutorInfo has an invalid FrameworkID (Actual: ${executor.framework_id.value} vs Expected: ${ctx.frameworkId})`;
  }
  const grace = executor.shutdown_grace_period?.nanoseconds;
  if (grace !== undefined && grace < 0) return "ExecutorInfo's 'shutdown_grace_period' must be non-negative";
  const resources = resourcesForRole(executor.resources, ctx.role, 'executor.resources');
  if (typeof resources === 'string') return `Executor uses invalid resources: ${resources}`;
  if (!resources.shared().isEmpty()) return 'Executor resources should not contain any shared resources';
  const normalized: ExecutorInfo = {
    ...executor,
    framework_id: { value: ctx.frameworkId },
    ...(executor.resources !== undefined && { resources: resourcesToWire(resources) }),
  };
  const existing = ctx.executorOnAgent(executor.executor_id.value);
  if (existing !== undefined && executorKey(existing) !== executorKey(normalized)) {
    return `ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID '${executor.executor_id.value}'`;
  }
  return { executor: normalized, resources, isNew: existing === undefined };
}

function withResources(task: TaskInfo, resources: Resources, executor: ExecutorInfo | undefined): TaskInfo {
  const out: TaskInfo = { ...task, resources: resourcesToWire(resources) };
  if (executor !== undefined) out.executor = executor;
  return out;
}

/** One task of a LAUNCH. */
export function checkTask(task: TaskInfo, ctx: TaskCheckContext): TaskCheck {
  const basics = checkTaskBasics(task, ctx);
  if (typeof basics === 'string') return { ok: false, error: basics };
  if ((task.executor === undefined) === (task.command === undefined)) {
    return { ok: false, error: 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present' };
  }
  let executor: ExecutorInfo | undefined;
  let executorResources = Resources.EMPTY;
  if (task.executor !== undefined) {
    const checked = checkExecutor(task.executor, ctx);
    if (typeof checked === 'string') return { ok: false, error: checked };
    if (task.executor.type !== undefined && task.executor.type !== 'CUSTOM') return { ok: false, error: "'ExecutorInfo.type' must be 'CUSTOM'" };
    if (task.executor.command === undefined) return { ok: false, error: "'ExecutorInfo.command' must be set" };
    executor = checked.executor;
    if (checked.isNew) executorResources = checked.resources;
  }
  const total = basics.add(executorResources);
  if (!ctx.available.contains(total)) {
    return {
      ok: false,
      error: `Total resources ${total.toString()} required by task and its executor is more than available ${ctx.available.toString()}`,
    };
  }
  return { ok: true, task: { info: withResources(task, basics, executor), taskResources: basics, executorResources, executor } };
}

/** Mesos's minimum resources of a task group's executor (master/constants MIN_CPUS, MIN_MEM). */
export const MIN_EXECUTOR_CPUS = 0.01;
export const MIN_EXECUTOR_MEM_MB = 32;

/** A size as stout prints `Bytes`: the largest unit that divides it (`32MB`, `512KB`, `10B`). */
export function formatBytes(bytes: number): string {
  const b = Math.round(bytes);
  if (b === 0 || b % 1024 !== 0) return `${b}B`;
  if (b % (1024 * 1024) !== 0) return `${b / 1024}KB`;
  if (b % (1024 * 1024 * 1024) !== 0) return `${b / (1024 * 1024)}MB`;
  if (b % (1024 * 1024 * 1024 * 1024) !== 0) return `${b / (1024 * 1024 * 1024)}GB`;
  return `${b / (1024 * 1024 * 1024 * 1024)}TB`;
}

/** Checks of one task of a group (Mesos `task::group::internal::validateTask`). */
function checkGroupTask(task: TaskInfo, ctx: TaskCheckContext, seen: ReadonlySet<string>): Resources | string {
  // The master checks ids against its known tasks; the tasks of one group against each other too.
  if (seen.has(task.task_id.value)) return `Task has duplicate ID: ${task.task_id.value}`;
  const basics = checkTaskBasics(task, ctx);
  if (typeof basics === 'string') return basics;
  const container = task.container;
  if (container !== undefined) {
    const healthType = task.health_check?.type;
    if ((container.network_infos ?? []).length > 0 && (healthType === 'HTTP' || healthType === 'TCP')) {
      return "HTTP and TCP health checks are not supported for nested containers not joining parent's network";
    }
    if (container.type === 'DOCKER') return 'Docker ContainerInfo is not supported on the task';
  }
  if (Object.keys(task.limits ?? {}).length > 0 && container?.linux_info?.share_cgroups !== false) {
    return "Resource limits may only be set for tasks within a task group when the 'share_cgroups' field is set to 'false'.";
  }
  return basics;
}

/**
 * A LAUNCH_GROUP (Mesos `task::group::validate`): every task first (the message prefixed with
 * `Task '<id>' is invalid: `), then the executor, then the resources of the whole group against
 * the offer. Any problem fails the whole group.
 */
export function checkTaskGroup(executor: ExecutorInfo, tasks: readonly TaskInfo[], ctx: TaskCheckContext): TaskGroupCheck {
  if (tasks.length === 0) return { ok: false, error: 'Task group must not be empty' };
  const ids = new Set<string>();
  const checked: { info: TaskInfo; resources: Resources }[] = [];
  for (const task of tasks) {
    const result = checkGroupTask(task, ctx, ids);
    if (typeof result === 'string') return { ok: false, error: `Task '${task.task_id.value}' is invalid: ${result}` };
    ids.add(task.task_id.value);
    checked.push({ info: task, resources: result });
  }
  const id = executor.executor_id.value;
  if (executor.framework_id === undefined) return { ok: false, error: "'ExecutorInfo.framework_id' must be set" };
  const exec = checkExecutor(executor, ctx);
  if (typeof exec === 'string') return { ok: false, error: exec };
  if (executor.type === undefined) return { ok: false, error: "'ExecutorInfo.type' must be set" };
  if (executor.container?.type === 'DOCKER') return { ok: false, error: 'Docker ContainerInfo is not supported on the executor' };
  // A task may name the group's executor itself (Mesos puts it in every task), but no other.
  for (const task of tasks) {
    if (task.executor !== undefined && executorKey(task.executor) !== executorKey(executor)) {
      return { ok: false, error: `The \`ExecutorInfo\` of task '${task.task_id.value}' is different from executor '${id}'` };
    }
  }
  const cpus = exec.resources.cpus();
  if (cpus === undefined || cpus < MIN_EXECUTOR_CPUS) {
    return { ok: false, error: `Executor '${id}' uses less CPUs (${cpus ?? 'None'}) than the minimum required (${MIN_EXECUTOR_CPUS})` };
  }
  const mem = exec.resources.mem();
  if (mem === undefined || mem < MIN_EXECUTOR_MEM_MB) {
    const used = mem === undefined ? 'None' : formatBytes(mem * 1024 * 1024);
    return { ok: false, error: `Executor '${id}' uses less memory (${used}) than the minimum required (${formatBytes(MIN_EXECUTOR_MEM_MB * 1024 * 1024)})` };
  }
  if (exec.resources.disk() === undefined) return { ok: false, error: `Executor '${id}' uses no disk` };
  let all = exec.resources;
  for (const t of checked) all = all.add(t.resources);
  const revocable = all.revocable();
  if (!revocable.isEmpty() && !revocable.equals(all)) return { ok: false, error: 'Task group and executor mix revocable and non-revocable resources' };
  const executorResources = exec.isNew ? exec.resources : Resources.EMPTY;
  let total = executorResources;
  for (const t of checked) total = total.add(t.resources);
  if (!ctx.available.contains(total)) {
    return {
      ok: false,
      error: `Total resources ${total.toString()} required by task group and its executor are more than available ${ctx.available.toString()}`,
    };
  }
  return {
    ok: true,
    executor: exec.executor,
    executorResources,
    tasks: checked.map(({ info: { executor: _executor, ...task }, resources }) => ({
      // The agent gets each task without an executor: the group's is sent beside them.
      info: withResources(task, resources, undefined),
      taskResources: resources,
      executorResources: Resources.EMPTY,
      executor: exec.executor,
    })),
  };
}
