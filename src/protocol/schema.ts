// Schema builders for Mesos protobuf messages expressed as TypeBox schemas.
//
// Every wire message in `protocol/v1` is written with these helpers so that one schema carries
// everything the codec needs: the protobuf scalar type of each leaf (`x-proto`), whether a field
// is required, optional, repeated or a map, its proto `[default = ...]` and whether it is
// deprecated. The static TypeScript type comes from the same schema (`Static<typeof X>`), so the
// types, the decoder and the encoder cannot drift apart.
//
// Conventions:
//   - a required proto field is a plain property:          `name: string()`
//   - an optional proto field is wrapped in `optional()`:   `hostname: optional(string())`
//   - a repeated field is `repeated(X)` (an optional array; empty arrays are never kept)
//   - a `map<string, X>` field is `map(X)` (an optional object)
//   - proto defaults and deprecation go on the leaf: `optional(bool({ default: true }))`
import { Type } from '@sinclair/typebox';
import type {
  SchemaOptions,
  TBoolean,
  TInteger,
  TNumber,
  TObject,
  TProperties,
  TSchema,
  TString,
  TUnsafe,
} from '@sinclair/typebox';

/** Schema key holding the protobuf scalar type of a leaf schema. */
export const PROTO_TYPE = 'x-proto';

/** Protobuf scalar types the codec knows how to read and write. */
export const PROTO_SCALAR_TYPES = [
  'string',
  'bytes',
  'bool',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'double',
  'float',
  'enum',
] as const;
export type ProtoScalarType = (typeof PROTO_SCALAR_TYPES)[number];

/**
 * Options every field builder accepts. `default` mirrors the proto `[default = ...]`; the encoder
 * writes it for unset optional fields unless `deprecated` is set (the stout `JSON::protobuf` rule).
 */
export interface FieldOptions<T> {
  default?: T;
  deprecated?: boolean;
  description?: string;
}

function leaf(proto: ProtoScalarType, options: FieldOptions<unknown> | undefined): SchemaOptions {
  return { ...options, [PROTO_TYPE]: proto };
}

/** proto `string`. */
export function string(options?: FieldOptions<string>): TString {
  return Type.String(leaf('string', options));
}

/** proto `bytes`: standard base64 with padding on the wire, kept as that base64 string in values. */
export function bytes(options?: FieldOptions<string>): TString {
  return Type.String({ ...leaf('bytes', options), contentEncoding: 'base64' });
}

/** proto `bool`. */
export function bool(options?: FieldOptions<boolean>): TBoolean {
  return Type.Boolean(leaf('bool', options));
}

/** proto `int32`. */
export function int32(options?: FieldOptions<number>): TInteger {
  return Type.Integer(leaf('int32', options));
}

/** proto `uint32`. */
export function uint32(options?: FieldOptions<number>): TInteger {
  return Type.Integer(leaf('uint32', options));
}

/**
 * proto `int64`. Values are JavaScript numbers: magnitudes above 2^53 (nanosecond timestamps)
 * lose sub-microsecond precision, which Mesos clients tolerate (see README).
 */
export function int64(options?: FieldOptions<number>): TInteger {
  return Type.Integer(leaf('int64', options));
}

/** proto `uint64`; same precision note as `int64`. */
export function uint64(options?: FieldOptions<number>): TInteger {
  return Type.Integer(leaf('uint64', options));
}

/** proto `double`; may be ±Infinity (written as the strings "Infinity"/"-Infinity"). */
export function double(options?: FieldOptions<number>): TNumber {
  return Type.Number(leaf('double', options));
}

/** proto `float`. */
export function float(options?: FieldOptions<number>): TNumber {
  return Type.Number(leaf('float', options));
}

/**
 * A proto enum, carried by name. `values` is the list of names in proto declaration order; the
 * static type is the union of those names.
 */
export function enumOf<const V extends readonly string[]>(
  values: V,
  options?: FieldOptions<V[number]>,
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ ...leaf('enum', options), type: 'string', enum: values });
}

/** An optional proto field. */
export function optional<T extends TSchema>(schema: T) {
  return Type.Optional(schema);
}

/** A `repeated` proto field: an optional array (the codec never keeps an empty one). */
export function repeated<T extends TSchema>(schema: T) {
  return Type.Optional(Type.Array(schema));
}

/** A `map<string, X>` proto field: an optional JSON object keyed by string. */
export function map<T extends TSchema>(schema: T) {
  return Type.Optional(Type.Record(Type.String(), schema));
}

/**
 * A proto message. `name` is the fully qualified proto name without the `mesos.v1.` prefix
 * (`Resource.DiskInfo`); it is kept as the schema `title` for documentation and debugging.
 */
export function message<P extends TProperties>(name: string, properties: P): TObject<P> {
  return Type.Object(properties, { title: name });
}

/**
 * Marks a message-typed field as deprecated (leaf fields take `{ deprecated: true }` directly).
 * The encoder never invents defaults for deprecated fields.
 */
export function deprecated<T extends TSchema>(schema: T): T {
  return { ...schema, deprecated: true };
}
