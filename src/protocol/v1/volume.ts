// Container images and volumes (mesos.v1 Image, MountPropagation, Volume). They live apart from
// container.ts because `Resource.DiskInfo.volume` needs them too, and resources must not depend
// on the rest of the container model.
import type { Static } from '@sinclair/typebox';
import {
  bool,
  deprecated,
  enumOf,
  map,
  message,
  optional,
  repeated,
  string,
} from '../schema.ts';
import { Credential, Labels, Parameters, Secret } from './values.ts';

export const IMAGE_TYPES = ['APPC', 'DOCKER'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** An AppC image: `name`, optional `id` (`sha512-<hex>`) and labels (version, os, arch). */
export const ImageAppc = message('Image.Appc', {
  name: string(),
  id: optional(string()),
  labels: optional(Labels),
});
export type ImageAppc = Static<typeof ImageAppc>;

/**
 * A Docker image: `name` is `[REGISTRY_HOST[:PORT]/]REPOSITORY[:TAG|@TYPE:DIGEST]`; `config` is a
 * docker config.json (as a Secret) holding registry credentials.
 */
export const ImageDocker = message('Image.Docker', {
  name: string(),
  credential: optional(deprecated(Credential)),
  config: optional(Secret),
});
export type ImageDocker = Static<typeof ImageDocker>;

/** An image for the Mesos (unified) containerizer. `cached` defaults to true. */
export const Image = message('Image', {
  type: enumOf(IMAGE_TYPES),
  appc: optional(ImageAppc),
  docker: optional(ImageDocker),
  cached: optional(bool({ default: true })),
});
export type Image = Static<typeof Image>;

export const MOUNT_PROPAGATION_MODES = ['UNKNOWN', 'HOST_TO_CONTAINER', 'BIDIRECTIONAL'] as const;
export type MountPropagationMode = (typeof MOUNT_PROPAGATION_MODES)[number];

export const MountPropagation = message('MountPropagation', {
  mode: optional(enumOf(MOUNT_PROPAGATION_MODES)),
});
export type MountPropagation = Static<typeof MountPropagation>;

export const VOLUME_MODES = ['RW', 'RO'] as const;
export type VolumeMode = (typeof VOLUME_MODES)[number];

export const VOLUME_SOURCE_TYPES = [
  'UNKNOWN',
  'DOCKER_VOLUME',
  'HOST_PATH',
  'SANDBOX_PATH',
  'SECRET',
  'CSI_VOLUME',
] as const;
export type VolumeSourceType = (typeof VOLUME_SOURCE_TYPES)[number];

export const SANDBOX_PATH_TYPES = ['UNKNOWN', 'SELF', 'PARENT'] as const;
export type SandboxPathType = (typeof SANDBOX_PATH_TYPES)[number];

export const CSI_ACCESS_MODES = [
  'UNKNOWN',
  'SINGLE_NODE_WRITER',
  'SINGLE_NODE_READER_ONLY',
  'MULTI_NODE_READER_ONLY',
  'MULTI_NODE_SINGLE_WRITER',
  'MULTI_NODE_MULTI_WRITER',
] as const;
export type CsiAccessMode = (typeof CSI_ACCESS_MODES)[number];

/** A CSI volume capability: exactly one of `block` or `mount`, plus the access mode. */
export const CsiVolumeCapability = message('Volume.Source.CSIVolume.VolumeCapability', {
  block: optional(message('Volume.Source.CSIVolume.VolumeCapability.BlockVolume', {})),
  mount: optional(
    message('Volume.Source.CSIVolume.VolumeCapability.MountVolume', {
      fs_type: optional(string()),
      mount_flags: repeated(string()),
    }),
  ),
  access_mode: message('Volume.Source.CSIVolume.VolumeCapability.AccessMode', {
    mode: enumOf(CSI_ACCESS_MODES),
  }),
});
export type CsiVolumeCapability = Static<typeof CsiVolumeCapability>;

/** Where a volume comes from. `type` selects which one of the sub-messages is set. */
export const VolumeSource = message('Volume.Source', {
  type: optional(enumOf(VOLUME_SOURCE_TYPES)),
  docker_volume: optional(
    message('Volume.Source.DockerVolume', {
      driver: optional(string()),
      name: string(),
      driver_options: optional(Parameters),
    }),
  ),
  host_path: optional(
    message('Volume.Source.HostPath', {
      path: string(),
      mount_propagation: optional(MountPropagation),
    }),
  ),
  sandbox_path: optional(
    message('Volume.Source.SandboxPath', {
      type: optional(enumOf(SANDBOX_PATH_TYPES)),
      path: string(),
    }),
  ),
  secret: optional(Secret),
  csi_volume: optional(
    message('Volume.Source.CSIVolume', {
      plugin_name: string(),
      static_provisioning: optional(
        message('Volume.Source.CSIVolume.StaticProvisioning', {
          volume_id: string(),
          volume_capability: CsiVolumeCapability,
          node_stage_secrets: map(Secret),
          node_publish_secrets: map(Secret),
          volume_context: map(string()),
        }),
      ),
    }),
  ),
});
export type VolumeSource = Static<typeof VolumeSource>;

/**
 * A volume mapped into a container. `mode` and `container_path` are required; at most one of
 * `host_path`, `image` or `source` names where it comes from.
 */
export const Volume = message('Volume', {
  mode: enumOf(VOLUME_MODES),
  container_path: string(),
  host_path: optional(string()),
  image: optional(Image),
  source: optional(VolumeSource),
});
export type Volume = Static<typeof Volume>;
