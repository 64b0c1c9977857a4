// The allocator's state and its bookkeeping: one owner for agents, frameworks, the role tree,
// the sorters, quota and filters, and the two operations everything else is built from:
// `allocate` (resources on an agent become offered to a framework in a role) and `deallocate`
// (they come back). Both keep every derived quantity current (agent summaries, cluster headroom,
// sorter allocations, role consumption, capped and guarantee state, sorter activation), so the
// allocation loop never recomputes anything from scratch.
//
// Role activation. A role is active in the stage-2 (fair share) sorter when it has an active
// framework and can receive something: it is not capped by limits, or reservations on its path
// exist, or revocable resources exist, or ports exist and some min-allocatable rule might take
// an offer of ports alone. It is active in the stage-1 (quota) sorter
// when it has an active framework and a positive guarantee allowance. Inactive roles cost nothing
// in a walk, which is what makes suppressed and capped roles free.
import { InvariantError, invariant } from '../common/errors.ts';
import { Resources } from '../common/resources/index.ts';
import type { AgentState } from './agents.ts';
import { OfferFilters } from './filters.ts';
import type { FrameworkState } from './frameworks.ts';
import { DEFAULT_MIN_ALLOCATABLE, MinAllocatable } from './min-allocatable.ts';
import { QuotaTracker } from './quota.ts';
import { RoleTree, type RoleNode } from './roles.ts';
import { SorterTotal, type Sorter, type SorterKind } from './sorter.ts';
import { createSorter } from './sorter-factory.ts';
import type { AllocatorOptions } from './types.ts';
import { addInto, anyPositive, positiveMask, subInto, ScalarSpace, type ScalarVec } from './vector.ts';

export class AllocatorCore {
  readonly space: ScalarSpace;
  readonly total: SorterTotal;
  readonly frameworkSorterKind: SorterKind;
  /** Stage 2: every role with an active framework that can receive something. */
  readonly roleSorter: Sorter;
  /** Stage 1: roles with an active framework and an unmet guarantee they may take. */
  readonly quotaSorter: Sorter;
  readonly roles: RoleTree;
  readonly quota: QuotaTracker;
  readonly filters = new OfferFilters();
  readonly agents = new Map<string, AgentState>();
  /** Agents by index (holes where agents were removed). */
  readonly agentList: (AgentState | undefined)[] = [];
  readonly frameworks = new Map<string, FrameworkState>();
  /** Agents holding used resources of frameworks not added yet, by framework id. */
  readonly orphans = new Map<string, Set<AgentState>>();
  readonly defaultMin: MinAllocatable;
  // Whether the default rule could accept an offer without unreserved non-revocable scalars.
  readonly #lenientDefault: boolean;
  readonly allocationIntervalMs: number;
  readonly filterGpuResources: boolean;
  /** Available unreserved non-revocable scalars on offerable agents (Mesos "available headroom"). */
  readonly headroom: ScalarVec;
  /** Unreserved non-revocable scalars of all agents' totals. */
  readonly quotaTotal: ScalarVec;
  /** Agents whose total has unreserved revocable / unreserved non-scalar resources. */
  revocableAgents = 0;
  nonScalarAgents = 0;
  /** Frameworks with their own min-allocatable rules (which may accept a ports-only offer). */
  lenientFrameworks = 0;
  /** Roles currently active in the stage-1 sorter (0: the cycle skips stage 1). */
  stage1Roles = 0;
  cycleCounter = 0;
  readonly #freeAgentIdx: number[] = [];
  readonly #freeFrameworkIdx: number[] = [];
  #nextFrameworkIdx = 0;
  readonly #scratch: ScalarVec;
  readonly #unres: ScalarVec;
  readonly #res: ScalarVec;
  // Identity memos for Resources.allocate/unallocate: an agent's free pool is offered, declined
  // and offered again as the same immutable value, so the conversions are computed once.
  readonly #allocatedMemo = new WeakMap<Resources, { role: string; allocated: Resources }>();
  readonly #unallocatedMemo = new WeakMap<Resources, Resources>();

