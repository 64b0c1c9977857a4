// The posix containerizer: each container is a plain child process started in its own session
// (so in its own process group), with the sandbox as working directory and its stdout/stderr
// appended to the sandbox's `stdout` and `stderr` files. No cgroups and no namespaces: usage
// comes from walking the container's process tree in /proc (Mesos posix/cpu + posix/mem), and
// destroy kills that tree (Mesos's SubprocessLauncher + os::killtree).
//
// Processes that leave the tree *and* the session (a grandchild that calls setsid and is then
// reparented to init) are invisible to this containerizer, exactly as with Mesos's posix
// launcher; the Linux containerizer (cgroups) closes that hole.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fchownSync, openSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import type { ContainerStatus, ResourceStatistics } from '../protocol/index.ts';
import type { Clock } from '../common/clock.ts';
import { Resources } from '../common/resources/index.ts';
import type { Logger } from '../common/log.ts';
import {
  type ContainerConfig,
  type ContainerTermination,
  type Containerizer,
  type LaunchOutcome,
  type RecoverableContainer,
} from './containerizer.ts';
import { containerPids, pageSize, readProcessTable, sumUsage, type ProcStat } from './proc.ts';
import { findSetpriv, planSpawn } from './run-as.ts';
import { ADOPTED_EXIT_UNKNOWN, adoptVerdict, readProcStat } from './adopt.ts';
import { ContainerTable, trySignal } from './container-table.ts';

/** PATH given to a container whose environment has none (what Mesos's launch helper uses). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Isolators this containerizer implements (`--isolation`). */
export const POSIX_ISOLATORS = ['posix/cpu', 'posix/mem'] as const;

type PosixContainer = {
  config: ContainerConfig;
  pid: number;
  /** True for a container re-adopted after an agent restart: not our child, watched by polling. */
  adopted: boolean;
  termination: Promise<ContainerTermination>;
  exited: boolean;
};

export type PosixContainerizerOptions = {
  logger: Logger;
  clock: Clock;
  /** Root of the proc file system (tests may point it elsewhere). */
  procRoot?: string;
  /** `setpriv` for switching users with supplementary groups (default: found on PATH). */
  setprivPath?: string | undefined;
  /** How often a re-adopted container's root is checked for liveness (default 1 s, as Mesos's reaper). */
  adoptedPollMs?: number;
};

export class PosixContainerizer implements Containerizer {
  readonly name = 'mesos';
  readonly #containers: ContainerTable<PosixContainer>;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #procRoot: string;
  readonly #setprivPath: string | undefined;
  readonly #adoptedPollMs: number;

  constructor(options: PosixContainerizerOptions) {
    this.#log = options.logger.child({ component: 'posix-containerizer' });
    this.#containers = new ContainerTable(this.#log);
    this.#clock = options.clock;
    this.#procRoot = options.procRoot ?? '/proc';
    this.#setprivPath = 'setprivPath' in options ? options.setprivPath : findSetpriv();
    this.#adoptedPollMs = options.adoptedPollMs ?? 1000;
  }

