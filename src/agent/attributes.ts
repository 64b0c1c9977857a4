// The agent's `--attributes` flag (Mesos `Attributes::parse`): `;`-separated `name:value` pairs
// such as `rack:abc;zone:west;level:10;keys:[1000-1500]`. A value is a scalar (`10`, `0.5`),
// ranges (`[1000-1500,2000-2100]`) or text; sets are not allowed in attributes. Attributes
// travel in AgentInfo and are shown by /state as a flat object.
import type { Attribute } from '../protocol/index.ts';
import { InvalidArgumentError } from '../common/errors.ts';

const SCALAR = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const RANGE_ITEM = /^(\d+)-(\d+)$/;
const NAME = /^[A-Za-z0-9_.\-/]+$/;

/** Parses one attribute value for `name`; throws a plain Error describing the problem. */
function parseAttributeValue(name: string, raw: string): Attribute {
  const value = raw.trim();
  if (value === '') throw new Error(`attribute '${name}' has an empty value`);
  if (value.startsWith('{')) throw new Error(`attribute '${name}': sets ('{...}') are not allowed in attributes`);
  if (value.startsWith('[')) {
    if (!value.endsWith(']') || value.indexOf('[', 1) !== -1 || value.indexOf(']') !== value.length - 1) {
      throw new Error(`attribute '${name}': mismatched brackets in ranges '${value}'`);
    }
    const range: { begin: number; end: number }[] = [];
    for (const item of value.slice(1, -1).split(',')) {
      const text = item.trim();
      if (text === '') continue;
      const m = RANGE_ITEM.exec(text);
      if (!m) throw new Error(`attribute '${name}': invalid range '${text}' (expected BEGIN-END with non-negative integers)`);
      const begin = Number(m[1]);
      const end = Number(m[2]);
      if (begin > end) throw new Error(`attribute '${name}': range begin ${begin} is greater than end ${end}`);
      range.push({ begin, end });
    }
    if (range.length === 0) throw new Error(`attribute '${name}': empty ranges`);
    return { name, type: 'RANGES', ranges: { range } };
  }
  if (SCALAR.test(value)) return { name, type: 'SCALAR', scalar: { value: Number(value) } };
  if (/[[\]{},\s]/.test(value)) throw new Error(`attribute '${name}': text value '${value}' may not contain brackets, braces, commas or spaces`);
  return { name, type: 'TEXT', text: { value } };
}

/**
 * Parses `--attributes`. Empty items (`a:1;;b:2`, a trailing `;`) are skipped, as Mesos does.
 * Throws InvalidArgumentError naming the item and what is wrong with it.
 */
export function parseAttributes(text: string): Attribute[] {
  const out: Attribute[] = [];
  for (const item of text.split(/[;\n]/)) {
    if (item.trim() === '') continue;
    const colon = item.indexOf(':');
    if (colon < 0 || item.indexOf(':', colon + 1) !== -1) {
      throw new InvalidArgumentError(`--attributes: '${item.trim()}' is not a 'name:value' pair`, { item });
    }
    const name = item.slice(0, colon).trim();
    if (!NAME.test(name)) {
      throw new InvalidArgumentError(`--attributes: invalid attribute name '${name}' (letters, digits, '_', '-', '.', '/')`, { item });
    }
    try {
      out.push(parseAttributeValue(name, item.slice(colon + 1)));
    } catch (err) {
      throw new InvalidArgumentError(`--attributes: ${(err as Error).message}`, { item });
    }
  }
  return out;
}

/** The legacy `/state` form: `{"rack":"abc","level":10,"keys":"[1000-1500]"}`. */
export function attributesToLegacyJSON(attributes: readonly Attribute[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const a of attributes) {
    if (a.type === 'SCALAR') out[a.name] = a.scalar?.value ?? 0;
    else if (a.type === 'RANGES') out[a.name] = `[${(a.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
    else if (a.type === 'SET') out[a.name] = `{${(a.set?.item ?? []).join(', ')}}`;
    else out[a.name] = a.text?.value ?? '';
  }
  return out;
}
