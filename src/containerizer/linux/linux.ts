// The Linux containerizer (`--containerizers=mesos` with cgroups/namespaces/filesystem isolators).
// See README.md for the design; in short:
//
//   launch ─ cgroups (mesos/<id>: limits) ─ [image: provisioner.get → backend.provision → rootfs]
//          ─ launch.json in <runtime_dir>/containers/<id> ─ spawn the executor on the host (own
//            session, outside the container's cgroups) ─ the executor's task goes through the
//            task launcher: into the cgroups, or `runc run` in the rootfs with the namespaces.
//   end    ─ the executor exits, destroy(), or a limitation (OOM, disk) ─ kill the executor tree
//            and every process of the cgroups ─ runc delete ─ unprovision ─ remove cgroups, dirs.
//
// Everything a restarted agent needs is on disk (state.json per container), so recover() re-adopts
// running executors by their checkpointed pid and destroys what nobody claims (orphans).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { closeSync, openSync, watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { join, resolve } from 'node:path';
import type { ContainerStatus, Image, ResourceStatistics } from '../../protocol/index.ts';
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/log.ts';
import { Resources } from '../../common/resources/index.ts';
import type { ProvisionerBackend, StoredImage } from '../../provisioner/types.ts';
import { ImageProvisionError } from '../../provisioner/types.ts';
import { type ContainerConfig, type ContainerTermination, type Containerizer, type LaunchOutcome, type RecoverableContainer } from '../containerizer.ts';
import { ADOPTED_EXIT_UNKNOWN, adoptVerdict, readProcStat } from '../adopt.ts';
import { DEFAULT_PATH, commandLine } from '../posix.ts';
import { containerPids, readProcessTable } from '../proc.ts';
import { findSetpriv } from '../run-as.ts';
import { Cgroups } from './cgroups-fs.ts';
import { controllersFor, memoryLimitMessage } from './cgroups.ts';
import { linuxIsolation, type LinuxIsolation } from './isolation.ts';
import { LAUNCH_FILE_ENV, READY_FD_ENV, TASK_SPEC_ENV, type LaunchFile, type TaskSpec } from '../../common/oci/launch-file.ts';
import { READY_BYTE, READY_FD } from '../../common/oci/ready.ts';
import { WarmExecutorPool, startupVariables, type ReadyExecutor } from './warm-executors.ts';
import { findExecutable, imageName, sandboxDockerConfig } from './image-inputs.ts';
import { volumeBinds } from './volumes.ts';
import { diskUsage, removeRuncLeftovers, runTool } from './host-tools.ts';
import { readState, writeState, type ContainerState } from './container-state.ts';
import { ContainerTable, trySignal } from '../container-table.ts';

/** The provisioner as the containerizer needs it (the store facade; see src/provisioner). */
export interface ContainerImages {
  get(image: Image, options: { forcePull?: boolean; credentials?: string | undefined }): Promise<StoredImage>;
  /** Image GC: forgets images not in `keep`, removes layers nothing uses (never `activeLayers`). */
  prune?(keep: readonly (Image | string)[], activeLayers: readonly string[]): Promise<ImagePruneResult>;
}

export type ImagePruneResult = { bytesFreed: number; layersRemoved: string[]; imagesRemoved: string[] };

export const SANDBOX_IN_CONTAINER = '/mnt/mesos/sandbox';
const TASK_LAUNCHER = resolve(import.meta.dirname, 'task-launcher.ts');
const LIMIT_POLL_MS = 1000;

