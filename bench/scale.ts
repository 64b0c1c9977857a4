// Scale benchmarks (issue 9): the master against thousands of simulated agents (src/sim: each a
// real client of the agent protocol over loopback HTTP) and simulated frameworks (scheduler SDK).
// `npm run bench -- scale [--quick] [--only=NAME,...] [--runs=N]`. The master is a real process
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
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimCluster } from '../src/sim/cluster.ts';
import { SimFramework, type FrameworkDemand } from '../src/sim/sim-framework.ts';
import { SystemClock } from '../src/common/clock.ts';
import { percentile } from '../src/sim/stats.ts';
import type { FrameworkInfo, Task } from '../src/protocol/index.ts';
import { spawnProcess, tempDir, waitFor, type Spawned } from '../test/helpers/process.ts';
import type { BenchOptions, BenchRow } from './lib.ts';

const AGORA = join(import.meta.dirname, '../bin/agora');
const USER = process.env.USER ?? 'root';
const log = (line: string): void => console.log(`  ${line}`);
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
const SETUP = '2-core VM, loopback HTTP, master process (SQLite registry) + one process of simulated agents/frameworks';

type Master = { proc: Spawned; url: string; pid: number; cleanup(): Promise<void> };

async function startMaster(extraFlags: string[] = []): Promise<Master> {
  const dir = tempDir('agora-bench-scale-');
  const env: NodeJS.ProcessEnv = process.env.AGORA_BENCH_PROFILE ? { NODE_OPTIONS: '--cpu-prof --cpu-prof-dir=/tmp/agora-bench-profiles' } : {};
  const proc = spawnProcess(AGORA, ['master', '--port=0', `--work_dir=${dir.path}`, '--agent_reregister_timeout=10mins', ...extraFlags], env);
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

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, 0);
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

function reports(agents: number, running: { frameworks: number; tasks: number }, terminalPerAgent: number) {
  const frameworks: FrameworkInfo[] = Array.from({ length: running.frameworks }, (_, i) => ({
    user: USER, name: `bench-fw-${i}`, id: { value: `bench-fw-${i}` }, roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }], failover_timeout: 3600,
  }));
  return Array.from({ length: agents }, (_, a) => {
    const agentId = `bench-agent-${a}`;
    const tasks: Task[] = [];
    const task = (fw: FrameworkInfo, id: string, state: Task['state']): Task =>
      ({
        name: 'dummy', task_id: { value: id }, framework_id: fw.id!, agent_id: { value: agentId }, executor_id: { value: id }, state,
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: '*' } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 5 }, allocation_info: { role: '*' } },
        ],
        statuses: [{ task_id: { value: id }, state, source: 'SOURCE_EXECUTOR', timestamp: 1_700_000_000 }], labels: LABELS, limits: {},
      }) as Task;
    for (const fw of frameworks) for (let t = 0; t < running.tasks; t++) tasks.push(task(fw, `${agentId}-${fw.id!.value}-r${t}`, 'TASK_RUNNING'));
    for (let t = 0; t < terminalPerAgent; t++) tasks.push(task(frameworks[t % frameworks.length]!, `${agentId}-f${t}`, 'TASK_FINISHED'));
    return { agentId, frameworks, tasks };
  });
}

function simCluster(url: string, agents: number, extra: Partial<ConstructorParameters<typeof SimCluster>[0]> = {}): SimCluster {
  return new SimCluster({
    masterUrl: url, agents, registerConcurrency: agents, callSockets: 64,
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
  try {
    const preload = reports(agents, { frameworks: 5, tasks: 2 }, terminal);
    for (let r = 0; r < runs; r++) {
      const master = await startMaster();
      const cluster = simCluster(master.url, agents);
      try {
        cluster.preload(preload);
        const [masterCpu0, simCpu0] = [cpuMs(master.pid), selfCpuMs()];
        const took = await cluster.registerAgents();
        masterCpu.push(cpuMs(master.pid) - masterCpu0);
        simCpu.push(selfCpuMs() - simCpu0);
        if (cluster.summary().agents.reregistrations !== agents) throw new Error(`only ${cluster.summary().agents.reregistrations} agents re-registered`);
        times.push(took);
        rss.push(rssMiB(master.pid));
        const commits = await commitCounters(master.url);
        perCommit.push(commits.calls / Math.max(1, commits.commits));
        log(
          `${scenario}: run ${r + 1} ${round(took)} ms, master RSS ${rss.at(-1)} MiB, CPU master ${round(masterCpu.at(-1)!, 0)} ms / sim ${round(simCpu.at(-1)!, 0)} ms, ` +
            `${commits.commits} commits (${round(perCommit.at(-1)!)} calls each)`,
        );
      } finally {
        await cluster.stop();
        await master.cleanup();
      }
    }
    return [
      rowsOf(scenario, 'all_reregistered', times, 'ms', { target, anchor, reason: SETUP }),
      rowsOf(scenario, 'agents_per_s', times.map((t) => (agents * 1000) / t), 'agents/s'),
      rowsOf(scenario, 'master_rss_after', rss, 'MiB'),
      rowsOf(scenario, 'master_cpu_during', masterCpu, 'ms', { reason: 'user + system CPU of the master process while the agents re-registered' }),
      rowsOf(scenario, 'sim_cpu_during', simCpu, 'ms', { reason: 'CPU of the simulator process (same 2 cores) meanwhile' }),
      rowsOf(scenario, 'calls_per_commit', perCommit, 'calls'),
    ];
  } catch (err) {
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
  const cluster = simCluster(master.url, agents, { registerConcurrency: Math.min(agents, 2000) });
  try {
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
        registerConcurrency: Math.min(agents, 2000),
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
  const rows: BenchRow[] = [];
  if (want('failover')) {
    const sizes: [number, number, string][] = q ? [[1000, 300, '—'], [2000, 600, '—']] : [[10_000, 3000, 'Mesos 1.5: 4.5 s'], [20_000, 6000, 'Mesos 1.5: 9 s'], [40_000, 12_000, 'Mesos 1.5: 19 s']];
    for (const [agents, target, anchor] of sizes) rows.push(...(await failover(agents, 0, runs, target, anchor)));
    const history: [number, number, string][] = q ? [[1000, 1500, '—']] : [[10_000, 15_000, 'Mesos 1.5: 27 s'], [20_000, 30_000, 'Mesos 1.5: 55 s']];
    for (const [agents, target, anchor] of history) rows.push(...(await failover(agents, 100, runs, target, anchor)));
  }
  if (want('state')) rows.push(...(await stateQuery(q ? 2000 : 20_000, runs)));
  if (want('pollers')) rows.push(...(await pollers(20, q ? 3 : 10, runs)));
  if (want('placement')) rows.push(...(await placement(q ? 500 : 5000, q ? 2000 : 10_000, runs)));
  if (want('launch')) rows.push(...(await launchBurst(100, 30, runs)));
  return rows;
}
