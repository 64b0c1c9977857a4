// Invariants the simulation checks after every step. Each throws a SimViolation naming the seed,
// the cycle and the clock, so a failure can be replayed exactly.
import assert from 'node:assert/strict';
import { Resources, isRoleInSubtree } from '../../src/common/resources/index.ts';
import { agentView, roleView, type OfferDecision } from '../../src/allocator/index.ts';
import { capabilityBits } from '../../src/allocator/frameworks.ts';
import { CAP_GPU, capableOf } from '../../src/allocator/resource-math.ts';
import type { FakeFramework } from './fake-framework.ts';
import { takeScalars } from './fake-framework.ts';
import type { SimCluster } from './harness.ts';

export class SimViolation extends Error {
  constructor(sim: SimCluster, message: string) {
    super(`${message} (seed ${sim.options.seed}, cycle ${sim.cycles}, now ${sim.now} ms)`);
    this.name = 'SimViolation';
  }
}

function check(sim: SimCluster, condition: boolean, message: () => string): void {
  if (!condition) throw new SimViolation(sim, message());
}

/** Offers are legal: right agent state, role, capabilities, reservations, and no refused resources. */
export function checkOffers(sim: SimCluster, offers: readonly OfferDecision[]): void {
  // A shared volume may be offered while in use, but at most once per cycle.
  const sharedSeen = new Set<string>();
  for (const o of offers) {
    for (const e of o.resources.shared().entries) {
      const key = `${o.agentId}\u0000${e.identity.key}`;
      check(sim, !sharedSeen.has(key), () => `shared ${e.toString()} on '${o.agentId}' offered twice in one cycle`);
      sharedSeen.add(key);
    }
  }
  for (const o of offers) {
    const fw = sim.frameworks.get(o.frameworkId)!;
    const caps = capabilityBits(['MULTI_ROLE', ...fw.capabilities]);
    check(sim, !sim.draining.has(o.agentId), () => `offer on draining agent '${o.agentId}'`);
    check(sim, fw.roles.includes(o.role), () => `offer to '${fw.id}' for a role it does not have: '${o.role}'`);
    check(sim, !fw.suppressed, () => `offer to suppressed framework '${fw.id}'`);
    check(sim, !o.resources.isEmpty(), () => 'empty offer');
    const agentTotal = sim.agents.get(o.agentId)!.total;
    check(sim, (agentTotal.gpus() ?? 0) === 0 || (caps & CAP_GPU) !== 0, () => `GPU agent '${o.agentId}' offered to '${fw.id}'`);
    for (const e of o.resources.entries) {
      check(sim, e.allocationRole === o.role, () => `entry ${e.toString()} not allocated to '${o.role}'`);
      check(sim, e.isAllocatableTo(o.role), () => `reserved ${e.toString()} offered to role '${o.role}'`);
      check(sim, capableOf(e, caps), () => `${e.toString()} offered to incapable '${fw.id}'`);
    }
    const offered = o.resources.unallocate();
    for (const r of sim.refusalsOf(o.frameworkId, o.agentId)) {
      if (r.role !== o.role || sim.now >= r.until) continue;
      check(sim, !r.refused.contains(offered), () => `'${fw.id}' offered ${offered.toString()} on '${o.agentId}' it refused until ${r.until}`);
    }
  }
}

/**
 * Nothing is offered twice and no agent is over-committed: per agent, running tasks plus new
 * offers fit in the total, and the allocator's books match the harness's, holding by holding.
 */