export type LinuxContainerizerOptions = {
  logger: Logger;
  clock: Clock;
  /** Parsed `--isolation` names. */
  isolators: readonly string[];
  /** `--runtime_dir`: launch/state files and runc's state. */
  runtimeDir: string;
  /** Where rootfses and overlay scratch dirs go (`<work_dir>/provisioner`). */
  provisionerDir: string;
  /** `--cgroups_root` (default `mesos`). */
  cgroupsRoot?: string;
  /** `--cgroups_enable_cfs`. */
  enableCfs?: boolean;
  /** `--enforce_container_disk_quota` (with disk/du). */
  enforceDiskQuota?: boolean;
  /** `--container_disk_watch_interval` (default 15 s). */
  diskWatchIntervalMs?: number;
  /** `--docker_ignore_runtime`. */
  ignoreImageRuntime?: boolean;
  images?: ContainerImages | undefined;
  backend?: ProvisionerBackend | undefined;
  runc?: string;
  /** A static init for pid-namespaced image containers (default: Debian's tini-static if present). */
  init?: string | undefined;
  /**
   * Idle pre-started command executors to keep (warm-executors.ts); default 1, 0: every command
   * executor is spawned at its launch (cold).
   */
  warmCommandExecutors?: number;
  /** Delay between a hand-over and the start of the warm executor that replaces it (default 50 ms). */
  warmReplenishDelayMs?: number;
  /** Tells the command executor (which starts its task through the launcher) from custom executors. */
  isCommandExecutor?: (config: ContainerConfig) => boolean;
  procRoot?: string;
  mountinfo?: string;
};

type Limitation = { state: 'TASK_FAILED'; reason: 'REASON_CONTAINER_LIMITATION_MEMORY' | 'REASON_CONTAINER_LIMITATION_DISK'; message: string };

type LinuxContainer = {
  state: ContainerState;
  resources: Resources;
  pid: number;
  exited: boolean;
  limitation?: Limitation | undefined;
  diskUsedBytes?: number | undefined;
  termination: Promise<ContainerTermination>;
  cleanup?: Promise<void> | undefined;
  stopWatching(): void;
};

/** Default: the agent's command executor is started from `.../command-executor/...` or `executor/command/main`. */
export function looksLikeCommandExecutor(config: ContainerConfig): boolean {
  return (config.command.arguments ?? []).some((a) => /command-executor|executor\/command\/main\.[jt]s$/.test(a));
}

export class LinuxContainerizer implements Containerizer {
  readonly name = 'mesos';
  readonly #o: LinuxContainerizerOptions;
  readonly #log: Logger;
  readonly #isolation: LinuxIsolation;
  readonly #cgroups: Cgroups;
  readonly #containers: ContainerTable<LinuxContainer>;
  readonly #runc: string;
  readonly #runcRoot: string;
  readonly #setpriv: string | undefined;
  readonly #warm: WarmExecutorPool;

