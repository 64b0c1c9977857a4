// Allocator benchmarks: the Mesos allocator benchmarks (src/tests/hierarchical_allocator_tests.cpp
// and hierarchical_allocator_benchmarks.cpp) reproduced on our allocator, with the shapes of
// shared/reference/performance-anchors.md §1 and §8. Only the allocation cycle is timed, as in
// Mesos (offers are recorded, never sent). `npm run bench -- allocator [--quick]`.
import v8 from 'node:v8';
import vm from 'node:vm';
import { Resources } from '../src/common/resources/index.ts';
import { rangesResource, resources, scalarResource } from '../src/common/resources/testing.ts';
import { HierarchicalAllocator, seededRng, type OfferDecision } from '../src/allocator/index.ts';
import type { BenchOptions, BenchRow } from './lib.ts';

// A young-generation collection before each timed cycle, so that garbage left by the untimed
// setup (the declines) is not charged to the cycle; collections during the cycle still count.
// (A full collection here makes the next cycle slower: the heap shrinks and must grow again.)
v8.setFlagsFromString('--expose-gc');
const gcRaw = vm.runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
const gc = (): void => gcRaw({ type: 'minor' });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
const log = (line: string): void => console.log(`  ${line}`);

// ---- DeclineOffers ------------------------------------------------------------------------

// Agent `cpus:24;mem:4096;disk:4096;ports:[31000-32000]`, each with `cpus:16;mem:2014;disk:1024`
// and 16 single ports (Mesos `fragment(31000-32000, 16)`) in use by framework i % F.
const AGENT = resources(scalarResource('cpus', 24), scalarResource('mem', 4096), scalarResource('disk', 4096), rangesResource('ports', [[31000, 32000]]));
const FRAGMENT: [number, number][] = Array.from({ length: 16 }, (_, k) => [31000 + 2 * k, 31000 + 2 * k]);
const usedOf = (mem: number): Resources =>
  resources(scalarResource('cpus', 16), scalarResource('mem', mem), scalarResource('disk', 1024), rangesResource('ports', FRAGMENT)).allocate('*');

function clusterOf(agents: number, frameworks: number, usedMem: number): HierarchicalAllocator {
  const a = new HierarchicalAllocator();
  for (let i = 0; i < frameworks; i++) a.addFramework({ frameworkId: `framework-${i}`, roles: ['*'], capabilities: ['MULTI_ROLE'] });
  const used = usedOf(usedMem);
  for (let i = 0; i < agents; i++) a.addAgent({ agentId: `agent-${i}`, total: AGENT, used: new Map([[`framework-${i % frameworks}`, used]]) });
  return a;
}

type DeclineRun = { roundsMs: number[]; offers: number[]; filtered: number };

/** Mesos DeclineOffers: each round declines every offer of the last with refuse_seconds=INT_MAX. */
function declineOffers(agents: number, frameworks: number, rounds: number): DeclineRun {
  const a = clusterOf(agents, frameworks, 2014);
  const rng = seededRng(agents * 31 + frameworks);
  let offers: OfferDecision[] = [];
  let filtered = 0;
  const roundsMs: number[] = [];
  const counts: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const now = r * 1000;
    for (const o of offers) a.declineWithFilters(o.frameworkId, o.agentId, o.resources, 2_147_483_647, now);
    filtered += offers.length;
    gc();
    const start = performance.now();
    offers = a.startCycle(now + 1000, rng).finish().offers;
    roundsMs.push(performance.now() - start);
    counts.push(offers.length);
  }
  return { roundsMs, offers: counts, filtered };
}

const MESOS_18: Record<string, number> = { '1000x100': 100, '5000x500': 400, '10000x1000': 1100, '20000x2000': 3800 };

