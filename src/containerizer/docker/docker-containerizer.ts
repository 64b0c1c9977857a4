// The Docker containerizer (`--containerizers=docker`, reference containerizers.md §3), over
// the Docker Engine API. It runs containers whose ContainerInfo.type is DOCKER, in two ways:
//
//   command task (the agent's command executor ExecutorInfo carrying the task's DOCKER
//   ContainerInfo): the Docker executor (src/executor/docker) runs as a host process in the
//   sandbox — started through an inner posix containerizer — and itself creates, supervises and
//   stops the task's container `mesos-<container id>` (Mesos's mesos-docker-executor).
//
//   custom executor image (ExecutorInfo with a DOCKER ContainerInfo): the containerizer runs the
//   executor as the container `mesos-<container id>` itself, copies its output into the
//   sandbox's stdout/stderr and waits on it through the API.
//
// In both cases the image is pulled first when missing (or always with force_pull_image), with
// registry credentials from the sandbox or `--docker_config` (image-pull.ts). Every container
// carries labels naming its container id and the agent that owns it (its work dir), which
// recovery uses to re-adopt or remove them; a stopped container is removed
// `--docker_remove_delay` after its end so its logs stay inspectable meanwhile.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { ContainerStatus, ResourceStatistics } from '../../protocol/index.ts';
import type { Clock } from '../../common/clock.ts';
import { InvalidArgumentError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { DockerEngine, DockerEngineError } from '../../common/docker/engine-client.ts';
import type { ContainerInspect } from '../../common/docker/engine-types.ts';
import { buildRunOptions, CONTAINER_NAME_PREFIX, containerName, LABEL_CONTAINER_ID, LABEL_OWNER, LABEL_ROLE, normalizeImage } from '../../common/docker/run-options.ts';
import { Resources } from '../../common/resources/index.ts';
import {
  UnknownContainerError,
  type ContainerConfig,
  type ContainerTermination,
  type Containerizer,
  type LaunchOutcome,
  type RecoverableContainer,
} from '../containerizer.ts';
import { PosixContainerizer } from '../posix.ts';
import { ensureImage, readDockerConfigFlag } from './image-pull.ts';
import { statisticsFromDocker } from './statistics.ts';
import { planRecovery } from './recovery-plan.ts';

export type DockerContainerizerOptions = {
  logger: Logger;
  clock: Clock;
  /** `--docker_socket`. */
  socketPath: string;
  /** The agent's work dir: the owner label of its containers. */
  owner: string;
  /** argv of the agent's command executor: a launch with it is a command task. */
  commandExecutorArgv: () => readonly string[];
  /** argv of the Docker executor (built on first use). */
  dockerExecutorArgv: () => string[];
  /** `--docker_config`. */
  dockerConfig?: string | undefined;
  /** `--docker_remove_delay` (ms). */
  removeDelayMs: number;
  /** `--docker_stop_timeout` (ms): grace of `docker stop` when the agent destroys a container. */
  stopTimeoutMs: number;
  /** `--docker_kill_orphans`. */
  killOrphans: boolean;
  /** `--docker_mesos_image`: the agent runs in a container of this image (see README.md). */
  mesosImage?: string | undefined;
  /** Tests: replace the engine. */
  engine?: DockerEngine;
};

type Kind = 'executor-process' | 'executor-container';

type DockerContainer = {
  kind: Kind;
  config: Pick<ContainerConfig, 'containerId' | 'directory' | 'resources'>;
  /** executor-container: resolves when the container stopped. */
  termination?: Promise<ContainerTermination>;
  /** executor-container: its init pid. */
  pid?: number;
};

export class DockerContainerizer implements Containerizer {
  readonly name = 'docker';
  readonly engine: DockerEngine;
  readonly #o: DockerContainerizerOptions;
  readonly #log: Logger;
  /** Runs the Docker executor processes (and re-adopts them after a restart). */
  readonly #processes: PosixContainerizer;
  readonly #containers = new Map<string, DockerContainer>();
  readonly #agentConfig: { text: string; source: string } | undefined;

  constructor(options: DockerContainerizerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'docker-containerizer' });
    this.engine = options.engine ?? new DockerEngine({ socketPath: options.socketPath });
    this.#processes = new PosixContainerizer({ logger: options.logger, clock: options.clock });
    this.#agentConfig = readDockerConfigFlag(options.dockerConfig);
    if (options.mesosImage !== undefined && options.mesosImage.trim() !== '') {
      // NOTE: Mesos then starts each docker executor in its own container from this image so it
      // outlives the agent's container. Agora's executors stay processes of the agent (README.md).
      this.#log.warn(
        { docker_mesos_image: options.mesosImage },
        "--docker_mesos_image is not supported: docker executors run as processes of the agent and end with the agent's container",
      );
    }
  }

  /** Throws a clear error when the daemon cannot be reached (the agent then refuses to start). */
  async checkDaemon(): Promise<string> {
    try {
      const version = await this.engine.version();
      return version.Version;
    } catch (err) {
      // A configuration problem for the operator: agentMain prints it as a usage error (exit 2).
      throw new InvalidArgumentError(`--containerizers=docker: the Docker daemon at '${this.#o.socketPath}' is not reachable (set --docker_socket): ${(err as Error).message}`, {}, { cause: err });
    }
  }

  #ownerLabels(containerId: string, role: 'task' | 'executor'): Record<string, string> {
    return { [LABEL_OWNER]: this.#o.owner, [LABEL_CONTAINER_ID]: containerId, [LABEL_ROLE]: role };
  }

  // -------------------------------------------------------------------------------------------
  // Launch.

  async launch(config: ContainerConfig): Promise<LaunchOutcome> {
    const info = config.container;
    if (info?.type !== 'DOCKER') return 'not-supported';
    if (!info.docker) throw new Error('ContainerInfo.docker is required for a DOCKER container');
    if (this.#containers.has(config.containerId)) throw new Error(`container '${config.containerId}' already exists`);
    const image = normalizeImage(info.docker.image);
    await ensureImage({ engine: this.engine, image, forcePull: info.docker.force_pull_image === true, sandbox: config.directory, agentConfig: this.#agentConfig, log: this.#log });
    if (this.#isCommandExecutor(config)) await this.#launchExecutorProcess(config);
    else await this.#launchExecutorContainer(config);
    return 'launched';
  }

  #isCommandExecutor(config: ContainerConfig): boolean {
    const argv = config.command.arguments ?? [];
    const expected = this.#o.commandExecutorArgv();
    return config.command.shell === false && argv.length === expected.length && argv.every((a, i) => a === expected[i]);
  }

  async #launchExecutorProcess(config: ContainerConfig): Promise<void> {
    const argv = this.#o.dockerExecutorArgv();
    await this.#processes.launch({
      containerId: config.containerId,
      command: { shell: false, value: argv[0]!, arguments: argv },
      directory: config.directory,
      resources: config.resources,
      environment: {
        ...config.environment,
        AGORA_DOCKER_SOCKET: this.#o.socketPath,
        AGORA_DOCKER_CONTAINER_ID: config.containerId,
        AGORA_DOCKER_LABELS: JSON.stringify(this.#ownerLabels(config.containerId, 'task')),
      },
      // The executor talks to the daemon's socket, which only the agent's user may use; the
      // task's user applies inside the container (CommandInfo.user), as with Mesos.
      user: config.user,
    });
    this.#containers.set(config.containerId, { kind: 'executor-process', config });
    this.#log.info({ container_id: config.containerId, container: containerName(config.containerId) }, 'docker executor launched');
  }

  async #launchExecutorContainer(config: ContainerConfig): Promise<void> {
    const resources = config.resources;
    const environment: Record<string, string> = {};
    // Only the Mesos executor variables: the agent's own environment would override the image's.
    for (const [k, v] of Object.entries(config.environment)) if (k.startsWith('MESOS_') || k.startsWith('LIBPROCESS_')) environment[k] = v;
    const plan = buildRunOptions({
      containerId: config.containerId,
      container: config.container!,
      command: config.command,
      cpus: resources.cpus(),
      memMb: resources.mem(),
      ports: portRanges(resources),
      sandbox: config.directory,
      environment,
      labels: undefined,
      ownerLabels: this.#ownerLabels(config.containerId, 'executor'),
    });
    if (!plan.ok) throw new Error(plan.message);
    await this.engine.removeContainer(plan.name, { force: true });
    await this.engine.createContainer(plan.name, plan.body);
    await this.engine.startContainer(plan.name);
    const inspect = await this.engine.inspectContainer(plan.name);
    const container: DockerContainer = { kind: 'executor-container', config, pid: inspect?.State.Pid };
    container.termination = this.#watchContainer(config.containerId, config.directory);
    this.#containers.set(config.containerId, container);
    this.#log.info({ container_id: config.containerId, container: plan.name, pid: container.pid }, 'executor container started');
  }

  /** Copies the container's output into the sandbox and resolves with its termination. */
  async #watchContainer(containerId: string, directory: string, since?: number): Promise<ContainerTermination> {
    const name = containerName(containerId);
    const stdout = createWriteStream(join(directory, 'stdout'), { flags: 'a' });
    const stderr = createWriteStream(join(directory, 'stderr'), { flags: 'a' });
    const logs = this.engine.followLogs(name, { stdout, stderr }, { since }).catch(() => {});
    let termination: ContainerTermination;
    try {
      const result = await this.engine.waitContainer(name);
      const inspect = await this.engine.inspectContainer(name);
      termination = terminationOf(result.StatusCode, inspect);
    } catch (err) {
      termination = { message: `lost track of container '${name}': ${(err as Error).message}` };
    }
    await logs;
    stdout.end();
    stderr.end();
    this.#scheduleRemoval(name);
    return termination;
  }

  // -------------------------------------------------------------------------------------------
  // Wait / destroy / signals.

  async wait(containerId: string): Promise<ContainerTermination | undefined> {
    const container = this.#containers.get(containerId);
    if (!container) return undefined;
    let termination: ContainerTermination | undefined;
    if (container.kind === 'executor-process') {
      termination = await this.#processes.wait(containerId);
      // Nobody supervises the task's container once its executor is gone.
      await this.#stopTaskContainer(containerId);
    } else {
      termination = await container.termination;
    }
    this.#containers.delete(containerId);
    return termination;
  }

  async destroy(containerId: string): Promise<ContainerTermination | undefined> {
    const container = this.#containers.get(containerId);
    if (!container) return undefined;
    this.#log.info({ container_id: containerId, kind: container.kind }, 'destroying container');
    if (container.kind === 'executor-process') {
      await Promise.all([this.#processes.destroy(containerId), this.#stopTaskContainer(containerId)]);
    } else {
      await this.#stop(containerName(containerId));
    }
    return this.wait(containerId);
  }

  async #stopTaskContainer(containerId: string): Promise<void> {
    const name = containerName(containerId);
    const inspect = await this.engine.inspectContainer(name).catch(() => undefined);
    if (!inspect) return;
    if (inspect.State.Running) await this.#stop(name);
    this.#scheduleRemoval(name);
  }

  async #stop(name: string): Promise<void> {
    try {
      await this.engine.stopContainer(name, this.#o.stopTimeoutMs / 1000);
    } catch (err) {
      if (!(err instanceof DockerEngineError && err.status === 404)) this.#log.warn({ container: name, err: (err as Error).message }, 'docker stop failed');
    }
  }

  #scheduleRemoval(name: string): void {
    const remove = (): void => {
      this.engine.removeContainer(name, { force: true, volumes: true }).then(
        () => this.#log.info({ container: name }, 'container removed'),
        (err: unknown) => this.#log.warn({ container: name, err: (err as Error).message }, 'container removal failed'),
      );
    };
    if (this.#o.removeDelayMs <= 0) remove();
    else this.#o.clock.setTimeout(remove, this.#o.removeDelayMs);
  }

  async kill(containerId: string, signal: NodeJS.Signals): Promise<void> {
    const container = this.#containers.get(containerId);
    if (!container) throw new UnknownContainerError(containerId);
    if (container.kind === 'executor-process') await this.#processes.kill(containerId, signal);
    else await this.engine.killContainer(containerName(containerId), signal);
  }

  /** New limits go to the running container (`docker update`); the executor process needs none. */
  async update(containerId: string, resources: Resources): Promise<void> {
    const container = this.#containers.get(containerId);
    if (!container) throw new UnknownContainerError(containerId);
    container.config = { ...container.config, resources };
    if (container.kind !== 'executor-container') return;
    const cpus = resources.cpus();
    const mem = resources.mem();
    const limits: { CpuShares?: number; Memory?: number; MemorySwap?: number } = {};
    if (cpus !== undefined) limits.CpuShares = Math.max(Math.round(1024 * cpus), 2);
    if (mem !== undefined) limits.Memory = limits.MemorySwap = Math.max(Math.round(mem * 1024 * 1024), 32 * 1024 * 1024);
    await this.engine.updateContainer(containerName(containerId), limits).catch((err: unknown) => {
      this.#log.warn({ container_id: containerId, err: (err as Error).message }, 'docker update failed');
    });
  }

  async usage(containerId: string): Promise<ResourceStatistics> {
    const container = this.#containers.get(containerId);
    if (!container) throw new UnknownContainerError(containerId);
    const resources = container.config.resources;
    const mem = resources.mem();
    const limits = { cpus: resources.cpus(), memBytes: mem === undefined ? undefined : Math.round(mem * 1024 * 1024) };
    try {
      const stats = await this.engine.stats(containerName(containerId), true);
      return statisticsFromDocker(stats, this.#o.clock.now(), limits);
    } catch (err) {
      // No container (yet): the executor process's own usage.
      if (container.kind === 'executor-process' && err instanceof DockerEngineError && err.status === 404) return this.#processes.usage(containerId);
      throw err;
    }
  }

  async status(containerId: string): Promise<ContainerStatus> {
    const container = this.#containers.get(containerId);
    if (!container) throw new UnknownContainerError(containerId);
    if (container.kind === 'executor-process') return this.#processes.status(containerId);
    const status: ContainerStatus = { container_id: { value: containerId } };
    if (container.pid !== undefined) status.executor_pid = container.pid;
    return status;
  }

  containers(): string[] {
    return [...this.#containers.keys()];
  }

  // -------------------------------------------------------------------------------------------
  // Recovery.

  /**
   * Re-adopts what survived the agent restart and removes orphans (recovery-plan.ts decides):
   * Docker executor processes are re-adopted by pid (the inner posix containerizer), executor
   * containers that still run are watched again, and every container of this agent that no
   * checkpointed executor accounts for is stopped and removed (`--docker_kill_orphans`).
   * Checkpointed containers that are not Docker's (plain posix executors when this containerizer
   * is the agent's first) are re-adopted by pid too, so nothing the agent checkpointed is lost.
   */
  async recover(recoverables: readonly RecoverableContainer[]): Promise<void> {
    const listed = await this.engine.listContainers({ all: true, namePrefix: CONTAINER_NAME_PREFIX, label: `${LABEL_OWNER}=${this.#o.owner}` });
    const plan = planRecovery(
      recoverables.map((r) => r.containerId),
      listed.map((c) => ({ id: c.Id, containerId: c.Labels?.[LABEL_CONTAINER_ID], role: c.Labels?.[LABEL_ROLE], running: c.State === 'running' })),
    );
    const byId = new Map(recoverables.map((r) => [r.containerId, r]));
    await this.#processes.recover(plan.processes.map((id) => byId.get(id)!));
    const adoptedProcesses = new Set(this.#processes.containers());
    for (const id of plan.processes) {
      if (!adoptedProcesses.has(id)) continue;
      const r = byId.get(id)!;
      this.#containers.set(id, { kind: 'executor-process', config: { containerId: id, directory: r.directory, resources: r.resources ?? Resources.EMPTY } });
    }
    for (const id of plan.containers) {
      const r = byId.get(id)!;
      const inspect = await this.engine.inspectContainer(containerName(id));
      const container: DockerContainer = {
        kind: 'executor-container',
        config: { containerId: id, directory: r.directory, resources: r.resources ?? Resources.EMPTY },
        pid: inspect?.State.Pid,
      };
      container.termination = this.#watchContainer(id, r.directory, Math.floor(this.#o.clock.now() / 1000));
      this.#containers.set(id, container);
    }
    // Task containers whose executor did not survive, and containers nobody accounts for.
    const orphans = [...plan.orphans, ...plan.processes.filter((id) => !adoptedProcesses.has(id)).flatMap((id) => listed.filter((c) => c.Labels?.[LABEL_CONTAINER_ID] === id).map((c) => c.Id))];
    for (const id of orphans) {
      if (!this.#o.killOrphans) {
        this.#log.warn({ container: id }, 'orphan container left running (--docker_kill_orphans=false)');
        continue;
      }
      this.#log.info({ container: id }, 'removing orphan container');
      await this.#stop(id);
      await this.engine.removeContainer(id, { force: true }).catch(() => {});
    }
    this.#log.info({ processes: adoptedProcesses.size, containers: plan.containers.length, orphans: orphans.length }, 'docker containers recovered');
  }
}

/** How a container's end reads as a ContainerTermination (OOM → memory limitation). */
export function terminationOf(exitCode: number, inspect: ContainerInspect | undefined): ContainerTermination {
  const status = exitCode >= 128 && exitCode < 160 ? exitCode - 128 : (exitCode & 0xff) << 8;
  if (inspect?.State.OOMKilled) {
    return { status, state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: 'Memory limit exceeded: the container was OOM-killed' };
  }
  return { status, message: `Container exited with status ${exitCode}` };
}

function portRanges(resources: Resources): [number, number][] {
  return (resources.ranges('ports') ?? []).map((r) => [r.begin, r.end]);
}
