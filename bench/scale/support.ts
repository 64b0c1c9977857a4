// What the scale benchmarks (bench/scale.ts, bench/scale/api.ts) share: the master process
// (start, fd limits, cleanup of dead runs' work dirs), readers of a process's CPU and RSS, the
// min/median/max rows, the agents' preloaded reports, the simulated cluster, timed GETs and the
// out-of-process prober, a master loaded with reported tasks, and the placement workload.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimCluster } from '../../src/sim/cluster.ts';
import type { TransportProtocol } from '../../src/sim/transport.ts';
import { SimFramework, type FrameworkDemand } from '../../src/sim/sim-framework.ts';
import type { TimerWheel } from '../../src/sim/timer-wheel.ts';
import { SystemClock } from '../../src/common/clock.ts';
import { percentile } from '../../src/sim/stats.ts';
import type { FrameworkInfo, Resource, Task } from '../../src/protocol/index.ts';
import { TaskTemplate, type PreloadedReport } from '../../src/sim/report.ts';
import { spawnProcess, tempDir, waitFor, type Spawned } from '../../test/helpers/process.ts';
import type { BenchRow } from '../lib.ts';

const AGORA = join(import.meta.dirname, '../../bin/agora');
export const USER = process.env.USER ?? 'root';
export const log = (line: string): void => console.log(`  ${line}`);
export const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
export const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
export const SETUP = '2-core VM, loopback HTTP, master process (SQLite registry) + one process of simulated agents/frameworks';

/**
 * SUBSCRIBEs in flight at once in a storm ("all at once"): more than the master's accept queue
 * (Node's listen backlog, 511) holds makes the kernel drop SYNs, and those agents then wait for
 * TCP's SYN retransmission (1 s, 3 s, 7 s, ...), which measures the retransmit timer rather than
 * the master (docs/performance.md). `--storm_concurrency=N` (or AGORA_BENCH_STORM_CONCURRENCY) overrides.
 */
let STORM_CONCURRENCY = Number(process.env.AGORA_BENCH_STORM_CONCURRENCY ?? 500);

export function setStormConcurrency(n: number): void {
  STORM_CONCURRENCY = n;
}

export type Master = { proc: Spawned; url: string; pid: number; cleanup(): Promise<void> };

// Every process this bench starts dies with it, however it ends. The master is started under
// `setpriv --pdeathsig=TERM` (util-linux; PR_SET_PDEATHSIG survives the exec into bin/agora and
// node, so the pid is the master's): the kernel signals it when this process dies, even by a V8
// heap abort or SIGKILL, where no JavaScript runs. On an ordinary exit the kill list below is
// SIGKILLed too (belt and braces; the /health prober ends when its stdin closes). Work dirs are
// `agora-bench-scale-*` holding the owner's pid: dirs of owners that are gone are removed first.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
const WORK_PREFIX = 'agora-bench-scale-';
const OWNER_FILE = 'bench.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the work dirs of scale benches that died without cleaning up. */
export function sweepStaleWorkDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(WORK_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const owner = join(dir, OWNER_FILE);
    if (existsSync(owner) && !alive(Number(readFileSync(owner, 'utf8')))) rmSync(dir, { recursive: true, force: true });
  }
}

export async function startMaster(extraFlags: string[] = [], nodeOptions: string[] = []): Promise<Master> {
  const dir = tempDir(WORK_PREFIX);
  writeFileSync(join(dir.path, OWNER_FILE), String(process.pid));
  const workDir = join(dir.path, 'master');
  mkdirSync(workDir);
  const env: NodeJS.ProcessEnv = { NODE_OPTIONS: [process.env.AGORA_BENCH_PROFILE ? '--cpu-prof --cpu-prof-dir=/tmp/agora-bench-profiles' : '', ...nodeOptions, process.env.AGORA_BENCH_MASTER_NODE_OPTIONS ?? ''].join(' ').trim() };
  const proc = spawnProcess('setpriv', ['--pdeathsig=TERM', '--', AGORA, 'master', '--port=0', `--work_dir=${workDir}`, '--agent_reregister_timeout=10mins', ...extraFlags], env);
  children.add(proc.child);
  proc.child.once('exit', () => children.delete(proc.child));
  const listening = await proc.waitForLog((l) => l.msg === 'master listening', 30_000);
  const pid = proc.child.pid!;
  raiseFdLimit(pid);
  return {
    proc, url: listening.url as string, pid,
    async cleanup() {
      await proc.stop(10_000);
      dir.cleanup();
    },
  };
}

/** Tens of thousands of sockets need more than the usual 20k descriptors (root may raise it). */
export function raiseFdLimit(pid: number): void {
  try {
    execFileSync('prlimit', [`--pid=${pid}`, '--nofile=200000:200000'], { stdio: 'ignore' });
  } catch {
    // Not root, or no prlimit: the small sizes fit the default.
  }
}

