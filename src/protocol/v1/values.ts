// Small building-block messages of mesos.v1 (include/mesos/v1/mesos.proto): ids, time, values,
// attributes, labels, addresses, secrets and domains. Everything else in protocol/v1 is built
// from these.
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import {
  bytes,
  double,
  enumOf,
  int32,
  int64,
  message,
  optional,
  repeated,
  string,
  uint64,
} from '../schema.ts';

// ---------------------------------------------------------------------------------------------
// Identifiers. On the wire every id is a wrapper object `{"value": "..."}`.

export const FrameworkID = message('FrameworkID', { value: string() });
export type FrameworkID = Static<typeof FrameworkID>;

export const OfferID = message('OfferID', { value: string() });
export type OfferID = Static<typeof OfferID>;

export const AgentID = message('AgentID', { value: string() });
export type AgentID = Static<typeof AgentID>;

export const TaskID = message('TaskID', { value: string() });
export type TaskID = Static<typeof TaskID>;

export const ExecutorID = message('ExecutorID', { value: string() });
export type ExecutorID = Static<typeof ExecutorID>;

export const ResourceProviderID = message('ResourceProviderID', { value: string() });
export type ResourceProviderID = Static<typeof ResourceProviderID>;

export const OperationID = message('OperationID', { value: string() });
export type OperationID = Static<typeof OperationID>;

/**
 * Branded forms of the id strings (the `value` inside the wrappers above), for maps and
 * function signatures inside Agora where an AgentID string must not be mistaken for an OfferID
 * string. The wire types keep plain strings; brand at the boundary with
 * `id.value as AgentIdValue`.
 */
export type FrameworkIdValue = string & { readonly __brand: 'FrameworkID' };
export type OfferIdValue = string & { readonly __brand: 'OfferID' };
export type AgentIdValue = string & { readonly __brand: 'AgentID' };
export type TaskIdValue = string & { readonly __brand: 'TaskID' };
export type ExecutorIdValue = string & { readonly __brand: 'ExecutorID' };
export type ResourceProviderIdValue = string & { readonly __brand: 'ResourceProviderID' };
export type OperationIdValue = string & { readonly __brand: 'OperationID' };
export type ContainerIdValue = string & { readonly __brand: 'ContainerID' };

/**
 * A container id; `parent` is set for nested containers, so the type is recursive
 * (`{"value":"child","parent":{"value":"executor-container"}}`).
 */
export const ContainerID = Type.Recursive(
  (This) => message('ContainerID', { value: string(), parent: optional(This) }),
  { $id: 'mesos.v1.ContainerID' },
);
export type ContainerID = Static<typeof ContainerID>;

/** A 128-bit RFC 4122 UUID as 16 raw bytes, base64 on the wire (24 characters ending in `==`). */
export const UUID = message('UUID', { value: bytes() });
export type UUID = Static<typeof UUID>;

// ---------------------------------------------------------------------------------------------
// Time.

/** Time since the epoch, in nanoseconds. */
export const TimeInfo = message('TimeInfo', { nanoseconds: int64() });
export type TimeInfo = Static<typeof TimeInfo>;

/** A duration in nanoseconds. */
export const DurationInfo = message('DurationInfo', { nanoseconds: int64() });
export type DurationInfo = Static<typeof DurationInfo>;

/**
 * `google.protobuf.Duration`, used only by the operator DRAIN_AGENT call. Mesos parses it as an
 * ordinary message (`{"seconds":600,"nanos":0}`), not the proto3 `"600s"` string form.
 */
export const ProtobufDuration = message('google.protobuf.Duration', {
  seconds: optional(int64()),
  nanos: optional(int32()),
});
export type ProtobufDuration = Static<typeof ProtobufDuration>;

// ---------------------------------------------------------------------------------------------
// Labels and parameters.

/** A free-form key/value pair; `value` is optional. */
export const Label = message('Label', { key: string(), value: optional(string()) });
export type Label = Static<typeof Label>;

/** A collection of labels: `{"labels":[{"key":"k","value":"v"}]}`. */
export const Labels = message('Labels', { labels: repeated(Label) });
export type Labels = Static<typeof Labels>;

/** A generic key/value pair (e.g. `docker run --key=value`). Both fields are required. */
export const Parameter = message('Parameter', { key: string(), value: string() });
export type Parameter = Static<typeof Parameter>;

export const Parameters = message('Parameters', { parameter: repeated(Parameter) });
export type Parameters = Static<typeof Parameters>;

// ---------------------------------------------------------------------------------------------
// Values and attributes. Resources and attributes share these value types.

/** `Value.Type`. TEXT is valid for attributes only. */
export const VALUE_TYPES = ['SCALAR', 'RANGES', 'SET', 'TEXT'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];
export const ValueType = enumOf(VALUE_TYPES);

