// Property tests: for arbitrary valid values, writing them as Mesos JSON text and reading them
// back is the identity. Values are generated from the TypeBox schemas themselves, in canonical
// form (non-deprecated defaults present, no empty repeated fields or maps), which is the form
// `decode` produces. fast-check prints the seed and the shrunk counterexample on failure; rerun
// with `fc.assert(..., { seed, path })` to replay it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Kind, OptionalKind } from '@sinclair/typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import { decode, decodeParsed, encode, formatDecodeErrors, isCanonical } from './codec.ts';
import { PROTO_TYPE } from './schema.ts';
import { SchedulerCall } from './v1/scheduler.ts';
import { Offer } from './v1/offer.ts';
import { Resource } from './v1/resources.ts';
import { TaskInfo, TaskStatus } from './v1/task.ts';
import { AgentToMasterCall } from './agora/agent-master.ts';

type SchemaRecord = Record<string | symbol, unknown>;

/** Optional message fields deeper than this are left out, to keep values small and finite. */
const MAX_DEPTH = 6;

const schemasById = new Map<string, TSchema>();

function leafArbitrary(s: SchemaRecord): fc.Arbitrary<unknown> {
  switch (s[PROTO_TYPE]) {
    case 'string':
      return fc.string({ maxLength: 8 });
    case 'bytes':
      return fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString('base64'));
    case 'bool':
      return fc.boolean();
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'uint32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64':
      return fc.maxSafeInteger();
    case 'uint64':
      return fc.maxSafeNat();
    case 'double':
    case 'float':
      // NaN and ±Infinity included; -0 cannot survive JSON text, so it is generated as 0.
      return fc.double().map((d) => (Object.is(d, -0) ? 0 : d));
    case 'enum':
      return fc.constantFrom(...(s['enum'] as string[]));
    default:
      throw new Error(`no arbitrary for leaf ${String(s[PROTO_TYPE])}`);
  }
}

function isMessage(schema: TSchema): boolean {
  const kind = (schema as unknown as SchemaRecord)[Kind];
  return kind === 'Object' || kind === 'This';
}

/** An arbitrary producing canonical values of `schema`. */
function arbitraryFor(schema: TSchema, depth = 0): fc.Arbitrary<unknown> {
  const s = schema as unknown as SchemaRecord;
  if (s[Kind] === 'This') {
    const target = schemasById.get(String(s['$ref']));
    assert.ok(target, `unresolved $ref ${String(s['$ref'])}`);
    return arbitraryFor(target, depth);
  }
  if (s[Kind] !== 'Object') return leafArbitrary(s);
  if (typeof s['$id'] === 'string') schemasById.set(s['$id'], schema);

  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const requiredKeys: string[] = [];
  for (const [name, property] of Object.entries(s['properties'] as Record<string, TSchema>)) {
    const p = property as unknown as SchemaRecord;
    const optional = p[OptionalKind] === 'Optional';
    if (p[Kind] === 'Array') {
      const items = p['items'] as TSchema;
      if (isMessage(items) && depth >= MAX_DEPTH) continue;
      model[name] = fc.array(arbitraryFor(items, depth + 1), { minLength: 1, maxLength: 2 });
    } else if (p[Kind] === 'Record') {
      const value = Object.values(p['patternProperties'] as Record<string, TSchema>)[0];
      assert.ok(value);
      if (isMessage(value) && depth >= MAX_DEPTH) continue;
      model[name] = fc.dictionary(fc.string({ maxLength: 6 }), arbitraryFor(value, depth + 1), {
        minKeys: 1,
        maxKeys: 2,
        noNullPrototype: true,
      });
    } else {
      if (optional && isMessage(property) && depth >= MAX_DEPTH) continue;
      model[name] = arbitraryFor(property, depth + 1);
      // Canonical values always hold their (non-deprecated) defaults, as decode fills them in.
      const hasDefault = 'default' in p && p['deprecated'] !== true;
      if (!optional || hasDefault) requiredKeys.push(name);
    }
  }
  return fc.record(model, { requiredKeys, noNullPrototype: true });
}

function roundTripProperty<S extends TSchema>(schema: S): fc.IPropertyWithHooks<[unknown]> {
  return fc.property(arbitraryFor(schema), (value) => {
    const text = JSON.stringify(encode(schema, value as Static<S>));
    const decoded = decode(schema, JSON.parse(text));
    assert.ok(decoded.ok, decoded.ok ? '' : formatDecodeErrors(decoded.errors));
    assert.deepEqual(decoded.value, value);
    assert.equal(JSON.stringify(encode(schema, decoded.value)), text);
  });
}

void test('TaskStatus: decode(encode(v)) is v (1000 runs)', () => {
  fc.assert(roundTripProperty(TaskStatus), { numRuns: 1000 });
});

void test('Resource: decode(encode(v)) is v (1000 runs)', () => {
  fc.assert(roundTripProperty(Resource), { numRuns: 1000 });
});

void test('TaskInfo, Offer and scheduler Call: decode(encode(v)) is v (200 runs each)', () => {
  fc.assert(roundTripProperty(TaskInfo), { numRuns: 200 });
  fc.assert(roundTripProperty(Offer), { numRuns: 200 });
  fc.assert(roundTripProperty(SchedulerCall), { numRuns: 200 });
});

void test('decode never throws, whatever JSON it is given', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (json) => {
      const result = decode(TaskStatus, json);
      assert.equal(typeof result.ok, 'boolean');
      if (!result.ok) assert.ok(result.errors.length > 0);
    }),
    { numRuns: 1000 },
  );
});