function declineRows(
  agents: number,
  frameworks: number,
  rounds: number,
  runs: number,
  anchorMs: number | undefined,
  anchorText: string,
): { rows: BenchRow[]; medianMs: number } {
  const scenario = `decline-offers ${agents}x${frameworks}`;
  const medians: number[] = [];
  const all: number[] = [];
  let first: DeclineRun | undefined;
  for (let run = 0; run < runs; run++) {
    const r = declineOffers(agents, frameworks, rounds);
    first ??= r;
    log(`${scenario} run ${run}: ${r.roundsMs.map((ms, i) => `r${i} ${ms.toFixed(1)}`).join(', ')} ms; ${median(r.offers)} offers/round`);
    medians.push(median(r.roundsMs));
    all.push(...r.roundsMs);
  }
  const med = median(medians);
  const target = anchorMs === undefined ? undefined : anchorMs / 10;
  const rows: BenchRow[] = [
    { scenario, metric: 'cycle_ms_median', value: round(med), unit: 'ms', ...(target !== undefined && { target, targetKind: 'max' as const }), anchor: anchorText },
    { scenario, metric: 'cycle_ms_round0', value: round(first!.roundsMs[0]!), unit: 'ms' },
    { scenario, metric: `cycle_ms_median_min_of_${runs}_runs`, value: round(Math.min(...medians)), unit: 'ms' },
    { scenario, metric: `cycle_ms_median_max_of_${runs}_runs`, value: round(Math.max(...medians)), unit: 'ms' },
    { scenario, metric: 'cycle_ms_slowest_round', value: round(Math.max(...all)), unit: 'ms' },
    { scenario, metric: 'ns_per_agent_x_framework', value: round((med * 1e6) / (agents * frameworks), 3), unit: 'ns', anchor: 'Mesos 1.8.0: ~110 ns at 10k x 1k' },
    { scenario, metric: 'offers_per_round_median', value: median(first!.offers), unit: 'offers' },
  ];
  return { rows, medianMs: med };
}

// ---- ExtremeSuppressOffers -----------------------------------------------------------------

/**
 * Mesos ExtremeSuppressOffers: 99% of frameworks suppressed, offers recovered without filters.
 * With `suppressFraction` 0 it is the baseline: the same cluster with only the active frameworks.
 */
function extremeSuppress(agents: number, frameworks: number, rounds: number, suppressFraction = 0.99): number[] {
  const a = clusterOf(agents, frameworks, 1024);
  const suppressed = Math.floor(frameworks * suppressFraction);
  for (let i = 0; i < suppressed; i++) a.suppress(`framework-${i}`);
  const rng = seededRng(7);
  let offers: OfferDecision[] = [];
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const o of offers) a.recoverResources(o.frameworkId, o.agentId, o.resources);
    gc();
    const start = performance.now();
    offers = a.startCycle(r * 1000, rng).finish().offers;
    ms.push(performance.now() - start);
    log(`extreme-suppress ${agents}x${frameworks} round ${r}: ${ms[r]!.toFixed(1)} ms, ${offers.length} offers`);
  }
  return ms;
}

// ---- LargeAndSmallQuota --------------------------------------------------------------------

/**
 * Mesos LargeAndSmallQuota (drf): agents `cpus:2;mem:2048;disk:2048`, small roles with quota
 * `cpus:1;mem:1024;disk:1024` and large ones `cpus:4;mem:4096;disk:4096` (guarantee = limit),
 * one framework each; agents = small/5 + large*5. Times one cycle, then an empty one.
 */
function largeAndSmallQuota(small: number, large: number): { first: number; firstOffers: number; second: number; secondOffers: number } {
  const a = new HierarchicalAllocator();
  const agents = small / 5 + large * 5;
  const total = resources(scalarResource('cpus', 2), scalarResource('mem', 2048), scalarResource('disk', 2048));
  for (let i = 0; i < agents; i++) a.addAgent({ agentId: `agent-${i}`, total });
  for (let i = 0; i < small; i++) a.addFramework({ frameworkId: `framework_small_${i}`, roles: [`smallQuotaRole${i}`] });
  for (let i = 0; i < large; i++) a.addFramework({ frameworkId: `framework_large_${i}`, roles: [`largeQuotaRole${i}`] });
  const smallQ = { cpus: 1, mem: 1024, disk: 1024 };
  const largeQ = { cpus: 4, mem: 4096, disk: 4096 };
  for (let i = 0; i < small; i++) a.updateQuota(`smallQuotaRole${i}`, { guarantees: smallQ, limits: smallQ });
  for (let i = 0; i < large; i++) a.updateQuota(`largeQuotaRole${i}`, { guarantees: largeQ, limits: largeQ });
  const rng = seededRng(3);
  gc();
  let start = performance.now();
  const firstOffers = a.startCycle(1000, rng).finish().offers.length;
  const first = performance.now() - start;
  gc();
  start = performance.now();
  const secondOffers = a.startCycle(2000, rng).finish().offers.length;
  const second = performance.now() - start;
  log(`large-and-small-quota ${agents} agents: made ${firstOffers} allocations in ${first.toFixed(1)} ms; ${secondOffers} in ${second.toFixed(1)} ms`);
  return { first, firstOffers, second, secondOffers };
}

// ---- UpdateAllocation ----------------------------------------------------------------------

/**
 * Mesos UpdateAllocation: one agent holding, for each of `roles` roles, a framework's labeled
 * dynamic reservation of cpus:100, mem:100, disk:100 and ports [2-2] (4 x roles resource
 * objects); one framework UNRESERVEs and RESERVEs its allocation 20 times each.
 */
