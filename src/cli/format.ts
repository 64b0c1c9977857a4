// Small formatting helpers shared by the list commands.
import type { Resource, TaskState } from '../protocol/index.ts';

/** Sum of the scalar resources named `name` (all roles, reservations and allocations). */
export function scalarTotal(resources: readonly Resource[] | undefined, name: string): number {
  let total = 0;
  for (const r of resources ?? []) if (r.name === name && r.scalar) total += r.scalar.value;
  // Mesos scalars are fixed point with three decimals.
  return Math.round(total * 1000) / 1000;
}

/** `used/total`, e.g. `0.5/4` cpus or `128/7821` MB. */
export function usedOfTotal(used: number, total: number): string {
  return `${formatNumber(used)}/${formatNumber(total)}`;
}

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000);
}

/** `TASK_RUNNING` -> `RUNNING`: the prefix adds nothing in a STATE column. */
export function shortState(state: TaskState | string | undefined): string {
  if (!state) return '-';
  return state.replace(/^TASK_/, '');
}