/** A process's soft limit on open files, from /proc (Node has no getrlimit). */
function openFilesLimit(pid: number): number {
  const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return line === null || line[1] === 'unlimited' ? Infinity : Number(line[1]);
}

/**
 * Every agent holds one socket in this process and one in the master: fail the scenario up
 * front, with the reason, when either process may not open that many (raising the hard limit
 * needs CAP_SYS_RESOURCE, which a container may not have), instead of EMFILE halfway through.
 */
export function requireDescriptors(cluster: SimCluster, masterPid: number): void {
  if (cluster.options.transport === 'h2c') return; // a few connections, whatever the agent count
  const need = cluster.options.agents + 1000;
  const limit = Math.min(openFilesLimit(process.pid), openFilesLimit(masterPid));
  if (limit < need) throw new Error(`needs ~${need} open files per process (one socket per agent); the limit here is ${limit} and prlimit could not raise it (no CAP_SYS_RESOURCE)`);
}

/**
 * How the simulated agents reach the master (src/sim/transport.ts). `auto`: a socket per agent,
 * as real agents connect, while both processes may open that many descriptors; past that the
 * agents share a few h2c connections, and the scenario's name says so (`--transport=` forces one).
 */
let TRANSPORT: 'auto' | TransportProtocol = 'auto';
export const H2C_CONNECTIONS = 4;

export function setTransport(value: string): void {
  if (value !== 'auto' && value !== 'http1' && value !== 'h2c') throw new Error(`--transport must be auto, http1 or h2c, got '${value}'`);
  TRANSPORT = value;
}

export function transportFor(agents: number, forced?: TransportProtocol): TransportProtocol {
  if (forced !== undefined) return forced;
  if (TRANSPORT !== 'auto') return TRANSPORT;
  return openFilesLimit(process.pid) >= agents + 1000 ? 'http1' : 'h2c';
}

/** What a scenario's name adds for its transport: nothing for http1, the sharing for h2c. */
export function transportLabel(transport: TransportProtocol): string {
  return transport === 'h2c' ? ` [h2c: agents share ${H2C_CONNECTIONS} HTTP/2 connections]` : '';
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, 0);
}

/** This process's peak RSS since the last `resetPeakRss()` (VmHWM), in MiB. */
/**
 * This process's heap in use, MiB: what is still live when run with `--expose-gc` (a full GC
 * first; between runs, outside the timed window), otherwise including garbage not yet collected.
 */
export function selfHeapMiB(): number {
  globalThis.gc?.();
  return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
}
export const selfPeakRssMiB = (): number => round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024, 0);

/** Resets this process's VmHWM to its current RSS (proc(5) clear_refs "5"). */
export function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Older kernels: the peak is then since the process started.
  }
}

/** CPU time (user + system) a process has used so far, in ms, from /proc. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  // After the command: state is field 3, utime 14, stime 15 (1-based in proc(5)).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
}

/** This process's CPU time so far (the simulator: agents and frameworks), in ms. */
export const selfCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The master's group-commit counters (group-commit.ts). */
export async function commitCounters(url: string): Promise<{ commits: number; calls: number }> {
  const snapshot = (await (await fetch(`${url}/metrics/snapshot`)).json()) as Record<string, number>;
  return { commits: snapshot['master/agora/group_commits'] ?? 0, calls: snapshot['master/agora/group_committed_calls'] ?? 0 };
}

const stats = (xs: number[]): { min: number; median: number; max: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: round(s[0]!), median: round(percentile(s, 50)!), max: round(s.at(-1)!) };
};

export function rowsOf(scenario: string, metric: string, xs: number[], unit: string, extra: Partial<BenchRow> = {}): BenchRow {
  const s = stats(xs);
  return { scenario, metric, value: s.median, unit, ...extra, reason: `min ${s.min} / median ${s.median} / max ${s.max} over ${xs.length} runs${extra.reason ? `; ${extra.reason}` : ''}` };
}

// ---- reports (what a re-registering agent says it runs) -----------------------------------------

const LABELS = { labels: Array.from({ length: 10 }, (_, i) => ({ key: `key${i}`, value: `value${i}` })) };

/** What each reported task uses: Mesos' `master_benchmarks.cpp` shape unless a scenario needs its tasks to weigh. */
export type ReportedShape = { cpus: number; mem: number };

/**
 * Each agent reports `running.frameworks` × `running.tasks` RUNNING tasks and `terminalPerAgent`
 * FINISHED ones, each of `shape`. The reports are rendered from one template per (framework,
 * state), so 40k agents' reports cost a few closures, not millions of task objects (report.ts).
 */
