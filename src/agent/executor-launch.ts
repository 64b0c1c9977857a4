// Pure decisions about launching executors: the ExecutorInfo the agent makes up for a command
// task, the resources of an executor's container, and the Mesos executor environment
// (reference §4.4 and containerizers.md §6). No I/O here; `agent.ts` carries them out.
import type {
  CommandInfo,
  ExecutorInfo,
  FrameworkInfo,
  Resource,
  TaskInfo,
  TaskState,
  TaskStatus,
  TaskStatusReason,
} from '../protocol/index.ts';
import { formatDuration } from '../common/units.ts';

/** Mesos adds this much to a command task's resources for the command executor itself. */
export const COMMAND_EXECUTOR_CPUS = 0.1;
export const COMMAND_EXECUTOR_MEM_MB = 32;
/** Extra shutdown grace a command executor gets beyond its task's kill grace (reap + slack). */
export const COMMAND_EXECUTOR_EXTRA_GRACE_NS = 2_000_000_000;

/**
 * The executor name Mesos gives a command task's executor, e.g.
 * `Command Executor (Task: web-1) (Command: sh -c 'python3 -m h...')`.
 */
export function commandExecutorName(task: TaskInfo): string {
  const command = task.command;
  let name = `(Task: ${task.task_id.value}) `;
  if (!command || command.shell !== false) {
    const value = command?.value;
    if (value === undefined) name += '(Command: NO COMMAND)';
    else name += `(Command: sh -c '${value.length > 15 ? `${value.slice(0, 12)}...` : value}')`;
  } else {
    name += `(Command: [${[command.value ?? '', ...(command.arguments ?? [])].join(', ')}])`;
  }
  return `Command Executor ${name}`;
}

/** The allocation role of a task's resources (all carry the same one), if any. */
export function allocationRole(resources: readonly Resource[] | undefined): string | undefined {
  return resources?.find((r) => r.allocation_info?.role !== undefined)?.allocation_info?.role;
}

/**
 * The ExecutorInfo for a task with `command`: executor id = task id, the command executor
 * program (`argv`, run without a shell), the task's URIs and environment, the executor overhead
 * as its resources, and a shutdown grace covering the task's kill grace.
 */
export function commandExecutorInfo(task: TaskInfo, frameworkId: string, argv: readonly string[]): ExecutorInfo {
  const role = allocationRole(task.resources);
  const overhead = (name: string, value: number): Resource => ({
    name,
    type: 'SCALAR',
    scalar: { value },
    ...(role !== undefined ? { allocation_info: { role } } : {}),
  });
  const command: CommandInfo = { shell: false, value: argv[0]!, arguments: [...argv] };
  if (task.command?.uris) command.uris = task.command.uris;
  if (task.command?.environment) command.environment = task.command.environment;
  if (task.command?.user !== undefined) command.user = task.command.user;
  const info: ExecutorInfo = {
    type: 'CUSTOM',
    executor_id: { value: task.task_id.value },
    framework_id: { value: frameworkId },
    command,
    resources: [overhead('cpus', COMMAND_EXECUTOR_CPUS), overhead('mem', COMMAND_EXECUTOR_MEM_MB)],
    name: commandExecutorName(task),
    source: task.task_id.value,
  };
  if (task.container) info.container = task.container;
  if (task.labels) info.labels = task.labels;
  if (task.discovery) info.discovery = task.discovery;
  const grace = task.kill_policy?.grace_period?.nanoseconds;
  if (grace !== undefined) info.shutdown_grace_period = { nanoseconds: grace + COMMAND_EXECUTOR_EXTRA_GRACE_NS };
  return info;
}

