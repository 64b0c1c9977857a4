// What the allocator keeps per framework: roles, suppression, capabilities, per-role minimum
// allocatable overrides, scalar allocation per role, and per-cycle diagnostics.
import {
  CAP_GPU,
  CAP_MULTI_ROLE,
  CAP_REFINEMENT,
  CAP_REVOCABLE,
  CAP_SHARED,
} from './resource-math.ts';
import { MinAllocatable } from './min-allocatable.ts';
import type { FrameworkSpec, SkipReason } from './types.ts';
import { SKIP_REASONS } from './types.ts';
import type { ScalarSpace, ScalarVec } from './vector.ts';

const CAPABILITY_BITS: Readonly<Record<string, number>> = {
  MULTI_ROLE: CAP_MULTI_ROLE,
  GPU_RESOURCES: CAP_GPU,
  REVOCABLE_RESOURCES: CAP_REVOCABLE,
  SHARED_RESOURCES: CAP_SHARED,
  RESERVATION_REFINEMENT: CAP_REFINEMENT,
};

/** Capability bits of a list of FrameworkInfo capability names (unknown names are ignored). */
export function capabilityBits(names: readonly string[] | undefined): number {
  let bits = 0;
  for (const name of names ?? []) bits |= CAPABILITY_BITS[name] ?? 0;
  return bits;
}

export const SKIP_INDEX: Readonly<Record<SkipReason, number>> = Object.fromEntries(SKIP_REASONS.map((r, i) => [r, i])) as Record<
  SkipReason,
  number
>;

export class FrameworkState {
  /** Dense index: bit position in filter bitsets. */
  readonly idx: number;
  readonly id: string;
  roles = new Set<string>();
  suppressed = new Set<string>();
  active = true;
  caps = 0;
  minAllocatable = new Map<string, MinAllocatable>();
  /** Scalars offered or allocated per role, over all agents. */
  readonly allocatedByRole = new Map<string, ScalarVec>();
  /** Number of agents holding allocations per role. */
  readonly agentsByRole = new Map<string, number>();
  /** Indices of the agents where it holds anything. */
  readonly holdings = new Set<number>();
  /** Roles under which the framework sits in a framework sorter. */
  readonly tracked = new Set<string>();
  /** Roles in whose framework sorter it is currently active. */
  readonly activeIn = new Set<string>();
  removed = false;

  // Diagnostics of the current cycle, reset lazily when `cycleId` changes.
  cycleId = -1;
  readonly offersByRole = new Map<string, number>();
  readonly skipsByRole = new Map<string, Int32Array>();

  constructor(idx: number, spec: FrameworkSpec, space: ScalarSpace) {
    this.idx = idx;
    this.id = spec.frameworkId;
    this.apply(spec, space);
  }

  /** Takes roles, capabilities, suppressed roles and min-allocatable overrides from `spec`. */
  apply(spec: FrameworkSpec, space: ScalarSpace): void {
    this.roles = new Set(spec.roles);
    this.caps = capabilityBits(spec.capabilities);
    this.suppressed = new Set((spec.suppressedRoles ?? []).filter((r) => this.roles.has(r)));
    this.minAllocatable = new Map(Object.entries(spec.minAllocatable ?? {}).map(([role, s]) => [role, new MinAllocatable(s, space)]));
  }

  /** Whether the framework should be active in the framework sorter of `role`. */
  wantsOffers(role: string): boolean {
    return this.active && !this.removed && this.roles.has(role) && !this.suppressed.has(role);
  }

  /** Starts the diagnostics of cycle `id` if not yet started. */
  touchCycle(id: number): void {
    if (this.cycleId === id) return;
    this.cycleId = id;
    this.offersByRole.clear();
    this.skipsByRole.clear();
  }

  noteSkip(cycle: number, role: string, reason: SkipReason): void {
    this.touchCycle(cycle);
    let counts = this.skipsByRole.get(role);
    if (counts === undefined) this.skipsByRole.set(role, (counts = new Int32Array(SKIP_REASONS.length)));
    counts[SKIP_INDEX[reason]]!++;
  }

  noteOffer(cycle: number, role: string): void {
    this.touchCycle(cycle);
    this.offersByRole.set(role, (this.offersByRole.get(role) ?? 0) + 1);
  }
}
