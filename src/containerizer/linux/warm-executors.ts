// Warm command executors: Node processes started ahead of any task, which have loaded the
// command executor's modules and wait on their ready pipe (common/oci/ready.ts) to be handed a
// container. A launch then costs no Node start (~50 ms bare, ~100 ms under load, the largest part
// of a task start): the containerizer writes the hand-over (the environment, working directory
// and sandbox files the executor would have been spawned with) and, once the container is set
// up, the ready byte. See README.md ("Warm command executors").
//
// The pool learns how command executors are started (their command line and the variables Node
// reads at start) from the first cold spawn, so the first command task after an agent start is
// always cold. A launch whose command line or Node start-up variables differ from the pool's gets
// a cold spawn. After each hand-over the pool refills in the background, after a delay so the new
// Node start does not compete for the CPU with the executor it just handed a container.
//
// A warm executor is nobody's container: it is not in state.json and has no cgroup, so recovery
// never sees it. It exits by itself when its pipe closes (the agent is gone), and close() kills it.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { Logger } from '../../common/log.ts';
import { READY_FD_ENV, WARM_EXECUTOR_ENV } from '../../common/oci/launch-file.ts';
import { READY_FD, encodeHandOver, type HandOver } from '../../common/oci/ready.ts';
import { trySignal } from '../container-table.ts';

/** How the agent starts its command executor: what a warm one must have been started as. */
export type ExecutorStart = {
  file: string;
  args: readonly string[];
  argv0?: string | undefined;
  /** Variables Node reads while it starts (startupVariables): taking them over later is too late. */
  startupEnv: Readonly<Record<string, string>>;
};

/** An executor process with its ready pipe (warm and handed over, or spawned cold). */
export type ReadyExecutor = { child: ChildProcess; ready: Writable; /** A warm one: ms since it was started. */ warmForMs?: number };

/** Consecutive warm executors that die before a hand-over after which the pool gives up (cold starts only). */
export const MAX_EARLY_EXITS = 3;
/** Default delay between a hand-over and the start of its replacement. */
export const DEFAULT_REPLENISH_DELAY_MS = 50;

/**
 * Pure: the variables of an executor environment that act while Node starts (NODE_OPTIONS,
 * NODE_COMPILE_CACHE, NODE_PATH ..., libuv's UV_THREADPOOL_SIZE). A warm executor is started with
 * them; everything else it takes over at the hand-over.
 */
export function startupVariables(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && /^(NODE_|UV_)/.test(name)) out[name] = value;
  return out;
}

/** Pure: a warm executor started as `warm` stands in for a cold spawn as `wanted`. */
export function canStandIn(warm: ExecutorStart, wanted: ExecutorStart): boolean {
  if (warm.file !== wanted.file || (warm.argv0 ?? warm.file) !== (wanted.argv0 ?? wanted.file)) return false;
  if (warm.args.length !== wanted.args.length || warm.args.some((a, i) => a !== wanted.args[i])) return false;
  const a = Object.entries(warm.startupEnv).sort(([x], [y]) => x.localeCompare(y));
  const b = Object.entries(wanted.startupEnv).sort(([x], [y]) => x.localeCompare(y));
  return a.length === b.length && a.every(([name, value], i) => b[i]![0] === name && b[i]![1] === value);
}

export type WarmExecutorPoolOptions = {
  /** How many idle warm executors to keep (0: none, every start is cold). */
  size: number;
  clock: Clock;
  logger: Logger;
  /**
   * Put in a warm executor's environment as MESOS_DIRECTORY (it gets its real one at the
   * hand-over): tools that find an agent's executors by `MESOS_DIRECTORY=<work_dir>...` in
   * /proc/<pid>/environ, which never changes after exec, find warm and handed-over ones too.
   */
  markerDirectory: string;
  replenishDelayMs?: number;
};

type Idle = ReadyExecutor & { startedAt: number; onEarlyExit: () => void };

export class WarmExecutorPool {
  readonly #o: WarmExecutorPoolOptions;
  readonly #log: Logger;
  readonly #idle: Idle[] = [];
  #start: ExecutorStart | undefined;
  #earlyExits = 0;
  #refill: TimerHandle | undefined;
  #closed = false;