export function reports(agents: number, running: { frameworks: number; tasks: number }, terminalPerAgent: number, shape: ReportedShape = { cpus: 0.1, mem: 5 }): PreloadedReport[] {
  const frameworks: FrameworkInfo[] = Array.from({ length: running.frameworks }, (_, i) => ({
    user: USER, name: `bench-fw-${i}`, id: { value: `bench-fw-${i}` }, roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }], failover_timeout: 3600,
  }));
  const markers = { task: '@bench-task@', agent: '@bench-agent@' };
  const template = (fw: FrameworkInfo, state: Task['state']): TaskTemplate<'task' | 'agent'> =>
    new TaskTemplate(
      {
        name: 'dummy', task_id: { value: markers.task }, framework_id: fw.id!, agent_id: { value: markers.agent }, executor_id: { value: markers.task }, state,
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: shape.cpus }, allocation_info: { role: '*' } },
          { name: 'mem', type: 'SCALAR', scalar: { value: shape.mem }, allocation_info: { role: '*' } },
        ],
        statuses: [{ task_id: { value: markers.task }, state, source: 'SOURCE_EXECUTOR', timestamp: 1_700_000_000 }], labels: LABELS, limits: {},
      } as Task,
      markers,
    );
  const runningT = frameworks.map((fw) => template(fw, 'TASK_RUNNING'));
  const finishedT = frameworks.map((fw) => template(fw, 'TASK_FINISHED'));
  const live = running.frameworks * running.tasks;
  const taskOf = (agent: string, i: number): [TaskTemplate<'task' | 'agent'>, Record<'task' | 'agent', string>] => {
    if (i < live) {
      const fw = Math.floor(i / running.tasks);
      return [runningT[fw]!, { task: `${agent}-${frameworks[fw]!.id!.value}-r${i % running.tasks}`, agent }];
    }
    const t = i - live;
    return [finishedT[t % frameworks.length]!, { task: `${agent}-f${t}`, agent }];
  };
  return Array.from({ length: agents }, (_, a) => {
    const agentId = `bench-agent-${a}`;
    const taskCount = live + terminalPerAgent;
    let tasksBytes = 0;
    for (let i = 0; i < taskCount; i++) {
      const [t, values] = taskOf(agentId, i);
      tasksBytes += t.byteLength(values);
    }
    return {
      agentId, frameworks, taskCount, tasksBytes,
      taskJson: (i: number) => {
        const [t, values] = taskOf(agentId, i);
        return t.render(values);
      },
    };
  });
}

export function simCluster(url: string, agents: number, extra: Partial<ConstructorParameters<typeof SimCluster>[0]> = {}): SimCluster {
  return new SimCluster({
    masterUrl: url, agents, registerConcurrency: STORM_CONCURRENCY, callSockets: Number(process.env.AGORA_BENCH_CALL_SOCKETS ?? 64),
    transport: transportFor(agents), sessions: H2C_CONNECTIONS,
    // ~28k ephemeral ports per local address: 40k streams need more than 127.0.0.1's.
    ...(agents > 20_000 && new URL(url).hostname === '127.0.0.1' && { localAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'] }),
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 20 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 10240 } },
    ],
    timing: { startingMs: 1, runningMs: 1, durationMs: -1 },
    ...extra,
  });
}

// ---- reading the master ------------------------------------------------------------------------

/** GET `path` to the last byte; resolves with [ms, bytes]. */
export async function timedGet(url: string): Promise<[number, number]> {
  const t0 = performance.now();
  const res = await fetch(url);
  let bytes = 0;
  for await (const chunk of res.body!) bytes += (chunk as Uint8Array).byteLength;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return [performance.now() - t0, bytes];
}

/**
 * The prober: a process of its own, so that the latencies are the master's and not this
 * process's event-loop delay (it also holds the simulated agents and frameworks). It GETs PATH
 * to the last byte, one request at a time with EVERY ms between them, until its stdin closes,
 * then prints the latencies, the last answer's size and the count of answers other than 200 as
 * JSON. A request under way when stdin closes is finished and counted.
 */
const PROBER = `
const [base, path, every] = [process.argv[1], process.argv[2], Number(process.argv[3])];
const samples = [];
let bytes = 0;
let failed = 0;
let running = true;
process.stdin.on('end', () => { running = false; });
process.stdin.resume();
(async () => {
  // The first fetch loads the HTTP client (~100 ms): not a latency of the master.
  await (await fetch(base + '/health')).arrayBuffer();
  process.stdout.write('ready\\n');
  while (running) {
    const t0 = performance.now();
    const res = await fetch(base + path);
    let n = 0;
    for await (const chunk of res.body) n += chunk.byteLength;
    samples.push(performance.now() - t0);
    bytes = n;
    if (res.status !== 200) failed++;
    await new Promise((r) => setTimeout(r, every));
  }
  process.stdout.write(JSON.stringify({ samples, bytes, failed }) + '\\n');
})();
`;

