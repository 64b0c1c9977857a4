// Resource quantities: name -> amount, with no roles, reservations or other metadata (Mesos
// `ResourceQuantities`, src/common/resource_quantities.cpp). Used for quota guarantees and
// limits, `min_allocatable_resources`, and DRF shares. Amounts are non-negative integer
// thousandths; a zero amount is never stored. Immutable.
import { InvalidArgumentError } from '../errors.ts';
import type { Resources } from './resources.ts';
import { formatThousandths, fromThousandths, toThousandths } from './scalar.ts';
import { parseValueText, splitTextItems } from './text.ts';

export class ResourceQuantities {
  static readonly EMPTY: ResourceQuantities = new ResourceQuantities([], []);

  // Parallel arrays sorted by name, as Mesos keeps them, so that merges are linear.
  private readonly names: readonly string[];
  private readonly amounts: readonly number[];

  private constructor(names: readonly string[], amounts: readonly number[]) {
    this.names = names;
    this.amounts = amounts;
  }

  /** From (name, thousandths) pairs in any order; equal names add up, zeros are dropped. */
  static fromThousandths(pairs: Iterable<readonly [string, number]>): ResourceQuantities {
    const totals = new Map<string, number>();
    for (const [name, t] of pairs) {
      if (!Number.isSafeInteger(t) || t < 0) throw new InvalidArgumentError(`invalid quantity ${t} thousandths for '${name}'`);
      if (t > 0) totals.set(name, (totals.get(name) ?? 0) + t);
    }
    const names = [...totals.keys()].sort();
    return names.length === 0 ? ResourceQuantities.EMPTY : new ResourceQuantities(names, names.map((n) => totals.get(n)!));
  }

  /**
   * From the wire map `map<string, Value.Scalar>` used by QuotaConfig guarantees/limits and
   * offer filters' min_allocatable_resources: `{"cpus":{"value":1},"mem":{"value":32}}`.
   */
  static fromScalarMap(map: Readonly<Record<string, { value: number }>>): ResourceQuantities {
    return ResourceQuantities.fromThousandths(
      Object.entries(map).map(([name, scalar]) => {
        const value = scalar.value;
        if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`invalid quantity ${value} for '${name}'`);
        return [name, toThousandths(value)] as const;
      }),
    );
  }

  /**
   * Quantities of all resources (Mesos `fromResources`): scalars by value, ranges by how many
   * integers they cover, sets by item count, summed over roles and other metadata.
   */
  static fromResources(resources: Resources): ResourceQuantities {
    return ResourceQuantities.fromThousandths(resources.entries.map((e) => [e.name, e.quantityThousandths] as const));
  }

  /** Quantities of the scalar resources only (Mesos `fromScalarResources`, `toQuantities`). */
  static fromScalarResources(resources: Resources): ResourceQuantities {
    return ResourceQuantities.fromThousandths(
      resources.entries.filter((e) => e.type === 'SCALAR').map((e) => [e.name, e.thousandths] as const),
    );
  }

  get size(): number {
    return this.names.length;
  }

  isEmpty(): boolean {
    return this.names.length === 0;
  }

  /** Amount of `name` in thousandths; 0 when absent. */
  thousandths(name: string): number {
    const i = this.names.indexOf(name);
    return i === -1 ? 0 : this.amounts[i]!;
  }

  /** Amount of `name` as a double; 0 when absent. */
  get(name: string): number {
    return fromThousandths(this.thousandths(name));
  }

  /** Pairs (name, amount as a double), sorted by name. */
  entries(): [string, number][] {
    return this.names.map((n, i) => [n, fromThousandths(this.amounts[i]!)]);
  }

  /** Pairs (name, thousandths), sorted by name. */
  thousandthsEntries(): [string, number][] {
    return this.names.map((n, i) => [n, this.amounts[i]!]);
  }

  add(that: ResourceQuantities): ResourceQuantities {
    if (that.isEmpty()) return this;
    if (this.isEmpty()) return that;
    return this.merge(that, (a, b) => a + b);
  }

  /** Subtracts per name; amounts that become zero or negative are dropped (Mesos `-=`). */
  subtract(that: ResourceQuantities): ResourceQuantities {
    if (that.isEmpty() || this.isEmpty()) return this;
    return this.merge(that, (a, b) => a - b);
  }

  /** Whether every amount of `that` is at most the amount here. */
  contains(that: ResourceQuantities): boolean {
    let i = 0;
    for (let j = 0; j < that.names.length; j++) {
      const name = that.names[j]!;
      while (i < this.names.length && this.names[i]! < name) i++;
      if (i >= this.names.length || this.names[i] !== name || this.amounts[i]! < that.amounts[j]!) return false;
    }
    return true;
  }

  equals(that: ResourceQuantities): boolean {
    if (this.names.length !== that.names.length) return false;
    return this.names.every((n, i) => n === that.names[i] && this.amounts[i] === that.amounts[i]);
  }

  /** The wire map form `{"cpus":{"value":1}}`. */
  toScalarMap(): Record<string, { value: number }> {
    return Object.fromEntries(this.names.map((n, i) => [n, { value: fromThousandths(this.amounts[i]!) }]));
  }

  /** The text form `cpus:1;mem:32`, which `parseQuantities` reads back. */
  toString(): string {
    return this.names.map((n, i) => `${n}:${formatThousandths(this.amounts[i]!)}`).join(';');
  }

  private merge(that: ResourceQuantities, combine: (a: number, b: number) => number): ResourceQuantities {
    const names: string[] = [];
    const amounts: number[] = [];
    let i = 0;
    let j = 0;
    const push = (name: string, amount: number): void => {
      if (amount > 0) {
        names.push(name);
        amounts.push(amount);
      }
    };
    while (i < this.names.length || j < that.names.length) {
      const a = this.names[i];
      const b = that.names[j];
      if (b === undefined || (a !== undefined && a < b)) push(a!, combine(this.amounts[i++]!, 0));
      else if (a === undefined || b < a) push(b, combine(0, that.amounts[j++]!));
      else push(a, combine(this.amounts[i++]!, that.amounts[j++]!));
    }
    return names.length === 0 ? ResourceQuantities.EMPTY : new ResourceQuantities(names, amounts);
  }
}

/**
 * Parses quantities in the text form used by flags such as `--min_allocatable_resources`:
 * `cpus:1;mem:32`. Only non-negative scalars; zeros are dropped; equal names add up; no roles.
 * Throws InvalidArgumentError naming the item, e.g. `quantities[1] 'mem:-1': negative scalar -1
 * for 'mem'`.
 */
export function parseQuantities(text: string): ResourceQuantities {
  const pairs: [string, number][] = [];
  const items = splitTextItems(text);
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!.trim();
    try {
      const parts = item.split(':');
      if (parts.length !== 2) throw new Error("expected 'name:value' (missing or extra ':')");
      const name = parts[0]!.trim();
      if (name === '') throw new Error('resource name cannot be empty');
      if (/[()]/.test(name)) throw new Error('quantities take no role');
      const parsed = parseValueText(name, parts[1]!);
      if (parsed.type !== 'SCALAR') throw new Error(`only scalar values are allowed for '${name}'`);
      if (parsed.value < 0) throw new Error(`negative scalar ${parsed.value} for '${name}'`);
      pairs.push([name, toThousandths(parsed.value)]);
    } catch (err) {
      throw new InvalidArgumentError(`quantities[${i}] '${item}': ${(err as Error).message}`, { index: i, item });
    }
  }
  return ResourceQuantities.fromThousandths(pairs);
}
