// Quota math on the role tree: guarantees, limits, required headroom, and which roles are
// "capped". Pure arithmetic over RoleTree quantities; the allocator calls it after every change
// of consumption and uses the answers to chop offers and to (de)activate roles in its sorters.
//
// Limits hold for every subtree: a role may receive unreserved scalars only while it and every
// ancestor with a limit stay within it, so `a/b` can never take `a` past `a`'s limit:
//
//   limitSlack(R) = min over A in path(R) with a limit of max(0, limit(A) - consumed(A))
//
// Guarantees nest (Mesos never finished this: MESOS-7402). The unmet guarantee of a subtree is
//
//   need(A) = max(0, guarantee(A) - consumed(A), sum of need(C) over children C)
//
// so a parent's guarantee covers its children's, and a child's unmet guarantee is also the
// parent's. What a parent needs beyond its children's needs is "spare": any position in its
// subtree may take it. The stage-1 allowance of a role R (how much its own frameworks may take
// as guarantee) follows the path from the top-level role down:
//
//   avail(top)   = need(top)
//   avail(C)     = need(C) + (avail(A) - sum of need(C') over A's children C')   for C below A
//   allowance(R) = avail(R) - sum of need(C') over R's children C'
//
// so R gets its own unmet guarantee plus every ancestor's spare, but never what is earmarked for
// another subtree's unmet guarantee. It is zero when no role on R's path has a guarantee.
// Required headroom (what must be held back from non-quota allocations so guarantees can still
// be met) is the sum of the top-level needs.
import type { RoleNode, RoleTree } from './roles.ts';
import { copyInto, type ScalarSpace, type ScalarVec } from './vector.ts';

export class QuotaTracker {
  readonly #tree: RoleTree;
  readonly #space: ScalarSpace;
  /** Sum over top-level roles of their unmet guarantees. */
  readonly requiredHeadroom: ScalarVec;
  /** Roles with a guarantee / with a limit. */
  guaranteedRoles = 0;
  limitedRoles = 0;
  /**
   * Slots where the cluster has unreserved non-revocable resources at all: a role counts as
   * capped only when its limits are used up in every one of them.
   */
  presentMask = 0;
  readonly #scratch: ScalarVec;
  // Sum of the children's needs per role of the guarantee forest (weak: roles get pruned).
  readonly #childNeed = new WeakMap<RoleNode, ScalarVec>();

  constructor(tree: RoleTree, space: ScalarSpace) {
    this.#tree = tree;
    this.#space = space;
    this.requiredHeadroom = space.zero();
    this.#scratch = space.zero();
  }

