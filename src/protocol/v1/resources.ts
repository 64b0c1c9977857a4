// mesos.v1 Resource and its nested messages: allocation, reservations (both the pre- and the
// post-refinement formats), disk info and the revocable/shared markers.
//
// Resource formats (see reference §3):
//   pre-refinement  (frameworks without RESERVATION_REFINEMENT): `role` ("*" = unreserved) plus
//                   `reservation` {principal, labels} for dynamic reservations.
//   post-refinement (with RESERVATION_REFINEMENT): no `role`; `reservations` is the stack of
//                   ReservationInfo, the last entry being the innermost (current) role.
//   endpoint format (operator /state-style output): both.
// The codec keeps whatever was on the wire; normalizing between formats is src/common's job.
import type { Static } from '@sinclair/typebox';
import {
  enumOf,
  message,
  optional,
  repeated,
  string,
} from '../schema.ts';
import { Labels, Ranges, ResourceProviderID, Scalar, ValueSet, ValueType } from './values.ts';
import { Volume } from './volume.ts';

/** `Resource.AllocationInfo`: the role a resource is allocated (offered) to. */
export const AllocationInfo = message('Resource.AllocationInfo', { role: optional(string()) });
export type AllocationInfo = Static<typeof AllocationInfo>;

export const RESERVATION_TYPES = ['UNKNOWN', 'STATIC', 'DYNAMIC'] as const;
export type ReservationType = (typeof RESERVATION_TYPES)[number];

/**
 * `Resource.ReservationInfo`. In `Resource.reservations` (post-refinement) `type` and `role` are
 * set; in the deprecated `Resource.reservation` (pre-refinement) they must not be.
 */
export const ReservationInfo = message('Resource.ReservationInfo', {
  type: optional(enumOf(RESERVATION_TYPES)),
  role: optional(string()),
  principal: optional(string()),
  labels: optional(Labels),
});
export type ReservationInfo = Static<typeof ReservationInfo>;

/** `Resource.DiskInfo.Persistence`: a persistent volume id (unique per role per agent). */
export const DiskPersistence = message('Resource.DiskInfo.Persistence', {
  id: string(),
  principal: optional(string()),
});
export type DiskPersistence = Static<typeof DiskPersistence>;

export const DISK_SOURCE_TYPES = ['UNKNOWN', 'PATH', 'MOUNT', 'BLOCK', 'RAW'] as const;
export type DiskSourceType = (typeof DISK_SOURCE_TYPES)[number];
export const DiskSourceType = enumOf(DISK_SOURCE_TYPES);

/** `Resource.DiskInfo.Source`: where a disk resource comes from (PATH/MOUNT/BLOCK/RAW). */
export const DiskSource = message('Resource.DiskInfo.Source', {
  type: DiskSourceType,
  path: optional(message('Resource.DiskInfo.Source.Path', { root: optional(string()) })),
  mount: optional(message('Resource.DiskInfo.Source.Mount', { root: optional(string()) })),
  vendor: optional(string()),
  id: optional(string()),
  metadata: optional(Labels),
  profile: optional(string()),
});
export type DiskSource = Static<typeof DiskSource>;

/**
 * `Resource.DiskInfo`: persistence + volume make a persistent volume; `source` says which disk
 * the space comes from (absent = the agent's root disk).
 */
export const DiskInfo = message('Resource.DiskInfo', {
  persistence: optional(DiskPersistence),
  volume: optional(Volume),
  source: optional(DiskSource),
});
export type DiskInfo = Static<typeof DiskInfo>;

/** `Resource.RevocableInfo`: an empty marker message. */
export const RevocableInfo = message('Resource.RevocableInfo', {});
export type RevocableInfo = Static<typeof RevocableInfo>;

/** `Resource.SharedInfo`: an empty marker message. */
export const SharedInfo = message('Resource.SharedInfo', {});
export type SharedInfo = Static<typeof SharedInfo>;

/**
 * A resource: `name` and `type` are required, plus the value field matching `type` (`scalar`,
 * `ranges` or `set`). `role` is deprecated (default "*") and so is only written when set.
 */
export const Resource = message('Resource', {
  provider_id: optional(ResourceProviderID),
  name: string(),
  type: ValueType,
  scalar: optional(Scalar),
  ranges: optional(Ranges),
  set: optional(ValueSet),
  role: optional(string({ default: '*', deprecated: true })),
  allocation_info: optional(AllocationInfo),
  reservation: optional(ReservationInfo),
  reservations: repeated(ReservationInfo),
  disk: optional(DiskInfo),
  revocable: optional(RevocableInfo),
  shared: optional(SharedInfo),
});
export type Resource = Static<typeof Resource>;
