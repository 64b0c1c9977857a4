// The Mesos-JSON codec: converts between JSON values (as produced by `JSON.parse`) and typed
// protocol values, following stout's `protobuf::parse` / `JSON::protobuf` rules rather than
// proto3 JSON. The rules, in short (README.md has the full list):
//
//   input                                         | output
//   ----------------------------------------------+---------------------------------------------
//   keys are proto field names; others ignored    | every set field, in proto declaration order
//   null = absent (fields, array items, map vals) | non-deprecated proto defaults always written
//   enums by name; a number is an error; unknown  | empty repeated fields and maps left out
//     names dropped unless the field is required  | int32/int64/uint64 as JSON numbers
//   ints: numbers or numeric strings              | doubles as numbers; ±Infinity/NaN as strings
//   doubles: numbers, numeric strings, "Infinity" | bytes as the base64 string held in the value
//   bools: true/false, "true"/"false"             |
//   bytes: standard padded base64, validated      |
//
// Decoded values have every non-deprecated proto default filled in (as a protobuf getter would
// report it) and never hold empty arrays or maps, so `decode(encode(v))` is canonical and
// `encode(decode(json))` reproduces Mesos output.
//
// Walkers are compiled once per schema, lazily on first use, into plan objects; decoding then
// walks the plan and the input together, allocating only the output and one path node per
// message or array. Error paths are only rendered when an error happens.
import { Kind, OptionalKind } from '@sinclair/typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import { PROTO_SCALAR_TYPES, PROTO_TYPE } from './schema.ts';
import type { ProtoScalarType } from './schema.ts';

/** A JSON value as produced by `JSON.parse` and accepted by `JSON.stringify`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * One decode problem. `path` names the field from the root of the decoded message, e.g.
 * `accept.operations[0].launch.task_infos[2].resources[1].scalar.value`; it is empty when the
 * root value itself is wrong.
 */
export interface DecodeError {
  path: string;
  message: string;
}

/** The outcome of a decode: the typed value, or every problem found. */
export type DecodeResult<T> = { ok: true; value: T } | { ok: false; errors: DecodeError[] };

/** Renders one error as `path: message` (just `message` for the root). */
export function formatDecodeError(error: DecodeError): string {
  return error.path === '' ? error.message : `${error.path}: ${error.message}`;
}

/** Renders a list of errors on one line, separated by `; ` (for HTTP 400 bodies and logs). */
export function formatDecodeErrors(errors: readonly DecodeError[]): string {
  return errors.map(formatDecodeError).join('; ');
}

// ---------------------------------------------------------------------------------------------
// Paths. A node per message/array being decoded; rendered only when an error is reported.

