// Task launch benchmarks on real processes: one `agora master` and one `agora agent` on
// 127.0.0.1, driven over raw HTTP the way any Mesos framework drives them (`fetch` + RecordIO,
// no SDK, so the figures are the cluster's and not a client library's).
// `npm run bench -- launch [--quick]`.
//
//   1. first offer after SUBSCRIBE, over fresh frameworks (each torn down before the next);
//   2. ACCEPT -> TASK_RUNNING as the framework sees it, one `sleep 10` at a time on an idle
//      cluster (each task is killed before the next launch, so the cluster stays idle);
//   3. a burst of tasks in one ACCEPT on one agent, until all are RUNNING (tasks/s);
//   4. command executor memory (VmRSS from /proc) and start time (process start time from
//      /proc vs the TASK_STARTING timestamp), sampled during 2 and 3.
import { readFileSync } from 'node:fs';
import {
  EventStreamReader,
  commandTask,
  frameworkInfo,
  idOf,
  offersOf,
  processesUnder,
  startCluster,
  statusOf,
  subscribe,
  type Cluster,
  type Framework,
  type Json,
} from '../test/integration/conformance-support.ts';
import type { BenchOptions, BenchRow } from './lib.ts';

const AGENT_RESOURCES = 'cpus:64;mem:65536;disk:65536;ports:[31000-32000]';
const MESOS_ALLOCATION_ANCHOR = 'Mesos allocates in batches every --allocation_interval (1 s by default)';

const log = (line: string): void => console.log(`  ${line}`);
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

function skipped(scenario: string, metric: string, unit: string, reason: string, extra: Partial<BenchRow> = {}): BenchRow {
  return { scenario, metric, value: null, unit, reason, ...extra };
}

const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);

// ---- /proc ---------------------------------------------------------------------------------

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ; 100 on every Linux architecture Node supports.

/** Wall-clock ms (Date.now() scale) at which `pid` started, to 10 ms (one clock tick). */
function processStartMs(pid: number): number {
  // The comm field may contain spaces and parentheses: fields start after the last ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(fields[19]); // field 22 overall
  const uptimeSeconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return Date.now() - (uptimeSeconds - startTicks / CLOCK_TICKS_PER_SECOND) * 1000;
}

/** VmRSS (all resident pages) and RssAnon (private ones: the node binary's file pages are shared). */
function memoryMb(pid: number): { rss: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1]);
  return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024 };
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/**
 * The command executor processes under the agent's work dir, by executor id: among the
 * processes carrying `MESOS_EXECUTOR_ID=<id>`, the executor is the one whose parent is not
 * one of them (its children are the task's shell and command).
 */
function executorPids(workDir: string): Map<string, number> {
  const byExecutor = new Map<string, number[]>();
  for (const pid of processesUnder(workDir)) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      const id = env.find((v) => v.startsWith('MESOS_EXECUTOR_ID='))?.slice('MESOS_EXECUTOR_ID='.length);
      if (id !== undefined) byExecutor.set(id, [...(byExecutor.get(id) ?? []), pid]);
    } catch {
      // Exited meanwhile.
    }
  }
  const out = new Map<string, number>();
  for (const [id, pids] of byExecutor) {
    const root = pids.find((pid) => {
      try {
        return !pids.includes(parentOf(pid));
      } catch {
        return false;
      }
    });
    if (root !== undefined) out.set(id, root);
  }
  return out;
}

// ---- scheduler plumbing --------------------------------------------------------------------

/** Acknowledges a status update if it needs one (the agent holds the next update until then). */
async function ack(fw: Framework, status: Json): Promise<void> {
  if (typeof status.uuid !== 'string') return;
  const reply = await fw.call('ACKNOWLEDGE', { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid });
  if (reply.status !== 202) throw new Error(`ACKNOWLEDGE: ${reply.status} ${reply.text}`);
}

async function accept(fw: Framework, offerId: string, tasks: Json[]): Promise<void> {
  const reply = await fw.call('ACCEPT', {
    offer_ids: [{ value: offerId }],
    operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
    filters: { refuse_seconds: 0 },
  });
  if (reply.status !== 202) throw new Error(`ACCEPT: ${reply.status} ${reply.text}`);
}

function isUpdate(e: Json, state?: string): boolean {
  return e.type === 'UPDATE' && (state === undefined || statusOf(e).state === state);
}

/** Kills `taskIds` and waits until each is terminal, acknowledging as it goes. */
async function killAll(fw: Framework, agentId: string, taskIds: string[]): Promise<void> {
  const open = new Set(taskIds);
  await Promise.all(taskIds.map((id) => fw.call('KILL', { task_id: { value: id }, agent_id: { value: agentId } })));
  while (open.size > 0) {
    const status = statusOf(await fw.events.next((e) => isUpdate(e) && open.has(idOf(statusOf(e).task_id)), 30_000, 'a terminal update after KILL'));
    await ack(fw, status);
    if (!['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'].includes(status.state as string)) open.delete(idOf(status.task_id));
  }
}

// ---- 1. first offer after SUBSCRIBE ---------------------------------------------------------

