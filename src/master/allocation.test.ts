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
