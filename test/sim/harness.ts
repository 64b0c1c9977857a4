// SimCluster: the real allocator against fake agents and fake frameworks on a virtual clock.
// One `step()` is one allocation interval:
//
//   tasks that ended ─► recoverResources          (resources come back)
//   fake schedulers  ─► suppress / revive          (demand met or not)
//   allocation cycle ─► offers                     (sliced at random, with task ends between slices)
//   invariants on the offers                       (legal, not offered twice, filters respected, quota)
//   fake schedulers  ─► launch tasks, decline the rest with a refuse filter
//   invariants on the state                        (allocator and harness agree, limits hold)
//   clock += interval
//
// The harness keeps its own model (tasks per agent, refusals with their expiry) and the
// invariants compare the allocator's decisions with it.
import { Resources } from '../../src/common/resources/index.ts';
import {
  HierarchicalAllocator,
  seededRng,
  type AllocatorOptions,
  type OfferDecision,
  type QuotaSpec,
  type Rng,
} from '../../src/allocator/index.ts';
import type { FakeFramework, FakeTask } from './fake-framework.ts';
import * as inv from './invariants.ts';

export type SimAgent = { readonly id: string; readonly total: Resources };

export type SimOptions = {
  readonly seed: number;
  readonly agents: readonly SimAgent[];
  readonly frameworks: readonly FakeFramework[];
  readonly quotas?: Readonly<Record<string, QuotaSpec>>;
  readonly weights?: Readonly<Record<string, number>>;
  readonly allocator?: AllocatorOptions;
  readonly intervalMs?: number;
  /** Drive cycles in random slices, finishing tasks between slices. */
  readonly sliced?: boolean;
  /** Toggle agents draining at random (probability per step). */
  readonly drainChance?: number;
  /**
   * Check that a hungry framework well below its fair share is never passed over for more than
   * this many cycles while some agent has room for it.
   */
  readonly starvationBound?: number;
};

/** A refusal as the harness remembers it. */
export type Refusal = { frameworkId: string; agentId: string; role: string; refused: Resources; until: number };

export class SimCluster {
  readonly allocator: HierarchicalAllocator;
  readonly options: SimOptions;
  readonly agents = new Map<string, SimAgent>();
  readonly frameworks = new Map<string, FakeFramework>();
  readonly draining = new Set<string>();
  tasks: FakeTask[] = [];
  refusals: Refusal[] = [];
  #refusalIndex: Map<string, Refusal[]> | undefined;
  now = 0;
  cycles = 0;
  /** Cycles in a row a hungry framework was passed over while something fit. */
  readonly starved = new Map<string, number>();
  /** Every offer made, in order (for convergence checks). */
  readonly offerLog: OfferDecision[] = [];
  readonly rng: Rng;

  constructor(options: SimOptions) {
    this.options = options;
    this.rng = seededRng(options.seed ^ 0x5eed);
    this.allocator = new HierarchicalAllocator(options.allocator);
    for (const [role, weight] of Object.entries(options.weights ?? {})) this.allocator.updateWeights([{ role, weight }]);
    for (const [role, quota] of Object.entries(options.quotas ?? {})) this.allocator.updateQuota(role, quota);
    for (const fw of options.frameworks) {
      this.frameworks.set(fw.id, fw);
      this.allocator.addFramework(fw.spec());
    }
    for (const agent of options.agents) {
      this.agents.set(agent.id, agent);
      this.allocator.addAgent({ agentId: agent.id, total: agent.total });
    }
  }

  get intervalMs(): number {
    return this.options.intervalMs ?? 1000;
  }

  /** Runs `n` steps. */
  run(n: number): void {
    for (let i = 0; i < n; i++) this.step();
  }

  step(): void {
    this.refusals = this.refusals.filter((r) => this.now < r.until);
    this.#refusalIndex = undefined;
    this.#finishTasks(this.now);
    this.#updateDemand();
    this.#toggleDraining();
    const hungryBefore = this.#hungryWithRoom();
    const offers = this.#cycle();
    this.cycles++;
    this.offerLog.push(...offers);
    inv.checkOffers(this, offers);
    inv.checkAccounting(this, offers);
    inv.checkQuota(this);
    // Tasks ending between slices free resources after their agents were processed.
    if (this.options.sliced !== true) inv.checkGuarantees(this);
    this.#trackStarvation(hungryBefore, offers);
    for (const offer of offers) this.#answer(offer);
    inv.checkAccounting(this, []);
    inv.checkQuota(this);
    this.now += this.intervalMs;
  }

