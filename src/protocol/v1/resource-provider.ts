// mesos.v1 ResourceProviderInfo and the CSI plugin configuration it carries. Agora accepts and
// reports these messages for compatibility; storage resource providers are not implemented.
import type { Static } from '@sinclair/typebox';
import {
  bool,
  double,
  enumOf,
  message,
  optional,
  repeated,
  string,
} from '../schema.ts';
import { CommandInfo } from './command.ts';
import { ContainerInfo } from './container.ts';
import { ReservationInfo, Resource } from './resources.ts';
import { Attribute, ResourceProviderID } from './values.ts';

export const CSI_PLUGIN_SERVICES = ['UNKNOWN', 'CONTROLLER_SERVICE', 'NODE_SERVICE'] as const;
export type CsiPluginService = (typeof CSI_PLUGIN_SERVICES)[number];

/** How to run a managed CSI plugin as a standalone container. */
export const CSIPluginContainerInfo = message('CSIPluginContainerInfo', {
  services: repeated(enumOf(CSI_PLUGIN_SERVICES)),
  command: optional(CommandInfo),
  resources: repeated(Resource),
  container: optional(ContainerInfo),
});
export type CSIPluginContainerInfo = Static<typeof CSIPluginContainerInfo>;

/** The endpoint (usually a unix socket path) of an unmanaged CSI plugin service. */
export const CSIPluginEndpoint = message('CSIPluginEndpoint', {
  csi_service: enumOf(CSI_PLUGIN_SERVICES),
  endpoint: string(),
});
export type CSIPluginEndpoint = Static<typeof CSIPluginEndpoint>;

export const CSIPluginInfo = message('CSIPluginInfo', {
  type: string(),
  name: optional(string({ default: 'default' })),
  containers: repeated(CSIPluginContainerInfo),
  endpoints: repeated(CSIPluginEndpoint),
  target_path_root: optional(string()),
  target_path_exists: optional(bool()),
});
export type CSIPluginInfo = Static<typeof CSIPluginInfo>;

/** Describes a resource provider; `type` + `name` identify it, `id` is set once registered. */
export const ResourceProviderInfo = message('ResourceProviderInfo', {
  id: optional(ResourceProviderID),
  attributes: repeated(Attribute),
  type: string(),
  name: string(),
  default_reservations: repeated(ReservationInfo),
  storage: optional(
    message('ResourceProviderInfo.Storage', {
      plugin: CSIPluginInfo,
      reconciliation_interval_seconds: optional(double()),
    }),
  ),
});
export type ResourceProviderInfo = Static<typeof ResourceProviderInfo>;
