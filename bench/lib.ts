// Shared shape of benchmark results (DESIGN.md "Benchmark results"): one row per figure, written
// to bench/results/NAME.json and printed as a table. Targets never fail a test run.
import { writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

export type BenchRow = {
  scenario: string;
  metric: string;
  /** null when the scenario could not run; `reason` then says why. */
  value: number | null;
  unit: string;
  target?: number;
  /** Whether the target is an upper bound ('max', e.g. ms) or a lower bound ('min', e.g. ops/s). */
  targetKind?: 'max' | 'min';
  anchor?: string;
  reason?: string;
};

export type BenchOptions = { quick: boolean; args: string[] };

/** A benchmark module under bench/ exports `run`. */
export type Bench = { run(opts: BenchOptions): Promise<BenchRow[]> | BenchRow[] };

export type BenchResultRow = Omit<BenchRow, 'targetKind'> & { met?: boolean };

export function finish(name: string, rows: BenchRow[]): BenchResultRow[] {
  const results = rows.map(({ targetKind, ...r }): BenchResultRow => {
    if (r.target === undefined || r.value === null) return r.value === null ? { ...r, met: false } : r;
    const met = (targetKind ?? 'max') === 'max' ? r.value <= r.target : r.value >= r.target;
    return { ...r, met };
  });
  const out = {
    machine: { cpus: availableParallelism(), node: process.version, date: new Date().toISOString() },
    results,
  };
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(out, null, 2) + '\n');
  printTable(name, results);
  return results;
}

function printTable(name: string, rows: BenchResultRow[]): void {
  const fmt = (v: number | null | undefined): string =>
    v === null || v === undefined ? '-' : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(+v.toPrecision(4));
  const table = rows.map((r) => ({
    scenario: r.scenario,
    metric: r.metric,
    value: fmt(r.value),
    unit: r.unit,
    target: fmt(r.target),
    met: r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    note: r.reason ?? r.anchor ?? '',
  }));
  const cols = Object.keys(table[0] ?? { scenario: '' }) as (keyof (typeof table)[number])[];
  const width = (c: (typeof cols)[number]): number => Math.max(c.length, ...table.map((t) => String(t[c]).length));
  const line = (cells: Record<string, string>): string => cols.map((c) => String(cells[c]).padEnd(width(c))).join('  ');
  console.log(`\n${name}`);
  console.log(line(Object.fromEntries(cols.map((c) => [c, c]))));
  for (const t of table) console.log(line(t));
  console.log(`\nwritten to bench/results/${name}.json`);
}