void test('a mutated valid Resource either decodes or names a field path that exists', () => {
  fc.assert(
    fc.property(arbitraryFor(Resource), fc.jsonValue(), fc.nat(), (value, junk, pick) => {
      const json = JSON.parse(JSON.stringify(encode(Resource, value as Resource))) as Record<string, unknown>;
      const keys = Object.keys(json);
      const key = keys[pick % keys.length];
      assert.ok(key !== undefined);
      json[key] = junk;
      const result = decode(Resource, json);
      if (!result.ok) {
        for (const e of result.errors) assert.ok(e.path.startsWith(key), `${e.path} outside ${key}`);
      }
    }),
    { numRuns: 500 },
  );
});

// ---- the canonical fast path (isCanonical / decodeParsed) ------------------------------------

/** What must hold for any JSON input: the fast path takes exactly the inputs decode would copy unchanged. */
function assertFastPathAgrees(schema: TSchema, json: unknown): void {
  const decoded = decode(schema, json);
  const same = decoded.ok && JSON.stringify(decoded.value) === JSON.stringify(json);
  assert.equal(isCanonical(schema, json), same, `isCanonical disagrees with decode on ${JSON.stringify(json)}`);
  const fast = decodeParsed(schema, json);
  assert.deepEqual(fast, decoded);
  if (same && fast.ok) assert.equal(fast.value, json, 'canonical input is returned as it is');
}

type Container = { holder: Record<string, unknown> | unknown[]; key: string | number };

/** Every (container, key) slot in a JSON tree, depth first. */
function slotsOf(json: unknown, out: Container[] = []): Container[] {
  if (Array.isArray(json)) json.forEach((v, i) => (out.push({ holder: json, key: i }), slotsOf(v, out)));
  else if (typeof json === 'object' && json !== null) {
    for (const [k, v] of Object.entries(json)) {
      out.push({ holder: json as Record<string, unknown>, key: k });
      slotsOf(v, out);
    }
  }
  return out;
}

const MUTATIONS = ['replace', 'delete', 'unknown-key', 'reorder', 'stringify-number', 'null'] as const;

/** Mutates one slot of a JSON tree in one of the ways a client could get the canonical form wrong. */
function mutate(json: unknown, pick: number, how: (typeof MUTATIONS)[number], junk: unknown): void {
  const slots = slotsOf(json);
  const slot = slots[pick % Math.max(1, slots.length)];
  if (slot === undefined) return;
  const { holder, key } = slot;
  if (Array.isArray(holder)) {
    const i = key as number;
    if (how === 'delete') holder.splice(i, 1);
    else if (how === 'null') holder[i] = null;
    else holder[i] = junk;
    return;
  }
  const k = key as string;
  const value = holder[k];
  if (how === 'replace') holder[k] = junk;
  else if (how === 'delete') delete holder[k];
  else if (how === 'null') holder[k] = null;
  else if (how === 'unknown-key') holder['no_such_field'] = junk;
  else if (how === 'stringify-number') holder[k] = typeof value === 'number' ? String(value) : value;
  else {
    // Move the key to the end: the same fields in another order.
    delete holder[k];
    holder[k] = value;
  }
}

const FAST_PATH_SCHEMAS: [string, TSchema][] = [
  ['TaskStatus', TaskStatus],
  ['Resource', Resource],
  ['TaskInfo', TaskInfo],
  ['agent call', AgentToMasterCall],
];

void test('what encode writes is canonical exactly when decode would return it unchanged (200 runs per schema)', () => {
  for (const [, schema] of FAST_PATH_SCHEMAS) {
    fc.assert(
      fc.property(arbitraryFor(schema), (value) => {
        const json: unknown = JSON.parse(JSON.stringify(encode(schema, value as Static<typeof schema>)));
        assertFastPathAgrees(schema, json);
      }),
      { numRuns: 200 },
    );
  }
});

void test('mutated input takes the full decoder, with its value or its errors (300 runs per schema)', () => {
  for (const [, schema] of FAST_PATH_SCHEMAS) {
    fc.assert(
      fc.property(arbitraryFor(schema), fc.nat(), fc.constantFrom(...MUTATIONS), fc.jsonValue(), (value, pick, how, junk) => {
        const json: unknown = JSON.parse(JSON.stringify(encode(schema, value as Static<typeof schema>)));
        mutate(json, pick, how, junk);
        assertFastPathAgrees(schema, json);
      }),
      { numRuns: 300 },
    );
  }
});

void test('the fast path never accepts what is not plain JSON data', () => {
  const status = { task_id: { value: 't' }, state: 'TASK_RUNNING' };
  assert.equal(isCanonical(TaskStatus, status), true);
  // A class instance, an inherited field, a null-prototype object: decode copies them; they are not canonical.
  class Holder { task_id = { value: 't' }; state = 'TASK_RUNNING'; }
  assert.equal(isCanonical(TaskStatus, new Holder()), false);
  assert.equal(isCanonical(TaskStatus, Object.assign(Object.create({ state: 'TASK_RUNNING' }) as object, { task_id: { value: 't' } })), false);
  assert.equal(isCanonical(TaskStatus, Object.assign(Object.create(null) as object, status)), false);
  assert.equal(isCanonical(TaskStatus, [status]), false);
  assert.equal(isCanonical(TaskStatus, null), false);
  // Non-finite doubles are written as strings; those decode to numbers, so they are not canonical.
  assert.equal(isCanonical(Resource, { name: 'cpus', type: 'SCALAR', scalar: { value: 'Infinity' } }), false);
  assert.equal(isCanonical(Resource, { name: 'cpus', type: 'SCALAR', scalar: { value: 1.5 } }), true);
});
