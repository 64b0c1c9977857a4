// Weighted random order (Mesos's RandomSorter, 1.7, MESOS-8936): at each level of the tree the
// active children are drawn without replacement with probability proportional to their weight,
// afresh on every walk. Allocations are tracked (for `allocation`/`share`) but do not affect the
// order. Mesos recommends it when DRF starves frameworks with large shares.
//
// A walk draws lazily: the visitor usually stops at the first eligible client, so only the
// children actually visited are drawn (each draw is one pass over the remaining weights).
import { invariant } from '../common/errors.ts';
import type { Rng } from './rng.ts';
import type { SortVisitor, SorterTotal } from './sorter.ts';
import { TreeSorter, type SorterNode } from './sorter-tree.ts';

/**
 * Weighted random sorter; an `rng` must be passed to `sort`/`walk`. Walks of one instance must
 * not nest (each tree level reuses one scratch array); walks of different sorters may.
 */
export class RandomSorter extends TreeSorter {
  readonly kind = 'random' as const;
  readonly #scratch: SorterNode[][] = [];

  constructor(total: SorterTotal, hierarchical = false) {
    super(total, hierarchical);
  }

  protected insertOrdered(parent: SorterNode, node: SorterNode): void {
    node.orderIndex = parent.order.length;
    parent.order.push(node);
    node.inOrder = true;
  }

  protected removeOrdered(parent: SorterNode, node: SorterNode): void {
    const i = node.orderIndex;
    const order = parent.order;
    invariant(order[i] === node, `random sorter lost track of '${node.name}'`);
    const last = order.pop()!;
    if (last !== node) {
      order[i] = last;
      last.orderIndex = i;
    }
    node.orderIndex = -1;
    node.inOrder = false;
  }

  protected replaceOrdered(parent: SorterNode, from: SorterNode, to: SorterNode): void {
    parent.order[from.orderIndex] = to;
    to.orderIndex = from.orderIndex;
    from.orderIndex = -1;
    from.inOrder = false;
    to.inOrder = true;
  }

  protected clearOrdered(parent: SorterNode): void {
    parent.order.length = 0;
  }

  protected changed(node: SorterNode): void {
    node.share = this.computeShare(node);
  }

  protected prepare(): void {}

  protected walkChildren(parent: SorterNode, visitor: SortVisitor, rng: Rng | undefined): boolean {
    const order = parent.order;
    if (order.length === 0) return false;
    invariant(rng !== undefined, 'the random sorter needs an rng');
    if (order.length === 1) return this.visitNode(order[0]!, visitor, rng);
    // Copy the candidates into a per-depth scratch array, then draw without replacement.
    const depth = this.#depthOf(parent);
    const pool = (this.#scratch[depth] ??= []);
    pool.length = 0;
    let remaining = 0;
    for (const node of order) {
      pool.push(node);
      remaining += node.weight;
    }
    let n = pool.length;
    while (n > 0) {
      let r = rng() * remaining;
      let pick = n - 1;
      for (let i = 0; i < n; i++) {
        r -= pool[i]!.weight;
        if (r < 0) {
          pick = i;
          break;
        }
      }
      const node = pool[pick]!;
      remaining -= node.weight;
      pool[pick] = pool[n - 1]!;
      n--;
      if (this.visitNode(node, visitor, rng)) return true;
    }
    return false;
  }

  #depthOf(node: SorterNode): number {
    let d = 0;
    for (let p = node.parent; p !== null; p = p.parent) d++;
    return d;
  }
}
