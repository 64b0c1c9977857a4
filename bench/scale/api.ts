// API latency under load (issue 9: "API latency with 5,000 agents and 150,000 tasks while the
// placement scenario runs"; Kubernetes' SLO: mutating calls p99 ≤ 1 s; ours: scheduler calls
// p99 ≤ 100 ms, a full state read ≤ 5 s).
//
// Setup, per run on a fresh master: A agents (4 cpus, 32 GiB) register reporting 30 RUNNING
// tasks each (5 frameworks × 6 tasks of 0.1 cpu / 500 MiB, 10 labels: support.ts
// `reports`), which the master adopts under frameworks recovered from the reports (they do not
// subscribe) and counts against each agent: 3 cpus / 15,000 MiB used, room left for 10 tasks of
// the placement shape (A × 10 in all). Reporting the tasks at registration instead of launching
// them puts the same tasks in the master (same shape, owned by frameworks, in its state and its
// allocator) without a 75-s launch phase per run. Then the placement workload (10 frameworks
// placing P tasks of 0.1 cpu / 500 MiB, support.ts `placeTasks`) runs, and meanwhile:
//   - every scheduler call the placing frameworks make (ACCEPT, DECLINE, ACKNOWLEDGE, SUPPRESS,
//     REVIVE) is timed from send to the master's answer (SimFramework `callLatencyMs`). The
//     frameworks live in this process with the simulated agents, so this process's event-loop
//     delay is part of each figure; it is reported beside them.
//   - a prober process reads the full /master/state, one read at a time with STATE_READ_GAP_MS
//     between reads, from the start of the placement until it is over (the read under way then is
//     finished): client time to the last byte of each read.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { callLatencies, type SimFramework, type TimedCall } from '../../src/sim/sim-framework.ts';
import { percentile } from '../../src/sim/stats.ts';
import type { TimerWheel } from '../../src/sim/timer-wheel.ts';
import { waitFor } from '../../test/helpers/process.ts';
import type { BenchRow } from '../lib.ts';
import {
  cpuMs, log, PLACEMENT_AGENT, placeTasks, probe, reasonOf, round, rowsOf, rssMiB, selfCpuMs, SETUP, tasksRunning, timedGet, withLoadedMaster,
} from './support.ts';

/** Reported tasks per agent: 5 frameworks × 6 RUNNING tasks (150,000 at 5,000 agents). */
const EXISTING = { frameworks: 5, tasks: 6 };
const EXISTING_SHAPE = { cpus: 0.1, mem: 500 };

/**
 * Pause between two full state reads: an operator's dashboard polling the master, not a reader
 * that holds the master serializing back to back for the whole placement.
 */
const STATE_READ_GAP_MS = 1000;

const p = (sorted: readonly number[], at: number): number => percentile(sorted, at) ?? NaN;
const sortedCalls = (fws: readonly SimFramework[], calls?: readonly TimedCall[]): number[] => fws.flatMap((f) => callLatencies(f.stats, calls)).sort((a, b) => a - b);

type Run = {
  callP50: number;
  callP99: number;
  acceptP99: number;
  ackP99: number;
  calls: number;
  callErrors: number;
  stateMax: number;
  stateMedian: number;
  stateReads: number;
  stateMiB: number;
  placedPerS: number;
  simLoopP99: number;
  masterCpu: number;
  simCpu: number;
  rss: number;
};

