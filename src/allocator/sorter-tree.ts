// The tree both sorters are built on: clients, implicit internal nodes, activity, weights and
// allocation bookkeeping. Subclasses decide only how the active children of a node are ordered.
//
// Shape (hierarchical): clients `a`, `a/b`, `a/b/c`, `d` give
//
//   root ── a (internal) ── . (leaf, client `a`)
//        │                └─ b (internal) ── . (leaf, client `a/b`)
//        │                                 └─ c (leaf, client `a/b/c`)
//        └─ d (leaf, client `d`)
//
// A client that also has descendants is a leaf named `.` under the internal node of its own path
// (Mesos's "virtual leaf"), so its own allocation competes with its children's subtrees. Each
// internal node's allocation is the sum of its subtree. Only nodes with an active leaf below them
// sit in their parent's `order`, so suppressed or idle clients cost nothing during a walk.
import { InvariantError, invariant } from '../common/errors.ts';
import type { ChunkedOrder } from './chunked-order.ts';
import type { Rng } from './rng.ts';
import type { SortVisitor, Sorter, SorterKind, SorterTotal } from './sorter.ts';
import { addInto, dominantShare, subInto, type ScalarVec } from './vector.ts';

/** One node of a sorter tree. Fields are public to the two sorter implementations only. */
export class SorterNode {
  /** Full path (hierarchical) or client id (flat); internal node and virtual leaf share it. */
  readonly name: string;
  /** Key under the parent: the last path segment, or `.` for a virtual leaf. */
  key: string;
  parent: SorterNode | null;
  readonly isLeaf: boolean;
  /** Children by key (internal nodes only). */
  readonly children: Map<string, SorterNode> | null;
  /** Children with at least one active leaf below them (random sorter). */
  readonly order: SorterNode[];
  /** Own allocation (leaf) or subtree allocation (internal). */
  readonly alloc: ScalarVec;
  /** Allocations made to this node's subtree (a tie-break: fewer first). */
  count = 0;
  weight = 1;
  /** Weighted dominant share, kept current by the DRF sorter. */
  share = 0;
  /** The (share, count) the node was placed in its parent's `order` with (DRF only). */
  keyShare = 0;
  keyCount = 0;
  /** Leaf: the client is active. Internal: unused (see activeLeaves). */
  active = false;
  activeLeaves = 0;
  inOrder = false;
  dirty = false;
  /** Position in the parent's `order` (random sorter only). */
  orderIndex = -1;
  /** Active children in DRF order (DRF sorter, internal nodes only). */
  drfOrder: ChunkedOrder<SorterNode> | null = null;

  constructor(name: string, key: string, parent: SorterNode | null, isLeaf: boolean, alloc: ScalarVec) {
    this.name = name;
    this.key = key;
    this.parent = parent;
    this.isLeaf = isLeaf;
    this.children = isLeaf ? null : new Map();
    this.order = [];
    this.alloc = alloc;
  }

  /** Whether the node belongs in its parent's order. */
  get live(): boolean {
    return this.isLeaf ? this.active : this.activeLeaves > 0;
  }
}

type Pending = () => void;

/** Tree bookkeeping shared by the DRF and random sorters. */
export abstract class TreeSorter implements Sorter {
  abstract readonly kind: SorterKind;
  protected readonly total: SorterTotal;
  protected readonly hierarchical: boolean;
  protected readonly root: SorterNode;
  protected readonly clients = new Map<string, SorterNode>();
  protected readonly internals = new Map<string, SorterNode>();
  readonly #weights = new Map<string, number>();
  #walking = 0;
  readonly #pending: Pending[] = [];

  /**
   * @param total the shared cluster total shares are computed against
   * @param hierarchical split client names on `/` into a tree (role sorter); false for the flat
   *   per-role framework sorters, whose client names are opaque ids
   */
  constructor(total: SorterTotal, hierarchical: boolean) {
    this.total = total;
    this.hierarchical = hierarchical;
    this.root = new SorterNode('', '', null, false, total.space.zero());
  }

  get size(): number {
    return this.clients.size;
  }

  /** Counts by scanning the clients (for tests and diagnostics, not the hot path). */
  get activeCount(): number {
    let n = 0;
    for (const leaf of this.clients.values()) if (leaf.active) n++;
    return n;
  }