interface PathNode {
  readonly parent: PathNode | null;
  /** A field name, an array index, or (with `mapKey`) a map key. */
  readonly key: string | number;
  readonly mapKey: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function renderPath(parent: PathNode | null, key: string | number | null, mapKey: boolean): string {
  const segments: string[] = [];
  const push = (k: string | number, isMapKey: boolean): void => {
    if (typeof k === 'number') segments.push(`[${k}]`);
    else if (isMapKey && !IDENTIFIER.test(k)) segments.push(`[${JSON.stringify(clip(k))}]`);
    else segments.push(`.${isMapKey ? clip(k) : k}`);
  };
  if (key !== null) push(key, mapKey);
  for (let node = parent; node !== null; node = node.parent) push(node.key, node.mapKey);
  const joined = segments.reverse().join('');
  return joined.startsWith('.') ? joined.slice(1) : joined;
}

/**
 * Errors kept per decode. Hostile input (a million bad array items) must not turn into a
 * million-line 400 body; the first hundred say enough.
 */
export const MAX_DECODE_ERRORS = 100;

/** Shortens untrusted text quoted in error messages and paths. */
function clip(text: string): string {
  return text.length <= 64 ? text : `${text.slice(0, 61)}...`;
}

function fail(
  errors: DecodeError[],
  parent: PathNode | null,
  key: string | number | null,
  mapKey: boolean,
  message: string,
): typeof ABSENT {
  if (errors.length < MAX_DECODE_ERRORS) {
    errors.push({ path: renderPath(parent, key, mapKey), message });
  } else if (errors.length === MAX_DECODE_ERRORS) {
    errors.push({ path: '', message: `more than ${MAX_DECODE_ERRORS} errors; the rest are not reported` });
  }
  return ABSENT;
}

// ---------------------------------------------------------------------------------------------
// Plans: the compiled form of a schema.

/** Returned by element decoders when there is no value to store (null, error, unknown enum). */
const ABSENT: unique symbol = Symbol('absent');

interface ScalarPlan {
  readonly kind: 'scalar';
  readonly type: ProtoScalarType;
  /** Enum names, for `type === 'enum'`. */
  readonly names: ReadonlySet<string>;
}

interface MessagePlan {
  readonly kind: 'message';
  readonly title: string;
  /** Filled after construction so that recursive messages can refer to themselves. */
  fields: FieldPlan[];
  /** Field name → position in `fields`; built on first use by the canonical check. */
  fieldIndex?: Map<string, number>;
}

type ElementPlan = ScalarPlan | MessagePlan;

interface FieldPlan {
  readonly name: string;
  readonly required: boolean;
  readonly shape: 'single' | 'repeated' | 'map';
  readonly element: ElementPlan;
  /** Whether the proto default is filled in on decode and written on encode. */
  readonly hasDefault: boolean;
  /** The default in its typed form (identical to its JSON form for every proto scalar). */
  readonly defaultValue: unknown;
}

type SchemaRecord = Record<string | symbol, unknown>;

/** Compiled message plans, keyed by the schema's `properties` object (shared by Optional copies). */
const messagePlans = new WeakMap<object, MessagePlan>();
/** Message schemas with an `$id` (recursive types), for resolving `This` references. */
const schemasById = new Map<string, TSchema>();

const SCALAR_TYPES: ReadonlySet<string> = new Set(PROTO_SCALAR_TYPES);

function compileElement(schema: TSchema, where: string): ElementPlan {
  const s = schema as unknown as SchemaRecord;
  const kind = s[Kind];
  if (kind === 'This') {
    const target = schemasById.get(String(s['$ref']));
    if (target === undefined) throw new Error(`protocol schema ${where}: unresolved $ref ${String(s['$ref'])}`);
    return compileMessage(target);
  }
  if (kind === 'Object') return compileMessage(schema);
  const proto = s[PROTO_TYPE];
  if (typeof proto !== 'string' || !SCALAR_TYPES.has(proto)) {
    throw new Error(`protocol schema ${where}: leaf without a known '${PROTO_TYPE}' annotation`);
  }
  const names = proto === 'enum' ? new Set(s['enum'] as readonly string[]) : new Set<string>();
  return { kind: 'scalar', type: proto as ProtoScalarType, names };
}

function compileMessage(schema: TSchema): MessagePlan {
  const s = schema as unknown as SchemaRecord;
  const properties = s['properties'] as Record<string, TSchema> | undefined;
  if (properties === undefined) throw new Error('protocol schema: expected a message (object) schema');
  const cached = messagePlans.get(properties);
  if (cached !== undefined) return cached;

  const title = typeof s['title'] === 'string' ? s['title'] : 'message';
  const plan: MessagePlan = { kind: 'message', title, fields: [] };
  messagePlans.set(properties, plan);
  if (typeof s['$id'] === 'string') schemasById.set(s['$id'], schema);

  const fields: FieldPlan[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const p = property as unknown as SchemaRecord;
    const where = `${title}.${name}`;
    const required = p[OptionalKind] !== 'Optional';
    let shape: FieldPlan['shape'] = 'single';
    let elementSchema: TSchema = property;
    if (p[Kind] === 'Array') {
      shape = 'repeated';
      elementSchema = p['items'] as TSchema;
    } else if (p[Kind] === 'Record') {
      shape = 'map';
      const patterns = p['patternProperties'] as Record<string, TSchema>;
      const first = Object.values(patterns)[0];
      if (first === undefined) throw new Error(`protocol schema ${where}: map without a value schema`);
      elementSchema = first;
    }
    const element = compileElement(elementSchema, where);
    const e = elementSchema as unknown as SchemaRecord;
    const hasDefault = shape === 'single' && 'default' in e && e['deprecated'] !== true;
    fields.push({ name, required, shape, element, hasDefault, defaultValue: e['default'] });
  }
  plan.fields = fields;
  return plan;
}

function planFor(schema: TSchema): MessagePlan {
  return compileMessage(schema);
}

// ---------------------------------------------------------------------------------------------
// Decoding.

const INTEGER_STRING = /^[+-]?\d+$/;
// Unambiguous (digits after the point only follow a point), so it never backtracks badly.
const DECIMAL_STRING = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY_STRING = /^[+-]?inf(?:inity)?$/i;
/**
 * Longest numeric string accepted. The longest exact decimal form of a double has 767
 * significant digits, but nothing real sends more than a few dozen; the cap keeps hostile
 * megabyte-long "numbers" cheap to reject.
 */
const MAX_NUMERIC_STRING = 400;

/** 1 for the characters of the standard base64 alphabet (A-Z, a-z, 0-9, '+', '/'). */
const BASE64_ALPHABET = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  BASE64_ALPHABET[c.charCodeAt(0)] = 1;
}

