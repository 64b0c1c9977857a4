// The allocator simulated: random clusters, random fake frameworks, a virtual clock, and the
// invariants of invariants.ts checked after every step. fast-check prints the seed and the
// shrunk scenario of any failure; SimViolation messages carry the scenario seed and cycle.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { rangesResource, resources, scalarResource } from '../../src/common/resources/testing.ts';
import { seededRng } from '../../src/allocator/index.ts';
import { FakeFramework, GREEDY } from './fake-framework.ts';
import { SimCluster, type SimAgent } from './harness.ts';
import { dominantShare } from './invariants.ts';
import { fairScenario, quotaScenario } from './scenarios.ts';

const STEPS = 30;
// More runs for a soak: SIM_RUNS=1000 npx node --test test/sim/
const RUNS = Number(process.env.SIM_RUNS ?? 60);

function runProperty(arb: fc.Arbitrary<ConstructorParameters<typeof SimCluster>[0]>, numRuns: number): void {
  fc.assert(
    fc.property(arb, (options) => {
      const sim = new SimCluster(options);
      sim.run(STEPS);
    }),
    { numRuns, verbose: 1 },
  );
}

describe('allocator simulation (fake agents, fake frameworks, virtual clock)', () => {
  it('keeps every invariant without quota: legal offers, no double offers, filters held, no starvation', () => {
    runProperty(fairScenario, RUNS);
  });

  it('keeps every invariant with nested quota: limits never exceeded, guarantees met when possible', () => {
    runProperty(quotaScenario, RUNS);
  });

  it('converges to a 2:1 dominant-share ratio for two starved frameworks with weights 2 and 1', () => {
    // Two greedy frameworks whose tasks (1 cpu, 1 GB: a quarter agent) end after 2-6 s, on 60
    // agents: each interval the freed resources go to the lower weighted share, dominant share /
    // weight. heavy's is (k/240)/2 and light's m/240, so over time share(heavy)/share(light) ~ 2.
    const rng = seededRng(2024);
    const policy = { ...GREEDY, task: { cpus: 1, mem: 1024 }, durationMs: [2000, 6000] as const, refuseSeconds: 0 };
    const heavy = new FakeFramework('heavy', ['w2'], [], policy, rng);
    const light = new FakeFramework('light', ['w1'], [], policy, rng);
    const agents: SimAgent[] = Array.from({ length: 60 }, (_, i) => ({
      id: `agent-${i}`,
      total: resources(scalarResource('cpus', 4), scalarResource('mem', 4096), rangesResource('ports', [[31000, 31010]])),
    }));
    const sim = new SimCluster({ seed: 2024, agents, frameworks: [heavy, light], weights: { w2: 2 }, sliced: true });
    const ratios: number[] = [];
    for (let step = 0; step < 60; step++) {
      sim.step();
      if (step >= 20) ratios.push(dominantShare(sim, 'heavy') / dominantShare(sim, 'light'));
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    assert.ok(Math.abs(mean - 2) < 0.2, `mean ratio ${mean.toFixed(3)}`);
    // Nothing is left idle while both want more.
    const running = sim.tasks.reduce((n, t) => n + (t.resources.cpus() ?? 0), 0);
    assert.ok(running >= 0.9 * 240, `only ${running} of 240 cpus in use`);
  });

  it('keeps the invariants on 2000 agents and 40 frameworks, sliced, with quota and weights', () => {
    const rng = seededRng(7);
    const roles = ['web', 'batch', 'eng/api', 'eng/jobs', 'ops'];
    const frameworks = Array.from(
      { length: 40 },
      (_, i) =>
        new FakeFramework(`fw-${i}`, [roles[i % roles.length]!], i % 7 === 0 ? ['REVOCABLE_RESOURCES'] : [], {
          task: { cpus: 1 + (i % 3), mem: 256 * (1 + (i % 4)) },
          maxTasksPerOffer: 1 + (i % 6),
          demand: 30 + 10 * (i % 5),
          acceptProbability: 0.8,
          durationMs: [2000, 20_000],
          refuseSeconds: 5,
          idleRefuseSeconds: 60,
          suppressWhenIdle: i % 3 === 0,
        }, rng),
    );
    const agents: SimAgent[] = Array.from({ length: 2000 }, (_, i) => ({
      id: `agent-${i}`,
      total: resources(scalarResource('cpus', 4 + (i % 3) * 4), scalarResource('mem', 8192), rangesResource('ports', [[31000, 31099]])),
    }));
    const sim = new SimCluster({
      seed: 7,
      agents,
      frameworks,
      weights: { eng: 2, 'eng/api': 3 },
      quotas: { ops: { guarantees: { cpus: 100 }, limits: { cpus: 400 } }, eng: { limits: { cpus: 3000 } } },
      sliced: true,
    });
    sim.run(12);
    assert.ok(sim.offerLog.length > 1000, `${sim.offerLog.length} offers`);
    assert.ok(sim.tasks.length > 500, `${sim.tasks.length} tasks running`);
  });

  it('replays a larger fixed scenario deterministically', () => {
    const build = (): SimCluster => {
      const rng = seededRng(99);
      const frameworks = Array.from(
        { length: 12 },
        (_, i) =>
          new FakeFramework(`fw-${i}`, [i % 3 === 0 ? 'eng/web' : i % 3 === 1 ? 'eng/batch' : 'ops'], [], {
            task: { cpus: 1 + (i % 2), mem: 256 },
            maxTasksPerOffer: 4,
            demand: 20 + i,
            acceptProbability: 0.9,
            durationMs: [1000, 10_000],
            refuseSeconds: 5,
            idleRefuseSeconds: 60,
            suppressWhenIdle: i % 2 === 0,
          }, rng),
      );
      const agents: SimAgent[] = Array.from({ length: 150 }, (_, i) => ({ id: `agent-${i}`, total: resources(scalarResource('cpus', 8), scalarResource('mem', 8192)) }));
      return new SimCluster({ seed: 99, agents, frameworks, weights: { eng: 2 }, quotas: { ops: { limits: { cpus: 200 } } }, sliced: true, starvationBound: 41 });
    };
    const a = build();
    const b = build();
    a.run(40);
    b.run(40);
    assert.equal(a.offerLog.length, b.offerLog.length);
    assert.deepEqual(
      a.offerLog.map((o) => `${o.frameworkId}@${o.agentId}:${o.resources.toString()}`),
      b.offerLog.map((o) => `${o.frameworkId}@${o.agentId}:${o.resources.toString()}`),
    );
  });
});