/**
 * `Value.Scalar`. Mesos does scalar arithmetic in fixed point with three decimal digits; the
 * wire value is a plain double.
 */
export const Scalar = message('Value.Scalar', { value: double() });
export type Scalar = Static<typeof Scalar>;

/** `Value.Range`: an inclusive range of uint64, e.g. ports 31000-32000. */
export const ValueRange = message('Value.Range', { begin: uint64(), end: uint64() });
export type ValueRange = Static<typeof ValueRange>;

/** `Value.Ranges`: `{"range":[{"begin":31000,"end":32000}]}` (the key is singular). */
export const Ranges = message('Value.Ranges', { range: repeated(ValueRange) });
export type Ranges = Static<typeof Ranges>;

/** `Value.Set`: `{"item":["a","b"]}` (the key is singular). */
export const ValueSet = message('Value.Set', { item: repeated(string()) });
export type ValueSet = Static<typeof ValueSet>;

/** `Value.Text`: `{"value":"r1"}`. */
export const ValueText = message('Value.Text', { value: string() });
export type ValueText = Static<typeof ValueText>;

/** `Value`: a typed union of the above, selected by `type`. */
export const Value = message('Value', {
  type: ValueType,
  scalar: optional(Scalar),
  ranges: optional(Ranges),
  set: optional(ValueSet),
  text: optional(ValueText),
});
export type Value = Static<typeof Value>;

/** A machine attribute, e.g. `{"name":"rack","type":"TEXT","text":{"value":"r1"}}`. */
export const Attribute = message('Attribute', {
  name: string(),
  type: ValueType,
  scalar: optional(Scalar),
  ranges: optional(Ranges),
  set: optional(ValueSet),
  text: optional(ValueText),
});
export type Attribute = Static<typeof Attribute>;

// ---------------------------------------------------------------------------------------------
// Addresses, URLs, machines and maintenance windows.

/** A network address; `hostname` and/or `ip` may be set. */
export const Address = message('Address', {
  hostname: optional(string()),
  ip: optional(string()),
  port: int32(),
});
export type Address = Static<typeof Address>;

/**
 * `mesos.v1.URL`, as in `Offer.url` (`{scheme:"http", address:{...}, path:"/slave(1)"}`).
 * Exported as URLInfo so that importing it never shadows the global `URL`.
 */
export const URLInfo = message('URL', {
  scheme: string(),
  address: Address,
  path: optional(string()),
  query: repeated(Parameter),
  fragment: optional(string()),
});
export type URLInfo = Static<typeof URLInfo>;

/** A (maintenance) interval: `start` plus an optional `duration` (absent means forever). */
export const Unavailability = message('Unavailability', {
  start: TimeInfo,
  duration: optional(DurationInfo),
});
export type Unavailability = Static<typeof Unavailability>;

/** A machine that may hold one or more agents; matched on both hostname and ip. */
export const MachineID = message('MachineID', {
  hostname: optional(string()),
  ip: optional(string()),
});
export type MachineID = Static<typeof MachineID>;

export const MACHINE_MODES = ['UP', 'DRAINING', 'DOWN'] as const;
export type MachineMode = (typeof MACHINE_MODES)[number];

export const MachineInfo = message('MachineInfo', {
  id: MachineID,
  mode: optional(enumOf(MACHINE_MODES)),
  unavailability: optional(Unavailability),
});
export type MachineInfo = Static<typeof MachineInfo>;

// ---------------------------------------------------------------------------------------------
// Secrets and credentials.

export const SECRET_TYPES = ['UNKNOWN', 'REFERENCE', 'VALUE'] as const;
export type SecretType = (typeof SECRET_TYPES)[number];

/** A secret passed by reference (resolved by a secret resolver) or by value (base64 bytes). */
export const Secret = message('Secret', {
  type: optional(enumOf(SECRET_TYPES)),
  reference: optional(
    message('Secret.Reference', { name: string(), key: optional(string()) }),
  ),
  value: optional(message('Secret.Value', { data: bytes() })),
});
export type Secret = Static<typeof Secret>;

/** A principal and its secret, used by the deprecated `Image.Docker.credential`. */
export const Credential = message('Credential', {
  principal: string(),
  secret: optional(string()),
});
export type Credential = Static<typeof Credential>;

// ---------------------------------------------------------------------------------------------
// Fault domains.

/**
 * The fault domain of a master or agent:
 * `{"fault_domain":{"region":{"name":"us-east"},"zone":{"name":"us-east-1a"}}}`.
 */
export const DomainInfo = message('DomainInfo', {
  fault_domain: optional(
    message('DomainInfo.FaultDomain', {
      region: message('DomainInfo.FaultDomain.RegionInfo', { name: string() }),
      zone: message('DomainInfo.FaultDomain.ZoneInfo', { name: string() }),
    }),
  ),
});
export type DomainInfo = Static<typeof DomainInfo>;