  constructor(options: LinuxContainerizerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'linux-containerizer' });
    this.#containers = new ContainerTable(this.#log);
    this.#isolation = linuxIsolation(options.isolators);
    this.#cgroups = new Cgroups({ root: options.cgroupsRoot ?? 'mesos', controllers: controllersFor(options.isolators), mountinfo: options.mountinfo });
    this.#runc = options.runc ?? 'runc';
    this.#runcRoot = join(options.runtimeDir, 'runc');
    this.#setpriv = findSetpriv();
    this.#warm = new WarmExecutorPool({
      size: options.warmCommandExecutors ?? 1,
      clock: options.clock,
      logger: this.#log,
      markerDirectory: options.runtimeDir,
      replenishDelayMs: options.warmReplenishDelayMs,
    });
  }

  /** Pids of the idle warm command executors (not containers). */
  warmExecutorPids(): number[] {
    return this.#warm.idlePids();
  }

  /** Ends the idle warm command executors; containers are not touched. */
  close(): void {
    this.#warm.close();
  }

  get cgroupVersion(): string {
    return this.#cgroups.version;
  }

  #dir(containerId: string): string {
    return join(this.#o.runtimeDir, 'containers', containerId);
  }

  #sleep = (ms: number): Promise<void> => new Promise((done) => this.#o.clock.setTimeout(done, ms));

  // ---------------------------------------------------------------------------------------------
  // Launch.

  async launch(config: ContainerConfig): Promise<LaunchOutcome> {
    if (config.container?.type === 'DOCKER') return 'not-supported';
    if (this.#containers.has(config.containerId)) throw new Error(`container '${config.containerId}' already exists`);
    const image = config.container?.mesos?.image;
    if (image && !this.#isolation.filesystemLinux) throw new Error("a container image needs the 'filesystem/linux' isolator");
    if (image && (!this.#o.images || !this.#o.backend)) throw new Error('container images are not enabled on this agent (--image_providers)');
    const id = config.containerId;
    const dir = this.#dir(id);
    const launchFile = join(dir, 'launch.json');
    const state: ContainerState = { containerId: id, directory: config.directory, image: image !== undefined };
    let early: ReadyExecutor | undefined;
    let warm = false;
    const launchStarted = performance.now();
    let executorSpawnedMs: number | undefined;
    try {
      await mkdir(dir, { recursive: true });
      const runc = image ? this.#runtimeFor(image) : undefined;
      // The command executor (Node, the slowest part of a start) is handed its container by a
      // warm one that has loaded already, or loads while the image is looked up and the
      // container set up; it subscribes, and so gets its task, only once told the container is
      // ready (common/oci/ready.ts).
      if ((this.#o.isCommandExecutor ?? looksLikeCommandExecutor)(config)) {
        early = this.#handOverToWarmExecutor(config, launchFile);
        warm = early !== undefined;
        early ??= await this.#spawnCommandExecutor(config, launchFile);
        executorSpawnedMs = Math.round(performance.now() - launchStarted);
        state.pid = early.child.pid;
        await writeState(dir, state); // a crash from here on kills it on recovery (orphan)
      }
      const stored = image ? await this.#o.images!.get(image, { forcePull: image.cached === false, credentials: await sandboxDockerConfig(config.directory) }) : undefined;
      if (image && stored) {
        state.imageRef = image;
        state.layers = stored.layers;
        state.rootfs = join(this.#o.provisionerDir, 'containers', id, 'rootfs');
        state.scratch = join(this.#o.provisionerDir, 'containers', id, 'scratch');
      }
      await writeState(dir, state); // before set-up: a crash half-way is cleaned on recovery
      const setUp = performance.now();
      const [, imageLaunch] = await Promise.all([
        this.#cgroups.create(id, this.#limits(config.resources)),
        stored && runc ? this.#provision(config, state, stored, runc) : undefined,
      ]);
      const launch: LaunchFile = {
        containerId: id,
        runAs: config.runAs,
        taskNamedUser: config.command.user !== undefined,
        cgroupProcs: this.#cgroups.joinTargets(id),
        oomFile: this.#cgroups.oomFile(id),
        limitationFile: join(dir, 'limitation.json'),
        sandbox: config.directory,
        setpriv: this.#setpriv,
        image: imageLaunch,
      };
      await writeFile(`${launchFile}.tmp`, JSON.stringify(launch));
      await rename(`${launchFile}.tmp`, launchFile);
      let child: ChildProcess;
      if (early) {
        child = early.child;
        early.ready.end(READY_BYTE);
      } else {
        child = await this.#spawnCustomExecutor(config, launchFile);
        state.pid = child.pid;
        await writeState(dir, state);
      }
      this.#track(state, config.resources, child.pid!, child);
      const timing = { warm_executor: early ? warm : undefined, warm_for_ms: early?.warmForMs, executor_spawned_ms: executorSpawnedMs, setup_ms: Math.round(performance.now() - setUp), launch_ms: Math.round(performance.now() - launchStarted) };
      this.#log.info({ container_id: id, pid: child.pid, image: image !== undefined, cgroups: this.#cgroups.version, ...timing }, 'container launched');
      return 'launched';
    } catch (err) {
      if (early) {
        early.ready.destroy();
        this.#killTree(early.child.pid!);
      }
      await this.#cleanup(state).catch((cleanupErr: Error) => this.#log.warn({ container_id: id, err: cleanupErr.message }, 'cleanup after a failed launch failed'));
      throw err;
    }
  }

  /** The container's rootfs from the image's layers, and what runc needs to run in it. */
  async #provision(config: ContainerConfig, state: ContainerState, stored: StoredImage, runc: string): Promise<NonNullable<LaunchFile['image']>> {
    const rootfs = state.rootfs!;
    const bundle = join(this.#dir(state.containerId), 'bundle');
    await Promise.all([mkdir(rootfs, { recursive: true }), mkdir(bundle, { recursive: true })]);
    try {
      const started = performance.now();
      await this.#o.backend!.provision(stored.layers, rootfs, state.scratch!);
      this.#log.debug({ container_id: state.containerId, image: stored.reference, backend: this.#o.backend!.name, ms: performance.now() - started }, 'container rootfs provisioned');
    } catch (err) {
      throw new ImageProvisionError(stored.reference, `the ${this.#o.backend!.name} backend failed: ${(err as Error).message}`);
    }
    return {
      runc,
      runcRoot: this.#runcRoot,
      bundle,
      rootfs,
      config: stored.config,
      sandboxPath: SANDBOX_IN_CONTAINER,
      namespaces: this.#isolation.namespaces,
      cgroupsPath: this.#cgroups.runcPath(state.containerId),
      binds: [...hostNetworkFiles(), ...volumeBinds(config.container, { host: config.directory, container: SANDBOX_IN_CONTAINER }, this.#isolation.volumes)],
      init: this.#o.init ?? '/usr/bin/tini-static',
      ignoreRuntime: this.#o.ignoreImageRuntime === true,
    };
  }

  /**
   * The OCI runtime's absolute path, looked up now on the agent's PATH: a missing runtime fails
   * the launch before anything is provisioned, and the launcher never depends on the task's PATH.
   */
  #runtimeFor(image: Image): string {
    const found = findExecutable(this.#runc);
    if (found === undefined) {
      throw new Error(`cannot run image '${imageName(image)}': the OCI runtime '${this.#runc}' is not installed (not found on the agent's PATH)`);
    }
    return found;
  }

  /**
   * Image GC (Mesos PRUNE_IMAGES / --image_gc_config): images not in `excluded` and not used by
   * a live container are forgotten, and layers no remaining image or container uses are removed.
   */
  async pruneImages(excluded: readonly Image[] = []): Promise<ImagePruneResult> {
    const images = this.#o.images;
    if (!images?.prune) return { bytesFreed: 0, layersRemoved: [], imagesRemoved: [] };
    const live = [...this.#containers.values()].map((c) => c.state);
    const keep = [...excluded, ...live.flatMap((s) => (s.imageRef ? [s.imageRef] : []))];
    const result = await images.prune(keep, live.flatMap((s) => s.layers ?? []));
    this.#log.info({ images_removed: result.imagesRemoved.length, layers_removed: result.layersRemoved.length, bytes_freed: result.bytesFreed }, 'images pruned');
    return result;
  }

  #limits(resources: Resources): { cpus?: number; cfs: boolean; memBytes?: number } {
    const cpus = resources.cpus();
    const mem = resources.mem();
    return {
      ...(cpus !== undefined ? { cpus } : {}),
      cfs: this.#o.enableCfs === true,
      ...(mem !== undefined ? { memBytes: mem * 1024 * 1024 } : {}),
    };
  }

  /**
   * The command executor runs on the host as root (it may need runc) and starts its task into
   * the container itself (common/oci/container-task.ts); it waits on the ready pipe (fd 3) first.
   */
  async #spawnCommandExecutor(config: ContainerConfig, launchFile: string): Promise<ReadyExecutor> {
    const { file, args, argv0 } = commandLine(config);
    const child = await this.#spawnInSandbox(config, file, args, argv0, commandExecutorEnv(config, launchFile), true);
    const ready = child.stdio[READY_FD] as Writable;
    ready.on('error', () => {
      // The executor died before reading: its exit is what matters (tracked, or the launch fails).
    });
    return { child, ready };
  }

  /**
   * A warm command executor takes the container over: everything a cold spawn would have given it
   * (environment, working directory, the sandbox's stdout/stderr, which are created here as a
   * cold spawn does, so a sandbox that cannot take them fails the launch here). Undefined: none
   * that fits is idle.
   */
  #handOverToWarmExecutor(config: ContainerConfig, launchFile: string): ReadyExecutor | undefined {
    const { file, args, argv0 } = commandLine(config);
    const env = commandExecutorEnv(config, launchFile);
    const start = { file, args, argv0, startupEnv: startupVariables(env) };
    if (!this.#warm.enabled) return undefined;
    const stdout = join(config.directory, 'stdout');
    const stderr = join(config.directory, 'stderr');
    closeSync(openSync(stdout, 'a'));
    closeSync(openSync(stderr, 'a'));
    return this.#warm.handOver(start, { env, cwd: config.directory, stdout, stderr });
  }

  /** Any other executor is itself the container's workload: the task launcher starts it in there. */
  async #spawnCustomExecutor(config: ContainerConfig, launchFile: string): Promise<ChildProcess> {
    const env: Record<string, string> = { ...config.environment };
    env.PATH ??= DEFAULT_PATH;
    const line = commandLine(config);
    const spec: TaskSpec = { file: line.file, args: line.args, argv0: line.argv0 ?? line.file, cwd: config.directory };
    env[TASK_SPEC_ENV] = JSON.stringify(spec);
    return this.#spawnInSandbox(config, process.execPath, [TASK_LAUNCHER, launchFile], undefined, env, false);
  }

  async #spawnInSandbox(config: ContainerConfig, file: string, args: string[], argv0: string | undefined, env: Record<string, string>, readyPipe: boolean): Promise<ChildProcess> {
    const out = openSync(join(config.directory, 'stdout'), 'a');
    const err = openSync(join(config.directory, 'stderr'), 'a');
    try {
      const child = spawn(file, args, { cwd: config.directory, env, argv0, detached: true, stdio: ['ignore', out, err, ...(readyPipe ? (['pipe'] as const) : [])] });
      await new Promise<void>((done, fail) => {
        child.once('spawn', done);
        child.once('error', fail);
      });
      child.unref();
      return child;
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }

  /** Watches a running container: its root's exit (child or adopted pid), limitations. */
  #track(state: ContainerState, resources: Resources, pid: number, child: ChildProcess | undefined): void {
    const id = state.containerId;
    let watcher: FSWatcher | undefined;
    let poll: ReturnType<Clock['setInterval']> | undefined;
    let lastDu = 0;
    const container: LinuxContainer = {
      state,
      resources,
      pid,
      exited: false,
      termination: Promise.resolve({}),
      stopWatching: () => {
        watcher?.close();
        if (poll) this.#o.clock.clearInterval(poll);
      },
    };
    container.termination = new Promise<ContainerTermination>((resolveTermination) => {
      const ended = (status: number | undefined, message?: string): void => {
        if (container.exited) return;
        container.exited = true;
        container.stopWatching();
        void this.#destroyContainer(container).then(() => {
          const termination: ContainerTermination = status === undefined ? {} : { status };
          if (message !== undefined) termination.message = message;
          if (container.limitation) Object.assign(termination, container.limitation);
          this.#log.info({ container_id: id, pid, status, reason: container.limitation?.reason }, 'container terminated');
          resolveTermination(termination);
        });
      };
      if (child) {
        const exited = (code: number | null, signal: NodeJS.Signals | null): void => ended(signal ? (osConstants.signals[signal] ?? 0) : (code ?? 0) << 8);
        // The command executor was started before the set-up: it may have died meanwhile.
        if (child.exitCode !== null || child.signalCode !== null) queueMicrotask(() => exited(child.exitCode, child.signalCode));
        else child.once('exit', exited);
      }
      poll = this.#o.clock.setInterval(() => {
        if (!child && !adoptVerdict(pid, readProcStat(pid, this.#o.procRoot ?? '/proc')).adopt) {
          ended(undefined, ADOPTED_EXIT_UNKNOWN);
          return;
        }
        void this.#checkLimits(container, () => {
          const due = this.#isolation.diskDu && this.#o.clock.now() - lastDu >= (this.#o.diskWatchIntervalMs ?? 15_000);
          if (due) lastDu = this.#o.clock.now();
          return due;
        });
      }, LIMIT_POLL_MS);
    });
    try {
      watcher = watch(this.#dir(id), (_event, name) => {
        if (name === 'limitation.json') void this.#checkLimits(container, () => false);
      });
    } catch {
      // The directory is gone (a destroy raced us); the poll covers the rest.
    }
    this.#containers.set(id, container);
  }

  /** OOM kills (counter or the launcher's report) and, when due, disk usage against the quota. */
  async #checkLimits(container: LinuxContainer, duDue: () => boolean): Promise<void> {
    if (container.exited || container.limitation) return;
    const id = container.state.containerId;
    const reported = await readFile(join(this.#dir(id), 'limitation.json'), 'utf8').then(() => true, () => false);
    if (reported || (await this.#cgroups.oomKills(id)) > 0) {
      const mem = container.resources.mem();
      this.#limit(container, {
        state: 'TASK_FAILED',
        reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
        message: memoryLimitMessage(mem === undefined ? undefined : mem * 1024 * 1024, await this.#cgroups.maxMemoryUsed(id)),
      });
      return;
    }
    if (!duDue()) return;
    const used = await diskUsage([container.state.directory, ...(container.state.scratch ? [join(container.state.scratch, 'upper')] : [])]);
    container.diskUsedBytes = used;
    const quota = container.resources.disk();
    if (this.#o.enforceDiskQuota && quota !== undefined && used > quota * 1024 * 1024) {
      this.#limit(container, {
        state: 'TASK_FAILED',
        reason: 'REASON_CONTAINER_LIMITATION_DISK',
        message: `Disk usage (${Math.round(used / 1024 / 1024)}MB) exceeds quota (${Math.round(quota)}MB)`,
      });
    }
  }

  #limit(container: LinuxContainer, limitation: Limitation): void {
    if (container.limitation || container.exited) return;
    container.limitation = limitation;
    this.#log.warn({ container_id: container.state.containerId, reason: limitation.reason, why: limitation.message }, 'container limitation reached');
    void this.destroy(container.state.containerId);
  }

  // ---------------------------------------------------------------------------------------------
  // End.

  wait(containerId: string): Promise<ContainerTermination | undefined> {
    return this.#containers.wait(containerId);
  }

  destroy(containerId: string): Promise<ContainerTermination | undefined> {
    return this.#containers.destroy(containerId, async (container) => {
      this.#killTree(container.pid);
      // The cgroup holds the task; killing it lets the root exit if it waited for its task.
      await this.#cgroups.killAll(containerId, this.#sleep).catch(() => {});
    });
  }

  #destroyContainer(container: LinuxContainer): Promise<void> {
    container.cleanup ??= (async () => {
      this.#killTree(container.pid);
      await this.#cleanup(container.state).catch((err: Error) => this.#log.error({ container_id: container.state.containerId, err: err.message }, 'container cleanup failed'));
    })();
    return container.cleanup;
  }

  /** Kills the cgroup's processes, deletes the runc container, unprovisions, removes cgroups and dirs. */
  async #cleanup(state: ContainerState): Promise<void> {
    const id = state.containerId;
    await this.#cgroups.killAll(id, this.#sleep);
    if (state.image) {
      await runTool(findExecutable(this.#runc) ?? this.#runc, ['--root', this.#runcRoot, 'delete', '--force', id]).catch(() => {});
      await removeRuncLeftovers(join(this.#runcRoot, id), (mount, err) => this.#log.warn({ container_id: id, mount, err: err.message }, 'cannot unmount a runc leftover'));
    }
    if (state.rootfs && state.scratch && this.#o.backend) await this.#o.backend.destroy(state.rootfs, state.scratch);
    if (state.rootfs) await rm(join(state.rootfs, '..'), { recursive: true, force: true });
    await this.#cgroups.remove(id, this.#sleep);
    await rm(this.#dir(id), { recursive: true, force: true });
  }

  #killTree(root: number): void {
    const table = readProcessTable(this.#o.procRoot ?? '/proc');
    const pids = containerPids(root, table).filter((p) => p > 1 && p !== process.pid);
    trySignal(-root, 'SIGKILL');
    for (const p of pids) trySignal(p, 'SIGKILL');
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery.

  async recover(containers: readonly RecoverableContainer[]): Promise<void> {
    const claimed = new Set<string>();
    for (const recoverable of containers) {
      const state = await readState(this.#dir(recoverable.containerId));
      if (!state) continue; // not one of ours (e.g. launched by another containerizer)
      const pid = recoverable.pid;
      const verdict = adoptVerdict(pid, pid === undefined ? undefined : readProcStat(pid, this.#o.procRoot ?? '/proc'));
      if (!verdict.adopt) {
        this.#log.info({ container_id: recoverable.containerId, pid, why: verdict.why }, 'container not recovered');
        continue;
      }
      claimed.add(recoverable.containerId);
      this.#track(state, recoverable.resources ?? Resources.EMPTY, pid!, undefined);
      this.#log.info({ container_id: recoverable.containerId, pid }, 'container recovered');
    }
    // Orphans: anything with a runtime dir or a cgroup that no recovered executor claims.
    const known = new Set<string>([
      ...(await readdir(join(this.#o.runtimeDir, 'containers')).catch(() => [] as string[])),
      ...(await this.#cgroups.list()),
    ]);
    for (const id of known) {
      if (claimed.has(id)) continue;
      const state = (await readState(this.#dir(id))) ?? { containerId: id, directory: '', image: true };
      if (state.pid !== undefined) this.#killTree(state.pid);
      this.#log.info({ container_id: id }, 'destroying orphan container');
      await this.#cleanup(state).catch((err: Error) => this.#log.warn({ container_id: id, err: err.message }, 'orphan cleanup failed'));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Queries and updates.

  async update(containerId: string, resources: Resources): Promise<void> {
    const container = this.#containers.require(containerId);
    container.resources = resources;
    if (!container.exited) await this.#cgroups.update(containerId, this.#limits(resources));
  }

  kill(containerId: string, signal: NodeJS.Signals): Promise<void> {
    return this.#containers.kill(containerId, signal);
  }

  async usage(containerId: string): Promise<ResourceStatistics> {
    const container = this.#containers.require(containerId);
    const stats: ResourceStatistics = { timestamp: this.#o.clock.now() / 1000, ...(container.exited ? {} : await this.#cgroups.statistics(containerId)) };
    const cpus = container.resources.cpus();
    const mem = container.resources.mem();
    const disk = container.resources.disk();
    if (cpus !== undefined) {
      stats.cpus_limit = cpus;
      stats.cpus_soft_limit = cpus;
    }
    if (mem !== undefined) {
      stats.mem_limit_bytes = Math.round(Math.max(mem * 1024 * 1024, 32 * 1024 * 1024));
      stats.mem_soft_limit_bytes = stats.mem_limit_bytes;
    }
    if (this.#isolation.diskDu) {
      container.diskUsedBytes ??= await diskUsage([container.state.directory]);
      stats.disk_used_bytes = container.diskUsedBytes;
      if (disk !== undefined) stats.disk_limit_bytes = Math.round(disk * 1024 * 1024);
    }
    return stats;
  }

  status(containerId: string): Promise<ContainerStatus> {
    return this.#containers.status(containerId);
  }

  containers(): string[] {
    return this.#containers.ids();
  }
}

/** The command executor's environment: the agent's, the launch file and the ready pipe. */
function commandExecutorEnv(config: ContainerConfig, launchFile: string): Record<string, string> {
  const env: Record<string, string> = { ...config.environment };
  env.PATH ??= DEFAULT_PATH;
  env[LAUNCH_FILE_ENV] = launchFile;
  env[READY_FD_ENV] = String(READY_FD);
  return env;
}

/** The host's name-service files an image container on the host network gets (Mesos network/cni does the same). */
function hostNetworkFiles(): Array<{ host: string; container: string; readOnly: boolean }> {
  return ['/etc/hosts', '/etc/resolv.conf', '/etc/hostname'].map((f) => ({ host: f, container: f, readOnly: true }));
}
