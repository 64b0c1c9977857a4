// The agent's `--resources` flag: Mesos's text form or a JSON array of Resource objects
// (`Resources::parse` / `fromSimpleString` / `fromJSON` in src/common/resources.cpp).
//
// Text form: `;`-separated `name:value` or `name(role):value` items, e.g.
//   cpus:4;mem:1024;ports:[31000-32000];cpus(ops):2;zones:{a,b}
// The value is a scalar (`24`, `0.5`), ranges (`[1-2,5-9]`) or a set (`{a,b}`); spaces in it are
// ignored. A role in parentheses makes a static reservation; without one the default role
// applies. Mesos never had a principal in this form (the whole parenthesised text is the role);
// we refuse a comma there with a pointer to the JSON form, where dynamic reservations live.
// Differences from Mesos, all stricter: text after `)` and overlapping ranges in one item are
// errors (Mesos ignores the former and coalesces the latter); `[1-2-3-4]` is an error, not two
// ranges. Adjacent ranges (`[1-2,3-4]`) are fine and coalesce.
import type { Resource } from '../../protocol/index.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { ResourceEntry } from './entry.ts';
import { formatThousandths, parseDecimal } from './scalar.ts';
import type { Range } from './ranges.ts';
import { Resources } from './resources.ts';
import { validateResource } from './validate.ts';
import { entryFromWire, resourcesFromWire } from './wire.ts';

export type ParseResourcesOptions = {
  /** Role of items without one (the agent's `--default_role`). Default `*`. */
  defaultRole?: string;
};

/** A parsed value: what the text after `:` says. */
export type ParsedValue =
  | { type: 'SCALAR'; value: number }
  | { type: 'RANGES'; ranges: Range[] }
  | { type: 'SET'; items: string[] };

/**
 * Parses the value part of a text item (`4`, `[1-2,5-9]`, `{a,b}`) for resource `name`. Throws
 * a plain Error with the problem; callers add where it was.
 */
export function parseValueText(name: string, text: string): ParsedValue {
  const value = text.replace(/ /g, '');
  if (value === '') throw new Error(`empty value for '${name}'`);
  if (value.startsWith('[')) {
    if (!value.endsWith(']') || value.indexOf('[', 1) !== -1 || value.indexOf(']') !== value.length - 1) {
      throw new Error(`mismatched brackets in ranges '${text}' for '${name}'`);
    }
    const ranges: Range[] = [];
    for (const item of value.slice(1, -1).split(',')) {
      if (item === '') continue;
      const match = /^(\d+)-(\d+)$/.exec(item);
      if (match === null) throw new Error(`invalid range '${item}' for '${name}' (expected BEGIN-END with non-negative integers)`);
      ranges.push({ begin: Number(match[1]), end: Number(match[2]) });
    }
    return { type: 'RANGES', ranges };
  }
  if (value.startsWith('{')) {
    if (!value.endsWith('}') || value.indexOf('{', 1) !== -1 || value.indexOf('}') !== value.length - 1) {
      throw new Error(`mismatched braces in set '${text}' for '${name}'`);
    }
    return { type: 'SET', items: value.slice(1, -1).split(',').filter((item) => item !== '') };
  }
  const scalar = parseDecimal(value);
  if (scalar === undefined) throw new Error(`invalid scalar value '${text.trim()}' for '${name}'`);
  return { type: 'SCALAR', value: scalar };
}

/** Splits `a;b;;c` into its non-empty items (empty items are skipped, as Mesos does). */
export function splitTextItems(text: string): string[] {
  return text.split(';').filter((item) => item.trim() !== '');
}

function itemToWire(item: string, defaultRole: string): Resource {
  const parts = item.split(':');
  if (parts.length !== 2) throw new Error("expected 'name:value' or 'name(role):value' (missing or extra ':')");
  const [head, valueText] = parts as [string, string];
  let name = head.trim();
  let role = defaultRole;
  const open = head.indexOf('(');
  if (open !== -1) {
    const close = head.indexOf(')');
    if (close === -1 || close < open || head.indexOf('(', open + 1) !== -1) throw new Error('mismatched parentheses');
    if (head.slice(close + 1).trim() !== '') throw new Error(`unexpected text after ')': '${head.slice(close + 1).trim()}'`);
    name = head.slice(0, open).trim();
    role = head.slice(open + 1, close).trim();
    if (role.includes(',')) {
      throw new Error(
        `'${role}' is not a role: the text form takes only a role in parentheses; a principal needs a dynamic reservation (JSON 'reservations')`,
      );
    }
  }
  if (name === '') throw new Error('resource name cannot be empty');
  const parsed = parseValueText(name, valueText);
  const resource: Resource = { name, type: parsed.type };
  if (parsed.type === 'SCALAR') resource.scalar = { value: parsed.value };
  else if (parsed.type === 'RANGES') resource.ranges = { range: parsed.ranges };
  else resource.set = { item: parsed.items };
  if (role !== '*') resource.reservations = [{ type: 'STATIC', role }];
  return resource;
}

