// What the allocator keeps per agent: its total, what is offered or allocated to whom, what is
// left, and numeric summaries of both that the allocation loop reads instead of walking
// Resources entries.
import type { Resources } from '../common/resources/index.ts';
import type { ScalarSpace, ScalarVec } from './vector.ts';

/** Resources offered to or used by one framework in one role on one agent (allocated form). */
export type Holding = { readonly frameworkId: string; readonly role: string; resources: Resources };

export class AgentState {
  /** Dense index: bit position in filter bitsets, slot in the allocator's agent array. */
  readonly idx: number;
  readonly id: string;
  hostname: string | undefined;
  total: Resources;
  /** total minus everything offered or allocated (shared resources stay: they can be shared). */
  available: Resources;
  /**
   * Offered or allocated resources, one record per (framework, role). A short list: agents hold
   * a few frameworks each, and a scan beats allocating nested maps on every offer.
   */
  readonly holdings: Holding[] = [];
  /** Used resources of frameworks the allocator does not know yet, adopted by addFramework. */
  readonly orphaned = new Map<string, Resources>();
  draining = false;
  deactivated = false;
  removed = false;

  // Summaries of `total` (see refreshTotal).
  hasGpus = false;
  readonly totalScalars: ScalarVec;
  /** Unreserved non-revocable scalars of the total (what quota limits can ever apply to). */
  readonly totalQuotaScalars: ScalarVec;
  /** Unreserved revocable entries exist (offerable to a role capped by limits). */
  totalHasRevocable = false;
  /** Unreserved non-scalar entries exist (ports: offerable to a capped role, if allocatable). */
  totalHasNonScalar = false;

  // Summaries of `available` (see refreshAvailable).
  readonly availScalars: ScalarVec;
  /** Unreserved non-revocable scalars still available (this agent's share of the headroom). */
  readonly availQuotaScalars: ScalarVec;
  /** Only unreserved, non-revocable, non-shared resources are available: no per-role work. */
  simple = true;
  /** Some unreserved entry (scalar or not, revocable or not) is available. */
  hasUnreserved = false;
  hasShared = false;
  hasRevocable = false;
  /** Innermost roles of the available reserved entries. */
  availReservedRoles: string[] = [];

  constructor(idx: number, id: string, total: Resources, space: ScalarSpace) {
    this.idx = idx;
    this.id = id;
    this.total = total;
    this.available = total;
    this.totalScalars = space.zero();
    this.totalQuotaScalars = space.zero();
    this.availScalars = space.zero();
    this.availQuotaScalars = space.zero();
  }

  /** The holding of (framework, role), if any. */
  holding(frameworkId: string, role: string): Holding | undefined {
    const hs = this.holdings;
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i]!;
      if (h.frameworkId === frameworkId && h.role === role) return h;
    }
    return undefined;
  }

  /** Whether the framework holds anything here. */
  holds(frameworkId: string): boolean {
    return this.holdings.some((h) => h.frameworkId === frameworkId);
  }

  /** Drops a holding record. */
  dropHolding(h: Holding): void {
    const hs = this.holdings;
    const i = hs.indexOf(h);
    if (i < 0) return;
    const last = hs.pop()!;
    if (last !== h) hs[i] = last;
  }

  /** Holdings as framework id -> role -> resources. */
  allocated(): Map<string, Map<string, Resources>> {
    const out = new Map<string, Map<string, Resources>>();
    for (const h of this.holdings) {
      let byRole = out.get(h.frameworkId);
      if (byRole === undefined) out.set(h.frameworkId, (byRole = new Map()));
      byRole.set(h.role, h.resources);
    }
    return out;
  }

  /** Whether the agent may receive new offers. */
  get offerable(): boolean {
    return !this.draining && !this.deactivated && !this.removed;
  }

  /** Recomputes the summaries of `total`. */
  refreshTotal(space: ScalarSpace): void {
    const n0 = space.size;
    this.totalScalars.fill(0, 0, n0);
    this.totalQuotaScalars.fill(0, 0, n0);
    this.totalHasRevocable = false;
    this.totalHasNonScalar = false;
    let gpus = 0;
    for (const e of this.total.entries) {
      if (e.type === 'SCALAR') {
        const slot = space.slot(e.name);
        this.totalScalars[slot]! += e.thousandths;
        if (e.isUnreserved && !e.isRevocable) this.totalQuotaScalars[slot]! += e.thousandths;
        if (e.name === 'gpus') gpus += e.thousandths;
      }
      if (e.isUnreserved && e.isRevocable) this.totalHasRevocable = true;
      if (e.isUnreserved && e.type !== 'SCALAR') this.totalHasNonScalar = true;
    }
    this.hasGpus = gpus > 0;
  }

  /** Recomputes the summaries of `available` (after every change to it). */
  refreshAvailable(space: ScalarSpace): void {
    const n0 = space.size;
    this.availScalars.fill(0, 0, n0);
    this.availQuotaScalars.fill(0, 0, n0);
    let simple = true;
    let hasUnreserved = false;
    let hasShared = false;
    let hasRevocable = false;
    let roles: string[] | undefined;
    for (const e of this.available.entries) {
      if (e.type === 'SCALAR') {
        const slot = space.slot(e.name);
        this.availScalars[slot]! += e.thousandths;
        if (e.isUnreserved && !e.isRevocable) this.availQuotaScalars[slot]! += e.thousandths;
      }
      if (e.isUnreserved) hasUnreserved = true;
      else {
        simple = false;
        const role = e.reservationRole!;
        if (roles === undefined) roles = [role];
        else if (!roles.includes(role)) roles.push(role);
      }
      if (e.isShared) {
        hasShared = true;
        simple = false;
      }
      if (e.isRevocable) {
        hasRevocable = true;
        simple = false;
      }
    }
    this.simple = simple;
    this.hasUnreserved = hasUnreserved;
    this.hasShared = hasShared;
    this.hasRevocable = hasRevocable;
    this.availReservedRoles = roles ?? [];
  }
}