export type ExecutorEnvironmentParams = {
  /** `--executor_environment_variables`, or the agent's own environment when that flag is unset. */
  base: Readonly<Record<string, string | undefined>>;
  frameworkId: string;
  executorId: string;
  agentId: string;
  agentIp: string;
  agentPort: number;
  /** The sandbox on the host. */
  directory: string;
  /** FrameworkInfo.checkpoint. */
  checkpoint: boolean;
  shutdownGracePeriodMs: number;
  /** `--recovery_timeout`; only passed when checkpointing. */
  recoveryTimeoutMs: number;
  /** `--executor_reregistration_timeout`; only passed when checkpointing. */
  subscriptionBackoffMaxMs: number;
  /** ExecutorInfo.command: its VALUE variables come last and win, as in Mesos. */
  command: CommandInfo | undefined;
};

/** The environment an executor process starts with (Mesos `executorEnvironment` + containerizer). */
export function executorEnvironment(p: ExecutorEnvironmentParams): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.base)) if (v !== undefined) env[k] = v;
  env.LIBPROCESS_PORT = '0';
  env.MESOS_FRAMEWORK_ID = p.frameworkId;
  env.MESOS_EXECUTOR_ID = p.executorId;
  env.MESOS_SLAVE_ID = p.agentId;
  env.MESOS_AGENT_ID = p.agentId;
  env.MESOS_SLAVE_PID = `slave(1)@${p.agentIp}:${p.agentPort}`;
  env.MESOS_AGENT_ENDPOINT = `${p.agentIp}:${p.agentPort}`;
  env.MESOS_DIRECTORY = p.directory;
  // Without a container image the sandbox seen by the executor is the host directory.
  env.MESOS_SANDBOX = p.directory;
  env.MESOS_CHECKPOINT = p.checkpoint ? '1' : '0';
  // Agora has only HTTP executors.
  env.MESOS_HTTP_COMMAND_EXECUTOR = '1';
  env.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD = formatDuration(p.shutdownGracePeriodMs);
  if (p.checkpoint) {
    env.MESOS_RECOVERY_TIMEOUT = formatDuration(p.recoveryTimeoutMs);
    env.MESOS_SUBSCRIPTION_BACKOFF_MAX = formatDuration(p.subscriptionBackoffMaxMs);
  }
  for (const v of p.command?.environment?.variables ?? []) {
    if ((v.type ?? 'VALUE') === 'VALUE' && v.value !== undefined) env[v.name] = v.value;
  }
  return env;
}

/** How long an executor gets between SHUTDOWN and being destroyed. */
export function shutdownGracePeriodMs(info: ExecutorInfo, flagDefaultMs: number): number {
  const ns = info.shutdown_grace_period?.nanoseconds;
  return ns === undefined ? flagDefaultMs : ns / 1e6;
}

export function isPartitionAware(framework: FrameworkInfo | undefined): boolean {
  return framework?.capabilities?.some((c) => c.type === 'PARTITION_AWARE') ?? false;
}

/** TASK_DROPPED for PARTITION_AWARE frameworks, TASK_LOST for the others (Mesos). */
export function droppedOrLost(framework: FrameworkInfo | undefined): TaskState {
  return isPartitionAware(framework) ? 'TASK_DROPPED' : 'TASK_LOST';
}

/** A status update made by the agent itself (SOURCE_AGENT). */
export function agentStatus(p: {
  taskId: string;
  state: TaskState;
  reason?: TaskStatusReason | undefined;
  message: string;
  agentId: string | undefined;
  executorId?: string | undefined;
  nowMs: number;
  uuid: string;
}): TaskStatus {
  const status: TaskStatus = {
    task_id: { value: p.taskId },
    state: p.state,
    message: p.message,
    source: 'SOURCE_AGENT',
    timestamp: p.nowMs / 1000,
    uuid: p.uuid,
  };
  if (p.reason !== undefined) status.reason = p.reason;
  if (p.agentId !== undefined) status.agent_id = { value: p.agentId };
  if (p.executorId !== undefined) status.executor_id = { value: p.executorId };
  return status;
}

/** Describes a wait(2) status for messages: `exited with status 1`, `terminated by signal 9`. */
export function describeWaitStatus(status: number | undefined): string {
  if (status === undefined) return 'exit status unknown';
  if ((status & 0x7f) === 0) return `exited with status ${(status >> 8) & 0xff}`;
  return `terminated by signal ${status & 0x7f}`;
}