  constructor(options: AllocatorOptions = {}) {
    this.space = new ScalarSpace(options.maxScalarResourceNames);
    this.total = new SorterTotal(this.space, options.fairnessExcludedResourceNames ?? []);
    this.frameworkSorterKind = options.frameworkSorter ?? 'drf';
    this.roleSorter = createSorter(options.roleSorter ?? 'drf', this.total, true);
    this.quotaSorter = createSorter(options.roleSorter ?? 'drf', this.total, true);
    this.roles = new RoleTree(this.space);
    this.quota = new QuotaTracker(this.roles, this.space);
    const minSpec = options.minAllocatable ?? DEFAULT_MIN_ALLOCATABLE;
    this.defaultMin = new MinAllocatable(minSpec, this.space);
    this.#lenientDefault = minSpec.length === 0 || minSpec.some((set) => Object.keys(set).some((name) => !['cpus', 'mem', 'disk', 'gpus'].includes(name)));
    this.allocationIntervalMs = options.allocationIntervalMs ?? 1000;
    this.filterGpuResources = options.filterGpuResources ?? true;
    this.headroom = this.space.zero();
    this.quotaTotal = this.space.zero();
    this.#scratch = this.space.zero();
    this.#unres = this.space.zero();
    this.#res = this.space.zero();
  }

  get n(): number {
    return this.space.size;
  }

  nextAgentIdx(): number {
    return this.#freeAgentIdx.pop() ?? this.agentList.length;
  }

  releaseAgentIdx(idx: number): void {
    this.agentList[idx] = undefined;
    this.#freeAgentIdx.push(idx);
  }

  nextFrameworkIdx(): number {
    return this.#freeFrameworkIdx.pop() ?? this.#nextFrameworkIdx++;
  }

  releaseFrameworkIdx(idx: number): void {
    this.#freeFrameworkIdx.push(idx);
  }

  /** The minimum allocatable rule for a framework in a role. */
  minAllocatableFor(fw: FrameworkState, role: string): MinAllocatable {
    return fw.minAllocatable.get(role) ?? this.defaultMin;
  }

  // ---- frameworks in roles -------------------------------------------------------------------

  /** Puts the framework under `role` (a framework sorter entry), creating the role as needed. */
  trackRole(fw: FrameworkState, role: string): void {
    if (fw.tracked.has(role)) return;
    const node = this.roles.getOrCreate(role);
    if (node.frameworks.size === 0) {
      node.frameworkSorter = createSorter(this.frameworkSorterKind, this.total, false);
      this.roleSorter.add(role);
      this.quotaSorter.add(role);
    }
    node.frameworks.add(fw.id);
    node.frameworkSorter!.add(fw.id);
    fw.tracked.add(role);
    this.syncActivation(fw, role);
  }

  /** Takes the framework out of `role`; it must hold no allocations there. */
  untrackRole(fw: FrameworkState, role: string): void {
    if (!fw.tracked.has(role)) return;
    invariant((fw.agentsByRole.get(role) ?? 0) === 0, `framework '${fw.id}' still holds resources in role '${role}'`);
    const node = this.roles.get(role)!;
    if (fw.activeIn.has(role)) {
      fw.activeIn.delete(role);
      node.activeFrameworks--;
    }
    node.frameworkSorter!.remove(fw.id);
    node.frameworks.delete(fw.id);
    fw.tracked.delete(role);
    fw.allocatedByRole.delete(role);
    fw.agentsByRole.delete(role);
    if (node.frameworks.size === 0) {
      node.frameworkSorter = null;
      if (node.activeStage1) this.stage1Roles--;
      node.activeStage1 = false;
      node.activeStage2 = false;
      this.roleSorter.remove(role);
      this.quotaSorter.remove(role);
      this.roles.tryRemove(role);
    } else {
      this.refreshRoleActivation(node);
    }
  }

  /** Makes the framework's activity in `role`'s sorter match `wantsOffers(role)`. */
  syncActivation(fw: FrameworkState, role: string): void {
    const node = this.roles.get(role);
    if (node === undefined || node.frameworkSorter === null || !fw.tracked.has(role)) return;
    const want = fw.wantsOffers(role);
    if (want === fw.activeIn.has(role)) return;
    if (want) {
      fw.activeIn.add(role);
      node.activeFrameworks++;
      node.frameworkSorter.activate(fw.id);
    } else {
      fw.activeIn.delete(role);
      node.activeFrameworks--;
      node.frameworkSorter.deactivate(fw.id);
    }
    this.refreshRoleActivation(node);
  }

