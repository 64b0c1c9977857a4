// The Containerizer interface: how the agent runs an executor (or, later, a standalone or nested
// container) and learns how it ended. One interface, several implementations, as in Mesos
// (slave/containerizer/containerizer.hpp): `posix` (plain processes, here), and later `linux`
// (cgroups + an OCI runtime) and `docker` (the Docker Engine API). The agent picks the first
// containerizer whose `launch` does not answer 'not-supported' (Mesos's composing containerizer).
//
// Lifecycle of one container:
//
//   launch() ──> running ──(process exits)──────────────┐
//                   │                                   v
//                   └──(destroy(): kill every process)─> terminated: wait() resolves once
//
// `recover()` is part of the interface from the first day: after an agent restart it is given the
// containers the agent checkpointed and must re-adopt those still running (and destroy orphans).
import type { CommandInfo, ContainerInfo, ContainerStatus, Image, ResourceStatistics, TaskState, TaskStatusReason } from '../protocol/index.ts';
import type { Resources } from '../common/resources/index.ts';
import type { RunAs } from './run-as.ts';
import type { ImagePruneResult } from './linux/linux.ts';

/** What the agent asks a containerizer to run. */
export type ContainerConfig = {
  /** The container id (a UUID the agent chose). */
  containerId: string;
  /** What to run: `shell` true means `/bin/sh -c value`, false means exec `value` with argv `arguments`. */
  command: CommandInfo;
  /** The container's image, networks and so on; absent for a plain host process. */
  container?: ContainerInfo | undefined;
  /** The sandbox on the host: working directory and home of the `stdout`/`stderr` files. */
  directory: string;
  /** The resources the container may use (executor + tasks); the limits reported in statistics. */
  resources: Resources;
  /** The complete environment of the process (nothing is inherited from the agent). */
  environment: Record<string, string>;
  /** The task user's name (logs, and the fetcher cache key); the switch itself is `runAs`. */
  user?: string | undefined;
  /**
   * Run the container's process as this uid/gid with these supplementary groups (the agent's
   * `--switch_user`); absent: as the agent's own user. The sandbox is already owned by it.
   */
  runAs?: RunAs | undefined;
};

/** How a container ended (Mesos ContainerTermination). */
export type ContainerTermination = {
  /** Raw wait(2) status: exit code << 8, or the signal number. Absent when unknown. */
  status?: number | undefined;
  /** Set when the containerizer itself ended the container for a reason (limitation, launch failure). */
  state?: TaskState | undefined;
  reason?: TaskStatusReason | undefined;
  message?: string | undefined;
};

/** A container the agent checkpointed, handed to `recover()` after a restart. */
export type RecoverableContainer = {
  containerId: string;
  /** The pid the containerizer reported at launch. */
  pid?: number | undefined;
  directory: string;
  /** The container's resources (executor + tasks), the limits `usage()` reports. */
  resources?: Resources | undefined;
};

export type LaunchOutcome = 'launched' | 'not-supported';

export interface Containerizer {
  /** Name as given in `--containerizers` (`mesos`, later `docker`). */
  readonly name: string;
  /**
   * Re-adopts the given containers if their processes still run and destroys orphans the
   * containerizer knows about that are not listed. Called once, before any launch.
   */
  recover(containers: readonly RecoverableContainer[]): Promise<void>;
  /**
   * Starts a container. Resolves 'not-supported' when this containerizer cannot run the config
   * (e.g. a DOCKER ContainerInfo for the posix one); rejects when the launch itself failed.
   */
  launch(config: ContainerConfig): Promise<LaunchOutcome>;
  /** Resolves when the container has terminated; undefined for an unknown container. */
  wait(containerId: string): Promise<ContainerTermination | undefined>;
  /** The resources of a running container changed (tasks joined or left its executor). */
  update(containerId: string, resources: Resources): Promise<void>;
  /** Kills every process of the container and resolves with its termination. */
  destroy(containerId: string): Promise<ContainerTermination | undefined>;
  /** Sends a signal to the container's processes (the root process's process group and tree). */
  kill(containerId: string, signal: NodeJS.Signals): Promise<void>;
  /** A snapshot of the container's resource usage. Rejects for an unknown container. */
  usage(containerId: string): Promise<ResourceStatistics>;
  /** The container's status (executor pid, networks). Rejects for an unknown container. */
  status(containerId: string): Promise<ContainerStatus>;
  /** Ids of the containers currently known (running or terminating). */
  containers(): string[];
  /**
   * Image GC (PRUNE_IMAGES): removes stored images neither in `excluded` nor used by a live
   * container, and the layers nothing uses any more. Absent: the containerizer keeps no images.
   */
  pruneImages?(excluded: readonly Image[]): Promise<ImagePruneResult>;
}

/** Thrown by usage/status/kill for an id the containerizer does not know. */
export class UnknownContainerError extends Error {
  readonly containerId: string;
  constructor(containerId: string) {
    super(`unknown container '${containerId}'`);
    this.name = 'UnknownContainerError';
    this.containerId = containerId;
  }
}