  constructor(options: WarmExecutorPoolOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'warm-executors' });
  }

  get enabled(): boolean {
    return this.#o.size > 0 && !this.#closed && this.#earlyExits < MAX_EARLY_EXITS;
  }

  /** Pids of the idle warm executors (tests, diagnostics). */
  idlePids(): number[] {
    return this.#idle.map((w) => w.child.pid!);
  }

  /**
   * Hands a container to an idle warm executor that can stand in for a cold spawn as `start`:
   * writes the hand-over on its pipe and returns it (the caller sends the ready byte later), or
   * undefined (then spawn cold). The first call for a new command line only primes the pool.
   */
  handOver(start: ExecutorStart, handOver: HandOver): ReadyExecutor | undefined {
    if (!this.enabled) return undefined;
    if (this.#start === undefined || !canStandIn(this.#start, start)) {
      // Primed by the first command line seen; a different one later (another agent build,
      // NODE_OPTIONS changed) takes over the pool once the current warm ones are used up.
      if (this.#idle.length === 0) this.#start = start;
      this.#scheduleRefill();
      return undefined;
    }
    const warm = this.#idle.shift();
    this.#scheduleRefill();
    if (warm === undefined) return undefined;
    warm.child.off('exit', warm.onEarlyExit);
    this.#earlyExits = 0;
    warm.ready.write(encodeHandOver(handOver));
    this.#log.debug({ pid: warm.child.pid }, 'warm executor handed a container');
    return { child: warm.child, ready: warm.ready, warmForMs: Math.round(this.#o.clock.now() - warm.startedAt) };
  }

  /** Ends every idle warm executor (the pipe's EOF would; SIGKILL makes sure) and starts no more. */
  close(): void {
    this.#closed = true;
    if (this.#refill !== undefined) this.#o.clock.clearTimeout(this.#refill);
    for (const warm of this.#idle.splice(0)) {
      warm.child.off('exit', warm.onEarlyExit);
      warm.ready.destroy();
      trySignal(-warm.child.pid!, 'SIGKILL');
    }
  }

  #scheduleRefill(): void {
    if (this.#refill !== undefined || !this.enabled || this.#start === undefined) return;
    this.#refill = this.#o.clock.setTimeout(() => {
      this.#refill = undefined;
      while (this.enabled && this.#idle.length < this.#o.size) this.#spawn(this.#start!);
    }, this.#o.replenishDelayMs ?? DEFAULT_REPLENISH_DELAY_MS);
  }

  #spawn(start: ExecutorStart): void {
    const env: Record<string, string> = {
      ...start.startupEnv,
      [WARM_EXECUTOR_ENV]: '1',
      [READY_FD_ENV]: String(READY_FD),
      MESOS_DIRECTORY: this.#o.markerDirectory,
    };
    let child: ChildProcess;
    try {
      // Own session (setsid) as a cold executor: a checkpointed executor pid is re-adopted as a session leader.
      child = spawn(start.file, [...start.args], { argv0: start.argv0, cwd: '/', env, detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    } catch (err) {
      this.#earlyExit(undefined, (err as Error).message);
      return;
    }
    const ready = child.stdio[READY_FD] as Socket;
    ready.on('error', () => {
      // The executor died: its exit says what happened.
    });
    // Neither an idle executor nor its pipe keeps the agent's event loop alive.
    ready.unref();
    child.unref();
    const warm: Idle = { child, ready, startedAt: this.#o.clock.now(), onEarlyExit: () => {} };
    warm.onEarlyExit = () => {
      const at = this.#idle.indexOf(warm);
      if (at >= 0) this.#idle.splice(at, 1);
      this.#earlyExit(child.pid, `exit code ${child.exitCode}, signal ${child.signalCode}`);
    };
    child.once('error', (err) => {
      child.off('exit', warm.onEarlyExit);
      const at = this.#idle.indexOf(warm);
      if (at >= 0) this.#idle.splice(at, 1);
      this.#earlyExit(undefined, err.message);
    });
    child.once('exit', warm.onEarlyExit);
    this.#idle.push(warm);
    this.#log.debug({ pid: child.pid }, 'warm executor started');
  }

  #earlyExit(pid: number | undefined, why: string): void {
    if (this.#closed) return;
    this.#earlyExits += 1;
    if (this.#earlyExits >= MAX_EARLY_EXITS) {
      this.#log.error({ pid, why, early_exits: this.#earlyExits }, 'warm executors keep dying before they get a container; starting executors cold from now on');
      return;
    }
    this.#log.warn({ pid, why }, 'warm executor exited before it got a container');
    this.#scheduleRefill();
  }
}
