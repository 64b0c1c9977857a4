// mesos.v1 DiscoveryInfo: service-discovery metadata on tasks and executors. Mesos stores and
// forwards it without interpreting it.
import type { Static } from '@sinclair/typebox';
import { enumOf, message, optional, repeated, string, uint32 } from '../schema.ts';
import { Labels } from './values.ts';

export const DISCOVERY_VISIBILITIES = ['FRAMEWORK', 'CLUSTER', 'EXTERNAL'] as const;
export type DiscoveryVisibility = (typeof DISCOVERY_VISIBILITIES)[number];

/** A named port; its `visibility` overrides the DiscoveryInfo-wide one. */
export const Port = message('Port', {
  number: uint32(),
  name: optional(string()),
  protocol: optional(string()),
  visibility: optional(enumOf(DISCOVERY_VISIBILITIES)),
  labels: optional(Labels),
});
export type Port = Static<typeof Port>;

export const Ports = message('Ports', { ports: repeated(Port) });
export type Ports = Static<typeof Ports>;

export const DiscoveryInfo = message('DiscoveryInfo', {
  visibility: enumOf(DISCOVERY_VISIBILITIES),
  name: optional(string()),
  environment: optional(string()),
  location: optional(string()),
  version: optional(string()),
  ports: optional(Ports),
  labels: optional(Labels),
});
export type DiscoveryInfo = Static<typeof DiscoveryInfo>;