function updateAllocation(roles: number): { perOpMs: number; objects: number } {
  const rng = seededRng(roles);
  const randString = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(rng() * 26))).join('');
  const a = new HierarchicalAllocator();
  let agentTotal = Resources.EMPTY;
  const used = new Map<string, Resources>();
  for (let r = 0; r < roles; r++) {
    const role = `role-${randString(36)}`;
    const frameworkId = `framework-${r}`;
    a.addFramework({ frameworkId, roles: [role], capabilities: ['MULTI_ROLE'] });
    const reservations = (): { reservations: [{ type: 'DYNAMIC'; role: string; labels: { labels: { key: string; value: string }[] } }] } => ({
      reservations: [{ type: 'DYNAMIC', role, labels: { labels: [{ key: 'Label', value: randString(36) }] } }],
    });
    const mine = resources(
      scalarResource('cpus', 100, reservations()),
      scalarResource('mem', 100, reservations()),
      scalarResource('disk', 100, reservations()),
      rangesResource('ports', [[2, 2]], reservations()),
    );
    agentTotal = agentTotal.add(mine);
    used.set(frameworkId, mine.allocate(role));
  }
  a.addAgent({ agentId: 'agent-0', total: agentTotal, used });
  const [loopFramework, reserved] = used.entries().next().value!;
  const unreserved = reserved.popReservation();
  const unreserve = [{ consumed: reserved, converted: unreserved }];
  const reserve = [{ consumed: unreserved, converted: reserved }];
  let total = 0;
  const ops = 20;
  gc();
  for (let i = 0; i < ops; i++) {
    let start = performance.now();
    const u = a.updateAllocation(loopFramework, 'agent-0', reserved, unreserve);
    total += performance.now() - start;
    start = performance.now();
    const r = a.updateAllocation(loopFramework, 'agent-0', unreserved, reserve);
    total += performance.now() - start;
    if (!u.ok || !r.ok) throw new Error(`updateAllocation failed: ${u.ok ? '' : u.error} ${r.ok ? '' : r.error}`);
  }
  const perOpMs = total / (2 * ops);
  log(`update-allocation ${roles} roles (${agentTotal.size} resource objects): ${(total).toFixed(2)} ms for ${2 * ops} ops`);
  return { perOpMs, objects: agentTotal.size };
}

// ---- sliced cycle --------------------------------------------------------------------------

/** A DeclineOffers 10k x 1k round driven in slices of at most `budgetMs` each. */
function slicedCycle(agents: number, frameworks: number, budgetMs: number): { longest: number; slices: number; total: number; offers: number } {
  const a = clusterOf(agents, frameworks, 2014);
  const rng = seededRng(11);
  // Warm the same allocator with one ordinary round, declined, so the sliced round is round 1.
  const first = a.startCycle(1000, rng).finish().offers;
  for (const o of first) a.declineWithFilters(o.frameworkId, o.agentId, o.resources, 2_147_483_647, 1000);
  gc();
  const cycle = a.startCycle(2000, rng);
  let longest = 0;
  let total = 0;
  let offers = 0;
  while (!cycle.done) {
    const start = performance.now();
    const slice = cycle.step({ deadline: start + budgetMs, clock: () => performance.now() });
    const took = performance.now() - start;
    offers += slice.offers.length;
    longest = Math.max(longest, took);
    total += took;
  }
  log(`sliced ${agents}x${frameworks}: ${cycle.stats.slices} slices, longest ${longest.toFixed(1)} ms, total ${total.toFixed(1)} ms, ${offers} offers`);
  return { longest, slices: cycle.stats.slices, total, offers };
}