/**
 * Whether `s` is standard base64 with padding. A loop rather than a regular expression: a
 * backtracking regex overflows the stack on multi-megabyte READ_FILE payloads.
 */
function isBase64(s: string): boolean {
  const length = s.length;
  if (length % 4 !== 0) return false;
  let end = length;
  if (end > 0 && s.charCodeAt(end - 1) === 61 /* = */) end--;
  if (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || BASE64_ALPHABET[c] !== 1) return false;
  }
  return true;
}

const INTEGER_RANGES: Record<'int32' | 'uint32' | 'int64' | 'uint64', readonly [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  // Doubles cannot hold 2^63-1 or 2^64-1 exactly; the bounds are their nearest doubles.
  int64: [-(2 ** 63), 2 ** 63],
  uint64: [0, 2 ** 64],
};

/**
 * Sets an own enumerable property even for the key `__proto__`, which plain assignment would
 * treat as a prototype change (map keys come from untrusted input).
 */
function setEntry(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function decodeScalar(
  plan: ScalarPlan,
  raw: unknown,
  parent: PathNode | null,
  key: string | number,
  mapKey: boolean,
  errors: DecodeError[],
  strictEnum: boolean,
): unknown {
  switch (plan.type) {
    case 'string':
      if (typeof raw === 'string') return raw;
      return fail(errors, parent, key, mapKey, `expected string, got ${describe(raw)}`);

    case 'bytes':
      if (typeof raw !== 'string') {
        return fail(errors, parent, key, mapKey, `expected base64 string, got ${describe(raw)}`);
      }
      if (!isBase64(raw)) return fail(errors, parent, key, mapKey, 'invalid base64');
      return raw;

    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      return fail(errors, parent, key, mapKey, `expected boolean, got ${describe(raw)}`);

    case 'int32':
    case 'uint32':
    case 'int64':
    case 'uint64': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string' && raw.length <= MAX_NUMERIC_STRING && INTEGER_STRING.test(raw)) {
        n = Number(raw);
      } else {
        return fail(errors, parent, key, mapKey, `expected ${plan.type}, got ${describe(raw)}`);
      }
      const [min, max] = INTEGER_RANGES[plan.type];
      if (!Number.isInteger(n) || n < min || n > max) {
        return fail(errors, parent, key, mapKey, `expected ${plan.type}, got ${clip(String(raw))}`);
      }
      return n;
    }

    case 'double':
    case 'float':
      if (typeof raw === 'number') return raw;
      if (typeof raw === 'string' && raw.length <= MAX_NUMERIC_STRING) {
        if (DECIMAL_STRING.test(raw)) return Number(raw);
        if (INFINITY_STRING.test(raw)) return raw.startsWith('-') ? -Infinity : Infinity;
        if (raw === 'NaN' || raw === 'nan') return NaN;
      }
      return fail(errors, parent, key, mapKey, `expected number, got ${describe(raw)}`);

    case 'enum':
      if (typeof raw === 'string') {
        if (plan.names.has(raw)) return raw;
        // NOTE: unknown names are how newer clients talk to older servers; Mesos drops them
        // unless the field is required (MESOS-4997).
        if (!strictEnum) return ABSENT;
        return fail(errors, parent, key, mapKey, `unknown enum value '${clip(raw)}'`);
      }
      if (typeof raw === 'number') {
        return fail(errors, parent, key, mapKey, 'expected enum name, got number');
      }
      return fail(errors, parent, key, mapKey, `expected enum name, got ${describe(raw)}`);
  }
}

