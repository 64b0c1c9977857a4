// Pure: what a container with an image runs, from its CommandInfo and the image's runtime config,
// with Mesos's `docker/runtime` semantics (reference containerizers.md §2.8):
//
//   shell=true            /bin/sh -c <value>; Entrypoint/Cmd ignored; no value is an error
//   shell=false + value   exec <value> with <arguments>; Entrypoint/Cmd ignored
//   shell=false, no value Entrypoint non-empty: Entrypoint + (arguments if any, else Cmd)
//                         else Cmd non-empty: Cmd[0] + (arguments if any, else Cmd[1..])
//                         else "No executable is found"
//
// Image Env goes under the task's environment; WorkingDir (if set) is the working directory, else
// the sandbox inside the container. Improvement over Mesos: the image's User is honoured when the
// task did not name a user itself (Mesos ignores it with a warning); image-user.ts resolves it.
/** The parts of an image's config that decide how it runs (the provisioner's ImageRuntimeConfig). */
export type ImageRuntimeConfig = {
  entrypoint?: string[] | undefined;
  cmd?: string[] | undefined;
  /** `NAME=value` strings, image order. */
  env?: string[] | undefined;
  workingDir?: string | undefined;
  /** `user`, `uid`, `user:group` or `uid:gid`, as in the image. */
  user?: string | undefined;
};

/** PATH when neither the task nor the image sets one (Mesos's default, as the posix launcher's). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The parts of a CommandInfo that decide what runs. `arguments` is the full argv, as in Mesos. */
export type CommandToRun = { shell: boolean; value?: string | undefined; arguments: readonly string[] };

export type ContainerProcess = {
  /** OCI `process.args`: args[0] is the program, looked up on the container's PATH. */
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** The image's User, when it is to be honoured. */
  imageUser?: string | undefined;
};

export type MergeResult = { ok: true; process: ContainerProcess } | { ok: false; message: string };

export type MergeOptions = {
  /** The task's environment (wins over the image's Env). */
  env: Readonly<Record<string, string>>;
  /** Where the sandbox is inside the container (`/mnt/mesos/sandbox`). */
  sandbox: string;
  /** `--docker_ignore_runtime`: use none of the image config. */
  ignoreRuntime?: boolean | undefined;
  /** The task named its user (CommandInfo.user): then the image's User is not used. */
  taskNamedUser?: boolean | undefined;
};

export function mergeImageCommand(command: CommandToRun, image: ImageRuntimeConfig, options: MergeOptions): MergeResult {
  const config: ImageRuntimeConfig = options.ignoreRuntime ? {} : image;
  const args = commandArgs(command, config);
  if (!args.ok) return args;
  const env: Record<string, string> = {};
  for (const entry of config.env ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    else if (eq < 0 && entry !== '') env[entry] = '';
  }
  Object.assign(env, options.env);
  env.PATH ??= DEFAULT_PATH;
  const cwd = config.workingDir !== undefined && config.workingDir !== '' ? config.workingDir : options.sandbox;
  const process: ContainerProcess = { args: args.args, env, cwd };
  if (!options.taskNamedUser && config.user !== undefined && config.user !== '') process.imageUser = config.user;
  return { ok: true, process };
}

function commandArgs(command: CommandToRun, config: ImageRuntimeConfig): { ok: true; args: string[] } | { ok: false; message: string } {
  const value = command.value;
  if (command.shell) {
    if (value === undefined || value === '') return { ok: false, message: 'Shell command is not specified' };
    return { ok: true, args: ['/bin/sh', '-c', value] };
  }
  if (value !== undefined && value !== '') {
    // OCI cannot give argv[0] apart from the program: arguments[0] (Mesos's argv0) becomes `value`.
    return { ok: true, args: [value, ...command.arguments.slice(1)] };
  }
  const entrypoint = config.entrypoint ?? [];
  const cmd = config.cmd ?? [];
  const userArgs = command.arguments;
  if (entrypoint.length > 0) return { ok: true, args: [...entrypoint, ...(userArgs.length > 0 ? userArgs : cmd)] };
  if (cmd.length > 0) return { ok: true, args: [cmd[0]!, ...(userArgs.length > 0 ? userArgs : cmd.slice(1))] };
  return { ok: false, message: 'No executable is found: the command has no value and the image has neither Entrypoint nor Cmd' };
}
