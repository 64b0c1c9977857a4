// How a task's CommandInfo becomes a process, with Mesos semantics:
//
//   shell=true (default)  /bin/sh -c <value>          (argv[0] "sh")
//   shell=false           <value> looked up like execvp, argv = <arguments> including argv[0]
//
// The environment is the executor's own (which the agent built) overlaid with the task's VALUE
// variables, then MESOS_TASK_ID, MESOS_SANDBOX and MESOS_ALLOCATION_ROLE. The working directory is
// the sandbox. SECRET variables need a secret resolver, which Agora does not have yet: rather
// than start the task without a variable it asked for, the task fails with a clear message.
import { CONTAINER_ONLY_VARIABLES } from '../../common/oci/launch-file.ts';
import type { LaunchedTask, TaskCommand } from './wire.ts';

export type LaunchSpec = {
  /** The executable: a path, or a name looked up on PATH. */
  file: string;
  /** argv[1..]. */
  args: string[];
  argv0: string;
  env: Record<string, string>;
  cwd: string;
};

export type LaunchSpecResult = { ok: true; spec: LaunchSpec } | { ok: false; message: string };

/**
 * Variables of the executor that must not leak into the task: the executor's credential for the
 * agent's executor API would let the task impersonate its executor; the Linux containerizer's
 * hand-over (launch file, ready fd, Node's compile cache) is for the executor only.
 */
const EXECUTOR_ONLY_VARIABLES = ['MESOS_EXECUTOR_AUTHENTICATION_TOKEN', ...CONTAINER_ONLY_VARIABLES];

export function buildLaunchSpec(task: LaunchedTask, executorEnv: Readonly<Record<string, string | undefined>>, sandbox: string): LaunchSpecResult {
  const command = task.command;
  if (command === undefined) return { ok: false, message: `Task '${task.taskId}' has no command to run` };
  const noValue = command.value === undefined || command.value === '';
  const imageDefault = noValue && !command.shell && hasContainerImage(task);
  if (noValue && !imageDefault) {
    return {
      ok: false,
      message: command.shell ? `Shell command of task '${task.taskId}' is not specified` : `Executable of task '${task.taskId}' is not specified`,
    };
  }
  const secrets = command.variables.filter((v) => v.type === 'SECRET').map((v) => v.name);
  if (secrets.length > 0) {
    return {
      ok: false,
      message: `Secret environment variables are not supported by the command executor yet: ${secrets.map((s) => `'${s}'`).join(', ')}`,
    };
  }
  if (command.unsupportedVariables.length > 0) {
    return {
      ok: false,
      message: `Environment variables of an unknown type: ${command.unsupportedVariables.map((s) => `'${s}'`).join(', ')}`,
    };
  }

  const env = taskEnvironment(task, executorEnv, sandbox);
  // Mesos docker/runtime: with no value, the image's Entrypoint/Cmd (with `arguments`) decide what
  // runs; the command executor merges them when it starts the container (common/oci/container-task.ts), and an empty `file` tells it so.
  if (imageDefault || command.value === undefined) return { ok: true, spec: { file: '', args: [...command.arguments], argv0: '', env, cwd: sandbox } };
  return { ok: true, spec: commandSpec({ ...command, value: command.value }, env, sandbox) };
}

/** The TaskInfo (as received) names a container image: `container.mesos.image`. */
function hasContainerImage(task: LaunchedTask): boolean {
  const container = (task.raw as { container?: { mesos?: { image?: unknown } } } | null)?.container;
  return typeof container?.mesos?.image === 'object' && container.mesos.image !== null;
}

/**
 * The task's environment: the executor's own minus its credentials, overlaid with the task's
 * VALUE variables, then MESOS_TASK_ID, MESOS_SANDBOX and MESOS_ALLOCATION_ROLE. COMMAND checks
 * start from it too (check-spec.ts).
 */
export function taskEnvironment(task: LaunchedTask, executorEnv: Readonly<Record<string, string | undefined>>, sandbox: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(executorEnv)) {
    if (value !== undefined && !EXECUTOR_ONLY_VARIABLES.includes(name)) env[name] = value;
  }
  for (const variable of task.command?.variables ?? []) if (variable.type === 'VALUE') env[variable.name] = variable.value;
  env.MESOS_TASK_ID = task.taskId;
  env.MESOS_SANDBOX = sandbox;
  if (task.allocationRole !== undefined) env.MESOS_ALLOCATION_ROLE = task.allocationRole;
  return env;
}

/** How a CommandInfo with a value runs: `sh -c value`, or `value` with `arguments` as argv. */
export function commandSpec(command: TaskCommand & { value: string }, env: Record<string, string>, cwd: string): LaunchSpec {
  if (command.shell) return { file: '/bin/sh', args: ['-c', command.value], argv0: 'sh', env, cwd };
  // NOTE: Mesos passes `arguments` as the whole argv, so an empty list gives the program an empty
  // argv; Node cannot spawn with no argv[0], so we fall back to the executable's name.
  const [argv0, ...args] = command.arguments;
  return { file: command.value, args, argv0: argv0 ?? command.value, env, cwd };
}
