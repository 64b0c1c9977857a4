// The hand-over between the Linux containerizer (in the agent) and whoever starts a container's
// process on the host: the command executor for its task, or the task launcher for a custom
// executor (src/containerizer/linux/task-launcher.ts). What the containerizer decided for a
// container is written, atomically, to `<runtime_dir>/containers/<id>/launch.json`; the process
// that reads it finds it through the variables below (see src/containerizer/linux/README.md).
import type { ImageRuntimeConfig } from './image-command.ts';
import type { RunAs } from './spawn-plan.ts';

/** The launch file of the container the command executor is in: its task starts through it. */
export const LAUNCH_FILE_ENV = 'AGORA_CONTAINER_LAUNCH';
/**
 * An inherited fd on which the containerizer writes one byte once the container is set up (the
 * executor starts while the cgroups and rootfs are being made); EOF first: the set-up failed.
 */
export const READY_FD_ENV = 'AGORA_CONTAINER_READY_FD';
/** Set (to `1`) in the environment of a warm executor: it waits for a hand-over (ready.ts) first. */
export const WARM_EXECUTOR_ENV = 'AGORA_WARM_EXECUTOR';
/** The custom executor's command line as JSON (a TaskSpec), for the task launcher. */
export const TASK_SPEC_ENV = 'AGORA_TASK_SPEC';
/** V8's code cache dir the agent gives its Node executors (Node's own variable): not the task's business. */
export const COMPILE_CACHE_ENV = 'NODE_COMPILE_CACHE';

/** Variables of the containerizer for the process on the host; a task never sees them. */
export const CONTAINER_ONLY_VARIABLES: readonly string[] = [LAUNCH_FILE_ENV, READY_FD_ENV, WARM_EXECUTOR_ENV, TASK_SPEC_ENV, COMPILE_CACHE_ENV];

export type LaunchFile = {
  containerId: string;
  /** The task's user on the host (`--switch_user`). */
  runAs?: RunAs | undefined;
  /** The task named its user (CommandInfo.user): the image's User is then not used. */
  taskNamedUser: boolean;
  /**
   * `cgroup.procs` files the task joins (a task without an image), with the hierarchy's mount
   * point and controller (undefined: cgroup v2) so the starter can step back to its own cgroup.
   */
  cgroupProcs: Array<{ file: string; mount: string; controller: string | undefined }>;
  /** memory.oom_control / memory.events: read after the task ended to tell an OOM kill. */
  oomFile?: string | undefined;
  /** Where a limitation seen by the starter (an OOM kill) is reported to the containerizer. */
  limitationFile: string;
  /** Host sandbox. */
  sandbox: string;
  /** `setpriv` for user switching of tasks without an image. */
  setpriv?: string | undefined;
  image?: ImageLaunch | undefined;
};

export type ImageLaunch = {
  runc: string;
  runcRoot: string;
  bundle: string;
  rootfs: string;
  config: ImageRuntimeConfig;
  /** The sandbox inside the container (`/mnt/mesos/sandbox`). */
  sandboxPath: string;
  namespaces: Array<'pid' | 'ipc'>;
  cgroupsPath: string;
  binds: Array<{ host: string; container: string; readOnly: boolean }>;
  init?: string | undefined;
  ignoreRuntime: boolean;
};

/** A command line as the executor's launch spec has it (`file` '' = the image's default command). */
export type TaskSpec = { file: string; args: string[]; argv0: string; cwd: string };
