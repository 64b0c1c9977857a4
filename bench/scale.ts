// Scale benchmarks (issue 9): the master against thousands of simulated agents (src/sim: each a
// real client of the agent protocol over loopback HTTP) and simulated frameworks (scheduler SDK).
// `npm run bench -- scale [--quick] [--only=NAME,...] [--runs=N] [--failover_agents=N,...]`. The master is a real process
// (SQLite registry, so registry writes are included); agents and frameworks run in this process.
// Both processes share the machine's cores.
//
//   failover   fresh master; A agents re-register at once, each reporting 5 frameworks × 2 running
//              tasks with 10 labels (+ optionally 100 terminal tasks): time until all SUBSCRIBED
//   state      /master/state at A agents with 10 running + 10 terminal tasks each: client time to
//              the last byte, and /health p99 probed every 10 ms meanwhile
//   pollers    20 clients polling /master/state on 100 agents with 10k + 10k tasks: mean latency
//   placement  agents (4 cpus, 32 GiB), 1,000 existing tasks, then N tasks of 0.1 cpu / 500 MiB
//              from frameworks accepting offers: tasks/s until RUNNING is seen by the frameworks
//   launch     burst of 30 tasks per agent on 100 agents: ACCEPT → RUNNING p50/p99
// Every timed figure is min/median/max over `runs` (3) runs; the master's RSS is read from /proc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimCluster } from '../src/sim/cluster.ts';
import { SimFramework, type FrameworkDemand } from '../src/sim/sim-framework.ts';
import { SystemClock } from '../src/common/clock.ts';
import { percentile } from '../src/sim/stats.ts';
import type { FrameworkInfo, Task } from '../src/protocol/index.ts';
import { TaskTemplate, type PreloadedReport } from '../src/sim/report.ts';
import { spawnProcess, tempDir, waitFor, type Spawned } from '../test/helpers/process.ts';
import type { BenchOptions, BenchRow } from './lib.ts';

const AGORA = join(import.meta.dirname, '../bin/agora');
const USER = process.env.USER ?? 'root';
const log = (line: string): void => console.log(`  ${line}`);
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
const SETUP = '2-core VM, loopback HTTP, master process (SQLite registry) + one process of simulated agents/frameworks';

/**
 * SUBSCRIBEs in flight at once in a storm ("all at once"): more than the master's accept queue
 * (Node's listen backlog, 511) holds makes the kernel drop SYNs, and those agents then wait for
 * TCP's SYN retransmission (1 s, 3 s, 7 s, ...), which measures the retransmit timer rather than
 * the master (docs/performance.md). `--storm_concurrency=N` (or AGORA_BENCH_STORM_CONCURRENCY) overrides.
 */
let STORM_CONCURRENCY = Number(process.env.AGORA_BENCH_STORM_CONCURRENCY ?? 500);

type Master = { proc: Spawned; url: string; pid: number; cleanup(): Promise<void> };

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
function sweepStaleWorkDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(WORK_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const owner = join(dir, OWNER_FILE);
    if (existsSync(owner) && !alive(Number(readFileSync(owner, 'utf8')))) rmSync(dir, { recursive: true, force: true });
  }
}

async function startMaster(extraFlags: string[] = []): Promise<Master> {
  const dir = tempDir(WORK_PREFIX);
  writeFileSync(join(dir.path, OWNER_FILE), String(process.pid));
  const workDir = join(dir.path, 'master');
  mkdirSync(workDir);
  const env: NodeJS.ProcessEnv = { NODE_OPTIONS: [process.env.AGORA_BENCH_PROFILE ? '--cpu-prof --cpu-prof-dir=/tmp/agora-bench-profiles' : '', process.env.AGORA_BENCH_MASTER_NODE_OPTIONS ?? ''].join(' ').trim() };
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
function raiseFdLimit(pid: number): void {
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
function requireDescriptors(agents: number, masterPid: number): void {
  const need = agents + 1000;
  const limit = Math.min(openFilesLimit(process.pid), openFilesLimit(masterPid));
  if (limit < need) throw new Error(`needs ~${need} open files per process (one socket per agent); the limit here is ${limit} and prlimit could not raise it (no CAP_SYS_RESOURCE)`);
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, 0);
}

/** This process's peak RSS since the last `resetPeakRss()` (VmHWM), in MiB. */
const selfPeakRssMiB = (): number => round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024, 0);

