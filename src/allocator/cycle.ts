// One allocation cycle, resumable: `step(budget)` processes whole agents until the budget runs
// out, so the master can interleave a 10k-agent cycle with its event loop (DESIGN.md: never hold
// the loop for more than ~50 ms). State changes made between steps (recovered resources, removed
// agents or frameworks, new quota) are simply seen by the agents processed after them.
//
//   stage 1 (quota)   agents, shuffled  ─► roles with unmet guarantees, in DRF order
//                                          ─► their frameworks, in DRF order
//                                              offer: guaranteed part (chopped to the allowance)
//                                                     + reservations, non-scalars, revocable
//                                                     + other unreserved scalars within limits
//                                                       and surplus headroom
//   stage 2 (fair)    agents, reshuffled ─► every role that can receive, in DRF order
//                                          ─► frameworks: reservations, non-scalars, revocable
//                                                     + unreserved scalars within limits and
//                                                       surplus headroom (+ own allowance)
//
// Per (agent, framework) pair the checks run cheapest first: GPU agent vs capability, min
// allocatable, quota chop, then the filter (a bit test; containment only if the bit is set).
import { isRoleInSubtree, isStrictSubroleOf, type Resources } from '../common/resources/index.ts';
import type { AgentState } from './agents.ts';
import type { AllocatorCore } from './core.ts';
import type { FrameworkState } from './frameworks.ts';
import { CAP_GPU, isQuotaScalar, scalarsOf, shrinkTo, stripIncapable } from './resource-math.ts';
import { shuffle, type Rng } from './rng.ts';
import type { RoleNode } from './roles.ts';
import type { SortVisitor } from './sorter.ts';
import type {
  AllocationResult,
  CycleSlice,
  CycleStats,
  NoOffer,
  NoOfferReason,
  OfferDecision,
  SkipReason,
  Stage,
  StepBudget,
} from './types.ts';
import { SKIP_REASONS } from './types.ts';
import { anyPositive, minInto, subClamped, type ScalarVec } from './vector.ts';

export class AllocationCycle {
  readonly id: number;
  readonly now: number;
  readonly stats: CycleStats;
  readonly #core: AllocatorCore;
  readonly #rng: Rng;
  readonly #order: Int32Array;
  readonly #count: number;
  readonly #onDone: (cycle: AllocationCycle) => void;
  readonly #offers: OfferDecision[] = [];
  readonly #sharedOffered = new Map<number, Resources>();
  #stage: Stage | 3;
  #pos = 0;
  #slice: OfferDecision[] = [];
  // Per-agent walk state, kept in fields so the visitors allocate nothing.
  #agent!: AgentState;
  #role!: RoleNode;
  readonly #roleVisitor: SortVisitor;
  readonly #frameworkVisitor: SortVisitor;
  readonly #v1: ScalarVec;
  readonly #v2: ScalarVec;
  readonly #v3: ScalarVec;
  readonly #v4: ScalarVec;