  // ---- role activation -----------------------------------------------------------------------

  refreshRoleActivation(node: RoleNode): void {
    if (node.frameworkSorter === null) return;
    const hasActive = node.activeFrameworks > 0;
    const want2 = hasActive && (!this.quota.isCapped(node) || this.#capRelief() || this.roles.reservedOnPath(node));
    const want1 =
      hasActive && this.quota.guaranteedRoles > 0 && anyPositive(this.quota.allowance(node, this.#scratch), this.n);
    if (want2 !== node.activeStage2) {
      node.activeStage2 = want2;
      if (want2) this.roleSorter.activate(node.path);
      else this.roleSorter.deactivate(node.path);
    }
    if (want1 !== node.activeStage1) {
      node.activeStage1 = want1;
      this.stage1Roles += want1 ? 1 : -1;
      if (want1) this.quotaSorter.activate(node.path);
      else this.quotaSorter.deactivate(node.path);
    }
  }

  // Whether a role capped by its limits could still be offered something allocatable: revocable
  // resources, or non-scalars (ports) when some min-allocatable rule might accept them alone.
  #capRelief(): boolean {
    return this.revocableAgents > 0 || (this.nonScalarAgents > 0 && (this.lenientFrameworks > 0 || this.#lenientDefault));
  }

  /** Counts a framework with (1) or without (-1) min-allocatable overrides. */
  noteLenient(fw: FrameworkState, sign: 1 | -1): void {
    if (fw.minAllocatable.size === 0) return;
    const before = this.#capRelief();
    this.lenientFrameworks += sign;
    if (before !== this.#capRelief()) this.refreshAllActivation();
  }

  refreshSubtreeActivation(node: RoleNode): void {
    this.roles.forSubtree(node, (r) => this.refreshRoleActivation(r));
  }

  refreshAllActivation(): void {
    this.refreshSubtreeActivation(this.roles.root);
  }

  /** After the consumption of `node` (and so of its ancestors) changed. */
  afterConsumption(node: RoleNode): void {
    // Without quota, consumption does not affect activation.
    if (this.quota.limitedRoles === 0 && this.quota.guaranteedRoles === 0) return;
    let refreshed = false;
    if (this.quota.limitedRoles > 0 && node.limitedOnPath) {
      const highest = this.quota.refreshCapped(node);
      if (highest !== undefined) {
        // `highest` is on the path of `node`, so its subtree includes `node`.
        this.refreshSubtreeActivation(highest);
        refreshed = true;
      }
    }
    if (this.quota.guaranteedRoles > 0) {
      const top = node.top;
      if (top.guaranteedBelow > 0 && this.quota.refreshNeeds(top)) {
        this.refreshSubtreeActivation(top);
        refreshed = true;
      }
    }
    if (!refreshed && node.frameworkSorter !== null) this.refreshRoleActivation(node);
  }

  // ---- agents --------------------------------------------------------------------------------

  /** Adds (1) or removes (-1) an agent's total from every cluster-wide quantity. */
  trackAgentTotal(agent: AgentState, sign: 1 | -1): void {
    const n = this.n;
    if (sign === 1) this.total.add(agent.totalScalars);
    else this.total.subtract(agent.totalScalars);
    const maskBefore = positiveMask(this.quotaTotal, n);
    (sign === 1 ? addInto : subInto)(this.quotaTotal, agent.totalQuotaScalars, n);
    const maskAfter = positiveMask(this.quotaTotal, n);
    const reliefBefore = this.#capRelief();
    if (agent.totalHasRevocable) this.revocableAgents += sign;
    if (agent.totalHasNonScalar) this.nonScalarAgents += sign;
    if (agent.offerable) (sign === 1 ? addInto : subInto)(this.headroom, agent.availQuotaScalars, n);
    for (const [role, reserved] of agent.total.reservations()) {
      const node = this.roles.trackReserved(role, this.#scalars(reserved), reserved.size, sign);
      this.afterConsumption(node);
      this.refreshSubtreeActivation(node);
      if (sign === -1) this.roles.tryRemove(role);
    }
    this.quota.presentMask = maskAfter;
    if (maskBefore !== maskAfter || reliefBefore !== this.#capRelief()) this.refreshAllActivation();
  }

  /**
   * Changes an agent's total by a delta (RESERVE, UNRESERVE, CREATE, DESTROY): `removed` leaves
   * it and `added` joins it (both unallocated form). Only the roles named in the delta are
   * touched, so an operation on an agent with hundreds of reservations stays cheap. `available`
   * is the caller's business (see setAvailable).
   */
  changeTotal(agent: AgentState, removed: Resources, added: Resources): void {
    const n = this.n;
    const maskBefore = positiveMask(this.quotaTotal, n);
    const reliefBefore = this.#capRelief();
    if (agent.totalHasRevocable) this.revocableAgents--;
    if (agent.totalHasNonScalar) this.nonScalarAgents--;
    this.total.subtract(agent.totalScalars);
    subInto(this.quotaTotal, agent.totalQuotaScalars, n);
    agent.total = agent.total.subtract(removed).add(added);
    agent.refreshTotal(this.space);
    this.total.add(agent.totalScalars);
    addInto(this.quotaTotal, agent.totalQuotaScalars, n);
    if (agent.totalHasRevocable) this.revocableAgents++;
    if (agent.totalHasNonScalar) this.nonScalarAgents++;
    const touched: RoleNode[] = [];
    for (const [sign, delta] of [[-1, removed], [1, added]] as const) {
      for (const [role, reserved] of delta.reservations()) {
        touched.push(this.roles.trackReserved(role, this.#scalars(reserved), reserved.size, sign));
      }
    }
    for (const node of touched) {
      this.afterConsumption(node);
      this.refreshSubtreeActivation(node);
    }
    for (const node of touched) this.roles.tryRemove(node.path);
    const maskAfter = positiveMask(this.quotaTotal, n);
    this.quota.presentMask = maskAfter;
    if (maskBefore !== maskAfter || reliefBefore !== this.#capRelief()) this.refreshAllActivation();
  }

  /** Replaces an agent's available resources, keeping the headroom current. */
  setAvailable(agent: AgentState, available: Resources): void {
    const n = this.n;
    if (agent.offerable) subInto(this.headroom, agent.availQuotaScalars, n);
    agent.available = available;
    agent.refreshAvailable(this.space);
    if (agent.offerable) addInto(this.headroom, agent.availQuotaScalars, n);
  }

  /** Changes whether an agent counts as offerable (draining, deactivated). */
  setOfferable(agent: AgentState, update: () => void): void {
    const before = agent.offerable;
    update();
    const after = agent.offerable;
    if (before !== after) (after ? addInto : subInto)(this.headroom, agent.availQuotaScalars, this.n);
  }

  // ---- allocations ---------------------------------------------------------------------------

  /**
   * Offers `resources` (unallocated form, all available on the agent) to `fw` in `role`.
   * `scalars` may be passed when the caller already has them. Returns the allocated form.
   */
  allocate(agent: AgentState, fw: FrameworkState, role: string, resources: Resources, scalars?: ScalarVec): Resources {
    const allocated = this.allocatedForm(resources, role);
    const node = this.roles.get(role);
    if (node === undefined || !fw.tracked.has(role)) throw new InvariantError(`framework '${fw.id}' is not in role '${role}'`);
    // Scalars first: `scalars` may be a view of the agent's summaries, which setAvailable rewrites.
    this.#trackScalars(fw, node, resources, scalars, 1);
    this.#addToAgentAllocation(agent, fw, role, allocated);
    const available = agent.available;
    // Shared resources stay available while offered: they may be offered again (next cycle).
    const taken = agent.hasShared ? resources.nonShared() : resources;
    this.setAvailable(agent, taken === available ? Resources.EMPTY : available.subtract(taken));
    return allocated;
  }

  /**
   * Takes back `resources` (allocated form, one role) from `fw` on `agent`. Returns the
   * unallocated form. The framework must hold them there.
   */
  deallocate(agent: AgentState, fw: FrameworkState, role: string, resources: Resources): Resources {
    const h = agent.holding(fw.id, role);
    if (h === undefined || !(h.resources === resources || h.resources.contains(resources))) {
      throw new InvariantError(`framework '${fw.id}' does not hold ${resources.toString()} on agent '${agent.id}' in role '${role}'`);
    }
    const rest = h.resources === resources ? Resources.EMPTY : h.resources.subtract(resources);
    if (rest.isEmpty()) {
      agent.dropHolding(h);
      fw.agentsByRole.set(role, (fw.agentsByRole.get(role) ?? 1) - 1);
      if (!agent.holds(fw.id)) fw.holdings.delete(agent.idx);
    } else {
      h.resources = rest;
    }
    const unallocated = this.unallocatedForm(resources);
    const back = agent.hasShared || unallocated.entries.some((e) => e.isShared) ? unallocated.nonShared() : unallocated;
    if (!back.isEmpty()) this.setAvailable(agent, agent.available.add(back));
    this.#trackScalars(fw, this.roles.get(role)!, unallocated, undefined, -1);
    if (!fw.roles.has(role) && (fw.agentsByRole.get(role) ?? 0) === 0) this.untrackRole(fw, role);
    return unallocated;
  }

  /** `resources.allocate(role)`, memoized by identity. */
  allocatedForm(resources: Resources, role: string): Resources {
    const hit = this.#allocatedMemo.get(resources);
    if (hit !== undefined && hit.role === role) return hit.allocated;
    const allocated = resources.allocate(role);
    this.#allocatedMemo.set(resources, { role, allocated });
    this.#unallocatedMemo.set(allocated, resources);
    return allocated;
  }

  /** `resources.unallocate()`, memoized by identity. */
  unallocatedForm(resources: Resources): Resources {
    return this.#unallocatedMemo.get(resources) ?? resources.unallocate();
  }

  /** Records resources already in use (allocated form) without touching `available`. */
  adoptUsed(agent: AgentState, fw: FrameworkState, used: Resources): void {
    for (const [role, resources] of used.allocations()) {
      this.trackRole(fw, role);
      this.#addToAgentAllocation(agent, fw, role, resources);
      this.#trackScalars(fw, this.roles.get(role)!, resources, undefined, 1);
    }
  }

  #addToAgentAllocation(agent: AgentState, fw: FrameworkState, role: string, allocated: Resources): void {
    const h = agent.holding(fw.id, role);
    if (h === undefined) {
      agent.holdings.push({ frameworkId: fw.id, role, resources: allocated });
      fw.holdings.add(agent.idx);
      fw.agentsByRole.set(role, (fw.agentsByRole.get(role) ?? 0) + 1);
    } else {
      h.resources = h.resources.add(allocated);
    }
  }

  // Adds or removes the scalar quantities of `resources` everywhere they are accounted.
  #trackScalars(fw: FrameworkState, node: RoleNode, resources: Resources, scalars: ScalarVec | undefined, sign: 1 | -1): void {
    const n = this.n;
    const all = scalars ?? this.#scalars(resources);
    // Split into quota-relevant parts (unreserved non-revocable, reserved).
    const unres = this.#unres;
    const res = this.#res;
    unres.fill(0, 0, n);
    res.fill(0, 0, n);
    const entries = resources.entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.type !== 'SCALAR') continue;
      const slot = this.space.slot(e.name);
      if (!e.isUnreserved) res[slot]! += e.thousandths;
      else if (!e.isRevocable) unres[slot]! += e.thousandths;
    }
    const role = node.path;
    let fwVec = fw.allocatedByRole.get(role);
    if (fwVec === undefined) fw.allocatedByRole.set(role, (fwVec = this.space.zero()));
    if (sign === 1) {
      addInto(fwVec, all, n);
      node.frameworkSorter!.allocated(fw.id, all);
      this.roleSorter.allocated(role, all);
      this.quotaSorter.allocated(role, all);
    } else {
      subInto(fwVec, all, n);
      node.frameworkSorter!.unallocated(fw.id, all);
      this.roleSorter.unallocated(role, all);
      this.quotaSorter.unallocated(role, all);
    }
    this.roles.trackAllocated(node, unres, res, sign);
    this.afterConsumption(node);
  }

  // Scalar quantities of `resources` in a scratch vector (valid until the next call).
  #scalars(resources: Resources): ScalarVec {
    const v = this.#scratch;
    v.fill(0, 0, this.space.capacity);
    for (const e of resources.entries) if (e.type === 'SCALAR') v[this.space.slot(e.name)]! += e.thousandths;
    return v;
  }
}