/** Resets this process's VmHWM to its current RSS (proc(5) clear_refs "5"). */
function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Older kernels: the peak is then since the process started.
  }
}

/** CPU time (user + system) a process has used so far, in ms, from /proc. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  // After the command: state is field 3, utime 14, stime 15 (1-based in proc(5)).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
}

/** This process's CPU time so far (the simulator: agents and frameworks), in ms. */
const selfCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The master's group-commit counters (group-commit.ts). */
async function commitCounters(url: string): Promise<{ commits: number; calls: number }> {
  const snapshot = (await (await fetch(`${url}/metrics/snapshot`)).json()) as Record<string, number>;
  return { commits: snapshot['master/agora/group_commits'] ?? 0, calls: snapshot['master/agora/group_committed_calls'] ?? 0 };
}

const stats = (xs: number[]): { min: number; median: number; max: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: round(s[0]!), median: round(percentile(s, 50)!), max: round(s.at(-1)!) };
};

function rowsOf(scenario: string, metric: string, xs: number[], unit: string, extra: Partial<BenchRow> = {}): BenchRow {
  const s = stats(xs);
  return { scenario, metric, value: s.median, unit, ...extra, reason: `min ${s.min} / median ${s.median} / max ${s.max} over ${xs.length} runs${extra.reason ? `; ${extra.reason}` : ''}` };
}

// ---- reports (what a re-registering agent says it runs) -----------------------------------------

const LABELS = { labels: Array.from({ length: 10 }, (_, i) => ({ key: `key${i}`, value: `value${i}` })) };

/**
 * Each agent reports `running.frameworks` × `running.tasks` RUNNING tasks and `terminalPerAgent`
 * FINISHED ones. The reports are rendered from one template per (framework, state), so 40k
 * agents' reports cost a few closures, not millions of task objects (report.ts).
 */
function reports(agents: number, running: { frameworks: number; tasks: number }, terminalPerAgent: number): PreloadedReport[] {
  const frameworks: FrameworkInfo[] = Array.from({ length: running.frameworks }, (_, i) => ({
    user: USER, name: `bench-fw-${i}`, id: { value: `bench-fw-${i}` }, roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }], failover_timeout: 3600,
  }));
  const markers = { task: '@bench-task@', agent: '@bench-agent@' };
  const template = (fw: FrameworkInfo, state: Task['state']): TaskTemplate<'task' | 'agent'> =>
    new TaskTemplate(
      {
        name: 'dummy', task_id: { value: markers.task }, framework_id: fw.id!, agent_id: { value: markers.agent }, executor_id: { value: markers.task }, state,
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: '*' } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 5 }, allocation_info: { role: '*' } },
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