async function firstOfferLatency(cluster: Cluster, frameworks: number): Promise<BenchRow[]> {
  const scenario = `first offer after SUBSCRIBE (${frameworks} fresh frameworks)`;
  const latencies: number[] = [];
  for (let i = 0; i < frameworks; i++) {
    const abort = new AbortController();
    const t0 = performance.now();
    const res = await fetch(`${cluster.masterUrl}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo(`bench-offer-${i}`) } }),
      signal: abort.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`SUBSCRIBE: ${res.status} ${await res.text()}`);
    const events = new EventStreamReader(res.body, abort);
    try {
      const subscribed = await events.nextOfType('SUBSCRIBED');
      const offers = await events.nextOfType('OFFERS', 15_000);
      latencies.push(events.arrivalOf(offers) - t0);
      const id = idOf((subscribed.subscribed as Json).framework_id);
      const teardown = await fetch(`${cluster.masterUrl}/api/v1/scheduler`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': res.headers.get('mesos-stream-id') ?? '' },
        body: JSON.stringify({ framework_id: { value: id }, type: 'TEARDOWN' }),
      });
      await teardown.text();
    } finally {
      events.close();
    }
  }
  log(`first offer: ${latencies.map((x) => round(x)).join(' ')} ms`);
  return [
    { scenario, metric: 'p50', value: round(percentile(latencies, 50)), unit: 'ms', target: 20, anchor: MESOS_ALLOCATION_ANCHOR },
    { scenario, metric: 'p99', value: round(percentile(latencies, 99)), unit: 'ms' },
  ];
}

// ---- 2. ACCEPT -> TASK_RUNNING on an idle cluster ---------------------------------------------

type ExecutorSample = { rssMb: number; anonMb: number; startToStartingMs: number };

async function acceptToRunning(cluster: Cluster, launches: number, samples: ExecutorSample[]): Promise<BenchRow[]> {
  const scenario = `ACCEPT -> TASK_RUNNING, sleep 10, idle cluster (${launches} launches)`;
  const fw = await subscribe(cluster.masterUrl, frameworkInfo('bench-accept'));
  const latencies: number[] = [];
  try {
    for (let i = 0; i < launches; i++) {
      const offerEvent = await fw.events.nextOfType('OFFERS', 15_000);
      const offer = offersOf(offerEvent)[0]!;
      const taskId = `sleep-${i}`;
      const t0 = performance.now();
      await accept(fw, idOf(offer.id), [commandTask(taskId, cluster.agentId, 'sleep 10')]);
      let starting: Json | undefined;
      for (;;) {
        const event = await fw.events.next((e) => isUpdate(e) && idOf(statusOf(e).task_id) === taskId, 15_000, `an update of ${taskId}`);
        const status = statusOf(event);
        if (status.state === 'TASK_RUNNING') {
          latencies.push(fw.events.arrivalOf(event) - t0);
          await ack(fw, status);
          break;
        }
        if (status.state !== 'TASK_STARTING') throw new Error(`${taskId}: unexpected ${JSON.stringify(status)}`);
        starting = status;
        await ack(fw, status);
      }
      const pid = executorPids(cluster.workDir).get(taskId);
      if (pid !== undefined && starting && typeof starting.timestamp === 'number') {
        const memory = memoryMb(pid);
        samples.push({ rssMb: memory.rss, anonMb: memory.anon, startToStartingMs: starting.timestamp * 1000 - processStartMs(pid) });
      }
      await killAll(fw, cluster.agentId, [taskId]);
    }
  } finally {
    fw.close();
  }
  log(`ACCEPT -> RUNNING: ${latencies.map((x) => round(x)).join(' ')} ms`);
  const anchor = 'Mesos with its 1 s allocation interval averages about half a second';
  return [
    { scenario, metric: 'p50', value: round(percentile(latencies, 50)), unit: 'ms', target: 100, anchor },
    { scenario, metric: 'p99', value: round(percentile(latencies, 99)), unit: 'ms', target: 200, anchor },
  ];
}

// ---- 3. a burst of tasks on one agent -------------------------------------------------------

async function burst(cluster: Cluster, tasks: number, samples: ExecutorSample[]): Promise<BenchRow[]> {
  const scenario = `${tasks} tasks in one ACCEPT on one agent until all RUNNING`;
  const fw = await subscribe(cluster.masterUrl, frameworkInfo('bench-burst'));
  const taskIds = Array.from({ length: tasks }, (_, i) => `burst-${i}`);
  try {
    const offer = offersOf(await fw.events.nextOfType('OFFERS', 15_000))[0]!;
    const t0 = performance.now();
    await accept(fw, idOf(offer.id), taskIds.map((id) => commandTask(id, cluster.agentId, 'sleep 60', { cpus: 0.1, mem: 32 })));
    const running = new Set<string>();
    const starting = new Map<string, number>();
    let last = t0;
    while (running.size < tasks) {
      const event = await fw.events.next((e) => isUpdate(e) && taskIds.includes(idOf(statusOf(e).task_id)), 120_000, `updates of the burst (${running.size}/${tasks} running)`);
      const status = statusOf(event);
      const id = idOf(status.task_id);
      if (status.state === 'TASK_STARTING' && typeof status.timestamp === 'number') starting.set(id, status.timestamp * 1000);
      else if (status.state === 'TASK_RUNNING') {
        running.add(id);
        last = fw.events.arrivalOf(event);
      } else throw new Error(`${id}: unexpected ${JSON.stringify(status)}`);
      void ack(fw, status).catch(() => undefined);
    }
    const seconds = (last - t0) / 1000;
    log(`burst: ${tasks} RUNNING after ${round(seconds, 2)} s`);
    for (const [id, pid] of executorPids(cluster.workDir)) {
      const startingAt = starting.get(id);
      if (startingAt === undefined) continue;
      const memory = memoryMb(pid);
      samples.push({ rssMb: memory.rss, anonMb: memory.anon, startToStartingMs: startingAt - processStartMs(pid) });
    }
    await killAll(fw, cluster.agentId, taskIds);
    return [
      { scenario, metric: 'tasks_per_s', value: round(tasks / seconds, 1), unit: 'tasks/s' },
      { scenario, metric: 'all_running_s', value: round(seconds, 2), unit: 's' },
    ];
  } finally {
    fw.close();
  }
}

// ---- 4. executor footprint --------------------------------------------------------------------

function executorRows(idle: ExecutorSample[], loaded: ExecutorSample[]): BenchRow[] {
  const rows: BenchRow[] = [];
  const rssAnchor = 'the memory Mesos budgets for its executor (32 MB)';
  const all = [...idle, ...loaded];
  if (all.length === 0) {
    rows.push(skipped('command executor RSS', 'p50', 'MB', 'no executor process was found under the agent work dir', { target: 32, anchor: rssAnchor }));
    return rows;
  }
  rows.push({ scenario: `command executor RSS (${all.length} executors)`, metric: 'p50', value: round(percentile(all.map((s) => s.rssMb), 50)), unit: 'MB', target: 32, anchor: rssAnchor });
  rows.push({ scenario: `command executor RSS (${all.length} executors)`, metric: 'max', value: round(Math.max(...all.map((s) => s.rssMb))), unit: 'MB' });
  rows.push({
    scenario: `command executor private memory, RssAnon (${all.length} executors)`,
    metric: 'p50',
    value: round(percentile(all.map((s) => s.anonMb), 50)),
    unit: 'MB',
    target: 32,
    anchor: 'what each extra executor really costs: the node binary pages in VmRSS are shared by all executors',
  });
  const note = 'executor process start (/proc, 10 ms ticks) to its TASK_STARTING timestamp; an upper bound of spawn -> SUBSCRIBE';
  if (idle.length > 0) {
    rows.push({ scenario: `command executor start, idle agent (${idle.length})`, metric: 'p50', value: round(percentile(idle.map((s) => s.startToStartingMs), 50)), unit: 'ms', anchor: note });
  }
  if (loaded.length > 0) {
    rows.push({ scenario: `command executor start, during the burst (${loaded.length})`, metric: 'p50', value: round(percentile(loaded.map((s) => s.startToStartingMs), 50)), unit: 'ms', anchor: note });
  }
  return rows;
}

// ---- driver ---------------------------------------------------------------------------------

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const frameworks = opts.quick ? 20 : 50;
  const launches = opts.quick ? 30 : 60;
  const burstTasks = opts.quick ? 50 : 200;
  let cluster: Cluster;
  try {
    cluster = await startCluster({ agentResources: AGENT_RESOURCES });
  } catch (err) {
    const reason = `cluster did not start: ${reasonOf(err)}`;
    return [
      skipped('first offer after SUBSCRIBE', 'p50', 'ms', reason, { target: 20 }),
      skipped('ACCEPT -> TASK_RUNNING, sleep 10, idle cluster', 'p50', 'ms', reason, { target: 100 }),
      skipped(`${burstTasks} tasks in one ACCEPT on one agent until all RUNNING`, 'tasks_per_s', 'tasks/s', reason),
      skipped('command executor RSS', 'p50', 'MB', reason, { target: 32 }),
    ];
  }
  const rows: BenchRow[] = [];
  const idleSamples: ExecutorSample[] = [];
  const burstSamples: ExecutorSample[] = [];
  try {
    rows.push(...(await firstOfferLatency(cluster, frameworks).catch((err: unknown) => [skipped('first offer after SUBSCRIBE', 'p50', 'ms', reasonOf(err), { target: 20 })])));
    rows.push(...(await acceptToRunning(cluster, launches, idleSamples).catch((err: unknown) => [skipped('ACCEPT -> TASK_RUNNING, sleep 10, idle cluster', 'p50', 'ms', reasonOf(err), { target: 100 })])));
    rows.push(...(await burst(cluster, burstTasks, burstSamples).catch((err: unknown) => [skipped(`${burstTasks} tasks in one ACCEPT on one agent until all RUNNING`, 'tasks_per_s', 'tasks/s', reasonOf(err))])));
    rows.push(...executorRows(idleSamples, burstSamples));
  } finally {
    await cluster.stop();
  }
  return rows;
}
