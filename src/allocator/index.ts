// Public API of src/allocator: a pure weighted hierarchical DRF allocator with quota,
// reservations, filters and suppression. See README.md for the vocabulary and the algorithm.
export {
  DEFAULT_REFUSE_SECONDS,
  HierarchicalAllocator,
  MAX_REFUSE_SECONDS,
  refuseMillis,
  type Allocator,
  type RefuseFilter,
} from './allocator.ts';
export { AllocationCycle } from './cycle.ts';
export { DEFAULT_MIN_ALLOCATABLE, type MinAllocatableSpec } from './min-allocatable.ts';
export { seededRng, seedFrom, shuffle, type Rng } from './rng.ts';
export { SorterTotal, type Sorter, type SorterKind, type SortVisitor } from './sorter.ts';
export { createSorter } from './sorter-factory.ts';
export { DrfSorter } from './drf-sorter.ts';
export { RandomSorter } from './random-sorter.ts';
export { ScalarSpace, type ScalarVec } from './vector.ts';
export { agentView, filterCount, frameworkAllocation, frameworkFilters, frameworkShare, roleShare, roleView } from './inspect.ts';
export type * from './types.ts';
export { SKIP_REASONS } from './types.ts';
