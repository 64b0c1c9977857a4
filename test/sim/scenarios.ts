// fast-check generators of simulation scenarios: agents (with reservations, revocable resources,
// GPUs, ports), fake frameworks (roles, capabilities, demand scripts), weights and quotas.
import fc from 'fast-check';
import { Resources } from '../../src/common/resources/index.ts';
import { persistentVolume, rangesResource, resources, scalarResource } from '../../src/common/resources/testing.ts';
import { seededRng, type FrameworkCapability, type QuotaSpec } from '../../src/allocator/index.ts';
import { FakeFramework, type FakePolicy } from './fake-framework.ts';
import type { SimAgent, SimOptions } from './harness.ts';

export const ROLES = ['a', 'b', 'a/x', 'a/y', 'c/d'] as const;

type AgentShape = {
  cpus: number;
  mem: number;
  gpus: boolean;
  ports: boolean;
  reserved: string | null;
  reservedCpus: number;
  revocableCpus: number;
  sharedVolume: boolean;
};

const agentShape = fc.record({
  cpus: fc.integer({ min: 1, max: 12 }),
  mem: fc.constantFrom(512, 1024, 2048, 4096),
  gpus: fc.integer({ min: 0, max: 6 }).map((x) => x === 0),
  ports: fc.boolean(),
  reserved: fc.option(fc.constantFrom(...ROLES), { nil: null, freq: 4 }),
  reservedCpus: fc.integer({ min: 1, max: 4 }),
  revocableCpus: fc.constantFrom(0, 0, 0, 2, 4),
  sharedVolume: fc.boolean(),
});

function agentOf(i: number, s: AgentShape, withExtras: boolean): SimAgent {
  const list = [scalarResource('cpus', s.cpus), scalarResource('mem', s.mem)];
  if (s.ports) list.push(rangesResource('ports', [[31000, 31099]]));
  if (withExtras && s.gpus) list.push(scalarResource('gpus', 1));
  if (withExtras && s.reserved !== null) {
    list.push(scalarResource('cpus', s.reservedCpus, { reservations: [{ type: 'DYNAMIC', role: s.reserved, principal: 'ops' }] }));
    list.push(scalarResource('mem', 256, { reservations: [{ type: 'DYNAMIC', role: s.reserved, principal: 'ops' }] }));
    if (s.sharedVolume) list.push(persistentVolume(`vol-${i}`, 64, [{ type: 'DYNAMIC', role: s.reserved, principal: 'ops' }], { shared: {} }));
  }
  if (withExtras && s.revocableCpus > 0) list.push(scalarResource('cpus', s.revocableCpus, { revocable: {} }));
  return { id: `agent-${i}`, total: resources(...list) };
}

type FrameworkShape = {
  roles: string[];
  caps: FrameworkCapability[];
  taskCpus: number;
  taskMem: number;
  maxTasksPerOffer: number;
  demand: number;
  accept: number;
  duration: [number, number];
  refuse: number | undefined;
  suppressWhenIdle: boolean;
};

const frameworkShape = (refuse: fc.Arbitrary<number | undefined>): fc.Arbitrary<FrameworkShape> =>
  fc.record({
    roles: fc.subarray([...ROLES], { minLength: 1, maxLength: 2 }),
    caps: fc.subarray<FrameworkCapability>(['GPU_RESOURCES', 'REVOCABLE_RESOURCES', 'RESERVATION_REFINEMENT', 'SHARED_RESOURCES']),
    taskCpus: fc.integer({ min: 1, max: 2 }),
    taskMem: fc.constantFrom(64, 128, 256, 512),
    maxTasksPerOffer: fc.constantFrom(1, 2, 5, Infinity),
    demand: fc.integer({ min: 1, max: 25 }),
    accept: fc.constantFrom(0.5, 0.9, 1),
    duration: fc.constantFrom<[number, number]>([1000, 3000], [2000, 8000], [5000, 20000], [Infinity, Infinity]),
    refuse,
    suppressWhenIdle: fc.boolean(),
  });

