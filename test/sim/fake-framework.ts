// Fake frameworks for the allocator simulation: a demand script instead of a scheduler. Each
// offer is answered at once: launch some tasks out of it (accept), decline the rest with a refuse
// filter, suppress when the demand is met and revive when tasks finish.
import { Resources, type ResourceEntry } from '../../src/common/resources/index.ts';
import type { Rng } from '../../src/allocator/index.ts';
import type { FrameworkCapability, FrameworkSpec, OfferDecision } from '../../src/allocator/index.ts';

/** How a fake framework behaves. */
export type FakePolicy = {
  /** Scalar size of one task in units, e.g. {cpus: 1, mem: 128}. */
  readonly task: Readonly<Record<string, number>>;
  /** At most this many tasks per offer. */
  readonly maxTasksPerOffer: number;
  /** At most this many tasks running at once (Infinity: never satisfied). */
  readonly demand: number;
  /** Chance of launching each possible task (1: always). */
  readonly acceptProbability: number;
  /** Task run time in ms, drawn uniformly; Infinity: tasks never end. */
  readonly durationMs: readonly [number, number];
  /** refuse_seconds for declined leftovers (undefined: Mesos's default of 5 s). */
  readonly refuseSeconds: number | undefined;
  /** refuse_seconds when it wants nothing at all (a well-behaved scheduler refuses for long). */
  readonly idleRefuseSeconds?: number | undefined;
  /** Suppress when the demand is met, revive when it is not. */
  readonly suppressWhenIdle: boolean;
};

export const GREEDY: FakePolicy = {
  task: { cpus: 1, mem: 128 },
  maxTasksPerOffer: Infinity,
  demand: Infinity,
  acceptProbability: 1,
  durationMs: [Infinity, Infinity],
  refuseSeconds: 0,
  suppressWhenIdle: false,
};

/** A task launched out of an offer. */
export type FakeTask = {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  /** Allocated form, exactly as it came out of the offer. */
  readonly resources: Resources;
  readonly endsAt: number;
};

/** What a fake framework does with one offer. */
export type OfferAnswer = { readonly tasks: FakeTask[]; readonly leftover: Resources; readonly refuseSeconds: number | undefined };

export class FakeFramework {
  readonly id: string;
  readonly roles: readonly string[];
  readonly capabilities: readonly FrameworkCapability[];
  readonly policy: FakePolicy;
  readonly weightHint: number;
  running = 0;
  suppressed = false;
  readonly #rng: Rng;

  constructor(id: string, roles: readonly string[], capabilities: readonly FrameworkCapability[], policy: FakePolicy, rng: Rng, weightHint = 1) {
    this.id = id;
    this.roles = roles;
    this.capabilities = capabilities;
    this.policy = policy;
    this.#rng = rng;
    this.weightHint = weightHint;
  }

  spec(): FrameworkSpec {
    return { frameworkId: this.id, roles: this.roles, capabilities: ['MULTI_ROLE', ...this.capabilities] };
  }

  /** Whether it still wants resources. */
  get hungry(): boolean {
    return this.running < this.policy.demand;
  }

  answer(offer: OfferDecision, now: number): OfferAnswer {
    const p = this.policy;
    const tasks: FakeTask[] = [];
    let rest = offer.resources;
    while (tasks.length < p.maxTasksPerOffer && this.running < p.demand) {
      if (this.#rng() >= p.acceptProbability) break;
      const taken = takeScalars(rest, p.task);
      if (taken === undefined) break;
      rest = rest.subtract(taken);
      const [lo, hi] = p.durationMs;
      const endsAt = Number.isFinite(hi) ? now + lo + Math.floor(this.#rng() * (hi - lo + 1)) : Infinity;
      tasks.push({ frameworkId: this.id, agentId: offer.agentId, role: offer.role, resources: taken, endsAt });
      this.running++;
    }
    const idle = tasks.length === 0 && !this.hungry;
    return { tasks, leftover: rest, refuseSeconds: idle && p.idleRefuseSeconds !== undefined ? p.idleRefuseSeconds : p.refuseSeconds };
  }
}

/**
 * Exactly `need` (units per scalar name) out of `from`, taking divisible scalar entries in order;
 * undefined if `from` does not have enough.
 */
export function takeScalars(from: Resources, need: Readonly<Record<string, number>>): Resources | undefined {
  const out: ResourceEntry[] = [];
  for (const [name, units] of Object.entries(need)) {
    let left = Math.round(units * 1000);
    for (const e of from.entries) {
      if (left === 0) break;
      if (e.name !== name || e.type !== 'SCALAR' || e.kind !== 0 || e.isShared) continue;
      const take = Math.min(left, e.thousandths);
      out.push(e.withValue(take, e.ranges, e.set));
      left -= take;
    }
    if (left > 0) return undefined;
  }
  return Resources.fromEntries(out);
}