// Mesos `validateCommandLineResources`: what an agent may not declare itself.
function checkAgentDeclarable(resources: Resources): void {
  const types = new Map<string, string>();
  for (const e of resources.entries) {
    if (e.isPersistentVolume) throw new InvalidArgumentError(`'${e.toString()}': persistent volumes cannot be declared on the agent`);
    if (e.isRevocable) throw new InvalidArgumentError(`'${e.toString()}': revocable resources cannot be declared on the agent`);
    if (e.isDynamicallyReserved) {
      throw new InvalidArgumentError(`'${e.toString()}': dynamic reservations cannot be declared on the agent; only STATIC ones`);
    }
    const seen = types.get(e.name);
    if (seen !== undefined && seen !== e.type) {
      throw new InvalidArgumentError(`resource '${e.name}' is declared both as ${seen} and as ${e.type}`);
    }
    types.set(e.name, e.type);
  }
}

/**
 * Parses the agent's `--resources` value: a JSON array of Resource objects (either reservation
 * format) when the text is one, otherwise the text form. Applies Mesos's checks for
 * agent-declared resources (no persistent volumes, revocable resources or dynamic reservations;
 * one type per name). Throws InvalidArgumentError saying what is wrong and where, e.g.
 * `resources[2] 'ports:[5-3]': range begin 5 is greater than end 3`.
 */
export function parseResources(text: string, options: ParseResourcesOptions = {}): Resources {
  const defaultRole = options.defaultRole ?? '*';
  const trimmed = text.trim();
  let resources: Resources;
  // No text item starts with '[', so this cannot misread the text form (Mesos tries JSON first).
  if (trimmed.startsWith('[')) {
    resources = parseJsonResources(trimmed, defaultRole);
  } else {
    const entries: ResourceEntry[] = [];
    const items = splitTextItems(text);
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!.trim();
      try {
        const wire = itemToWire(item, defaultRole);
        const error = validateResource(wire);
        if (error !== undefined) throw new Error(error);
        entries.push(entryFromWire(wire));
      } catch (err) {
        throw new InvalidArgumentError(`resources[${i}] '${item}': ${(err as Error).message}`, { index: i, item });
      }
    }
    resources = Resources.fromEntries(entries);
  }
  checkAgentDeclarable(resources);
  return resources;
}

function parseJsonResources(text: string, defaultRole: string): Resources {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`resources JSON is not valid: ${(err as Error).message}`);
  }
  if (!Array.isArray(json)) throw new InvalidArgumentError('resources JSON must be an array of Resource objects');
  return resourcesFromWire(json as Resource[], { defaultRole });
}

/**
 * Why an entry cannot be written in the text form, or undefined: the form has no place for
 * dynamic or refined reservations, disk info, revocable, shared, provider or allocation info.
 */
export function textFormError(e: ResourceEntry): string | undefined {
  const id = e.identity;
  if (id.reservations.length > 1 || id.reservations[0]?.type === 'DYNAMIC') return 'only static reservations have a text form';
  if (id.disk !== undefined) return 'disk info has no text form';
  if (id.revocable || id.shared) return 'revocable and shared resources have no text form';
  if (id.providerId !== undefined || e.allocationRole !== undefined) return 'provider and allocation info have no text form';
  if (e.type === 'SET' && e.set.some((item) => /[\s,;:{}[\]()]/.test(item))) return 'set items with separators have no text form';
  if (/[\s;:()[\]{}]/.test(id.name)) return 'names with separators have no text form';
  return undefined;
}

/**
 * Writes resources in the text form (`cpus:4;mem:1024;ports:[31000-32000];cpus(ops):2`), which
 * `parseResources` reads back to equal resources. Throws InvalidArgumentError for resources the
 * form cannot express (see `textFormError`).
 */
export function formatResources(resources: Resources): string {
  return resources.entries
    .map((e) => {
      const problem = textFormError(e);
      if (problem !== undefined) throw new InvalidArgumentError(`cannot write '${e.toString()}' as text: ${problem}`);
      const role = e.reservationRole;
      const head = role === undefined ? e.name : `${e.name}(${role})`;
      let value: string;
      if (e.type === 'SCALAR') value = formatThousandths(e.thousandths);
      else if (e.type === 'RANGES') {
        const parts: string[] = [];
        for (let i = 0; i < e.ranges.length; i += 2) parts.push(`${e.ranges[i]}-${e.ranges[i + 1]}`);
        value = `[${parts.join(',')}]`;
      } else value = `{${e.set.join(',')}}`;
      return `${head}:${value}`;
    })
    .join(';');
}
