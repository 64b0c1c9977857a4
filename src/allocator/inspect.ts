// Read-only views of allocator state for the master's endpoints (/roles, metrics), for tests
// and for the simulation's invariant checks. Quantities are returned in units ({cpus: 0.5}).
import { fromThousandths, type Resources } from '../common/resources/index.ts';
import type { HierarchicalAllocator } from './allocator.ts';
import type { OfferFilter } from './filters.ts';
import type { ScalarSpace, ScalarVec } from './vector.ts';

/** `{name: units}` of the non-zero finite slots of a vector. */
export function unitsOf(space: ScalarSpace, v: ScalarVec | null): Record<string, number> {
  const out: Record<string, number> = {};
  if (v === null) return out;
  for (const [name, t] of Object.entries(space.toRecord(v))) out[name] = fromThousandths(t);
  return out;
}

/** What the allocator holds for an agent, or undefined if unknown. */
export function agentView(
  allocator: HierarchicalAllocator,
  agentId: string,
): { total: Resources; available: Resources; allocated: Map<string, Map<string, Resources>>; offerable: boolean } | undefined {
  const agent = allocator.core.agents.get(agentId);
  if (agent === undefined) return undefined;
  return { total: agent.total, available: agent.available, allocated: agent.allocated(), offerable: agent.offerable };
}

/** Offered or allocated resources of a framework: agent id -> role -> resources. */
export function frameworkAllocation(allocator: HierarchicalAllocator, frameworkId: string): Map<string, Map<string, Resources>> {
  const core = allocator.core;
  const out = new Map<string, Map<string, Resources>>();
  const fw = core.frameworks.get(frameworkId);
  if (fw === undefined) return out;
  for (const idx of fw.holdings) {
    const agent = core.agentList[idx]!;
    const byRole = agent.allocated().get(frameworkId);
    if (byRole !== undefined) out.set(agent.id, byRole);
  }
  return out;
}

/** Quota and consumption of a role (subtree totals), or undefined if the role does not exist. */
export function roleView(
  allocator: HierarchicalAllocator,
  role: string,
):
  | {
      weight: number;
      guarantees: Record<string, number>;
      limits: Record<string, number>;
      consumed: Record<string, number>;
      reserved: Record<string, number>;
      allocatedUnreserved: Record<string, number>;
      frameworks: string[];
    }
  | undefined {
  const core = allocator.core;
  const node = core.roles.get(role);
  if (node === undefined) return undefined;
  const consumed = node.consumedInto(core.space.zero(), core.n);
  return {
    weight: node.weight ?? 1,
    guarantees: unitsOf(core.space, node.guarantee),
    limits: unitsOf(core.space, node.limit),
    consumed: unitsOf(core.space, consumed),
    reserved: unitsOf(core.space, node.reserved),
    allocatedUnreserved: unitsOf(core.space, node.allocatedUnreserved),
    frameworks: [...node.frameworks],
  };
}

/** The weighted dominant share of a framework within a role's framework sorter. */
export function frameworkShare(allocator: HierarchicalAllocator, frameworkId: string, role: string): number {
  const sorter = allocator.core.roles.get(role)?.frameworkSorter;
  return sorter?.contains(frameworkId) === true ? sorter.share(frameworkId) : 0;
}

/** The weighted dominant share of a role (its own frameworks' allocations) in the role sorter. */
export function roleShare(allocator: HierarchicalAllocator, role: string): number {
  const sorter = allocator.core.roleSorter;
  return sorter.contains(role) ? sorter.share(role) : 0;
}

/** Live offer filters of a framework, with agent ids. */
export function frameworkFilters(allocator: HierarchicalAllocator, frameworkId: string): (OfferFilter & { agentId: string })[] {
  const core = allocator.core;
  const fw = core.frameworks.get(frameworkId);
  if (fw === undefined) return [];
  return core.filters.ofFramework(fw.idx).map((f) => ({ ...f, agentId: core.agentList[f.agent]!.id }));
}

/** Number of live offer filters. */
export function filterCount(allocator: HierarchicalAllocator): number {
  return allocator.core.filters.size;
}
