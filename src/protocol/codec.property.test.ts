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
import { decode, encode, formatDecodeErrors } from './codec.ts';
import { PROTO_TYPE } from './schema.ts';
import { SchedulerCall } from './v1/scheduler.ts';
import { Offer } from './v1/offer.ts';
import { Resource } from './v1/resources.ts';
import { TaskInfo, TaskStatus } from './v1/task.ts';

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