function simCluster(url: string, agents: number, extra: Partial<ConstructorParameters<typeof SimCluster>[0]> = {}): SimCluster {
  return new SimCluster({
    masterUrl: url, agents, registerConcurrency: STORM_CONCURRENCY, callSockets: Number(process.env.AGORA_BENCH_CALL_SOCKETS ?? 64),
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

// ---- failover re-registration -------------------------------------------------------------------

async function failover(agents: number, terminal: number, runs: number, target: number, anchor: string): Promise<BenchRow[]> {
  const scenario = `failover re-registration: ${agents} agents × 5 fws × 2 running tasks (10 labels)${terminal > 0 ? ` + ${terminal} terminal tasks` : ''}, all at once`;
  const times: number[] = [];
  const rss: number[] = [];
  const masterCpu: number[] = [];
  const simCpu: number[] = [];
  const perCommit: number[] = [];
  const simPeak: number[] = [];
  try {
    const preload = reports(agents, { frameworks: 5, tasks: 2 }, terminal);
    for (let r = 0; r < runs; r++) {
      const master = await startMaster();
      const cluster = simCluster(master.url, agents);
      try {
        requireDescriptors(agents, master.pid);
        cluster.preload(preload);
        resetPeakRss();
        const [masterCpu0, simCpu0] = [cpuMs(master.pid), selfCpuMs()];
        const took = await cluster.registerAgents();
        masterCpu.push(cpuMs(master.pid) - masterCpu0);
        simCpu.push(selfCpuMs() - simCpu0);
        simPeak.push(selfPeakRssMiB());
        if (cluster.summary().agents.reregistrations !== agents) throw new Error(`only ${cluster.summary().agents.reregistrations} agents re-registered`);
        times.push(took);
        rss.push(rssMiB(master.pid));
        const commits = await commitCounters(master.url);
        perCommit.push(commits.calls / Math.max(1, commits.commits));
        log(
          `${scenario}: run ${r + 1} ${round(took)} ms, master RSS ${rss.at(-1)} MiB, CPU master ${round(masterCpu.at(-1)!, 0)} ms / sim ${round(simCpu.at(-1)!, 0)} ms, ` +
            `${commits.commits} commits (${round(perCommit.at(-1)!)} calls each), sim peak RSS ${simPeak.at(-1)} MiB`,
        );
      } finally {
        await cluster.stop();
        await master.cleanup();
      }
    }
    return [
      rowsOf(scenario, 'all_reregistered', times, 'ms', { target, anchor, reason: SETUP }),
      rowsOf(scenario, 'sim_peak_rss', simPeak, 'MiB', { reason: 'peak RSS (VmHWM) of the bench process (the simulator) during the storm' }),
      rowsOf(scenario, 'agents_per_s', times.map((t) => (agents * 1000) / t), 'agents/s'),
      rowsOf(scenario, 'master_rss_after', rss, 'MiB'),
      rowsOf(scenario, 'master_cpu_during', masterCpu, 'ms', { reason: 'user + system CPU of the master process while the agents re-registered' }),
      rowsOf(scenario, 'sim_cpu_during', simCpu, 'ms', { reason: 'CPU of the simulator process (same 2 cores) meanwhile' }),
      rowsOf(scenario, 'calls_per_commit', perCommit, 'calls'),
    ];
  } catch (err) {
    log(`${scenario}: failed after ${times.length} runs: ${reasonOf(err)}`);
    return [{ scenario, metric: 'all_reregistered', value: null, unit: 'ms', target, reason: reasonOf(err) }];
  }
}

// ---- /master/state ------------------------------------------------------------------------------

/** GET `path` to the last byte; resolves with [ms, bytes]. */
async function timedGet(url: string): Promise<[number, number]> {
  const t0 = performance.now();
  const res = await fetch(url);
  let bytes = 0;
  for await (const chunk of res.body!) bytes += (chunk as Uint8Array).byteLength;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return [performance.now() - t0, bytes];
}

/**
 * The /health prober: a process of its own, so that the latencies are the master's and not this
 * process's event-loop delay (it also holds the simulated agents and reads the /state document).
 * It probes every EVERY ms, one request at a time, until its stdin closes, then prints the
 * latencies as JSON.
 */
const PROBER = `
const url = process.argv[1] + '/health';
const every = Number(process.argv[2]);
const samples = [];
let running = true;
process.stdin.on('end', () => { running = false; });
process.stdin.resume();
(async () => {
  // The first fetch loads the HTTP client (~100 ms): not a latency of the master.
  await (await fetch(url)).arrayBuffer();
  process.stdout.write('ready\\n');
  while (running) {
    const t0 = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    samples.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, every));
  }
  process.stdout.write(JSON.stringify(samples) + '\\n');
})();
`;

/** Starts the /health prober (PROBER) against `url`; `stop()` returns its latencies. */
async function healthProbe(url: string, everyMs = 10): Promise<{ stop(): Promise<number[]> }> {
  const child = spawn(process.execPath, ['-e', PROBER, url, String(everyMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.startsWith('ready\n')) resolve();
    });
    child.on('error', reject);
    void exited.then((code) => reject(new Error(`the /health prober exited (${code}) before it started`)));
  });
  return {
    async stop() {
      child.stdin.end();
      const code = await exited;
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('[')) throw new Error(`the /health prober failed (exit ${code})`);
      return JSON.parse(last) as number[];
    },
  };
}