export type ProbeResult = { samples: number[]; bytes: number; failed: number };

/** Starts the prober (PROBER) on `url` + `path`; `stop()` ends it and returns what it measured. */
export async function probe(url: string, path: string, everyMs: number): Promise<{ stop(): Promise<ProbeResult> }> {
  const child = spawn(process.execPath, ['-e', PROBER, url, path, String(everyMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  let out = '';
  child.stdout.setEncoding('utf8');
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.startsWith('ready\n')) resolve();
    });
    child.on('error', reject);
    void exited.then((code) => reject(new Error(`the ${path} prober exited (${code}) before it started`)));
  });
  return {
    async stop() {
      child.stdin.end();
      const code = await exited;
      children.delete(child);
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) throw new Error(`the ${path} prober failed (exit ${code})`);
      return JSON.parse(last) as ProbeResult;
    },
  };
}

/** Probes /health every `everyMs`; `stop()` returns the latencies. */
export async function healthProbe(url: string, everyMs = 10): Promise<{ stop(): Promise<number[]> }> {
  const prober = await probe(url, '/health', everyMs);
  return { stop: async () => (await prober.stop()).samples };
}

/** The master's `master/tasks_running` gauge. */
export async function tasksRunning(url: string): Promise<number> {
  const snapshot = (await (await fetch(`${url}/metrics/snapshot`)).json()) as Record<string, number>;
  return snapshot['master/tasks_running'] ?? 0;
}

export type LoadOptions = {
  /** Every agent's total (default simCluster's). */
  resources?: Resource[];
  /** What each reported task uses (default `reports`'). */
  shape?: ReportedShape;
};

/**
 * A fresh master whose `agents` agents re-register reporting `running.frameworks` ×
 * `running.tasks` RUNNING and `terminal` FINISHED tasks each (`reports`); `fn` runs once they are
 * all in. The master and the agents are stopped afterwards, however `fn` ends.
 */
export async function withLoadedMaster<T>(
  agents: number, running: { frameworks: number; tasks: number }, terminal: number, fn: (m: Master, c: SimCluster) => Promise<T>, options: LoadOptions = {},
): Promise<T> {
  const master = await startMaster();
  const cluster = simCluster(master.url, agents, { registerConcurrency: STORM_CONCURRENCY, ...(options.resources !== undefined && { resources: options.resources }) });
  try {
    requireDescriptors(cluster, master.pid);
    cluster.preload(reports(agents, running, terminal, options.shape));
    const took = await cluster.registerAgents();
    log(`${agents} agents with ${agents * (running.frameworks * running.tasks + terminal)} tasks registered in ${round(took)} ms`);
    return await fn(master, cluster);
  } finally {
    await cluster.stop();
    await master.cleanup();
  }
}

// ---- placement ----------------------------------------------------------------------------------

export function demand(name: string, tasks: number, cpus: number, mem: number, perOffer: number): FrameworkDemand {
  return {
    name, role: '*', user: USER, tasksPerSecond: 0, initialTasks: tasks, maxTasks: tasks,
    shape: { cpus, mem, durationMs: -1 }, maxTasksPerOffer: perOffer, declineSeconds: 5, suppressWhenIdle: true,
  };
}

/** The agents of the placement scenarios: 4 cpus, 32 GiB. */
export const PLACEMENT_AGENT: Resource[] = [
  { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
  { name: 'mem', type: 'SCALAR', scalar: { value: 32768 } },
];

/**
 * The placement workload: 10 frameworks subscribe and place `tasks` tasks of 0.1 cpu / 500 MiB
 * between them, up to 40 per offer; resolves when every framework has seen all of its tasks
 * RUNNING, with the time from the first SUBSCRIBE. The caller stops the frameworks; on a failure
 * they are stopped here.
 */
export async function placeTasks(url: string, wheel: TimerWheel, tasks: number, timeoutMs = 300_000): Promise<{ ms: number; frameworks: SimFramework[] }> {
  const perFramework = tasks / 10;
  const frameworks = Array.from({ length: 10 }, (_, i) => new SimFramework(url, demand(`place-${i}`, perFramework, 0.1, 500, 40), { wheel, clock: new SystemClock() }));
  try {
    const t0 = performance.now();
    await Promise.all(frameworks.map((f) => f.start()));
    await waitFor(() => frameworks.every((f) => f.stats.running >= perFramework), timeoutMs, 10);
    return { ms: performance.now() - t0, frameworks };
  } catch (err) {
    await Promise.all(frameworks.map((f) => f.stop(false)));
    throw err;
  }
}