function decodeElement(
  plan: ElementPlan,
  raw: unknown,
  parent: PathNode | null,
  key: string | number,
  mapKey: boolean,
  errors: DecodeError[],
  strictEnum: boolean,
): unknown {
  if (plan.kind === 'scalar') return decodeScalar(plan, raw, parent, key, mapKey, errors, strictEnum);
  if (!isPlainObject(raw)) {
    return fail(errors, parent, key, mapKey, `expected object, got ${describe(raw)}`);
  }
  return decodeFields(plan, raw, { parent, key, mapKey }, errors);
}

function decodeFields(
  plan: MessagePlan,
  input: Record<string, unknown>,
  node: PathNode | null,
  errors: DecodeError[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of plan.fields) {
    const raw = input[field.name];
    if (raw === undefined || raw === null) {
      // NOTE: a required field with a proto default (MasterInfo.port) is still required, as
      // protobuf's IsInitialized() checks presence, not value.
      if (field.required) fail(errors, node, field.name, false, 'missing required field');
      else if (field.hasDefault) out[field.name] = field.defaultValue;
      continue;
    }
    if (field.shape === 'single') {
      const value = decodeElement(field.element, raw, node, field.name, false, errors, field.required);
      if (value !== ABSENT) out[field.name] = value;
      else if (field.hasDefault) out[field.name] = field.defaultValue;
    } else if (field.shape === 'repeated') {
      if (!Array.isArray(raw)) {
        fail(errors, node, field.name, false, `expected array, got ${describe(raw)}`);
        continue;
      }
      const arrayNode: PathNode = { parent: node, key: field.name, mapKey: false };
      const items: unknown[] = [];
      for (let i = 0; i < raw.length; i++) {
        const item: unknown = raw[i];
        if (item === null || item === undefined) continue;
        const value = decodeElement(field.element, item, arrayNode, i, false, errors, false);
        if (value !== ABSENT) items.push(value);
      }
      if (items.length > 0) out[field.name] = items;
    } else {
      if (!isPlainObject(raw)) {
        fail(errors, node, field.name, false, `expected object, got ${describe(raw)}`);
        continue;
      }
      const mapNode: PathNode = { parent: node, key: field.name, mapKey: false };
      const entries: Record<string, unknown> = {};
      let count = 0;
      for (const k of Object.keys(raw)) {
        const item = raw[k];
        if (item === null || item === undefined) continue;
        const value = decodeElement(field.element, item, mapNode, k, true, errors, false);
        if (value !== ABSENT) {
          setEntry(entries, k, value);
          count++;
        }
      }
      if (count > 0) out[field.name] = entries;
    }
  }
  return out;
}

/**
 * Decodes a JSON value (from `JSON.parse`) into the message described by `schema`. Never throws
 * for bad input: every problem is reported with its field path.
 */