async function withLoadedMaster<T>(agents: number, running: { frameworks: number; tasks: number }, terminal: number, fn: (m: Master, c: SimCluster) => Promise<T>): Promise<T> {
  const master = await startMaster();
  const cluster = simCluster(master.url, agents, { registerConcurrency: STORM_CONCURRENCY });
  try {
    requireDescriptors(agents, master.pid);
    cluster.preload(reports(agents, running, terminal));
    const took = await cluster.registerAgents();
    log(`${agents} agents with ${agents * (running.frameworks * running.tasks + terminal)} tasks registered in ${round(took)} ms`);
    return await fn(master, cluster);
  } finally {
    await cluster.stop();
    await master.cleanup();
  }
}

async function stateQuery(agents: number, runs: number): Promise<BenchRow[]> {
  const scenario = `/master/state at ${agents} agents, ${agents * 10} running + ${agents * 10} terminal tasks (10 labels)`;
  try {
    return await withLoadedMaster(agents, { frameworks: 5, tasks: 2 }, 10, async (master) => {
      const times: number[] = [];
      const health: number[] = [];
      let bytes = 0;
      await timedGet(`${master.url}/master/state`); // warm-up (JIT, caches)
      for (let r = 0; r < runs; r++) {
        const probe = await healthProbe(master.url);
        const [ms, size] = await timedGet(`${master.url}/master/state`);
        const samples = (await probe.stop()).sort((a, b) => a - b);
        times.push(ms);
        bytes = size;
        health.push(percentile(samples, 99)!);
        log(`state run ${r + 1}: ${round(ms)} ms, ${round(size / 2 ** 20)} MiB; /health p99 ${round(percentile(samples, 99)!)} ms over ${samples.length} probes`);
      }
      const rss = rssMiB(master.pid);
      return [
        rowsOf(scenario, 'client_time_to_last_byte', times, 'ms', { target: agents >= 20_000 ? 1500 : undefined, anchor: 'Mesos 1.7 at 20k agents: 2.8–3.7 s', reason: `${round(bytes / 2 ** 20)} MiB` }),
        rowsOf(scenario, 'health_p99_during_state', health, 'ms', { target: 50 }),
        { scenario, metric: 'master_rss', value: rss, unit: 'MiB', target: agents >= 40_000 ? 4096 : undefined },
      ];
    });
  } catch (err) {
    return [{ scenario, metric: 'client_time_to_last_byte', value: null, unit: 'ms', reason: reasonOf(err) }];
  }
}

async function pollers(clients: number, polls: number, runs: number): Promise<BenchRow[]> {
  const scenario = `${clients} clients polling /master/state, 100 agents with 10k running + 10k terminal tasks`;
  try {
    return await withLoadedMaster(100, { frameworks: 10, tasks: 10 }, 100, async (master) => {
      const means: number[] = [];
      for (let r = 0; r < runs; r++) {
        const all: number[] = [];
        await Promise.all(
          Array.from({ length: clients }, async () => {
            for (let p = 0; p < polls; p++) all.push((await timedGet(`${master.url}/master/state`))[0]);
          }),
        );
        means.push(all.reduce((a, b) => a + b, 0) / all.length);
        log(`pollers run ${r + 1}: mean ${round(means.at(-1)!)} ms over ${all.length} polls`);
      }
      return [rowsOf(scenario, 'mean_latency', means, 'ms', { target: 300, anchor: 'Mesos 1.7 (4 cores, 24 workers): ~1.0 s mean', reason: `${polls} polls per client` })];
    });
  } catch (err) {
    return [{ scenario, metric: 'mean_latency', value: null, unit: 'ms', target: 300, reason: reasonOf(err) }];
  }
}