  /** Sets a role's guarantee and limit (null for none). Call `refresh(role.top)` afterwards. */
  setQuota(role: RoleNode, guarantee: ScalarVec | null, limit: ScalarVec | null): void {
    if ((role.guarantee !== null) !== (guarantee !== null)) {
      const delta = guarantee !== null ? 1 : -1;
      this.guaranteedRoles += delta;
      for (let r: RoleNode | null = role; r !== null; r = r.parent) r.guaranteedBelow += delta;
    }
    if ((role.limit !== null) !== (limit !== null)) this.limitedRoles += limit !== null ? 1 : -1;
    role.guarantee = guarantee;
    role.limit = limit;
    this.#tree.forSubtree(role, (r) => {
      r.limitedOnPath = r.limit !== null || (r.parent?.limitedOnPath ?? false);
    });
    role.cappedMask = this.#ownCappedMask(role);
  }

  /**
   * Recomputes the needs of the top-level subtree of `top` after consumption or a guarantee
   * changed there, and updates `requiredHeadroom`. Returns whether any need changed.
   */
  refreshNeeds(top: RoleNode): boolean {
    const n = this.#space.size;
    const before = this.#scratch;
    copyInto(before, top.need, n);
    if (top.guaranteedBelow === 0) {
      top.need.fill(0, 0, n);
    } else {
      this.#computeNeed(top, n);
    }
    let changed = false;
    for (let i = 0; i < n; i++) {
      const d = top.need[i]! - before[i]!;
      if (d !== 0) {
        this.requiredHeadroom[i]! += d;
        changed = true;
      }
    }
    return changed || top.guaranteedBelow > 0;
  }

  #computeNeed(node: RoleNode, n: number): void {
    let sum = this.#childNeed.get(node);
    if (sum === undefined) this.#childNeed.set(node, (sum = this.#space.zero()));
    sum.fill(0, 0, n);
    for (const child of node.children.values()) {
      if (child.guaranteedBelow === 0) {
        child.need.fill(0, 0, n);
        continue;
      }
      this.#computeNeed(child, n);
      for (let i = 0; i < n; i++) sum[i]! += child.need[i]!;
    }
    const g = node.guarantee;
    for (let i = 0; i < n; i++) {
      let need = sum[i]!;
      if (g !== null) {
        const own = g[i]! - node.reserved[i]! - node.allocatedUnreserved[i]!;
        if (own > need) need = own;
      }
      node.need[i] = need > 0 ? need : 0;
    }
  }

  /** Writes the stage-1 allowance of `role` into `out` (see the file comment). */
  allowance(role: RoleNode, out: ScalarVec): ScalarVec {
    const n = this.#space.size;
    out.fill(0, 0, n);
    if (this.guaranteedRoles === 0) return out;
    const top = role.top;
    if (top.guaranteedBelow === 0) return out;
    // Path from the top-level role down to `role`.
    const path: RoleNode[] = [];
    for (let r: RoleNode | null = role; r !== null && r.parent !== null; r = r.parent) path.push(r);
    copyInto(out, top.need, n);
    for (let k = path.length - 1; k >= 0; k--) {
      const a = path[k]!;
      // Outside the guarantee forest nothing is earmarked further down: the spare passes as is.
      if (a.guaranteedBelow === 0) break;
      const earmarked = this.#childNeed.get(a);
      if (earmarked !== undefined) for (let i = 0; i < n; i++) out[i]! -= earmarked[i]!;
      const next = k > 0 ? path[k - 1]! : undefined;
      if (next !== undefined && next.guaranteedBelow > 0) for (let i = 0; i < n; i++) out[i]! += next.need[i]!;
    }
    for (let i = 0; i < n; i++) if (!(out[i]! > 0)) out[i] = 0;
    return out;
  }

  /** Writes limitSlack(role) into `out`: +Infinity where no limit on the path applies. */
  limitSlack(role: RoleNode, out: ScalarVec): ScalarVec {
    const n = this.#space.size;
    out.fill(Infinity, 0, n);
    if (!role.limitedOnPath) return out;
    for (let a: RoleNode | null = role; a !== null && a.parent !== null; a = a.parent) {
      const limit = a.limit;
      if (limit === null) continue;
      for (let i = 0; i < n; i++) {
        const slack = limit[i]! - a.reserved[i]! - a.allocatedUnreserved[i]!;
        const s = slack > 0 ? slack : 0;
        if (s < out[i]!) out[i] = s;
      }
    }
    return out;
  }

  /**
   * After consumption of `role` changed: updates the capped masks on its path. Returns the
   * highest role whose mask changed (its whole subtree may need re-activation), or undefined.
   */
  refreshCapped(role: RoleNode): RoleNode | undefined {
    let highest: RoleNode | undefined;
    if (!role.limitedOnPath) return undefined;
    for (let a: RoleNode | null = role; a !== null && a.parent !== null; a = a.parent) {
      if (a.limit === null) continue;
      const mask = this.#ownCappedMask(a);
      if (mask !== a.cappedMask) {
        a.cappedMask = mask;
        highest = a;
      }
    }
    return highest;
  }

  /** Whether the limits on the path leave `role` no unreserved scalar in any present slot. */
  isCapped(role: RoleNode): boolean {
    if (!role.limitedOnPath || this.presentMask === 0) return false;
    let mask = 0;
    for (let a: RoleNode | null = role; a !== null && a.parent !== null; a = a.parent) mask |= a.cappedMask;
    return (mask & this.presentMask) === this.presentMask;
  }

  #ownCappedMask(role: RoleNode): number {
    const limit = role.limit;
    if (limit === null) return 0;
    const n = this.#space.size;
    let mask = 0;
    for (let i = 0; i < n; i++) {
      if (limit[i]! - role.reserved[i]! - role.allocatedUnreserved[i]! <= 0) mask |= 1 << (i < 31 ? i : 31);
    }
    return mask;
  }
}