// Least-squares slope of log(time) against log(A*F).
function fittedExponent(points: { af: number; ms: number }[]): number {
  const xs = points.map((p) => Math.log(p.af));
  const ys = points.map((p) => Math.log(p.ms));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

export function run(opts: BenchOptions): BenchRow[] {
  const rows: BenchRow[] = [];
  const rounds = 10;
  // Three runs per DeclineOffers size (performance-anchors.md §8), one with --quick.
  const runs = opts.quick ? 1 : 3;
  // Warm-up (discarded): the JIT has compiled the hot path before anything is measured.
  declineOffers(2000, 200, 5);
  largeAndSmallQuota(25, 5);

  const grid: [number, number][] = opts.quick ? [[1000, 100], [5000, 500], [10000, 1000]] : [[1000, 100], [5000, 500], [10000, 1000], [20000, 2000]];
  const points: { af: number; ms: number }[] = [];
  let decline10k = NaN;
  for (const [agents, frameworks] of grid) {
    const key = `${agents}x${frameworks}`;
    const anchor = MESOS_18[key]!;
    const { rows: r, medianMs } = declineRows(agents, frameworks, rounds, runs, anchor, `Mesos 1.8.0: ~${anchor >= 1000 ? `${anchor / 1000} s` : `${anchor} ms`} per round`);
    rows.push(...r);
    points.push({ af: agents * frameworks, ms: medianMs });
    if (key === '10000x1000') decline10k = medianMs;
  }
  rows.push({
    scenario: `decline-offers grid ${grid.map(([a, f]) => `${a / 1000}kx${f}`).join(', ')}`,
    metric: 'fitted_exponent_vs_AxF',
    value: round(fittedExponent(points), 3),
    unit: 'exponent',
    target: 0.8,
    targetKind: 'max',
    anchor: 'Mesos: ~1 (cost grows with A*F)',
  });

  if (!opts.quick) {
    const { rows: r } = declineRows(10000, 3000, rounds, runs, undefined, 'Mesos /22 (6abe32f): 2.47 s median');
    const med = r[0]!;
    rows.push({ ...med, target: 250, targetKind: 'max' }, ...r.slice(1));
  }

  const suppress = extremeSuppress(10000, 1000, 5);
  const suppressMed = median(suppress);
  // What the scenario is about: the 990 suppressed frameworks should cost nothing, i.e. the
  // cycle should cost what it costs with the 10 active frameworks alone.
  const baseline = median(extremeSuppress(10000, 10, 5, 0));
  rows.push({
    scenario: 'extreme-suppress 10000x1000 (99% suppressed)',
    metric: 'cycle_ms_median',
    value: round(suppressMed),
    unit: 'ms',
    target: round(decline10k / 10),
    targetKind: 'max',
    anchor: 'no Mesos figure; target: 1/10 of our decline-offers 10000x1000 median',
  });
  rows.push({
    scenario: 'extreme-suppress 10000x1000 vs the 10 active frameworks alone',
    metric: 'cost_ratio',
    value: round(suppressMed / baseline, 3),
    unit: 'ratio',
    target: 1.2,
    targetKind: 'max',
    anchor: `baseline ${round(baseline)} ms: 10000 agents x 10 frameworks, none suppressed`,
  });

  const [small, large] = opts.quick ? [250, 50] : [2500, 500];
  const q = largeAndSmallQuota(small, large);
  const agents = small / 5 + large * 5;
  const qs = `large-and-small-quota ${agents} agents, ${small}+${large} roles`;
  rows.push(
    { scenario: qs, metric: 'first_cycle_ms', value: round(q.first), unit: 'ms', ...(!opts.quick && { target: 1000, targetKind: 'max' as const }), anchor: 'Mesos 2019: ~15 s (15.3-16.9 s)' },
    { scenario: qs, metric: 'first_cycle_allocations', value: q.firstOffers, unit: 'offers', anchor: `Mesos: ${small + 2 * large}` },
    { scenario: qs, metric: 'second_cycle_ms', value: round(q.second), unit: 'ms', ...(!opts.quick && { target: 100, targetKind: 'max' as const }), anchor: 'Mesos 2019: ~13 s (13-15 s)' },
    { scenario: qs, metric: 'second_cycle_allocations', value: q.secondOffers, unit: 'offers', anchor: 'Mesos: 0' },
  );

  const anchors: Record<number, string> = { 50: 'Mesos 3f753e7: 0.47 s / 40 ops = 11.8 ms', 100: 'Mesos 3f753e7: 0.93 s / 40 ops = 23 ms', 200: 'Mesos 3f753e7: 2.11 s / 40 ops = 53 ms' };
  for (const roles of opts.quick ? [200] : [50, 100, 200]) {
    const u = updateAllocation(roles);
    rows.push({ scenario: `update-allocation ${roles} roles (${u.objects} objects)`, metric: 'ms_per_op', value: round(u.perOpMs, 4), unit: 'ms', target: 1, targetKind: 'max', anchor: anchors[roles]! });
  }

  const s = slicedCycle(10000, 1000, 10);
  rows.push(
    { scenario: 'sliced cycle 10000x1000 (10 ms budget)', metric: 'longest_slice_ms', value: round(s.longest), unit: 'ms', target: 50, targetKind: 'max', anchor: 'DESIGN.md: never hold the loop > ~50 ms' },
    { scenario: 'sliced cycle 10000x1000 (10 ms budget)', metric: 'slices', value: s.slices, unit: 'slices' },
  );
  return rows;
}
