// The hand-over between the Linux containerizer (in the agent) and the task launcher (a small
// process next to the executor, task-launcher.ts): what the containerizer decided for a
// container, written to `<runtime_dir>/containers/<id>/launch.json`. The executor learns where
// it is from its environment and starts its task through the launcher (see README.md).
import type { ImageRuntimeConfig } from '../../provisioner/types.ts';
import type { RunAs } from '../run-as.ts';

/** Environment variables the containerizer gives the executor; never passed on to the task. */
export const LAUNCHER_ENV = 'AGORA_TASK_LAUNCHER';
export const LAUNCH_FILE_ENV = 'AGORA_CONTAINER_LAUNCH';
export const TASK_SPEC_ENV = 'AGORA_TASK_SPEC';

export type LaunchFile = {
  containerId: string;
  /** The task's user on the host (`--switch_user`), applied by the launcher. */
  runAs?: RunAs | undefined;
  /** The task named its user (CommandInfo.user): the image's User is then not used. */
  taskNamedUser: boolean;
  /**
   * `cgroup.procs` files the task joins (a task without an image), with the hierarchy's mount
   * point and controller (undefined: cgroup v2) so the launcher can step back to its own cgroup.
   */
  cgroupProcs: Array<{ file: string; mount: string; controller: string | undefined }>;
  /** memory.oom_control / memory.events: read after the task ended to tell an OOM kill. */
  oomFile?: string | undefined;
  /** Where the launcher reports a limitation it saw (an OOM kill) for the containerizer. */
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

/** What the executor's task spec looks like on the wire to the launcher (executor LaunchSpec). */
export type TaskSpec = { file: string; args: string[]; argv0: string; cwd: string };
