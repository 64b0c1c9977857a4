// Resource arithmetic on the allocator's hot path: add, subtract and contains of a typical
// agent's resources (cpus, mem, disk, gpus and 16 port ranges) against a typical task's
// (cpus, mem, disk and one port), for `Resources` and for the `ScalarVector` fast path.
// Each figure is the median of several timed rounds after a warm-up, on one core.
import type { BenchOptions, BenchRow } from './lib.ts';
import { recordioRows } from './recordio.ts';
import { ScalarIndex, ScalarVector, parseResources, type Resources } from '../src/common/resources/index.ts';

const TARGET_OPS_PER_SECOND = 1_000_000;

// 16 ranges of 100 ports with gaps of 100, starting at 31000.
const AGENT_PORTS = Array.from({ length: 16 }, (_, i) => `${31000 + i * 200}-${31099 + i * 200}`).join(',');
const AGENT = `cpus:16;mem:65536;disk:1000000;gpus:4;ports:[${AGENT_PORTS}]`;
const TASK = 'cpus:0.5;mem:512;disk:1024;ports:[31405-31405]';

// Results feed this so the engine cannot drop the work as dead code.
let sink = 0;

/** Median ops/s of `op` over `rounds` timed rounds of about `roundMs` each, after a warm-up. */
function measure(op: () => void, rounds: number, roundMs: number): number {
  // Warm up until the optimizing compiler has seen the code, and size one batch to ~roundMs.
  let batch = 1000;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) op();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (ms >= roundMs / 4) {
      batch = Math.max(1000, Math.round((batch * roundMs) / ms));
      break;
    }
    batch *= 4;
  }
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) op();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(batch / seconds);
  }
  rates.sort((a, b) => a - b);
  return rates[rates.length >> 1]!;
}

function row(scenario: string, value: number): BenchRow {
  return {
    scenario,
    metric: 'ops_per_second_median',
    value: Math.round(value),
    unit: 'ops/s',
    target: TARGET_OPS_PER_SECOND,
    targetKind: 'min',
    anchor: 'target: 1,000,000 ops/s on one core',
  };
}

/** The resource-arithmetic rows; `run` adds nothing else so other rows can join later. */
export function resourceRows(opts: BenchOptions): BenchRow[] {
  const rounds = opts.quick ? 3 : 9;
  const roundMs = opts.quick ? 60 : 250;

  const agent: Resources = parseResources(AGENT);
  const task: Resources = parseResources(TASK);
  const available = agent.subtract(task);
  const rows: BenchRow[] = [];

  rows.push(row('Resources.add agent+task', measure(() => (sink += available.add(task).size), rounds, roundMs)));
  rows.push(row('Resources.subtract agent-task', measure(() => (sink += agent.subtract(task).size), rounds, roundMs)));
  rows.push(row('Resources.contains agent>=task', measure(() => (sink += agent.contains(task) ? 1 : 0), rounds, roundMs)));

  const index = new ScalarIndex();
  const agentVector = ScalarVector.fromResources(index, agent);
  const taskVector = ScalarVector.fromResources(index, task);
  const work = agentVector.clone();
  // add then subtract the same task keeps `work` bounded while each op is timed on its own.
  rows.push(row('ScalarVector.add agent+task (in place)', measure(() => void work.add(taskVector), rounds, roundMs)));
  work.subtract(work).add(agentVector);
  rows.push(row('ScalarVector.subtract agent-task (in place)', measure(() => void work.subtract(taskVector), rounds, roundMs)));
  work.subtract(work).add(agentVector);
  rows.push(row('ScalarVector.contains agent>=task', measure(() => (sink += work.contains(taskVector) ? 1 : 0), rounds, roundMs)));

  if (sink === -1) console.log(sink);
  return rows;
}

/** The foundation figures: resource arithmetic and RecordIO framing. */
export function run(opts: BenchOptions): BenchRow[] {
  return [...resourceRows(opts), ...recordioRows(opts)];
}