export function checkAccounting(sim: SimCluster, offers: readonly OfferDecision[]): void {
  const expected = new Map<string, Map<string, Resources>>();
  const add = (agentId: string, key: string, r: Resources): void => {
    let m = expected.get(agentId);
    if (m === undefined) expected.set(agentId, (m = new Map()));
    m.set(key, (m.get(key) ?? Resources.EMPTY).add(r));
  };
  for (const t of sim.tasks) add(t.agentId, `${t.frameworkId}\u0000${t.role}`, t.resources);
  for (const o of offers) add(o.agentId, `${o.frameworkId}\u0000${o.role}`, o.resources);
  for (const [agentId, agent] of sim.agents) {
    const mine = expected.get(agentId) ?? new Map<string, Resources>();
    let used = Resources.EMPTY;
    for (const r of mine.values()) used = used.add(r.unallocate().nonShared());
    check(sim, agent.total.contains(used), () => `agent '${agentId}' over-committed: ${used.toString()} > ${agent.total.toString()}`);
    const view = agentView(sim.allocator, agentId)!;
    const actual = new Map<string, Resources>();
    for (const [fwId, byRole] of view.allocated) for (const [role, r] of byRole) actual.set(`${fwId}\u0000${role}`, r);
    check(sim, actual.size === mine.size, () => `agent '${agentId}': allocator holds ${actual.size} allocations, harness ${mine.size}`);
    for (const [key, r] of mine) {
      const a = actual.get(key);
      check(sim, a !== undefined && a.equals(r), () => `agent '${agentId}' ${key.replace('\u0000', '/')}: allocator ${a?.toString()} vs harness ${r.toString()}`);
    }
    check(sim, view.available.equals(agent.total.subtract(used)), () => `agent '${agentId}' available ${view.available.toString()} != total - used`);
  }
}

/**
 * Limits are never exceeded (unreserved consumption of every subtree stays within its limit),
 * and an unmet guarantee means the cluster cannot meet it: no offerable agent has allocatable
 * free resources of that kind the role's frameworks could take.
 */
export function checkQuota(sim: SimCluster): void {
  for (const [role, quota] of Object.entries(sim.options.quotas ?? {})) {
    const view = roleView(sim.allocator, role);
    if (view === undefined) continue;
    for (const [name, limit] of Object.entries(quota.limits ?? {})) {
      const used = view.allocatedUnreserved[name] ?? 0;
      const reserved = view.reserved[name] ?? 0;
      check(sim, used <= Math.max(0, limit - reserved) + 1e-9, () => `role '${role}' holds ${used} ${name}, limit ${limit}`);
    }
  }
}

/**
 * After a cycle, guarantees got everything the cluster could give: no hungry, unsuppressed
 * framework may be left with a positive guarantee allowance for a resource that some offerable
 * agent still has free (allocatably) and no limit on its path stops. The allowance comes from a
 * reference model of nested guarantees written here from the definition in
 * src/allocator/README.md, independently of src/allocator/quota.ts.
 */
export function checkGuarantees(sim: SimCluster): void {
  const quotas = sim.options.quotas ?? {};
  if (!Object.values(quotas).some((q) => Object.keys(q.guarantees ?? {}).length > 0)) return;
  const model = new GuaranteeModel(sim);
  for (const fw of sim.frameworks.values()) {
    if (!fw.hungry || fw.suppressed) continue;
    for (const role of fw.roles) {
      for (const name of ['cpus', 'mem']) {
        const allowance = Math.min(model.allowance(role, name), model.limitSlack(role, name));
        if (allowance <= 0) continue;
        for (const [agentId, agent] of sim.agents) {
          if (sim.draining.has(agentId) || (agent.total.gpus() ?? 0) > 0) continue;
          const free = availableOn(sim, agentId).filter((e) => e.isUnreserved && !e.isRevocable);
          const amount = Math.min(free.scalar(name) ?? 0, allowance);
          const allocatable = name === 'cpus' ? amount >= 0.01 : amount >= 32;
          check(sim, !allocatable, () => `'${fw.id}' in '${role}' may still take ${allowance} ${name} of guarantee, agent '${agentId}' has ${free.scalar(name)} free`);
        }
      }
    }
  }
}

// Nested guarantees by definition: need(A) = max(0, guarantee(A) - consumed(A), sum of the
// children's needs); a role's frameworks may take its own unmet guarantee plus the "spare" of
// every ancestor (need beyond the needs of its children), never another subtree's need.
class GuaranteeModel {
  readonly #sim: SimCluster;
  readonly #roles: string[];
  readonly #need = new Map<string, number>();

