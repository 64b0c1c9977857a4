// Metrics in the Mesos shape: flat names (`master/tasks_running`), served as one JSON object by
// `/metrics/snapshot`, where a timer expands to `<name>_ms` plus `/count`, `/min`, `/max`,
// `/p50`, `/p90`, `/p95`, `/p99`, `/p999`, `/p9999`. The same values are also rendered in the
// Prometheus text format for `/metrics`.

/** How many recent samples a timer keeps for its percentiles (Mesos keeps a window too). */
const TIMER_WINDOW = 1000;

export type Counter = { inc(by?: number): void; readonly value: number };
export type Timer = { record(ms: number): void; readonly count: number };

/** One reading shared by several gauges (see `gaugeGroup`). */
type GaugeReading = () => Readonly<Record<string, number>>;

type Entry =
  | { kind: 'counter'; value: number }
  | { kind: 'gauge'; read: () => number }
  | { kind: 'grouped'; reading: GaugeReading; key: string }
  | { kind: 'timer'; samples: number[]; next: number; count: number };

const kindOf = (e: Entry): string => (e.kind === 'grouped' ? 'gauge' : e.kind);

export class Metrics {
  readonly #entries = new Map<string, Entry>();

  /** A monotonically increasing count. Asking twice for one name returns the same counter. */
  counter(name: string): Counter {
    let e = this.#entries.get(name);
    if (!e) {
      e = { kind: 'counter', value: 0 };
      this.#entries.set(name, e);
    }
    if (e.kind !== 'counter') throw new Error(`metric '${name}' is a ${kindOf(e)}, not a counter`);
    const entry = e;
    return {
      inc(by = 1) {
        entry.value += by;
      },
      get value() {
        return entry.value;
      },
    };
  }

  /** A value read when a snapshot is taken (replaces an earlier gauge of the same name). */
  gauge(name: string, read: () => number): void {
    const e = this.#entries.get(name);
    if (e && e.kind !== 'gauge' && e.kind !== 'grouped') throw new Error(`metric '${name}' is a ${e.kind}, not a gauge`);
    this.#entries.set(name, { kind: 'gauge', read });
  }

  /**
   * Gauges whose values come from one walk over the same records (every task's state, every
   * agent's resources): `read` runs at most once per snapshot and returns the value of each name
   * by its key in `gauges` (`{ metricName: key }`); a key it leaves out leaves that gauge out of
   * the snapshot. Without this, N gauges over the tasks walked the tasks N times per snapshot.
   */
  gaugeGroup(gauges: Readonly<Record<string, string>>, read: GaugeReading): void {
    for (const [name, key] of Object.entries(gauges)) {
      const e = this.#entries.get(name);
      if (e && e.kind !== 'gauge' && e.kind !== 'grouped') throw new Error(`metric '${name}' is a ${e.kind}, not a gauge`);
      this.#entries.set(name, { kind: 'grouped', reading: read, key });
    }
  }

  /** Removes a metric (per-framework metrics go when the framework goes). */
  remove(name: string): void {
    this.#entries.delete(name);
  }

  /** Removes every metric whose name starts with `prefix`. */
  removePrefix(prefix: string): void {
    for (const name of [...this.#entries.keys()]) if (name.startsWith(prefix)) this.#entries.delete(name);
  }

  /** Durations in milliseconds; the snapshot reports percentiles over the recent window. */
  timer(name: string): Timer {
    let e = this.#entries.get(name);
    if (!e) {
      e = { kind: 'timer', samples: [], next: 0, count: 0 };
      this.#entries.set(name, e);
    }
    if (e.kind !== 'timer') throw new Error(`metric '${name}' is a ${kindOf(e)}, not a timer`);
    const entry = e;
    return {
      record(ms: number) {
        if (entry.samples.length < TIMER_WINDOW) entry.samples.push(ms);
        else entry.samples[entry.next] = ms;
        entry.next = (entry.next + 1) % TIMER_WINDOW;
        entry.count++;
      },
      get count() {
        return entry.count;
      },
    };
  }

  /** The `/metrics/snapshot` object. A gauge that throws is left out rather than failing all. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    // This snapshot's group readings; a reading that threw is remembered as undefined.
    const readings = new Map<GaugeReading, Readonly<Record<string, number>> | undefined>();
    for (const [name, e] of [...this.#entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (e.kind === 'counter') out[name] = e.value;
      else if (e.kind === 'gauge') {
        try {
          out[name] = e.read();
        } catch {
          // A broken gauge must not hide every other metric.
        }
      } else if (e.kind === 'grouped') {
        if (!readings.has(e.reading)) {
          try {
            readings.set(e.reading, e.reading());
          } catch {
            readings.set(e.reading, undefined);
          }
        }
        const value = readings.get(e.reading)?.[e.key];
        if (value !== undefined) out[name] = value;
      } else if (e.samples.length > 0) {
        const sorted = [...e.samples].sort((a, b) => a - b);
        const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
        const base = `${name}_ms`;
        out[base] = e.samples[(e.next + e.samples.length - 1) % e.samples.length]!;
        out[`${base}/count`] = e.count;
        out[`${base}/min`] = sorted[0]!;
        out[`${base}/max`] = sorted[sorted.length - 1]!;
        out[`${base}/p50`] = pct(0.5);
        out[`${base}/p90`] = pct(0.9);
        out[`${base}/p95`] = pct(0.95);
        out[`${base}/p99`] = pct(0.99);
        out[`${base}/p999`] = pct(0.999);
        out[`${base}/p9999`] = pct(0.9999);
      }
    }
    return out;
  }

  /** The snapshot in the Prometheus text exposition format (names sanitised to `[a-z0-9_]`). */
  prometheus(): string {
    const lines: string[] = [];
    for (const [name, value] of Object.entries(this.snapshot())) {
      const metric = name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^([0-9])/, '_$1');
      lines.push(`${metric} ${Number.isFinite(value) ? value : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN'}`);
    }
    return lines.join('\n') + '\n';
  }
}
