// mesos.v1 FrameworkInfo and OfferFilters: who a scheduler is and what it wants offered.
import type { Static } from '@sinclair/typebox';
import { bool, double, enumOf, map, message, optional, repeated, string } from '../schema.ts';
import { FrameworkID, Labels, Scalar } from './values.ts';

export const FRAMEWORK_CAPABILITIES = [
  'UNKNOWN',
  'REVOCABLE_RESOURCES',
  'TASK_KILLING_STATE',
  'GPU_RESOURCES',
  'SHARED_RESOURCES',
  'PARTITION_AWARE',
  'MULTI_ROLE',
  'RESERVATION_REFINEMENT',
  'REGION_AWARE',
] as const;
export type FrameworkCapabilityType = (typeof FRAMEWORK_CAPABILITIES)[number];

/** `{"type":"MULTI_ROLE"}`; an unknown type is dropped, leaving `{}`. */
export const FrameworkCapability = message('FrameworkInfo.Capability', {
  type: optional(enumOf(FRAMEWORK_CAPABILITIES)),
});
export type FrameworkCapability = Static<typeof FrameworkCapability>;

/** Scalar quantities by resource name, e.g. `{"cpus":{"value":1},"mem":{"value":64}}`. */
export const ResourceQuantities = message('OfferFilters.ResourceQuantities', {
  quantities: map(Scalar),
});
export type ResourceQuantities = Static<typeof ResourceQuantities>;

/**
 * Per-role offer shape filters: an offer is allocatable only if it contains at least one of
 * the listed quantity sets (an empty list means anything goes).
 */
export const OfferFilters = message('OfferFilters', {
  min_allocatable_resources: optional(
    message('OfferFilters.MinAllocatableResources', { quantities: repeated(ResourceQuantities) }),
  ),
});
export type OfferFilters = Static<typeof OfferFilters>;

/**
 * Describes a framework. `user` and `name` are required. `failover_timeout` (seconds, default 0)
 * is how long the master keeps a disconnected framework's tasks; `checkpoint` (default false)
 * makes agents checkpoint its executors. `role` is deprecated in favour of `roles`, which needs
 * the MULTI_ROLE capability.
 */
export const FrameworkInfo = message('FrameworkInfo', {
  user: string(),
  name: string(),
  id: optional(FrameworkID),
  failover_timeout: optional(double({ default: 0 })),
  checkpoint: optional(bool({ default: false })),
  role: optional(string({ default: '*', deprecated: true })),
  roles: repeated(string()),
  hostname: optional(string()),
  principal: optional(string()),
  webui_url: optional(string()),
  capabilities: repeated(FrameworkCapability),
  labels: optional(Labels),
  offer_filters: map(OfferFilters),
});
export type FrameworkInfo = Static<typeof FrameworkInfo>;
