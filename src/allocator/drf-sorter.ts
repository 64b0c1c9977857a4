// Weighted hierarchical DRF, kept sorted incrementally.
//
// share(node) = max over scalar resources r of allocation_r / total_r, divided by the node's
// weight; an internal node's allocation is its whole subtree's. Siblings are ordered by
// (share, allocation count, name) ascending and the tree is read in pre-order (Mesos's DRFSorter).
//
// Mesos re-sorts a dirty sorter on every `sort()` call, which the allocation loop makes once per
// agent: O(agents × frameworks × log frameworks) per cycle. Here each node remembers the key it
// was placed with; an allocation change marks the node dirty, and before the next walk each dirty
// node is moved to its new place in its parent's ChunkedOrder (binary searches plus a shift of at
// most one small chunk). A change of the cluster total changes every share, so it triggers one
// full re-sort, lazily, at the next walk.
import { ChunkedOrder } from './chunked-order.ts';
import type { Rng } from './rng.ts';
import type { SortVisitor, SorterTotal } from './sorter.ts';
import { TreeSorter, type SorterNode } from './sorter-tree.ts';

/** Orders by the node's placement key, ascending: share, then allocation count, then name. */
function compareKeys(a: SorterNode, b: SorterNode): number {
  if (a.keyShare !== b.keyShare) return a.keyShare < b.keyShare ? -1 : 1;
  if (a.keyCount !== b.keyCount) return a.keyCount - b.keyCount;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function orderOf(parent: SorterNode): ChunkedOrder<SorterNode> {
  return (parent.drfOrder ??= new ChunkedOrder(compareKeys));
}

/** Weighted DRF sorter; see the file comment for the incremental ordering. */
export class DrfSorter extends TreeSorter {
  readonly kind = 'drf' as const;
  #seenVersion = -1;
  readonly #dirty: SorterNode[] = [];

  constructor(total: SorterTotal, hierarchical = false) {
    super(total, hierarchical);
  }

  protected insertOrdered(parent: SorterNode, node: SorterNode): void {
    node.share = this.computeShare(node);
    node.keyShare = node.share;
    node.keyCount = node.count;
    node.dirty = false;
    orderOf(parent).insert(node);
    node.inOrder = true;
  }

  protected removeOrdered(parent: SorterNode, node: SorterNode): void {
    orderOf(parent).remove(node);
    node.inOrder = false;
  }

  protected replaceOrdered(parent: SorterNode, from: SorterNode, to: SorterNode): void {
    orderOf(parent).replace(from, to);
    from.inOrder = false;
    to.inOrder = true;
    to.keyShare = from.keyShare;
    to.keyCount = from.keyCount;
    if (from.dirty || to.keyCount !== to.count || to.keyShare !== this.computeShare(to)) this.changed(to);
  }

  protected clearOrdered(parent: SorterNode): void {
    parent.drfOrder?.clear();
  }

  protected changed(node: SorterNode): void {
    node.share = this.computeShare(node);
    if (node.inOrder && !node.dirty) {
      node.dirty = true;
      this.#dirty.push(node);
    }
  }

  protected prepare(): void {
    if (this.#seenVersion !== this.total.version) {
      this.#seenVersion = this.total.version;
      for (const node of this.#dirty) node.dirty = false;
      this.#dirty.length = 0;
      this.#resortAll(this.root);
      return;
    }
    const dirty = this.#dirty;
    for (let k = 0; k < dirty.length; k++) {
      const node = dirty[k]!;
      if (!node.dirty) continue;
      node.dirty = false;
      if (!node.inOrder || node.parent === null) continue;
      node.share = this.computeShare(node);
      if (node.share === node.keyShare && node.count === node.keyCount) continue;
      const order = orderOf(node.parent);
      order.remove(node);
      node.keyShare = node.share;
      node.keyCount = node.count;
      order.insert(node);
    }
    dirty.length = 0;
  }

  #resortAll(parent: SorterNode): void {
    const order = parent.drfOrder;
    if (order === null) return;
    for (const chunk of order.chunks) {
      for (const child of chunk) {
        child.share = this.computeShare(child);
        child.keyShare = child.share;
        child.keyCount = child.count;
        if (!child.isLeaf) this.#resortAll(child);
      }
    }
    order.resort();
  }

  protected walkChildren(parent: SorterNode, visitor: SortVisitor, rng: Rng | undefined): boolean {
    const order = parent.drfOrder;
    if (order === null) return false;
    const chunks = order.chunks;
    for (let c = 0; c < chunks.length; c++) {
      const chunk = chunks[c]!;
      for (let i = 0; i < chunk.length; i++) {
        if (this.visitNode(chunk[i]!, visitor, rng)) return true;
      }
    }
    return false;
  }
}