export function decode<S extends TSchema>(schema: S, input: unknown): DecodeResult<Static<S>> {
  const plan = planFor(schema);
  const errors: DecodeError[] = [];
  if (!isPlainObject(input)) {
    return { ok: false, errors: [{ path: '', message: `expected object, got ${describe(input)}` }] };
  }
  const value = decodeFields(plan, input, null, errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: value as Static<S> };
}

// ---------------------------------------------------------------------------------------------
// The canonical fast path. A well-behaved client (every Agora agent: it writes with `encode`)
// sends exactly the canonical value: fields in declaration order, defaults present, no nulls, no
// empty arrays, numbers as numbers. For such input `decode` would only build a deep copy equal to
// it, which for a re-registering agent's report (hundreds of tasks with resources and labels) is
// most of the decoding time and half of its garbage. `isCanonical` walks the input once, without
// allocating, and says whether `decode` would return a value equal to it, key order included;
// anything else (bad input included) takes the full decoder, so errors are unchanged.

const ARRAY_PROTOTYPE: unknown = Object.getPrototypeOf([]);
const OBJECT_PROTOTYPE: unknown = Object.getPrototypeOf({});

function fieldIndexOf(plan: MessagePlan): Map<string, number> {
  let index = plan.fieldIndex;
  if (index === undefined) {
    index = new Map(plan.fields.map((field, i) => [field.name, i]));
    plan.fieldIndex = index;
  }
  return index;
}

/** A data object as JSON.parse makes it (not an array, not a class instance). */
function isDataObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === OBJECT_PROTOTYPE;
}

/** Whether leaving `field` out of the input leaves it out of `decode`'s output too. */
function absentIsCanonical(field: FieldPlan): boolean {
  return !field.required && !field.hasDefault;
}

function isCanonicalScalar(plan: ScalarPlan, raw: unknown): boolean {
  switch (plan.type) {
    case 'string':
      return typeof raw === 'string';
    case 'bytes':
      return typeof raw === 'string' && isBase64(raw);
    case 'bool':
      return typeof raw === 'boolean';
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'uint64': {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) return false;
      const [min, max] = INTEGER_RANGES[plan.type];
      return raw >= min && raw <= max;
    }
    case 'double':
    case 'float':
      return typeof raw === 'number';
    case 'enum':
      return typeof raw === 'string' && plan.names.has(raw);
  }
}

function isCanonicalElement(plan: ElementPlan, raw: unknown): boolean {
  if (plan.kind === 'scalar') return isCanonicalScalar(plan, raw);
  return isDataObject(raw) && isCanonicalMessage(plan, raw);
}

function isCanonicalField(field: FieldPlan, raw: unknown): boolean {
  if (field.shape === 'single') return isCanonicalElement(field.element, raw);
  if (field.shape === 'repeated') {
    if (!Array.isArray(raw) || Object.getPrototypeOf(raw) !== ARRAY_PROTOTYPE || raw.length === 0) return false;
    for (let i = 0; i < raw.length; i++) {
      if (!isCanonicalElement(field.element, raw[i])) return false;
    }
    return true;
  }
  if (!isDataObject(raw)) return false;
  let count = 0;
  for (const key in raw) {
    if (!Object.hasOwn(raw, key) || !isCanonicalElement(field.element, raw[key])) return false;
    count++;
  }
  return count > 0;
}

function isCanonicalMessage(plan: MessagePlan, input: Record<string, unknown>): boolean {
  const fields = plan.fields;
  const index = fieldIndexOf(plan);
  // Keys must be known fields in declaration order; the fields skipped must be ones `decode`
  // leaves out when absent (not required, no default).
  let next = 0;
  for (const key in input) {
    const at = index.get(key);
    if (at === undefined || at < next || !Object.hasOwn(input, key)) return false;
    for (; next < at; next++) if (!absentIsCanonical(fields[next]!)) return false;
    if (!isCanonicalField(fields[at]!, input[key])) return false;
    next = at + 1;
  }
  for (; next < fields.length; next++) if (!absentIsCanonical(fields[next]!)) return false;
  return true;
}