  // Hooks for the ordering policy.
  protected abstract insertOrdered(parent: SorterNode, node: SorterNode): void;
  protected abstract removeOrdered(parent: SorterNode, node: SorterNode): void;
  /** Replaces `from` by `to` at the same place in `parent.order` (leaf/internal conversion). */
  protected abstract replaceOrdered(parent: SorterNode, from: SorterNode, to: SorterNode): void;
  /** Forgets every ordered child of `parent` (it is being discarded). */
  protected abstract clearOrdered(parent: SorterNode): void;
  /** The node's allocation or weight changed. */
  protected abstract changed(node: SorterNode): void;
  /** Brings the order up to date before reading it. */
  protected abstract prepare(): void;
  /** Visits the active children of `parent` in order; returns true when the walk must stop. */
  protected abstract walkChildren(parent: SorterNode, visitor: SortVisitor, rng: Rng | undefined): boolean;

  protected computeShare(node: SorterNode): number {
    const t = this.total;
    return dominantShare(node.alloc, t.vec, t.space.size, t.excluded) / node.weight;
  }

  contains(client: string): boolean {
    return this.clients.has(client);
  }

  isActive(client: string): boolean {
    return this.clients.get(client)?.active ?? false;
  }

  add(client: string): void {
    if (this.#defer(() => this.add(client))) return;
    if (this.clients.has(client)) throw new InvariantError(`sorter client '${client}' already exists`);
    let parent = this.root;
    let key = client;
    if (this.hierarchical) {
      const segments = client.split('/');
      let path = '';
      for (let i = 0; i < segments.length - 1; i++) {
        const segment = segments[i]!;
        path = i === 0 ? segment : `${path}/${segment}`;
        parent = this.#internalChild(parent, segment, path);
      }
      key = segments[segments.length - 1]!;
      const existing = parent.children!.get(key);
      if (existing !== undefined) {
        invariant(!existing.isLeaf, `sorter client '${client}' already exists`);
        parent = existing;
        key = '.';
      }
    }
    const leaf = new SorterNode(client, key, parent, true, this.total.space.zero());
    leaf.weight = this.hierarchical ? (this.#weights.get(client) ?? 1) : 1;
    parent.children!.set(key, leaf);
    this.clients.set(client, leaf);
  }

  // Returns the internal node for `path` under `parent`, creating it, or converting a leaf that
  // sits there into an internal node with the leaf as its virtual child.
  #internalChild(parent: SorterNode, segment: string, path: string): SorterNode {
    const child = parent.children!.get(segment);
    if (child !== undefined && !child.isLeaf) return child;
    const node = new SorterNode(path, segment, parent, false, this.total.space.zero());
    node.weight = this.#weights.get(path) ?? 1;
    parent.children!.set(segment, node);
    this.internals.set(path, node);
    if (child !== undefined) {
      // The client `path` gains descendants: it moves under its new internal node as `.`.
      addInto(node.alloc, child.alloc, this.total.space.size);
      node.count = child.count;
      node.share = child.share;
      node.keyShare = child.keyShare;
      node.keyCount = child.keyCount;
      if (child.inOrder) this.replaceOrdered(parent, child, node);
      child.parent = node;
      child.key = '.';
      node.children!.set('.', child);
      if (child.active) {
        node.activeLeaves = 1;
        this.insertOrdered(node, child);
      }
    }
    return node;
  }

  remove(client: string): void {
    if (this.#defer(() => this.remove(client))) return;
    const leaf = this.clients.get(client);
    if (leaf === undefined) throw new InvariantError(`sorter client '${client}' does not exist`);
    if (leaf.active) this.deactivate(client);
    const n = this.total.space.size;
    for (let p = leaf.parent; p !== null; p = p.parent) {
      subInto(p.alloc, leaf.alloc, n);
      if (p !== this.root) this.changed(p);
    }
    let parent = leaf.parent!;
    parent.children!.delete(leaf.key);
    this.clients.delete(client);
    // Remove internal nodes left empty; collapse one left with only its virtual leaf.
    while (parent !== this.root) {
      const up = parent.parent!;
      if (parent.children!.size === 0) {
        invariant(!parent.inOrder, `empty sorter node '${parent.name}' is still ordered`);
        up.children!.delete(parent.key);
        this.internals.delete(parent.name);
        parent = up;
        continue;
      }
      const self = parent.children!.size === 1 ? parent.children!.get('.') : undefined;
      if (self !== undefined) {
        this.internals.delete(parent.name);
        self.parent = up;
        self.key = parent.key;
        up.children!.set(parent.key, self);
        if (parent.inOrder) {
          self.keyShare = parent.keyShare;
          self.keyCount = parent.keyCount;
          this.clearOrdered(parent);
          self.inOrder = false;
          this.replaceOrdered(up, parent, self);
          this.changed(self);
        }
      }
      break;
    }
  }

  activate(client: string): void {
    if (this.#defer(() => this.activate(client))) return;
    const leaf = this.#leaf(client);
    if (leaf.active) return;
    leaf.active = true;
    let node = leaf;
    while (node.parent !== null) {
      const parent = node.parent;
      this.insertOrdered(parent, node);
      parent.activeLeaves++;
      if (parent === this.root || parent.activeLeaves > 1) break;
      node = parent;
    }
  }

  deactivate(client: string): void {
    if (this.#defer(() => this.deactivate(client))) return;
    const leaf = this.#leaf(client);
    if (!leaf.active) return;
    leaf.active = false;
    let node = leaf;
    while (node.parent !== null) {
      const parent = node.parent;
      this.removeOrdered(parent, node);
      parent.activeLeaves--;
      if (parent === this.root || parent.activeLeaves > 0) break;
      node = parent;
    }
  }

  updateWeight(path: string, weight: number): void {
    invariant(weight > 0 && Number.isFinite(weight), `weight ${weight} of '${path}' must be positive`);
    if (!this.hierarchical) return;
    this.#weights.set(path, weight);
    for (const node of [this.clients.get(path), this.internals.get(path)]) {
      if (node === undefined) continue;
      node.weight = weight;
      this.changed(node);
    }
  }

  allocated(client: string, quantities: ScalarVec): void {
    const n = this.total.space.size;
    for (let node: SorterNode | null = this.#leaf(client); node !== null; node = node.parent) {
      addInto(node.alloc, quantities, n);
      node.count++;
      if (node !== this.root) this.changed(node);
    }
  }

  unallocated(client: string, quantities: ScalarVec): void {
    const n = this.total.space.size;
    for (let node: SorterNode | null = this.#leaf(client); node !== null; node = node.parent) {
      subInto(node.alloc, quantities, n);
      if (node !== this.root) this.changed(node);
    }
  }

  allocation(client: string): ScalarVec {
    return this.#leaf(client).alloc;
  }

  /** Sum of every client's allocation. */
  totalAllocation(): ScalarVec {
    return this.root.alloc;
  }

  share(client: string): number {
    return this.computeShare(this.#leaf(client));
  }

  sort(rng?: Rng): string[] {
    const out: string[] = [];
    this.walk({ visit: (c) => (out.push(c), false) }, rng);
    return out;
  }

  walk(visitor: SortVisitor, rng?: Rng): void {
    if (this.#walking === 0) this.prepare();
    this.#walking++;
    try {
      this.walkChildren(this.root, visitor, rng);
    } finally {
      this.#walking--;
      if (this.#walking === 0) this.#flushPending();
    }
  }

  // Shared recursion step: leaves are visited, internal nodes entered.
  protected visitNode(node: SorterNode, visitor: SortVisitor, rng: Rng | undefined): boolean {
    if (node.isLeaf) return visitor.visit(node.name);
    if (visitor.enter !== undefined && !visitor.enter(node.name)) return false;
    return this.walkChildren(node, visitor, rng);
  }

  #leaf(client: string): SorterNode {
    const leaf = this.clients.get(client);
    if (leaf === undefined) throw new InvariantError(`sorter client '${client}' does not exist`);
    return leaf;
  }

  #defer(op: Pending): boolean {
    if (this.#walking === 0) return false;
    this.#pending.push(op);
    return true;
  }

  #flushPending(): void {
    while (this.#pending.length > 0) {
      const ops = this.#pending.splice(0);
      for (const op of ops) op();
    }
  }
}
