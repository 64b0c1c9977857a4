// The dev cluster: one master and N agents as child processes under one work dir.
//
//   start: master --ip=127.0.0.1 --port=P --work_dir=W/master      wait "master listening"
//          agent-i --master=127.0.0.1:P --port=Q --work_dir=W/agent-i   wait "agent listening",
//                                                                   "agent registered"
//          GET_AGENTS until all N are there
//   stop:  SIGTERM to every child at once, SIGKILL whoever is left after the grace period
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, MasterClient } from '../client/index.ts';
import { DevChild, describeExit, type ChildExit, type LogRecord } from './child.ts';

export type DevClusterOptions = {
  workDir: string;
  agents: number;
  /** Master port; 0 lets the OS pick. */
  port: number;
  /** Port of agent 1, the others follow; 0 lets the OS pick for each. */
  agentPortBase: number;
  /** Where the children's error lines are echoed. */
  terminal: Writable;
  /** How long each process may take to become ready. */
  readyTimeoutMs: number;
};

export type DevProcessInfo = { name: string; url: string; port: number; log: string; pid: number | undefined };
export type DevAgentInfo = DevProcessInfo & { agent_id: string };
export type DevClusterInfo = { work_dir: string; master: DevProcessInfo; agents: DevAgentInfo[] };

/** How long children get to stop after SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 10_000;

export class DevCluster {
  readonly #options: DevClusterOptions;
  readonly children: DevChild[] = [];
  #stopping = false;

  constructor(options: DevClusterOptions) {
    this.#options = options;
  }

  /** Starts everything and resolves when all agents are registered; stops what it started on failure. */
  async start(): Promise<DevClusterInfo> {
    const { workDir, agents, readyTimeoutMs } = this.#options;
    const logs = join(workDir, 'logs');
    mkdirSync(logs, { recursive: true });
    try {
      const master = this.#spawn('master', ['master', '--ip=127.0.0.1', `--port=${this.#options.port}`, `--work_dir=${join(workDir, 'master')}`]);
      const masterInfo = await this.#listening(master, 'master listening', readyTimeoutMs);
      const address = `127.0.0.1:${masterInfo.port}`;
      const started = [];
      for (let i = 1; i <= agents; i++) {
        const port = this.#options.agentPortBase === 0 ? 0 : this.#options.agentPortBase + i - 1;
        const name = `agent-${i}`;
        const child = this.#spawn(name, ['agent', '--ip=127.0.0.1', `--port=${port}`, `--master=${address}`, `--work_dir=${join(workDir, name)}`]);
        started.push({ child, ready: this.#agentReady(child, readyTimeoutMs) });
      }
      // Agents start in parallel; each waits for its own readiness. If any process (the master
      // above all) dies meanwhile, fail at once instead of waiting for the timeouts.
      const died = this.firstExit().then(({ child, exit }) => {
        throw new Error(`${child.name} exited (${describeExit(exit)}) while the cluster was starting`);
      });
      died.catch(() => {});
      const agentInfos = await Promise.race([Promise.all(started.map((s) => s.ready)), died]);
      await Promise.race([this.#allRegistered(address, agents, readyTimeoutMs), died]);
      return { work_dir: workDir, master: masterInfo, agents: agentInfos };
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Resolves with the first child that exits, and how. */
  firstExit(): Promise<{ child: DevChild; exit: ChildExit }> {
    return Promise.race(this.children.map((child) => child.exited.then((exit) => ({ child, exit }))));
  }

  /** Stops every child (SIGTERM, then SIGKILL after STOP_GRACE_MS). */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.children.map((c) => c.stop(graceMs)));
  }

  /** Synchronous last resort for process exit paths. */
  killAll(): void {
    for (const c of this.children) c.killNow();
  }

  #spawn(name: string, args: string[]): DevChild {
    // A stop during start wins: start no more processes.
    if (this.#stopping) throw new Error('the cluster is stopping');
    const child = new DevChild(name, args, join(this.#options.workDir, 'logs', `${name}.log`), this.#options.terminal);
    this.children.push(child);
    return child;
  }

  async #listening(child: DevChild, msg: string, timeoutMs: number): Promise<DevProcessInfo> {
    const record = await child.waitForLog((r) => r.msg === msg, msg, timeoutMs);
    const port = portOf(record);
    const url = typeof record.url === 'string' ? record.url : `http://127.0.0.1:${port}`;
    return { name: child.name, url, port, log: relativeLog(child.logPath), pid: child.pid };
  }

  async #agentReady(child: DevChild, timeoutMs: number): Promise<DevAgentInfo> {
    const registered = child.waitForLog((r) => r.msg === 'agent registered', 'agent registered', timeoutMs);
    // Both waits are set up before either settles so neither log line is missed.
    registered.catch(() => {});
    const listening = await this.#listening(child, 'agent listening', timeoutMs);
    const record = await registered;
    return { ...listening, agent_id: typeof record.agent_id === 'string' ? record.agent_id : '' };
  }

  /** The master's own view: all agents registered (log lines alone could be stale). */
  async #allRegistered(address: string, count: number, timeoutMs: number): Promise<void> {
    const master = new MasterClient(address, { timeoutMs: 5000 });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let agents;
      try {
        agents = (await master.getAgents()).agents ?? [];
      } catch (err) {
        // A master without the operator API: the agents' "agent registered" lines must do.
        if (err instanceof ApiError && err.status === 404) return;
        throw new Error(`the master did not answer GET_AGENTS: ${(err as Error).message}`, { cause: err });
      }
      if (agents.length >= count) return;
      if (Date.now() > deadline) throw new Error(`the master lists ${agents.length} of ${count} agents after ${timeoutMs / 1000}s`);
      await sleep(100);
    }
  }
}

function portOf(record: LogRecord): number {
  if (typeof record.port === 'number') return record.port;
  if (typeof record.url === 'string') {
    const port = Number(new URL(record.url).port);
    if (port > 0) return port;
  }
  throw new Error(`log line '${String(record.msg)}' has no port: ${JSON.stringify(record)}`);
}

function relativeLog(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}