// ---- placement and launch latency ---------------------------------------------------------------

function demand(name: string, tasks: number, cpus: number, mem: number, perOffer: number): FrameworkDemand {
  return {
    name, role: '*', user: USER, tasksPerSecond: 0, initialTasks: tasks, maxTasks: tasks,
    shape: { cpus, mem, durationMs: -1 }, maxTasksPerOffer: perOffer, declineSeconds: 5, suppressWhenIdle: true,
  };
}

async function placement(agents: number, tasks: number, runs: number): Promise<BenchRow[]> {
  const scenario = `placement: ${agents} agents (4 cpus, 32 GiB), 1,000 existing tasks, then ${tasks} tasks of 0.1 cpu / 500 MiB from 10 frameworks`;
  const rates: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const master = await startMaster();
      const cluster = simCluster(master.url, agents, {
        registerConcurrency: STORM_CONCURRENCY,
        resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32768 } }],
        frameworks: [demand('existing', 1000, 0.1, 500, 40)],
      });
      try {
        await cluster.start();
        await waitFor(() => cluster.frameworks[0]!.stats.running >= 1000, 120_000, 20);
        const fws = Array.from({ length: 10 }, (_, i) => new SimFramework(master.url, demand(`place-${i}`, tasks / 10, 0.1, 500, 40), { wheel: cluster.wheel, clock: new SystemClock() }));
        const t0 = performance.now();
        await Promise.all(fws.map((f) => f.start()));
        await waitFor(() => fws.every((f) => f.stats.running >= tasks / 10), 300_000, 10);
        const took = performance.now() - t0;
        rates.push((tasks * 1000) / took);
        log(`placement run ${r + 1}: ${tasks} tasks RUNNING in ${round(took)} ms (${round(rates.at(-1)!)} tasks/s)`);
        await Promise.all(fws.map((f) => f.stop(false)));
      } finally {
        await cluster.stop();
        await master.cleanup();
      }
    }
    return [rowsOf(scenario, 'tasks_per_s_until_running_seen', rates, 'tasks/s', { target: 2000, targetKind: 'min', anchor: 'kube-scheduler_perf CI minimum 680 / 810 pods/s; Nomad C2M ≈ 1,500/s' })];
  } catch (err) {
    return [{ scenario, metric: 'tasks_per_s_until_running_seen', value: null, unit: 'tasks/s', target: 2000, targetKind: 'min', reason: reasonOf(err) }];
  }
}

