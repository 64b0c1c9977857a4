// mesos.v1 NetworkInfo: a container's network request (in ContainerInfo) or the addresses it
// got (in ContainerStatus).
import type { Static } from '@sinclair/typebox';
import { enumOf, message, optional, repeated, string, uint32 } from '../schema.ts';
import { Labels } from './values.ts';

export const NETWORK_PROTOCOLS = ['IPv4', 'IPv6'] as const;
export type NetworkProtocol = (typeof NETWORK_PROTOCOLS)[number];

/** A requested or assigned IP address; `protocol` defaults to IPv4. */
export const IPAddress = message('NetworkInfo.IPAddress', {
  protocol: optional(enumOf(NETWORK_PROTOCOLS, { default: 'IPv4' })),
  ip_address: optional(string()),
});
export type IPAddress = Static<typeof IPAddress>;

/** A host-to-container port mapping on a named network; `protocol` is "tcp" or "udp". */
export const NetworkPortMapping = message('NetworkInfo.PortMapping', {
  host_port: uint32(),
  container_port: uint32(),
  protocol: optional(string()),
});
export type NetworkPortMapping = Static<typeof NetworkPortMapping>;

export const NetworkInfo = message('NetworkInfo', {
  ip_addresses: repeated(IPAddress),
  name: optional(string()),
  groups: repeated(string()),
  labels: optional(Labels),
  port_mappings: repeated(NetworkPortMapping),
});
export type NetworkInfo = Static<typeof NetworkInfo>;
