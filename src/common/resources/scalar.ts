// Mesos scalar arithmetic is fixed point with three decimal digits (src/common/values.cpp):
// every operation converts the double to an integer count of thousandths with llround, computes,
// and converts back. We store the integer itself, so 0.1 + 0.2 is exactly 0.3 and sums never drift.
// Integers are exact in a double up to 2^53, i.e. values up to about 9e12 (9 exabytes of MB).

/** Thousandths per unit: the resolution of every scalar resource. */
export const SCALAR_RESOLUTION = 1000;

/** Largest scalar (in units) whose thousandths are still exact integers in a double. */
export const MAX_SCALAR = Math.floor(Number.MAX_SAFE_INTEGER / SCALAR_RESOLUTION);

/**
 * Converts a wire double to integer thousandths, rounding half away from zero as C's `llround`
 * does (Math.round alone would round -0.0005 towards zero).
 */
export function toThousandths(value: number): number {
  const magnitude = Math.round(Math.abs(value) * SCALAR_RESOLUTION);
  return value < 0 ? -magnitude : magnitude;
}

/**
 * Converts integer thousandths back to a double the way Mesos does: integer quotient plus a
 * remainder in [0, 999] / 1000, so the only floating division is on a small exact input.
 */
export function fromThousandths(thousandths: number): number {
  const remainder = thousandths % SCALAR_RESOLUTION;
  return (thousandths - remainder) / SCALAR_RESOLUTION + remainder / SCALAR_RESOLUTION;
}

/** Text for a scalar in thousandths: `4`, `0.5`, `1.125` (no exponent for values in range). */
export function formatThousandths(thousandths: number): string {
  return String(fromThousandths(thousandths));
}

/**
 * Parses the text of a scalar as Mesos's `numify<double>` would for sane input: a decimal number
 * with optional sign, fraction and exponent. Infinity, NaN, hex and empty strings are refused
 * (Mesos refuses `inf` for quantities too). Returns undefined when the text is not a number.
 */
export function parseDecimal(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