  constructor(core: AllocatorCore, now: number, rng: Rng, agentIds: Iterable<string> | undefined, onDone: (c: AllocationCycle) => void) {
    this.#core = core;
    this.now = now;
    this.#rng = rng;
    this.#onDone = onDone;
    this.id = ++core.cycleCounter;
    const filtersExpired = core.filters.expire(now);
    const candidates: number[] = [];
    if (agentIds === undefined) {
      for (const a of core.agentList) if (a !== undefined && a.offerable) candidates.push(a.idx);
    } else {
      for (const id of agentIds) {
        const a = core.agents.get(id);
        if (a !== undefined && a.offerable) candidates.push(a.idx);
      }
    }
    this.#order = Int32Array.from(candidates);
    this.#count = candidates.length;
    shuffle(this.#order, rng);
    this.#stage = core.stage1Roles > 0 ? 1 : 2;
    this.stats = { agentsConsidered: this.#count, agentsProcessed: 0, offers: 0, stage1Offers: 0, filtersExpired, slices: 0 };
    this.#v1 = core.space.zero();
    this.#v2 = core.space.zero();
    this.#v3 = core.space.zero();
    this.#v4 = core.space.zero();
    this.#roleVisitor = {
      enter: (path) => this.#enterRole(path),
      visit: (role) => this.#visitRole(role),
    };
    this.#frameworkVisitor = { visit: (id) => this.#visitFramework(id) };
  }

  get done(): boolean {
    return this.#stage === 3;
  }

  /** The stage the next agent will be processed in (3 when done). */
  get stage(): Stage | 3 {
    return this.#stage;
  }

  /**
   * Processes agents until the budget is spent (at least one agent per call) or the cycle ends.
   * Returns the offers made in this step; they are already accounted as offered.
   */
  step(budget: StepBudget = {}): CycleSlice {
    const maxAgents = budget.maxAgents ?? Infinity;
    const { deadline, clock } = budget;
    const out: OfferDecision[] = [];
    this.#slice = out;
    let processed = 0;
    this.stats.slices++;
    while (this.#stage !== 3) {
      if (this.#pos >= this.#count) {
        if (this.#stage === 1) {
          this.#stage = 2;
          this.#pos = 0;
          // Reshuffle to spread the effect of stage 1, which favours the front of the list.
          shuffle(this.#order, this.#rng);
          continue;
        }
        this.#stage = 3;
        this.#onDone(this);
        break;
      }
      if (processed > 0 && (processed >= maxAgents || (deadline !== undefined && clock !== undefined && clock() >= deadline))) break;
      const agent = this.#core.agentList[this.#order[this.#pos++]!];
      if (agent !== undefined && agent.offerable && !agent.available.isEmpty()) this.#processAgent(agent);
      processed++;
    }
    this.stats.agentsProcessed += processed;
    return { offers: out, agentsProcessed: processed, done: this.#stage === 3 };
  }

  /**
   * Ends the cycle early (the master is shutting down or lost leadership). Offers already made
   * stay accounted; the remaining agents are simply not visited. A new cycle may start.
   */
  abandon(): void {
    if (this.#stage === 3) return;
    this.#stage = 3;
    this.#onDone(this);
  }

  /** Runs the rest of the cycle. */
  finish(): AllocationResult {
    while (!this.done) this.step();
    return this.result();
  }

  /** Every offer made so far, and (once done) why the others got nothing. */
  result(): AllocationResult {
    return { offers: this.#offers, noOffers: this.done ? this.#noOffers() : [], stats: this.stats };
  }

  // ---- per agent -------------------------------------------------------------------------

  #processAgent(agent: AgentState): void {
    this.#agent = agent;
    const sorter = this.#stage === 1 ? this.#core.quotaSorter : this.#core.roleSorter;
    sorter.walk(this.#roleVisitor, this.#rng);
  }

  // Prunes subtrees that cannot use anything left on the agent: once its unreserved resources
  // are gone, only roles on a path through one of its remaining reservations can.
  #enterRole(path: string): boolean {
    const agent = this.#agent;
    if (agent.hasUnreserved) return true;
    for (const r of agent.availReservedRoles) {
      if (isRoleInSubtree(r, path) || isStrictSubroleOf(path, r)) return true;
    }
    return false;
  }

  #visitRole(path: string): boolean {
    const agent = this.#agent;
    if (agent.available.isEmpty()) return true;
    if (!agent.hasUnreserved && !this.#enterRole(path)) return false;
    const node = this.#core.roles.get(path);
    if (node === undefined || node.frameworkSorter === null) return false;
    this.#role = node;
    node.frameworkSorter.walk(this.#frameworkVisitor, this.#rng);
    return agent.available.isEmpty();
  }

  // Returns true to stop walking this role's frameworks (nothing left for the role).
  #visitFramework(frameworkId: string): boolean {
    const core = this.#core;
    const fw = core.frameworks.get(frameworkId);
    if (fw === undefined) return false;
    const agent = this.#agent;
    const node = this.#role;
    const role = node.path;
    const n = core.n;
    const stage = this.#stage as Stage;

    if (core.filterGpuResources && agent.hasGpus && (fw.caps & CAP_GPU) === 0) {
      fw.noteSkip(this.id, role, 'incapable');
      return false;
    }

    // What this framework could get here before quota: allocatable to the role, capable.
    let avail: Resources;
    let availScalars: ScalarVec;
    const shared = agent.hasShared ? this.#sharedOffered.get(agent.idx) : undefined;
    if (agent.simple && shared === undefined) {
      avail = agent.available;
      availScalars = agent.availScalars;
    } else {
      let a = agent.available.allocatableTo(role);
      if (a.isEmpty()) return true;
      if (shared !== undefined) a = a.subtract(shared);
      avail = stripIncapable(a, fw.caps);
      if (avail.isEmpty()) {
        fw.noteSkip(this.id, role, 'incapable');
        return false;
      }
      availScalars = this.#scalarsInto(this.#v1, avail);
    }
    const min = core.minAllocatableFor(fw, role);
    if (!min.allows(avail, availScalars)) {
      fw.noteSkip(this.id, role, 'min_allocatable');
      return false;
    }

    // Quota: chop the unreserved non-revocable scalars.
    let offer = avail;
    let offerScalars = availScalars;
    if (stage === 1 || node.limitedOnPath || anyPositive(core.quota.requiredHeadroom, n)) {
      const chopped = this.#chop(avail, node, stage, fw);
      if (chopped === undefined) return false;
      if (chopped !== avail) {
        offer = chopped;
        offerScalars = this.#scalarsInto(this.#v1, offer);
        if (offer.isEmpty() || !min.allows(offer, offerScalars)) {
          fw.noteSkip(this.id, role, this.#chopReason(node));
          return false;
        }
      }
    }

    if (core.filters.mayFilter(agent.idx, fw.idx) && core.filters.isFiltered(agent.idx, fw.idx, role, offer, offerScalars, n)) {
      fw.noteSkip(this.id, role, 'filtered');
      return false;
    }

    const allocated = core.allocate(agent, fw, role, offer, offerScalars);
    if (agent.hasShared || shared !== undefined) {
      const offeredShared = offer.shared();
      if (!offeredShared.isEmpty()) this.#sharedOffered.set(agent.idx, shared === undefined ? offeredShared : shared.add(offeredShared));
    }
    const decision: OfferDecision = { frameworkId: fw.id, agentId: agent.id, role, resources: allocated, stage };
    this.#offers.push(decision);
    this.#slice.push(decision);
    fw.noteOffer(this.id, role);
    this.stats.offers++;
    if (stage === 1) this.stats.stage1Offers++;
    if (agent.available.isEmpty()) return true;
    return !agent.simple && agent.available.allocatableTo(role).isEmpty();
  }

  // The quota-chopped offer, or undefined when the pair must be skipped (reason noted).
  #chop(avail: Resources, node: RoleNode, stage: Stage, fw: FrameworkState): Resources | undefined {
    const core = this.#core;
    const quota = core.quota;
    const space = core.space;
    const n = core.n;
    const quotaPart = avail.filter(isQuotaScalar);
    const rest = quotaPart.size === avail.size ? undefined : avail.filter((e) => !isQuotaScalar(e));
    const slack = quota.limitSlack(node, this.#v2);
    const surplus = this.#v3;
    const headroomBound = anyPositive(quota.requiredHeadroom, n);
    if (headroomBound) subClamped(surplus, core.headroom, quota.requiredHeadroom, n);

    let guaranteed: Resources | undefined;
    let limit: ScalarVec;
    if (stage === 1) {
      const allowance = quota.allowance(node, this.#v4);
      minInto(allowance, slack, n);
      guaranteed = shrinkTo(quotaPart, allowance, space);
      if (guaranteed.isEmpty()) {
        fw.noteSkip(this.id, node.path, 'no_guarantee_progress');
        return undefined;
      }
      // Other unreserved scalars: within the limit left after the guaranteed part, and the surplus.
      const g = scalarsOf(guaranteed, space);
      limit = slack;
      for (let i = 0; i < n; i++) limit[i] = Math.max(0, limit[i]! - g[i]!);
      if (headroomBound) minInto(limit, surplus, n);
      const additional = shrinkTo(quotaPart.subtract(guaranteed), limit, space);
      let offer = guaranteed.add(additional);
      if (rest !== undefined) offer = offer.add(rest);
      return offer;
    }
    limit = slack;
    if (headroomBound) {
      // The role's own unmet guarantee is not held back from itself.
      const own = quota.allowance(node, this.#v4);
      for (let i = 0; i < n; i++) surplus[i]! += own[i]!;
      minInto(limit, surplus, n);
    }
    const additional = shrinkTo(quotaPart, limit, space);
    if (additional === quotaPart) return avail;
    if (rest === undefined) return additional;
    return additional.isEmpty() ? rest : rest.add(additional);
  }

  #chopReason(node: RoleNode): SkipReason {
    return node.limitedOnPath ? 'quota_limit' : 'headroom';
  }

  #scalarsInto(v: ScalarVec, resources: Resources): ScalarVec {
    const space = this.#core.space;
    v.fill(0, 0, space.size);
    for (const e of resources.entries) if (e.type === 'SCALAR') v[space.slot(e.name)]! += e.thousandths;
    return v;
  }

  // ---- diagnostics -------------------------------------------------------------------------

  #noOffers(): NoOffer[] {
    const out: NoOffer[] = [];
    for (const fw of this.#core.frameworks.values()) {
      for (const role of fw.roles) {
        const current = fw.cycleId === this.id;
        if (current && (fw.offersByRole.get(role) ?? 0) > 0) continue;
        const counts = current ? fw.skipsByRole.get(role) : undefined;
        const skipped: Partial<Record<SkipReason, number>> = {};
        let reason: NoOfferReason = 'no_resources';
        let best = 0;
        if (counts !== undefined) {
          for (let i = 0; i < SKIP_REASONS.length; i++) {
            const c = counts[i]!;
            if (c === 0) continue;
            skipped[SKIP_REASONS[i]!] = c;
            if (c > best) {
              best = c;
              reason = SKIP_REASONS[i]!;
            }
          }
        }
        if (!fw.active) reason = 'inactive';
        else if (fw.suppressed.has(role)) reason = 'suppressed';
        out.push({ frameworkId: fw.id, role, reason, skipped });
      }
    }
    return out;
  }
}
