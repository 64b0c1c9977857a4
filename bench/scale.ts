// Scale benchmarks (issue 9): the master against thousands of simulated agents (src/sim: each a
// real client of the agent protocol over loopback HTTP) and simulated frameworks (scheduler SDK).
// `npm run bench -- scale [--quick] [--only=NAME,...] [--runs=N] [--failover_agents=N,...]
// [--transport=auto|http1|h2c]`. The master is a real process (SQLite registry, so registry
// writes are included); agents and frameworks run in this process. Both processes share the
// machine's cores. Agents connect a socket each (http1, as real agents) while the open-file
// limit allows; beyond it they share a few h2c connections, and the scenario's name says so.
//
//   failover   fresh master; A agents re-register at once, each reporting 5 frameworks × 2 running
//              tasks with 10 labels (+ optionally 100 terminal tasks): time until all SUBSCRIBED
//   state      /master/state at A agents with 10 running + 10 terminal tasks each: client time to
//              the last byte, and /health p99 probed every 10 ms meanwhile
//   pollers    20 clients polling /master/state on 100 agents with 10k + 10k tasks: mean latency
//   placement  agents (4 cpus, 32 GiB), 1,000 existing tasks, then N (10,000 and 50,000) tasks of
//              0.1 cpu / 500 MiB from frameworks accepting offers: tasks/s until RUNNING is seen
//   launch     burst of 30 tasks per agent on 100 agents: ACCEPT → RUNNING p50/p99
//   api        agents already running 30 tasks each while the placement workload runs: latency of
//              every scheduler call the placing frameworks make, and full /master/state reads
//              (bench/scale/api.ts)
// What the scenarios share (the master process, readers, reports, the placement workload) is in
// bench/scale/support.ts. Every timed figure is min/median/max over `runs` (3) runs; the master's
// RSS is read from /proc.
import type { BenchOptions, BenchRow } from './lib.ts';
import { apiUnderLoad } from './scale/api.ts';
import {
  commitCounters, cpuMs, demand, healthProbe, log, PLACEMENT_AGENT, placeTasks, raiseFdLimit, reasonOf, reports, requireDescriptors, resetPeakRss, round, rowsOf, setTransport, transportFor, transportLabel,
  rssMiB, selfCpuMs, selfHeapMiB, selfPeakRssMiB, SETUP, setStormConcurrency, simCluster, startMaster, sweepStaleWorkDirs, timedGet, withLoadedMaster,
} from './scale/support.ts';
import { percentile } from '../src/sim/stats.ts';
import type { TransportProtocol } from '../src/sim/transport.ts';
import { waitFor } from '../test/helpers/process.ts';

// ---- failover re-registration -------------------------------------------------------------------

/** A failover storm: `transport` forces how the agents connect (default: transportFor), `heapMiB` the master's heap limit. */
type StormOptions = { transport?: TransportProtocol; heapMiB?: number };

