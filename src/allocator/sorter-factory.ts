// Builds a sorter of the configured kind (`--role_sorter` / `--framework_sorter` in Mesos).
import { DrfSorter } from './drf-sorter.ts';
import { RandomSorter } from './random-sorter.ts';
import type { Sorter, SorterKind, SorterTotal } from './sorter.ts';

/** A new empty sorter; `hierarchical` splits client names on `/` (the role sorter). */
export function createSorter(kind: SorterKind, total: SorterTotal, hierarchical: boolean): Sorter {
  return kind === 'drf' ? new DrfSorter(total, hierarchical) : new RandomSorter(total, hierarchical);
}