async function launchBurst(agents: number, perAgent: number, runs: number): Promise<BenchRow[]> {
  const scenario = `launch latency: burst of ${perAgent} tasks per agent on ${agents} agents (ACCEPT → TASK_RUNNING seen)`;
  const p50: number[] = [];
  const p99: number[] = [];
  const masterCpu: number[] = [];
  const simCpu: number[] = [];
  const perCommit: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const master = await startMaster();
      const cluster = simCluster(master.url, agents, { frameworks: [demand('burst', agents * perAgent, 0.1, 32, perAgent)] });
      try {
        await cluster.registerAgents();
        const [masterCpu0, simCpu0, commits0] = [cpuMs(master.pid), selfCpuMs(), await commitCounters(master.url)];
        const t0 = performance.now();
        await cluster.start();
        const fw = cluster.frameworks[0]!;
        await waitFor(() => fw.stats.running >= agents * perAgent, 120_000, 10);
        const wall = performance.now() - t0;
        const commits = await commitCounters(master.url);
        masterCpu.push(cpuMs(master.pid) - masterCpu0);
        simCpu.push(selfCpuMs() - simCpu0);
        perCommit.push((commits.calls - commits0.calls) / Math.max(1, commits.commits - commits0.commits));
        const sorted = [...fw.stats.launchToRunningMs].sort((a, b) => a - b);
        p50.push(percentile(sorted, 50)!);
        p99.push(percentile(sorted, 99)!);
        log(
          `burst run ${r + 1}: p50 ${round(p50.at(-1)!)} ms, p99 ${round(p99.at(-1)!)} ms; ${round(wall, 0)} ms wall, CPU master ${round(masterCpu.at(-1)!, 0)} ms / sim ${round(simCpu.at(-1)!, 0)} ms, ` +
            `${commits.commits - commits0.commits} commits of ${commits.calls - commits0.calls} calls (${round(perCommit.at(-1)!)} each)`,
        );
      } finally {
        await cluster.stop();
        await master.cleanup();
      }
    }
    return [
      rowsOf(scenario, 'p50', p50, 'ms'),
      rowsOf(scenario, 'p99', p99, 'ms', { target: 500, anchor: 'Kubernetes SLO p99 ≤ 5 s; kubemark p99 ≈ 2.1 s' }),
      rowsOf(scenario, 'master_cpu_during', masterCpu, 'ms', { reason: 'from the framework subscribing until every task RUNNING' }),
      rowsOf(scenario, 'sim_cpu_during', simCpu, 'ms', { reason: 'the simulator process (agents, executors, framework) on the same 2 cores' }),
      rowsOf(scenario, 'calls_per_commit', perCommit, 'calls'),
    ];
  } catch (err) {
    return [{ scenario, metric: 'p99', value: null, unit: 'ms', target: 500, reason: reasonOf(err) }];
  }
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const only = opts.args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const runs = Number(opts.args.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? 3);
  const want = (name: string): boolean => only === undefined || only.includes(name);
  const q = opts.quick;
  // This process holds one socket per simulated agent too.
  if (!q) raiseFdLimit(process.pid);
  sweepStaleWorkDirs();
  const storm = opts.args.find((a) => a.startsWith('--storm_concurrency='));
  if (storm !== undefined) STORM_CONCURRENCY = Number(storm.slice('--storm_concurrency='.length));
  const rows: BenchRow[] = [];
  if (want('failover')) {
    // `--failover_agents=N,...` runs only the storm without history at those sizes (profiling).
    const custom = opts.args.find((a) => a.startsWith('--failover_agents='))?.slice('--failover_agents='.length).split(',').map(Number);
    const sizes: [number, number, string][] =
      custom?.map((n): [number, number, string] => [n, (n * 3000) / 10_000, '—']) ??
      (q ? [[1000, 300, '—'], [2000, 600, '—']] : [[10_000, 3000, 'Mesos 1.5: 4.5 s'], [20_000, 6000, 'Mesos 1.5: 9 s'], [40_000, 12_000, 'Mesos 1.5: 19 s']]);
    for (const [agents, target, anchor] of sizes) rows.push(...(await failover(agents, 0, runs, target, anchor)));
    const history: [number, number, string][] = custom !== undefined ? [] : q ? [[1000, 1500, '—']] : [[10_000, 15_000, 'Mesos 1.5: 27 s'], [20_000, 30_000, 'Mesos 1.5: 55 s']];
    for (const [agents, target, anchor] of history) rows.push(...(await failover(agents, 100, runs, target, anchor)));
  }
  if (want('state')) rows.push(...(await stateQuery(q ? 2000 : 20_000, runs)));
  if (want('pollers')) rows.push(...(await pollers(20, q ? 3 : 10, runs)));
  if (want('placement')) rows.push(...(await placement(q ? 500 : 5000, q ? 2000 : 10_000, runs)));
  if (want('launch')) rows.push(...(await launchBurst(100, 30, runs)));
  return rows;
}
