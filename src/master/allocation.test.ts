import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { ManualClock } from '../common/clock.ts';
import { silentLogger } from '../common/log.ts';
import { Metrics } from '../common/metrics.ts';
import { parseResources } from '../common/resources/index.ts';
import { AllocationLoop, type AllocationDecision } from './allocation.ts';

function loop(onOffers: (d: readonly AllocationDecision[]) => void, sliceMs: number): AllocationLoop {
  return new AllocationLoop({
    clock: new ManualClock(),
    log: silentLogger(),
    metrics: new Metrics(),
    seed: 'test',
    intervalMs: 1000,
    sliceMs,
    minAllocatable: [{ cpus: 0.01 }, { mem: 32 }],
    roleSorter: 'drf',
    frameworkSorter: 'drf',
    filterGpuResources: true,
    fairnessExcludedResourceNames: [],
    weights: [],
    onOffers,
  });
}

test('triggers in one tick make one cycle, and a big cycle is sliced so the event loop keeps turning', async () => {
  const slices: number[] = [];
  let offers = 0;
  let last = performance.now();
  const allocation = loop((d) => {
    offers += d.length;
    slices.push(performance.now() - last);
  }, 5);
  const total = parseResources('cpus:4;mem:8192');
  for (let i = 0; i < 3000; i++) allocation.addAgent(`a${i}`, `h${i}`, total, new Map());
  for (let i = 0; i < 20; i++) allocation.addFramework(`f${i}`, { info: { user: 'u', name: `f${i}` }, suppressedRoles: [] }, new Map(), true);
  // The event loop must get turns while the cycle runs.
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  last = performance.now();
  const started = performance.now();
  while (offers < 3000 && performance.now() - started < 20_000) {
    await new Promise((r) => setImmediate(r));
    last = performance.now();
  }
  clearInterval(ticker);
  allocation.stop();
  assert.equal(offers, 3000, 'every agent is offered once');
  assert.ok(slices.length > 1, `expected several slices, got ${slices.length}`);
  assert.ok(turns > 0, 'timers ran between slices');
});

test('an update the allocator refuses is logged, counted and reported for the agent, never thrown at the caller', () => {
  const metrics = new Metrics();
  const desynced: string[] = [];
  const allocation = new AllocationLoop({
    clock: new ManualClock(),
    log: silentLogger(),
    metrics,
    seed: 'test',
    intervalMs: 1000,
    sliceMs: 40,
    minAllocatable: [{ cpus: 0.01 }],
    roleSorter: 'drf',
    frameworkSorter: 'drf',
    filterGpuResources: true,
    fairnessExcludedResourceNames: [],
    weights: [],
    onOffers: () => undefined,
    onDesync: (agentId) => {
      desynced.push(agentId);
      // A rebuild that fails again must not recurse.
      allocation.recover('f', agentId, parseResources('cpus:1').allocate('*'));
    },
  });
  allocation.addAgent('a', 'h', parseResources('cpus:4;mem:1024'), new Map());
  allocation.addFramework('f', { info: { user: 'u', name: 'f' }, suppressedRoles: [] }, new Map(), true);
  // 'f' holds nothing on 'a': recovering from it contradicts the allocator's books.
  assert.doesNotThrow(() => allocation.recover('f', 'a', parseResources('cpus:1').allocate('*')));
  assert.deepEqual(desynced, ['a']);
  assert.equal(metrics.snapshot()['allocator/agora/rejected_updates'], 2);
  assert.deepEqual([...(allocation.agentAllocation('a') ?? new Map()).keys()], []);
  allocation.stop();
});

test('an event about one agent allocates that agent only; a framework event or the timer allocates all', async () => {
  const decisions: AllocationDecision[] = [];
  const allocation = loop((d) => decisions.push(...d), 40);
  const next = async (): Promise<string[]> => {
    const started = performance.now();
    while (decisions.length === 0 && performance.now() - started < 5_000) await new Promise((r) => setImmediate(r));
    return decisions.splice(0).map((d) => d.agentId);
  };
  allocation.addFramework('f', { info: { user: 'u', name: 'f' }, suppressedRoles: [] }, new Map(), true);
  const total = parseResources('cpus:4;mem:1024');
  allocation.addAgent('a0', 'h0', total, new Map());
  assert.deepEqual(await next(), ['a0']);
  // Declined with no filter: a0 is free again, but a decline does not trigger a cycle.
  allocation.recover('f', 'a0', total.allocate('*'), { refuseSeconds: 0 });
  allocation.addAgent('a1', 'h1', total, new Map());
  assert.deepEqual(await next(), ['a1'], 'the cycle for the new agent does not visit a0');
  allocation.trigger();
  assert.deepEqual(await next(), ['a0'], 'a cycle over every agent offers the declined one');
  allocation.stop();
});