function frameworkOf(i: number, s: FrameworkShape, seed: number): FakeFramework {
  const policy: FakePolicy = {
    task: { cpus: s.taskCpus, mem: s.taskMem },
    maxTasksPerOffer: s.maxTasksPerOffer,
    demand: s.demand,
    acceptProbability: s.accept,
    durationMs: s.duration,
    refuseSeconds: s.refuse,
    idleRefuseSeconds: s.refuse === 0 ? 0 : 60,
    suppressWhenIdle: s.suppressWhenIdle,
  };
  return new FakeFramework(`fw-${i}`, s.roles, s.caps, policy, seededRng(seed * 7919 + i));
}

/** Scenarios without quota: reservations, revocable, GPUs, weights, draining, slicing. */
export const fairScenario: fc.Arbitrary<SimOptions> = fc
  .record({
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    agents: fc.array(agentShape, { minLength: 3, maxLength: 25 }),
    frameworks: fc.array(frameworkShape(fc.constantFrom<number | undefined>(undefined, 5, 30)), { minLength: 1, maxLength: 5 }),
    weights: fc.dictionary(fc.constantFrom(...ROLES), fc.constantFrom(0.5, 1, 2, 3), { maxKeys: 3 }),
    sliced: fc.boolean(),
    drain: fc.constantFrom(0, 0, 0.05),
  })
  .map(
    (s): SimOptions => ({
      seed: s.seed,
      agents: s.agents.map((a, i) => agentOf(i, a, true)),
      frameworks: s.frameworks.map((f, i) => frameworkOf(i, f, s.seed)),
      weights: s.weights,
      sliced: s.sliced,
      drainChance: s.drain,
      // Starvation is only well defined for plain DRF between frameworks: one role each, no two
      // on the same path. With shared or nested roles, a framework below an equal split may
      // rightly wait while its role as a whole is above its siblings.
      ...(flatDrf(s.frameworks.map((f) => f.roles)) && { starvationBound: 3 * s.frameworks.length + 5 }),
    }),
  );

const quotaOf = fc
  .record({ gCpus: fc.integer({ min: 0, max: 8 }), gMem: fc.constantFrom(0, 256, 1024), extraCpus: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }) })
  .map((q): QuotaSpec => {
    const guarantees: Record<string, number> = {};
    if (q.gCpus > 0) guarantees.cpus = q.gCpus;
    if (q.gMem > 0) guarantees.mem = q.gMem;
    const limits: Record<string, number> = q.extraCpus === undefined ? {} : { cpus: q.gCpus + q.extraCpus };
    return { guarantees, limits };
  });

/** Scenarios with guarantees and limits on nested roles; frameworks never install filters. */
export const quotaScenario: fc.Arbitrary<SimOptions> = fc
  .record({
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    agents: fc.array(agentShape, { minLength: 3, maxLength: 20 }),
    frameworks: fc.array(frameworkShape(fc.constant(0)), { minLength: 1, maxLength: 6 }),
    quotas: fc.dictionary(fc.constantFrom(...ROLES), quotaOf, { minKeys: 1, maxKeys: 3 }),
  })
  .map(
    (s): SimOptions => ({
      seed: s.seed,
      agents: s.agents.map((a, i) => agentOf(i, a, false)),
      frameworks: s.frameworks.map((f, i) => frameworkOf(i, { ...f, caps: [] }, s.seed)),
      quotas: s.quotas,
    }),
  );

// Whether every framework has one role and no two roles are on the same path.
function flatDrf(roles: string[][]): boolean {
  const all = roles.map((r) => r[0]!);
  if (roles.some((r) => r.length !== 1)) return false;
  return all.every((a, i) => all.every((b, j) => i === j || (!(a === b) && !a.startsWith(`${b}/`) && !b.startsWith(`${a}/`))));
}

/** The cluster total of a scenario. */
export function totalOf(agents: readonly SimAgent[]): Resources {
  return agents.reduce((sum, a) => sum.add(a.total), Resources.EMPTY);
}
