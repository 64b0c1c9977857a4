// Durations and byte sizes in the notation Mesos flags and environment variables use
// (stout's Duration and Bytes): `15secs`, `3mins`, `2weeks`, `100ms`; `512MB`, `2GB`.
// We also accept the short forms operators type out of habit (`15s`, `3m`, `1h`, `2d`).

const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  secs: 1000,
  sec: 1000,
  s: 1000,
  mins: 60_000,
  min: 60_000,
  m: 60_000,
  hrs: 3_600_000,
  hr: 3_600_000,
  h: 3_600_000,
  days: 86_400_000,
  day: 86_400_000,
  d: 86_400_000,
  weeks: 604_800_000,
  week: 604_800_000,
  w: 604_800_000,
};

const NUMBER_AND_UNIT = /^\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([a-zA-Z]+)\s*$/;

/** Parses a duration to milliseconds; throws a RangeError naming the input when it cannot. */
export function parseDuration(text: string): number {
  const m = NUMBER_AND_UNIT.exec(text);
  const unit = m ? DURATION_UNITS_MS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new RangeError(`invalid duration '${text}': expected a number and a unit (ns, us, ms, secs, mins, hrs, days, weeks)`);
  }
  return Number(m[1]) * unit;
}

/** Formats milliseconds the way stout prints a Duration (`5secs`, `15mins`, `100ms`). */
export function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [604_800_000, 'weeks'],
    [86_400_000, 'days'],
    [3_600_000, 'hrs'],
    [60_000, 'mins'],
    [1000, 'secs'],
    [1, 'ms'],
  ];
  for (const [size, name] of units) {
    if (Math.abs(ms) >= size) return `${+(ms / size).toPrecision(12)}${name}`;
  }
  if (ms === 0) return '0ns';
  return Math.abs(ms) >= 1e-3 ? `${+(ms * 1000).toPrecision(12)}us` : `${+(ms * 1e6).toPrecision(12)}ns`;
}

const BYTE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** Parses a byte size (`512MB`, `2GB`; powers of 1024, as stout's Bytes) to bytes. */
export function parseBytes(text: string): number {
  const m = NUMBER_AND_UNIT.exec(text);
  const unit = m ? BYTE_UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) < 0) {
    throw new RangeError(`invalid byte size '${text}': expected a non-negative number and a unit (B, KB, MB, GB, TB)`);
  }
  return Math.round(Number(m[1]) * unit);
}

/** Formats bytes as stout does: the largest unit that divides evenly (`2GB`, `1536MB`). */
export function formatBytes(bytes: number): string {
  for (const [name, size] of Object.entries(BYTE_UNITS).reverse()) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${name}`;
  }
  return `${bytes}B`;
}
