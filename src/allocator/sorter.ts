// The `Sorter`: the fairness order, as a plain data structure with no clock and no I/O (Mesos's
// `Sorter` in master/allocator/mesos/sorter/sorter.hpp). The allocator keeps one role sorter over
// the role tree and one flat framework sorter per role; both answer "who is next" while the
// allocator decides "what do they get".
//
// Two implementations share one contract (sorter.contract.test.ts):
//   drf    weighted (hierarchical) Dominant Resource Fairness, kept incrementally sorted
//   random weighted random order per level, drawn afresh on every walk
//
// Vocabulary
//   client   something that receives allocations: a role path (`eng/backend`) in a hierarchical
//            sorter, an opaque framework id in a flat one
//   internal an implicit node for a path prefix (`eng` when only `eng/backend` is a client); its
//            allocation is the sum of its subtree, and it competes with its siblings as a whole
//   active   only active clients are returned by `sort`/`walk`; inactive ones keep their
//            allocations (a suppressed framework still holds resources)
import type { Rng } from './rng.ts';
import { type ScalarSpace, type ScalarVec } from './vector.ts';

/** Which ordering a sorter implements (`--role_sorter` / `--framework_sorter` in Mesos). */
export type SorterKind = 'drf' | 'random';

/**
 * The cluster total that shares are relative to. One instance is shared by the role sorter and
 * every framework sorter; `version` changes whenever the total does, so each sorter re-sorts
 * lazily instead of on every agent added.
 */
export class SorterTotal {
  readonly space: ScalarSpace;
  readonly vec: ScalarVec;
  /** Slots left out of share computation (`fair_sharing_excluded_resource_names`). */
  readonly excluded: Uint8Array;
  version = 0;

  constructor(space: ScalarSpace, excludedNames: readonly string[] = []) {
    this.space = space;
    this.vec = space.zero();
    this.excluded = new Uint8Array(space.capacity);
    for (const name of excludedNames) this.excluded[space.slot(name)] = 1;
  }

  add(quantities: ScalarVec): void {
    const n = this.space.size;
    for (let i = 0; i < n; i++) this.vec[i]! += quantities[i]!;
    this.version++;
  }

  subtract(quantities: ScalarVec): void {
    const n = this.space.size;
    for (let i = 0; i < n; i++) this.vec[i]! -= quantities[i]!;
    this.version++;
  }
}

/** Callbacks for `Sorter.walk`, the allocation loop's way of reading the order lazily. */
export interface SortVisitor {
  /**
   * Called before the subtree of an internal node (hierarchical sorters only); return false to
   * skip the whole subtree. Omitted: every subtree is entered.
   */
  enter?(path: string): boolean;
  /** Called for each active client in order; return true to stop the walk. */
  visit(client: string): boolean;
}

/**
 * A fairness order over clients. Mutations made while a walk is in progress (add, remove,
 * activate, deactivate) are applied when the outermost walk returns, so a visitor may change
 * state freely; allocation changes are recorded at once and reorder lazily.
 */
export interface Sorter {
  readonly kind: SorterKind;
  /** Number of clients (active or not). */
  readonly size: number;
  /** Number of active clients. */
  readonly activeCount: number;

  /** Adds an inactive client with no allocation. Adding an existing client is a bug. */
  add(client: string): void;
  /** Removes a client; its allocation leaves its ancestors' totals. */
  remove(client: string): void;
  contains(client: string): boolean;
  activate(client: string): void;
  deactivate(client: string): void;
  isActive(client: string): boolean;

  /** Sets the weight of a path (a client, an internal node, or a path not yet present). */
  updateWeight(path: string, weight: number): void;

  /** Records that `client` was allocated `quantities` (counts as one allocation). */
  allocated(client: string, quantities: ScalarVec): void;
  /** Records that `client` gave back `quantities`. */
  unallocated(client: string, quantities: ScalarVec): void;
  /** The client's current allocation (a live view: do not mutate). */
  allocation(client: string): ScalarVec;
  /** The client's weighted dominant share against the current total. */
  share(client: string): number;

  /** The active clients, in order. */
  sort(rng?: Rng): string[];
  /** Visits active clients in order without building a list; see `SortVisitor`. */
  walk(visitor: SortVisitor, rng?: Rng): void;
}
