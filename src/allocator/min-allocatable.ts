// Minimum allocatable resources (`--min_allocatable_resources`, default `cpus:0.01|mem:32`, and
// the per-framework, per-role `offer_filters[role].min_allocatable_resources`): an offer is made
// only if it holds at least one of the listed quantity sets in full. `|` is OR between sets, `;`
// AND within one; scalars compare by value, RANGES and SET resources by item count (Mesos 1.7,
// src/master/allocator/mesos/hierarchical.cpp `allocatable()`).
import { toThousandths, type Resources } from '../common/resources/index.ts';
import { itemCount } from './resource-math.ts';
import type { ScalarSpace, ScalarVec } from './vector.ts';

/** Quantities as the allocator API takes them: `[{cpus: 0.01}, {mem: 32}]` means cpus:0.01 OR mem:32. */
export type MinAllocatableSpec = ReadonlyArray<Readonly<Record<string, number>>>;

/** Mesos's default: `cpus:0.01|mem:32` (master/constants.hpp MIN_CPUS, MIN_MEM). */
export const DEFAULT_MIN_ALLOCATABLE: MinAllocatableSpec = [{ cpus: 0.01 }, { mem: 32 }];

type Requirement = { name: string; thousandths: number; slot: number };

/** A compiled min-allocatable rule. An empty rule allows anything non-empty. */
export class MinAllocatable {
  readonly #sets: Requirement[][];
  readonly #space: ScalarSpace;
  readonly spec: MinAllocatableSpec;

  constructor(spec: MinAllocatableSpec, space: ScalarSpace) {
    this.spec = spec;
    this.#space = space;
    this.#sets = spec.map((set) =>
      Object.entries(set).map(([name, value]) => ({ name, thousandths: toThousandths(value), slot: space.find(name) })),
    );
  }

  /** Whether anything non-empty is allocatable under this rule. */
  get allowsAnything(): boolean {
    return this.#sets.length === 0;
  }

  /**
   * Whether `resources` (whose scalar quantities are `scalars`) satisfy one of the sets. The
   * caller has already checked that `resources` is not empty.
   */
  allows(resources: Resources, scalars: ScalarVec): boolean {
    const sets = this.#sets;
    if (sets.length === 0) return true;
    for (let s = 0; s < sets.length; s++) {
      const set = sets[s]!;
      let ok = true;
      for (let r = 0; r < set.length; r++) {
        const req = set[r]!;
        if (req.slot < 0) req.slot = this.#space.find(req.name);
        const have = req.slot >= 0 && scalars[req.slot]! > 0 ? scalars[req.slot]! : itemCount(resources, req.name);
        if (have < req.thousandths) {
          ok = false;
          break;
        }
      }
      if (ok) return true;
    }
    return false;
  }
}