  #cycle(): OfferDecision[] {
    const cycle = this.allocator.startCycle(this.now, this.rng);
    if (this.options.sliced !== true) return cycle.finish().offers;
    const offers: OfferDecision[] = [];
    const sliceSize = Math.max(4, Math.ceil(this.agents.size / 40));
    while (!cycle.done) {
      const slice = cycle.step({ maxAgents: 1 + Math.floor(this.rng() * sliceSize) });
      offers.push(...slice.offers);
      // Between slices the world moves on: some tasks end early (within this interval).
      if (this.rng() < 0.3) this.#finishTasks(this.now + this.intervalMs - 1, 0.5);
    }
    return offers;
  }

  // Tasks that have ended by `until` give their resources back (a `fraction` of them, at random).
  #finishTasks(until: number, fraction = 1): void {
    const keep: FakeTask[] = [];
    for (const task of this.tasks) {
      if (task.endsAt <= until && (fraction >= 1 || this.rng() < fraction)) {
        this.allocator.recoverResources(task.frameworkId, task.agentId, task.resources);
        this.frameworks.get(task.frameworkId)!.running--;
      } else {
        keep.push(task);
      }
    }
    this.tasks = keep;
  }

  #updateDemand(): void {
    for (const fw of this.frameworks.values()) {
      if (!fw.policy.suppressWhenIdle) continue;
      if (!fw.hungry && !fw.suppressed) {
        this.allocator.suppress(fw.id);
        fw.suppressed = true;
      } else if (fw.hungry && fw.suppressed) {
        this.allocator.revive(fw.id);
        fw.suppressed = false;
        // REVIVE clears the framework's filters.
        this.refusals = this.refusals.filter((r) => r.frameworkId !== fw.id);
        this.#refusalIndex = undefined;
      }
    }
  }

  #toggleDraining(): void {
    const chance = this.options.drainChance ?? 0;
    if (chance === 0) return;
    for (const id of this.agents.keys()) {
      if (this.rng() >= chance) continue;
      const draining = !this.draining.has(id);
      if (draining) this.draining.add(id);
      else this.draining.delete(id);
      this.allocator.updateAgent(id, { draining });
    }
  }

  #answer(offer: OfferDecision): void {
    const fw = this.frameworks.get(offer.frameworkId)!;
    const answer = fw.answer(offer, this.now);
    this.tasks.push(...answer.tasks);
    if (answer.leftover.isEmpty()) return;
    this.allocator.declineWithFilters(fw.id, offer.agentId, answer.leftover, answer.refuseSeconds, this.now);
    const refuse = answer.refuseSeconds ?? 5;
    if (refuse > 0) {
      const until = this.now + Math.max(Math.min(refuse, 365 * 86400) * 1000, this.options.allocator?.allocationIntervalMs ?? 1000);
      this.refusals.push({ frameworkId: fw.id, agentId: offer.agentId, role: offer.role, refused: answer.leftover.unallocate(), until });
      this.#refusalIndex = undefined;
    }
  }

  /** Live refusals of (framework, agent), indexed on first use within a step. */
  refusalsOf(frameworkId: string, agentId: string): readonly Refusal[] {
    if (this.#refusalIndex === undefined) {
      this.#refusalIndex = new Map();
      for (const r of this.refusals) {
        const key = `${r.frameworkId}\u0000${r.agentId}`;
        const list = this.#refusalIndex.get(key);
        if (list === undefined) this.#refusalIndex.set(key, [r]);
        else list.push(r);
      }
    }
    return this.#refusalIndex.get(`${frameworkId}\u0000${agentId}`) ?? [];
  }

  /** Resources running on an agent (unallocated form). */
  usedOn(agentId: string): Resources {
    let used = Resources.EMPTY;
    for (const t of this.tasks) if (t.agentId === agentId) used = used.add(t.resources.unallocate());
    return used;
  }

  // Hungry, unsuppressed frameworks well below a fair share (half an equal split, scaled by the
  // weight spread) for which some agent has room for a task right now. Frameworks above that
  // may legitimately wait: DRF serves lower shares first for as long as they want more.
  #hungryWithRoom(): Set<string> {
    const out = new Set<string>();
    if (this.options.starvationBound === undefined) return out;
    const weights = [...this.frameworks.values()].flatMap((f) => f.roles.map((r) => this.#weightOf(r)));
    const threshold = (0.5 / this.frameworks.size) * (Math.min(...weights) / Math.max(...weights));
    for (const fw of this.frameworks.values()) {
      if (!fw.hungry || fw.suppressed) continue;
      if (inv.dominantShare(this, fw.id) >= threshold) continue;
      if (inv.someAgentFits(this, fw)) out.add(fw.id);
    }
    return out;
  }

  // The product of the weights on a role's path (weights apply per level).
  #weightOf(role: string): number {
    const parts = role.split('/');
    let w = 1;
    for (let i = 1; i <= parts.length; i++) w *= this.options.weights?.[parts.slice(0, i).join('/')] ?? 1;
    return w;
  }

  #trackStarvation(candidates: Set<string>, offers: OfferDecision[]): void {
    const bound = this.options.starvationBound;
    if (bound === undefined) return;
    const offered = new Set(offers.map((o) => o.frameworkId));
    for (const fw of this.frameworks.values()) {
      const n = candidates.has(fw.id) && !offered.has(fw.id) ? (this.starved.get(fw.id) ?? 0) + 1 : 0;
      this.starved.set(fw.id, n);
      if (n > bound) throw new inv.SimViolation(this, `framework '${fw.id}' passed over for ${n} cycles while hungry with room`);
    }
  }
}