async function failover(agents: number, terminal: number, runs: number, target: number, anchor: string, storm: StormOptions = {}): Promise<BenchRow[]> {
  const transport = transportFor(agents, storm.transport);
  const heap = storm.heapMiB !== undefined ? `; master --max-old-space-size=${storm.heapMiB}` : '';
  const scenario = `failover re-registration: ${agents} agents × 5 fws × 2 running tasks (10 labels)${terminal > 0 ? ` + ${terminal} terminal tasks` : ''}, all at once${transportLabel(transport)}`;
  const times: number[] = [];
  const rss: number[] = [];
  const masterCpu: number[] = [];
  const simCpu: number[] = [];
  const perCommit: number[] = [];
  const simPeak: number[] = [];
  try {
    const preload = reports(agents, { frameworks: 5, tasks: 2 }, terminal);
    for (let r = 0; r < runs; r++) {
      const master = await startMaster([], storm.heapMiB !== undefined ? [`--max-old-space-size=${storm.heapMiB}`] : []);
      const cluster = simCluster(master.url, agents, { transport });
      try {
        requireDescriptors(cluster, master.pid);
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
      rowsOf(scenario, 'all_reregistered', times, 'ms', { target, anchor, reason: SETUP + heap }),
      rowsOf(scenario, 'sim_peak_rss', simPeak, 'MiB', { reason: 'peak RSS (VmHWM) of the bench process (the simulator) during the storm' }),
      rowsOf(scenario, 'agents_per_s', times.map((t) => (agents * 1000) / t), 'agents/s'),
      rowsOf(scenario, 'master_rss_after', rss, 'MiB', agents >= 40_000 && terminal === 0 ? { target: 4096, reason: `master memory at ${agents} agents / ${agents * 10} tasks` } : {}),
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

async function stateQuery(agents: number, runs: number): Promise<BenchRow[]> {
  const scenario = `/master/state at ${agents} agents, ${agents * 10} running + ${agents * 10} terminal tasks (10 labels)${transportLabel(transportFor(agents))}`;
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

async function placement(agents: number, tasks: number, runs: number): Promise<BenchRow[]> {
  const scenario = `placement: ${agents} agents (4 cpus, 32 GiB), 1,000 existing tasks, then ${tasks} tasks of 0.1 cpu / 500 MiB from 10 frameworks`;
  const rates: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const master = await startMaster();
      const cluster = simCluster(master.url, agents, { resources: PLACEMENT_AGENT, frameworks: [demand('existing', 1000, 0.1, 500, 40)] });
      try {
        await cluster.start();
        await waitFor(() => cluster.frameworks[0]!.stats.running >= 1000, 120_000, 20);
        const [masterCpu0, simCpu0] = [cpuMs(master.pid), selfCpuMs()];
        const placed = await placeTasks(master.url, cluster.wheel, tasks);
        rates.push((tasks * 1000) / placed.ms);
        log(`placement run ${r + 1}: ${tasks} tasks RUNNING in ${round(placed.ms)} ms (${round(rates.at(-1)!)} tasks/s); CPU master ${round(cpuMs(master.pid) - masterCpu0, 0)} ms / sim ${round(selfCpuMs() - simCpu0, 0)} ms, sim heap ${selfHeapMiB()} MiB`);
        await Promise.all(placed.frameworks.map((f) => f.stop(false)));
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
  const transport = opts.args.find((a) => a.startsWith('--transport='));
  if (transport !== undefined) setTransport(transport.slice('--transport='.length));
  const storm = opts.args.find((a) => a.startsWith('--storm_concurrency='));
  if (storm !== undefined) setStormConcurrency(Number(storm.slice('--storm_concurrency='.length)));
  const rows: BenchRow[] = [];
  if (want('failover')) {
    // `--failover_agents=N,...` runs only the storm without history at those sizes (profiling).
    const custom = opts.args.find((a) => a.startsWith('--failover_agents='))?.slice('--failover_agents='.length).split(',').map(Number);
    const sizes: [number, number, string][] =
      custom?.map((n): [number, number, string] => [n, (n * 3000) / 10_000, '—']) ??
      (q ? [[1000, 300, '—'], [2000, 600, '—']] : [[10_000, 3000, 'Mesos 1.5: 4.5 s'], [20_000, 6000, 'Mesos 1.5: 9 s'], [40_000, 12_000, 'Mesos 1.5: 19 s']]);
    for (const [agents, target, anchor] of sizes) rows.push(...(await failover(agents, 0, runs, target, anchor)));
    // The sizes that need h2c here, run once over h2c at a size http1 can do too: how much of a
    // figure is the transport.
    if (custom === undefined && !q && transportFor(40_000) === 'h2c') rows.push(...(await failover(10_000, 0, runs, 3000, 'Mesos 1.5: 4.5 s', { transport: 'h2c' })));
    const history: [number, number, string][] = custom !== undefined ? [] : q ? [[1000, 1500, '—']] : [[10_000, 15_000, 'Mesos 1.5: 27 s'], [20_000, 30_000, 'Mesos 1.5: 55 s']];
    // 2.2M adopted tasks need more than V8's default heap limit (~4 GiB): an operator of such a
    // master raises it the same way.
    for (const [agents, target, anchor] of history) rows.push(...(await failover(agents, 100, runs, target, anchor, agents > 10_000 ? { heapMiB: 16_384 } : {})));
  }
  if (want('state')) rows.push(...(await stateQuery(q ? 2000 : 20_000, runs)));
  if (want('pollers')) rows.push(...(await pollers(20, q ? 3 : 10, runs)));
  // `--placement_tasks=N,...` places only those sizes (profiling).
  const placementSizes = opts.args.find((a) => a.startsWith('--placement_tasks='))?.slice('--placement_tasks='.length).split(',').map(Number);
  if (want('placement')) for (const tasks of placementSizes ?? (q ? [2000] : [10_000, 50_000])) rows.push(...(await placement(q ? 500 : 5000, tasks, runs)));
  if (want('launch')) rows.push(...(await launchBurst(100, 30, runs)));
  if (want('api')) rows.push(...(await apiUnderLoad(q ? { agents: 500, placed: 2000 } : { agents: 5000, placed: 10_000 }, runs)));
  return rows;
}
