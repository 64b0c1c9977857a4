// The role tree: every role the allocator knows, implicit ancestors included, with the quantities
// quota needs, aggregated per subtree so that "consumption of `eng`" includes `eng/backend`.
//
// A role exists (Mesos §2.1 "implicit roles") while it has frameworks (subscribed, or still
// holding allocations), reservations, a non-default weight, a quota, or a descendant that does.
// `tryRemove` prunes a role and its ancestors as soon as none of that holds.
//
// Quantities (scalar vectors, thousandths; each aggregated over the role's subtree):
//   reserved             reservations to roles in the subtree, on every agent, offered or not
//   allocatedUnreserved  unreserved non-revocable scalars offered or allocated to the subtree
//   allocatedReserved    reserved scalars offered or allocated to the subtree
// consumed = reserved + allocatedUnreserved (Mesos: "reservations + unreserved allocation").
import { invariant } from '../common/errors.ts';
import { roleAncestors } from '../common/resources/index.ts';
import type { Sorter } from './sorter.ts';
import { addInto, isZero, subInto, type ScalarSpace, type ScalarVec } from './vector.ts';

/** One role of the tree (the root has path ''). */
export class RoleNode {
  readonly path: string;
  readonly parent: RoleNode | null;
  readonly children = new Map<string, RoleNode>();
  /** Explicit weight (undefined: the default 1). */
  weight: number | undefined;
  /** Quota guarantee (null: none). */
  guarantee: ScalarVec | null = null;
  /** Quota limit, +Infinity where unset (null: no limit at all). */
  limit: ScalarVec | null = null;
  /** Frameworks tracked under this role (subscribed to it or holding allocations in it). */
  readonly frameworks = new Set<string>();
  /** The per-role framework sorter (exists while frameworks are tracked). */
  frameworkSorter: Sorter | null = null;
  /** Frameworks active in `frameworkSorter` (not suppressed, not deactivated). */
  activeFrameworks = 0;
  /** Reservations whose innermost role is exactly this role. */
  readonly ownReserved: ScalarVec;
  /** Number of reserved entries (of any type) whose innermost role is this role, on all agents. */
  ownReservedEntries = 0;
  readonly reserved: ScalarVec;
  readonly allocatedUnreserved: ScalarVec;
  readonly allocatedReserved: ScalarVec;
  // Quota bookkeeping owned by QuotaTracker.
  /** Roles in this subtree (self included) that have a guarantee. */
  guaranteedBelow = 0;
  /** Unmet guarantee of this subtree (see quota.ts). */
  readonly need: ScalarVec;
  /** Slots where this role's own limit is used up. */
  cappedMask = 0;
  /** Whether this role or an ancestor has a limit. */
  limitedOnPath = false;
  /** Current activation in the stage-1 (quota) and stage-2 role sorters. */
  activeStage1 = false;
  activeStage2 = false;

  constructor(path: string, parent: RoleNode | null, space: ScalarSpace) {
    this.path = path;
    this.parent = parent;
    this.ownReserved = space.zero();
    this.reserved = space.zero();
    this.allocatedUnreserved = space.zero();
    this.allocatedReserved = space.zero();
    this.need = space.zero();
  }

  /** The top-level ancestor (or self); the root for the root. */
  get top(): RoleNode {
    if (this.parent === null || this.parent.parent === null) return this;
    let node = this.parent;
    while (node.parent !== null && node.parent.parent !== null) node = node.parent;
    return node;
  }

  /** consumed = reserved + allocatedUnreserved, written into `out`. */
  consumedInto(out: ScalarVec, n: number): ScalarVec {
    for (let i = 0; i < n; i++) out[i] = this.reserved[i]! + this.allocatedUnreserved[i]!;
    return out;
  }
}

/** All roles, by path, as a tree. */
export class RoleTree {
  readonly root: RoleNode;
  readonly #space: ScalarSpace;
  readonly #byPath = new Map<string, RoleNode>();

  constructor(space: ScalarSpace) {
    this.#space = space;
    this.root = new RoleNode('', null, space);
  }

  get(path: string): RoleNode | undefined {
    return this.#byPath.get(path);
  }

  /** Number of roles (implicit ancestors included). */
  get size(): number {
    return this.#byPath.size;
  }

  all(): IterableIterator<RoleNode> {
    return this.#byPath.values();
  }

  /** The node for `path`, creating it and any missing ancestors. */
  getOrCreate(path: string): RoleNode {
    const found = this.#byPath.get(path);
    if (found !== undefined) return found;
    const ancestors = roleAncestors(path);
    const parent = ancestors.length === 0 ? this.root : this.getOrCreate(ancestors[0]!);
    const node = new RoleNode(path, parent, this.#space);
    node.limitedOnPath = parent.limitedOnPath;
    parent.children.set(path, node);
    this.#byPath.set(path, node);
    return node;
  }

  /** Whether nothing keeps the role alive. */
  isRemovable(node: RoleNode): boolean {
    const n = this.#space.size;
    return (
      node.children.size === 0 &&
      node.frameworks.size === 0 &&
      node.weight === undefined &&
      node.guarantee === null &&
      node.limit === null &&
      node.ownReservedEntries === 0 &&
      isZero(node.ownReserved, n)
    );
  }

  /** Removes `path` and then each ancestor that nothing keeps alive any more. */
  tryRemove(path: string): void {
    let node = this.#byPath.get(path);
    while (node !== undefined && node !== this.root && this.isRemovable(node)) {
      const n = this.#space.size;
      invariant(isZero(node.allocatedUnreserved, n) && isZero(node.allocatedReserved, n), `removing role '${node.path}' with allocations`);
      const parent = node.parent!;
      parent.children.delete(node.path);
      this.#byPath.delete(node.path);
      node = parent;
    }
  }

  /**
   * Adds (sign 1) or removes (-1) `entries` reserved entries with scalar `quantities` whose
   * innermost reservation role is `role` (creating the role when adding).
   */
  trackReserved(role: string, quantities: ScalarVec, entries: number, sign: 1 | -1): RoleNode {
    const node = sign === 1 ? this.getOrCreate(role) : this.#byPath.get(role);
    invariant(node !== undefined, `untracking reservations of unknown role '${role}'`);
    const n = this.#space.size;
    const apply = sign === 1 ? addInto : subInto;
    apply(node.ownReserved, quantities, n);
    node.ownReservedEntries += sign * entries;
    for (let r: RoleNode | null = node; r !== null; r = r.parent) apply(r.reserved, quantities, n);
    return node;
  }

  /** Adds (1) or removes (-1) offered-or-allocated quantities of frameworks in `node`. */
  trackAllocated(node: RoleNode, unreserved: ScalarVec, reserved: ScalarVec, sign: 1 | -1): void {
    const n = this.#space.size;
    const apply = sign === 1 ? addInto : subInto;
    for (let r: RoleNode | null = node; r !== null; r = r.parent) {
      apply(r.allocatedUnreserved, unreserved, n);
      apply(r.allocatedReserved, reserved, n);
    }
  }

  /** Whether `node` or an ancestor has reservations (which frameworks in `node` may use). */
  reservedOnPath(node: RoleNode): boolean {
    const n = this.#space.size;
    for (let r: RoleNode | null = node; r !== null && r !== this.root; r = r.parent) {
      if (r.ownReservedEntries > 0 || !isZero(r.ownReserved, n)) return true;
    }
    return false;
  }

  /** Visits `node` and every role below it. */
  forSubtree(node: RoleNode, fn: (role: RoleNode) => void): void {
    if (node !== this.root) fn(node);
    for (const child of node.children.values()) this.forSubtree(child, fn);
  }
}
