// A fixed-layout vector of scalar quantities for the allocator's inner loops: one Float64Array
// slot per resource name, holding integer thousandths (exact up to 2^53, so sums never drift).
// cpus, mem, disk and gpus always have slots 0-3; other names get slots from a ScalarIndex the
// allocator owns (pure: no global registry). Unlike Resources and ResourceQuantities, vectors
// are MUTABLE: `add`/`subtract` change the vector in place so a cycle over thousands of agents
// allocates nothing; `clone()` when a copy must survive.
import { ResourceQuantities } from './quantities.ts';
import type { Resources } from './resources.ts';
import { fromThousandths, toThousandths } from './scalar.ts';

export const CPUS_SLOT = 0;
export const MEM_SLOT = 1;
export const DISK_SLOT = 2;
export const GPUS_SLOT = 3;
const FIRST_CLASS = ['cpus', 'mem', 'disk', 'gpus'] as const;

/** Assigns vector slots to resource names. Slots are never reused or removed. */
export class ScalarIndex {
  private readonly slots = new Map<string, number>();
  private readonly slotNames: string[] = [];

  constructor(extraNames: Iterable<string> = []) {
    for (const name of FIRST_CLASS) this.slotOf(name);
    for (const name of extraNames) this.slotOf(name);
  }

  /** Number of slots assigned so far. */
  get size(): number {
    return this.slotNames.length;
  }

  /** The slot of `name`, assigning the next free one if it has none. */
  slotOf(name: string): number {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      slot = this.slotNames.length;
      this.slots.set(name, slot);
      this.slotNames.push(name);
    }
    return slot;
  }

  /** The slot of `name`, or -1 if it has none. */
  find(name: string): number {
    return this.slots.get(name) ?? -1;
  }

  nameOf(slot: number): string | undefined {
    return this.slotNames[slot];
  }

  names(): readonly string[] {
    return this.slotNames;
  }
}

export class ScalarVector {
  readonly index: ScalarIndex;
  // Thousandths per slot. May be shorter than index.size when names were added to the index
  // after this vector was made; missing slots read as zero and the array grows on write.
  private values: Float64Array;

  constructor(index: ScalarIndex) {
    this.index = index;
    this.values = new Float64Array(index.size);
  }

  /**
   * Quantities of `resources` (all roles summed). By default only scalars count, which is what
   * DRF shares use; with `countNonScalars`, ranges count their integers and sets their items
   * (Mesos `ResourceQuantities::fromResources`, used for quota consumption).
   */
  static fromResources(index: ScalarIndex, resources: Resources, options: { countNonScalars?: boolean } = {}): ScalarVector {
    const v = new ScalarVector(index);
    for (const e of resources.entries) {
      if (e.type !== 'SCALAR' && options.countNonScalars !== true) continue;
      v.addAt(index.slotOf(e.name), e.quantityThousandths);
    }
    return v;
  }

  static fromQuantities(index: ScalarIndex, quantities: ResourceQuantities): ScalarVector {
    const v = new ScalarVector(index);
    for (const [name, t] of quantities.thousandthsEntries()) v.addAt(index.slotOf(name), t);
    return v;
  }

  /** From `{cpus: 1, mem: 128}` (doubles, rounded to thousandths). */
  static of(index: ScalarIndex, amounts: Readonly<Record<string, number>>): ScalarVector {
    const v = new ScalarVector(index);
    for (const [name, value] of Object.entries(amounts)) v.addAt(index.slotOf(name), toThousandths(value));
    return v;
  }

  /** Amount in a slot, in thousandths. */
  thousandthsAt(slot: number): number {
    return slot < this.values.length ? this.values[slot]! : 0;
  }

  /** Amount of `name` as a double (0 when absent). */
  get(name: string): number {
    const slot = this.index.find(name);
    return slot === -1 ? 0 : fromThousandths(this.thousandthsAt(slot));
  }

  /** Adds `thousandths` to one slot in place. */
  addAt(slot: number, thousandths: number): this {
    this.ensure(slot + 1);
    this.values[slot] = this.values[slot]! + thousandths;
    return this;
  }

  /** this += that, in place. */
  add(that: ScalarVector): this {
    const theirs = that.values;
    this.ensure(theirs.length);
    const mine = this.values;
    for (let i = 0; i < theirs.length; i++) mine[i] = mine[i]! + theirs[i]!;
    return this;
  }

  /** this -= that, in place; slots saturate at zero (as Mesos quantities drop negatives). */
  subtract(that: ScalarVector): this {
    const mine = this.values;
    const theirs = that.values;
    const n = Math.min(mine.length, theirs.length);
    for (let i = 0; i < n; i++) {
      const rest = mine[i]! - theirs[i]!;
      mine[i] = rest > 0 ? rest : 0;
    }
    return this;
  }

  /** Whether every slot here is at least the slot in `that`. */
  contains(that: ScalarVector): boolean {
    const mine = this.values;
    const theirs = that.values;
    for (let i = 0; i < theirs.length; i++) {
      const have = i < mine.length ? mine[i]! : 0;
      if (have < theirs[i]!) return false;
    }
    return true;
  }

  isZero(): boolean {
    for (let i = 0; i < this.values.length; i++) if (this.values[i] !== 0) return false;
    return true;
  }

  equals(that: ScalarVector): boolean {
    const n = Math.max(this.values.length, that.values.length);
    for (let i = 0; i < n; i++) if (this.thousandthsAt(i) !== that.thousandthsAt(i)) return false;
    return true;
  }

  /**
   * DRF dominant share: the largest `this[slot] / total[slot]` over slots where the total is
   * positive (0 for an empty vector).
   */
  dominantShare(total: ScalarVector): number {
    let share = 0;
    const mine = this.values;
    for (let i = 0; i < mine.length; i++) {
      const t = total.thousandthsAt(i);
      if (t > 0) {
        const s = mine[i]! / t;
        if (s > share) share = s;
      }
    }
    return share;
  }

  clone(): ScalarVector {
    const copy = new ScalarVector(this.index);
    copy.values = this.values.slice();
    return copy;
  }

  toQuantities(): ResourceQuantities {
    const pairs: [string, number][] = [];
    for (let i = 0; i < this.values.length; i++) pairs.push([this.index.nameOf(i)!, this.values[i]!]);
    return ResourceQuantities.fromThousandths(pairs);
  }

  private ensure(length: number): void {
    if (length <= this.values.length) return;
    const grown = new Float64Array(Math.max(length, this.index.size));
    grown.set(this.values);
    this.values = grown;
  }
}
