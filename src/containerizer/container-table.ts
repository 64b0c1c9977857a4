// The containers a host-process containerizer (posix, Linux) tracks, by id, and the parts of the
// Containerizer interface that are the same for both: wait (the termination, then forget it),
// destroy (kill what runs, then wait), kill (a signal to the root), status (the root's pid), ids.
import type { ContainerStatus } from '../protocol/index.ts';
import type { Logger } from '../common/log.ts';
import { UnknownContainerError, type ContainerTermination } from './containerizer.ts';

/** What the table needs of a container: its root process and how it ended. */
export type TrackedContainer = {
  pid: number;
  exited: boolean;
  termination: Promise<ContainerTermination>;
};

export class ContainerTable<C extends TrackedContainer> extends Map<string, C> {
  readonly #log: Logger;

  constructor(log: Logger) {
    super();
    this.#log = log;
  }

  /** The container, or UnknownContainerError (usage/status/kill/update of an unknown id). */
  require(containerId: string): C {
    const container = this.get(containerId);
    if (!container) throw new UnknownContainerError(containerId);
    return container;
  }

  /** Resolves with the termination once the container ended, and forgets it; undefined if unknown. */
  async wait(containerId: string): Promise<ContainerTermination | undefined> {
    const container = this.get(containerId);
    if (!container) return undefined;
    const termination = await container.termination;
    this.delete(containerId);
    return termination;
  }

  /** Kills a running container with `killRunning`, then waits for its termination. */
  async destroy(containerId: string, killRunning: (container: C) => void | Promise<void>): Promise<ContainerTermination | undefined> {
    const container = this.get(containerId);
    if (!container) return undefined;
    if (!container.exited) {
      this.#log.info({ container_id: containerId, pid: container.pid }, 'destroying container');
      await killRunning(container);
    }
    return this.wait(containerId);
  }

  /** A signal to the container's root process (the executor), unless it already exited. */
  async kill(containerId: string, signal: NodeJS.Signals): Promise<void> {
    const container = this.require(containerId);
    if (!container.exited) trySignal(container.pid, signal);
  }

  async status(containerId: string): Promise<ContainerStatus> {
    const container = this.require(containerId);
    return { container_id: { value: containerId }, executor_pid: container.pid };
  }

  ids(): string[] {
    return [...this.keys()];
  }
}

/** Sends a signal, ignoring a process that is already gone (ESRCH) or not ours (EPERM). */
export function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Nothing more to do for this pid.
  }
}