  /**
   * Re-adopts each checkpointed container whose root process still runs (see adopt.ts for the
   * pid-reuse guard); the others are not adopted, so `wait()` answers undefined for them and the
   * agent treats their executors as gone. The posix containerizer keeps no state of its own (no
   * runtime dir), so it knows of no orphans beyond the agent's list.
   */
  async recover(containers: readonly RecoverableContainer[]): Promise<void> {
    for (const recoverable of containers) {
      const verdict = adoptVerdict(recoverable.pid, recoverable.pid === undefined ? undefined : readProcStat(recoverable.pid, this.#procRoot));
      if (!verdict.adopt) {
        this.#log.info({ container_id: recoverable.containerId, pid: recoverable.pid, why: verdict.why }, 'container not recovered');
        continue;
      }
      this.#adopt(recoverable, recoverable.pid!);
    }
  }

  #adopt(recoverable: RecoverableContainer, pid: number): void {
    const config: ContainerConfig = {
      containerId: recoverable.containerId,
      command: {},
      directory: recoverable.directory,
      resources: recoverable.resources ?? Resources.EMPTY,
      environment: {},
    };
    const container: PosixContainer = {
      config,
      pid,
      adopted: true,
      exited: false,
      termination: new Promise<ContainerTermination>((resolve) => {
        const timer = this.#clock.setInterval(() => {
          if (adoptVerdict(pid, readProcStat(pid, this.#procRoot)).adopt) return;
          this.#clock.clearInterval(timer);
          container.exited = true;
          this.#killTree(pid, true);
          this.#log.info({ container_id: recoverable.containerId, pid }, 'recovered container exited');
          resolve({ message: ADOPTED_EXIT_UNKNOWN });
        }, this.#adoptedPollMs);
      }),
    };
    this.#containers.set(recoverable.containerId, container);
    this.#log.info({ container_id: recoverable.containerId, pid }, 'container recovered');
  }

  async launch(config: ContainerConfig): Promise<LaunchOutcome> {
    if (config.container && (config.container.type === 'DOCKER' || config.container.mesos?.image)) return 'not-supported';
    if (this.#containers.has(config.containerId)) throw new Error(`container '${config.containerId}' already exists`);

    const plan = planSpawn(commandLine(config), config.runAs, process.geteuid?.(), this.#setprivPath);
    if (plan.via === 'node') {
      this.#log.warn({ container_id: config.containerId, user: config.user }, 'switching user without setpriv: supplementary groups are dropped');
    }
    const env = { ...config.environment };
    if (env.PATH === undefined) env.PATH = DEFAULT_PATH;

    // Append, as Mesos's sandbox logger does: a fetcher (later) writes to the same files first.
    const out = openSync(join(config.directory, 'stdout'), 'a');
    const err = openSync(join(config.directory, 'stderr'), 'a');
    let child: ChildProcess;
    try {
      // The task user owns its sandbox, output files included.
      if (config.runAs && plan.via !== 'none') {
        fchownSync(out, config.runAs.uid, config.runAs.gid);
        fchownSync(err, config.runAs.uid, config.runAs.gid);
      }
      child = spawn(plan.file, plan.args, {
        cwd: config.directory,
        env,
        argv0: plan.argv0,
        ...(plan.uid !== undefined ? { uid: plan.uid, gid: plan.gid } : {}),
        // setsid(): own session and process group, so a kill reaches every descendant and the
        // agent's own signals (Ctrl-C in a terminal) do not.
        detached: true,
        stdio: ['ignore', out, err],
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    const pid = child.pid!;
    child.unref();
    const container: PosixContainer = {
      config,
      pid,
      adopted: false,
      exited: false,
      termination: new Promise<ContainerTermination>((resolve) => {
        child.once('exit', (code, signal) => {
          container.exited = true;
          // Whatever the root left behind in its session goes with it (Mesos destroys the whole
          // container when the executor exits).
          this.#killTree(pid, true);
          const status = signal ? (osConstants.signals[signal] ?? 0) : (code ?? 0) << 8;
          this.#log.info({ container_id: config.containerId, pid, code, signal }, 'container exited');
          resolve({ status });
        });
      }),
    };
    this.#containers.set(config.containerId, container);
    this.#log.info({ container_id: config.containerId, pid, directory: config.directory }, 'container launched');
    return 'launched';
  }

  wait(containerId: string): Promise<ContainerTermination | undefined> {
    return this.#containers.wait(containerId);
  }

  destroy(containerId: string): Promise<ContainerTermination | undefined> {
    return this.#containers.destroy(containerId, (container) => this.#killTree(container.pid, false));
  }

  /** Nothing to enforce; the new resources become the limits reported by `usage`. */
  async update(containerId: string, resources: Resources): Promise<void> {
    const container = this.#containers.require(containerId);
    container.config = { ...container.config, resources };
  }

  kill(containerId: string, signal: NodeJS.Signals): Promise<void> {
    return this.#containers.kill(containerId, signal);
  }

  async usage(containerId: string): Promise<ResourceStatistics> {
    const container = this.#containers.require(containerId);
    const table = container.exited ? [] : readProcessTable(this.#procRoot);
    const usage = sumUsage(containerPids(container.pid, table), table, pageSize(this.#procRoot));
    const stats: ResourceStatistics = {
      timestamp: this.#clock.now() / 1000,
      processes: usage.processes,
      threads: usage.threads,
      cpus_user_time_secs: round(usage.userSecs),
      cpus_system_time_secs: round(usage.systemSecs),
      mem_rss_bytes: usage.rssBytes,
    };
    const cpus = container.config.resources.cpus();
    const mem = container.config.resources.mem();
    if (cpus !== undefined) stats.cpus_limit = cpus;
    if (mem !== undefined) stats.mem_limit_bytes = Math.round(mem * 1024 * 1024);
    return stats;
  }

  status(containerId: string): Promise<ContainerStatus> {
    return this.#containers.status(containerId);
  }

  containers(): string[] {
    return this.#containers.ids();
  }

  /**
   * SIGKILLs every process of the container. The tree is frozen with SIGSTOP first and read
   * again, so a process forking while we walk the tree cannot leave a child behind.
   */
  #killTree(root: number, rootGone: boolean): void {
    const members = (table: ProcStat[]): number[] =>
      containerPids(root, table).filter((pid) => pid > 1 && pid !== process.pid && !(rootGone && pid === root));
    const first = members(readProcessTable(this.#procRoot));
    if (first.length === 0 && rootGone) return;
    for (const pid of first) trySignal(pid, 'SIGSTOP');
    const all = new Set([...first, ...members(readProcessTable(this.#procRoot))]);
    if (!rootGone) trySignal(-root, 'SIGKILL');
    for (const pid of all) trySignal(pid, 'SIGKILL');
    for (const pid of all) trySignal(pid, 'SIGCONT');
  }
}

/** argv for a CommandInfo: `sh -c value` with shell, else `value` with `arguments` as full argv. */
export function commandLine(config: Pick<ContainerConfig, 'command'>): { file: string; args: string[]; argv0?: string } {
  const command = config.command;
  const value = command.value ?? '';
  if (command.shell !== false) return { file: '/bin/sh', args: ['-c', value] };
  if (value === '') throw new Error('command has shell=false and no value to execute');
  const argv = command.arguments ?? [];
  return argv.length > 0 ? { file: value, args: argv.slice(1), argv0: argv[0]! } : { file: value, args: [] };
}

function round(secs: number): number {
  return Math.round(secs * 100) / 100;
}