export async function apiUnderLoad(size: { agents: number; placed: number }, runs: number): Promise<BenchRow[]> {
  const { agents, placed } = size;
  const existing = agents * EXISTING.frameworks * EXISTING.tasks;
  const scenario = `API latency: ${agents} agents (4 cpus, 32 GiB) running ${existing} tasks (0.1 cpu / 500 MiB, 10 labels) while 10 frameworks place ${placed} more`;
  const results: Run[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      results.push(
        await withLoadedMaster(agents, EXISTING, 0, (master, cluster) => measure(master, cluster.wheel, existing, placed), { resources: PLACEMENT_AGENT, shape: EXISTING_SHAPE }),
      );
      const x = results.at(-1)!;
      log(
        `api run ${r + 1}: ${x.calls} scheduler calls p50 ${round(x.callP50, 2)} / p99 ${round(x.callP99)} ms (ACCEPT p99 ${round(x.acceptP99)}, ACKNOWLEDGE p99 ${round(x.ackP99)}), ${x.callErrors} failed; ` +
          `${x.stateReads} state reads of ${x.stateMiB} MiB, median ${round(x.stateMedian)} / max ${round(x.stateMax)} ms; placement ${round(x.placedPerS)} tasks/s; ` +
          `sim event-loop delay p99 ${round(x.simLoopP99)} ms; CPU master ${round(x.masterCpu, 0)} / sim ${round(x.simCpu, 0)} ms; master RSS ${x.rss} MiB`,
      );
    }
  } catch (err) {
    log(`${scenario}: failed after ${results.length} runs: ${reasonOf(err)}`);
    return [{ scenario, metric: 'scheduler_call_p99', value: null, unit: 'ms', target: 100, reason: reasonOf(err) }];
  }
  const of = (k: keyof Run): number[] => results.map((x) => x[k]);
  const errors = of('callErrors').reduce((a, b) => a + b, 0);
  return [
    rowsOf(scenario, 'scheduler_call_p99', of('callP99'), 'ms', {
      target: 100, anchor: 'Kubernetes SLO: mutating API calls p99 ≤ 1 s',
      reason: `send → answer in the framework process, every call of the placing frameworks (${of('calls').join(' / ')} calls${errors > 0 ? `, ${errors} failed` : ''}); ${SETUP}`,
    }),
    rowsOf(scenario, 'scheduler_call_p50', of('callP50'), 'ms'),
    rowsOf(scenario, 'accept_p99', of('acceptP99'), 'ms'),
    rowsOf(scenario, 'acknowledge_p99', of('ackP99'), 'ms'),
    rowsOf(scenario, 'state_read_max', of('stateMax'), 'ms', {
      target: 5000, reason: `slowest full /master/state read started during the placement, client time to the last byte, ${of('stateReads').join(' / ')} reads of ${of('stateMiB').join(' / ')} MiB, ${STATE_READ_GAP_MS} ms apart`,
    }),
    rowsOf(scenario, 'state_read_median', of('stateMedian'), 'ms'),
    rowsOf(scenario, 'placement_tasks_per_s', of('placedPerS'), 'tasks/s', { reason: 'until RUNNING seen, under this load (the placement scenario measures it alone)' }),
    rowsOf(scenario, 'sim_event_loop_delay_p99', of('simLoopP99'), 'ms', { reason: 'event-loop delay of the framework/agent process meanwhile: part of every call latency' }),
    rowsOf(scenario, 'master_cpu_during', of('masterCpu'), 'ms', { reason: 'user + system CPU of the master from the first SUBSCRIBE until every task RUNNING' }),
    rowsOf(scenario, 'sim_cpu_during', of('simCpu'), 'ms'),
    rowsOf(scenario, 'master_rss', of('rss'), 'MiB', { reason: 'after the placement' }),
  ];
}

async function measure(master: { url: string; pid: number }, wheel: TimerWheel, existing: number, placed: number): Promise<Run> {
  // The reported tasks must all be in the master, counted, or the load is not the one claimed.
  const adopted = await tasksRunning(master.url);
  if (adopted !== existing) throw new Error(`the master runs ${adopted} of the ${existing} reported tasks`);
  await timedGet(`${master.url}/master/state`); // warm-up (JIT, caches), as the state scenario
  const reader = await probe(master.url, '/master/state', STATE_READ_GAP_MS);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const [masterCpu0, simCpu0] = [cpuMs(master.pid), selfCpuMs()];
  loop.enable();
  let placement: Awaited<ReturnType<typeof placeTasks>>;
  try {
    placement = await placeTasks(master.url, wheel, placed);
  } finally {
    loop.disable();
  }
  const [masterCpu, simCpu] = [cpuMs(master.pid) - masterCpu0, selfCpuMs() - simCpu0];
  const fws = placement.frameworks;
  try {
    // The ACKNOWLEDGEs of the last updates are still under way: their latencies count too.
    await waitFor(() => fws.every((f) => f.callsInFlight === 0), 60_000, 10);
  } finally {
    await Promise.all(fws.map((f) => f.stop(false)));
  }
  const reads = await reader.stop();
  if (reads.failed > 0) throw new Error(`${reads.failed} of ${reads.samples.length} state reads were not answered 200`);
  const all = sortedCalls(fws);
  const states = [...reads.samples].sort((a, b) => a - b);
  return {
    callP50: p(all, 50), callP99: p(all, 99), acceptP99: p(sortedCalls(fws, ['ACCEPT']), 99), ackP99: p(sortedCalls(fws, ['ACKNOWLEDGE']), 99),
    calls: all.length, callErrors: fws.reduce((n, f) => n + f.stats.callErrors, 0),
    stateMax: states.at(-1) ?? NaN, stateMedian: p(states, 50), stateReads: states.length, stateMiB: round(reads.bytes / 2 ** 20),
    placedPerS: (placed * 1000) / placement.ms, simLoopP99: loop.percentile(99) / 1e6, masterCpu, simCpu, rss: rssMiB(master.pid),
  };
}
