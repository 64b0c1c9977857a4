// TEST DOUBLE: a containerizer that runs nothing. Tests decide when a launch completes or fails
// and when a container exits, and read back what the agent asked for (launches, destroys), so
// agent behaviour around container lifecycles is tested without processes or timing.
import type { ContainerStatus, ResourceStatistics } from '../../protocol/index.ts';
import { Resources } from '../../common/resources/index.ts';
import {
  UnknownContainerError,
  type ContainerConfig,
  type ContainerTermination,
  type Containerizer,
  type LaunchOutcome,
  type RecoverableContainer,
} from '../containerizer.ts';

type FakeContainer = {
  config: ContainerConfig;
  termination: Promise<ContainerTermination>;
  end: (t: ContainerTermination) => void;
  ended: boolean;
};

export type FakeContainerizerOptions = {
  /**
   * recover() adopts every container it is given, as if its process had survived the agent
   * restart (default false: nothing survives).
   */
  adoptOnRecover?: boolean;
  /** Every launch waits for `releaseLaunches()` (default false: launches complete at once). */
  holdLaunches?: boolean;
  /** Every launch rejects with this error. */
  launchError?: Error;
};

export class FakeContainerizer implements Containerizer {
  readonly name = 'mesos';
  /** Configs of every launch asked for, in order (also those still held). */
  readonly launches: ContainerConfig[] = [];
  /** Container ids the agent destroyed, in order. */
  readonly destroyed: string[] = [];
  holdLaunches: boolean;
  launchError: Error | undefined;
  readonly #adoptOnRecover: boolean;
  readonly #containers = new Map<string, FakeContainer>();
  #held: (() => void)[] = [];
  #launchWaiters: (() => void)[] = [];

  constructor(options: FakeContainerizerOptions = {}) {
    this.holdLaunches = options.holdLaunches ?? false;
    this.launchError = options.launchError;
    this.#adoptOnRecover = options.adoptOnRecover ?? false;
  }

  /** Lets every held launch complete. */
  releaseLaunches(): void {
    const held = this.#held;
    this.#held = [];
    for (const release of held) release();
  }

  /** Resolves once `count` launches have been asked for. */
  async launched(count = 1): Promise<void> {
    while (this.launches.length < count) await new Promise<void>((resolve) => this.#launchWaiters.push(resolve));
  }

  /** The container's root process "exits" with this wait(2) status. */
  exit(containerId: string, status = 0): void {
    this.#end(containerId, { status });
  }

  async recover(containers: readonly RecoverableContainer[]): Promise<void> {
    if (!this.#adoptOnRecover) return;
    for (const c of containers) {
      let end!: (t: ContainerTermination) => void;
      const termination = new Promise<ContainerTermination>((resolve) => (end = resolve));
      const config: ContainerConfig = { containerId: c.containerId, command: { value: 'adopted' }, directory: c.directory, resources: Resources.EMPTY, environment: {} };
      this.#containers.set(c.containerId, { config, termination, end, ended: false });
    }
  }

  async launch(config: ContainerConfig): Promise<LaunchOutcome> {
    this.launches.push(config);
    for (const wake of this.#launchWaiters.splice(0)) wake();
    if (this.holdLaunches) await new Promise<void>((resolve) => this.#held.push(resolve));
    if (this.launchError) throw this.launchError;
    let end!: (t: ContainerTermination) => void;
    const termination = new Promise<ContainerTermination>((resolve) => (end = resolve));
    this.#containers.set(config.containerId, { config, termination, end, ended: false });
    return 'launched';
  }

  async wait(containerId: string): Promise<ContainerTermination | undefined> {
    const container = this.#containers.get(containerId);
    return container ? container.termination : undefined;
  }

  async update(containerId: string, resources: Resources): Promise<void> {
    const container = this.#require(containerId);
    container.config = { ...container.config, resources };
  }

  async destroy(containerId: string): Promise<ContainerTermination | undefined> {
    this.destroyed.push(containerId);
    const container = this.#containers.get(containerId);
    if (!container) return undefined;
    this.#end(containerId, { status: 9 });
    return container.termination;
  }

  async kill(containerId: string, _signal: NodeJS.Signals): Promise<void> {
    this.#require(containerId);
  }

  async usage(containerId: string): Promise<ResourceStatistics> {
    this.#require(containerId);
    return { timestamp: 0 };
  }

  async status(containerId: string): Promise<ContainerStatus> {
    this.#require(containerId);
    return { container_id: { value: containerId } };
  }

  containers(): string[] {
    return [...this.#containers.entries()].filter(([, c]) => !c.ended).map(([id]) => id);
  }

  #end(containerId: string, termination: ContainerTermination): void {
    const container = this.#containers.get(containerId);
    if (!container || container.ended) return;
    container.ended = true;
    container.end(termination);
  }

  #require(containerId: string): FakeContainer {
    const container = this.#containers.get(containerId);
    if (!container) throw new UnknownContainerError(containerId);
    return container;
  }
}