/**
 * Whether `input` (a JSON value, as `JSON.parse` makes it) is exactly what `decode(schema,
 * input)` would return: then `decode` succeeds and its value deep-equals `input`, keys in the
 * same order. Allocates nothing.
 */
export function isCanonical<S extends TSchema>(schema: S, input: unknown): input is Static<S> {
  return isDataObject(input) && isCanonicalMessage(planFor(schema), input);
}

/**
 * `decode` for JSON that was just parsed and belongs to the caller: canonical input (what
 * `encode` writes) is returned as it is, without the copy, so the value shares its objects with
 * `input`; anything else goes through `decode`, with the same value or the same errors.
 */
export function decodeParsed<S extends TSchema>(schema: S, input: unknown): DecodeResult<Static<S>> {
  if (isCanonical(schema, input)) return { ok: true, value: input };
  return decode(schema, input);
}

/**
 * Parses a request body and decodes it. A JSON syntax error is reported as a single root error
 * (`invalid JSON: ...`), so callers can answer 400 the same way for both kinds of failure.
 */
export function decodeJson<S extends TSchema>(schema: S, text: string): DecodeResult<Static<S>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: `invalid JSON: ${(err as Error).message}` }] };
  }
  return decode(schema, parsed);
}

// ---------------------------------------------------------------------------------------------
// Encoding.

function encodeScalar(plan: ScalarPlan, value: unknown): JsonValue {
  if ((plan.type === 'double' || plan.type === 'float') && typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    if (Number.isNaN(value)) return 'NaN';
    return value > 0 ? 'Infinity' : '-Infinity';
  }
  return value as JsonValue;
}

function encodeElement(plan: ElementPlan, value: unknown): JsonValue {
  if (plan.kind === 'scalar') return encodeScalar(plan, value);
  return encodeFields(plan, value as Record<string, unknown>);
}

function encodeFields(plan: MessagePlan, value: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const field of plan.fields) {
    const v = value[field.name];
    if (v === undefined || v === null) {
      if (field.hasDefault) out[field.name] = encodeElement(field.element, field.defaultValue);
      continue;
    }
    if (field.shape === 'single') {
      out[field.name] = encodeElement(field.element, v);
    } else if (field.shape === 'repeated') {
      const items = v as readonly unknown[];
      if (items.length === 0) continue;
      const encoded: JsonValue[] = [];
      for (const item of items) {
        if (item !== undefined && item !== null) encoded.push(encodeElement(field.element, item));
      }
      out[field.name] = encoded;
    } else {
      const entries = v as Record<string, unknown>;
      const encoded: JsonObject = {};
      let count = 0;
      for (const k of Object.keys(entries)) {
        const item = entries[k];
        if (item === undefined || item === null) continue;
        setEntry(encoded, k, encodeElement(field.element, item));
        count++;
      }
      if (count > 0) out[field.name] = encoded;
    }
  }
  return out;
}

/**
 * Encodes a typed value as Mesos output JSON: every set field plus every non-deprecated proto
 * default, no empty repeated fields. Properties not in the schema are left out, so internal
 * bookkeeping on an object never leaks onto the wire. The value is trusted to match its type.
 */
export function encode<S extends TSchema>(schema: S, value: Static<S>): JsonObject {
  return encodeFields(planFor(schema), value as Record<string, unknown>);
}

/** `JSON.stringify(encode(schema, value))`. */
export function encodeJson<S extends TSchema>(schema: S, value: Static<S>): string {
  return JSON.stringify(encode(schema, value));
}

/**
 * Returns a copy of `value` with the non-deprecated proto defaults filled in and empty repeated
 * fields removed: the form `decode` produces. Useful when building values by hand that are
 * later compared with decoded ones.
 */
export function withDefaults<S extends TSchema>(schema: S, value: Static<S>): Static<S> {
  const result = decode(schema, encode(schema, value));
  // Encoder output always decodes; a failure here means the value did not match its type.
  if (!result.ok) throw new TypeError(`withDefaults: value does not match ${formatDecodeErrors(result.errors)}`);
  return result.value;
}