  constructor(sim: SimCluster) {
    this.#sim = sim;
    const all = new Set<string>();
    const addWithAncestors = (r: string): void => {
      const parts = r.split('/');
      for (let i = 1; i <= parts.length; i++) all.add(parts.slice(0, i).join('/'));
    };
    for (const r of Object.keys(sim.options.quotas ?? {})) addWithAncestors(r);
    for (const f of sim.frameworks.values()) for (const r of f.roles) addWithAncestors(r);
    this.#roles = [...all];
  }

  #children(role: string): string[] {
    return this.#roles.filter((r) => r.startsWith(`${role}/`) && !r.slice(role.length + 1).includes('/'));
  }

  need(role: string, name: string): number {
    const key = `${role}\u0000${name}`;
    const cached = this.#need.get(key);
    if (cached !== undefined) return cached;
    const g = this.#sim.options.quotas?.[role]?.guarantees?.[name];
    const consumed = roleView(this.#sim.allocator, role)?.consumed[name] ?? 0;
    let need = this.#children(role).reduce((sum, c) => sum + this.need(c, name), 0);
    if (g !== undefined) need = Math.max(need, g - consumed);
    need = Math.max(0, need);
    this.#need.set(key, need);
    return need;
  }

  allowance(role: string, name: string): number {
    const parts = role.split('/');
    let avail = this.need(parts[0]!, name);
    for (let i = 1; i <= parts.length; i++) {
      const at = parts.slice(0, i).join('/');
      const earmarked = this.#children(at).reduce((sum, c) => sum + this.need(c, name), 0);
      avail -= earmarked;
      if (i < parts.length) avail += this.need(parts.slice(0, i + 1).join('/'), name);
    }
    return Math.max(0, avail);
  }

  limitSlack(role: string, name: string): number {
    let slack = Infinity;
    for (const [r, quota] of Object.entries(this.#sim.options.quotas ?? {})) {
      const limit = quota.limits?.[name];
      if (limit === undefined || !isRoleInSubtree(role, r)) continue;
      slack = Math.min(slack, limit - (roleView(this.#sim.allocator, r)?.consumed[name] ?? 0));
    }
    return slack;
  }
}

/** Whether some offerable agent has free room for one of the framework's tasks, unfiltered. */
export function someAgentFits(sim: SimCluster, fw: FakeFramework): boolean {
  const caps = capabilityBits(['MULTI_ROLE', ...fw.capabilities]);
  for (const [agentId, agent] of sim.agents) {
    if (sim.draining.has(agentId)) continue;
    if ((agent.total.gpus() ?? 0) > 0 && (caps & CAP_GPU) === 0) continue;
    const free = availableOn(sim, agentId);
    for (const role of fw.roles) {
      const usable = free.filter((e) => e.isAllocatableTo(role) && capableOf(e, caps));
      if (takeScalars(usable, fw.policy.task) === undefined) continue;
      const filtered = sim.refusalsOf(fw.id, agentId).some((r) => r.role === role && sim.now < r.until && r.refused.contains(usable));
      if (!filtered) return true;
    }
  }
  return false;
}

// What the allocator has free on an agent (read directly: agentView builds maps).
function availableOn(sim: SimCluster, agentId: string): Resources {
  return sim.allocator.core.agents.get(agentId)!.available;
}

/** Dominant share of a framework over its running tasks (for convergence checks). */
export function dominantShare(sim: SimCluster, frameworkId: string): number {
  let cpus = 0;
  let mem = 0;
  let totalCpus = 0;
  let totalMem = 0;
  for (const a of sim.agents.values()) {
    totalCpus += a.total.cpus() ?? 0;
    totalMem += a.total.mem() ?? 0;
  }
  for (const t of sim.tasks) {
    if (t.frameworkId !== frameworkId) continue;
    cpus += t.resources.cpus() ?? 0;
    mem += t.resources.mem() ?? 0;
  }
  assert.ok(totalCpus > 0 && totalMem > 0);
  return Math.max(cpus / totalCpus, mem / totalMem);
}
