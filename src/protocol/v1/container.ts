// mesos.v1 ContainerInfo (how to containerize a task or executor) and ContainerStatus (what the
// agent learned while setting the container up), with the Linux-specific pieces: capabilities,
// seccomp, IPC, rlimits, TTYs and cgroups.
import type { Static } from '@sinclair/typebox';
import {
  bool,
  deprecated,
  enumOf,
  message,
  optional,
  repeated,
  string,
  uint32,
  uint64,
} from '../schema.ts';
import { NetworkInfo } from './network.ts';
import { ContainerID, Parameter } from './values.ts';
import { Image, Volume } from './volume.ts';

/** Linux capabilities, named without the `CAP_` prefix. */
export const LINUX_CAPABILITIES = [
  'UNKNOWN',
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
] as const;
export type LinuxCapability = (typeof LINUX_CAPABILITIES)[number];

/** A set of Linux capabilities; unknown names in the list are dropped on input. */
export const CapabilityInfo = message('CapabilityInfo', {
  capabilities: repeated(enumOf(LINUX_CAPABILITIES)),
});
export type CapabilityInfo = Static<typeof CapabilityInfo>;

/** Seccomp: a profile file under the agent's `--seccomp_config_dir`, or `unconfined`. */
export const SeccompInfo = message('SeccompInfo', {
  profile_name: optional(string()),
  unconfined: optional(bool()),
});
export type SeccompInfo = Static<typeof SeccompInfo>;

export const IPC_MODES = ['UNKNOWN', 'PRIVATE', 'SHARE_PARENT'] as const;
export type IpcMode = (typeof IPC_MODES)[number];

/**
 * Linux-specific container settings. `share_cgroups` defaults to true (nested containers share
 * their parent's cgroups); `shm_size` is in MB and only valid with `ipc_mode` PRIVATE.
 */
export const LinuxInfo = message('LinuxInfo', {
  capability_info: optional(deprecated(CapabilityInfo)),
  bounding_capabilities: optional(CapabilityInfo),
  effective_capabilities: optional(CapabilityInfo),
  share_pid_namespace: optional(bool()),
  seccomp: optional(SeccompInfo),
  ipc_mode: optional(enumOf(IPC_MODES)),
  shm_size: optional(uint32()),
  share_cgroups: optional(bool({ default: true })),
});
export type LinuxInfo = Static<typeof LinuxInfo>;

/** POSIX rlimit types, with an `RLMT_` prefix to avoid clashing with the C macros. */
export const RLIMIT_TYPES = [
  'UNKNOWN',
  'RLMT_AS',
  'RLMT_CORE',
  'RLMT_CPU',
  'RLMT_DATA',
  'RLMT_FSIZE',
  'RLMT_LOCKS',
  'RLMT_MEMLOCK',
  'RLMT_MSGQUEUE',
  'RLMT_NICE',
  'RLMT_NOFILE',
  'RLMT_NPROC',
  'RLMT_RSS',
  'RLMT_RTPRIO',
  'RLMT_RTTIME',
  'RLMT_SIGPENDING',
  'RLMT_STACK',
] as const;
export type RLimitType = (typeof RLIMIT_TYPES)[number];

/** One rlimit; `hard` and `soft` are both set (soft <= hard) or both unset (unlimited). */
export const RLimit = message('RLimitInfo.RLimit', {
  type: optional(enumOf(RLIMIT_TYPES)),
  hard: optional(uint64()),
  soft: optional(uint64()),
});
export type RLimit = Static<typeof RLimit>;

export const RLimitInfo = message('RLimitInfo', { rlimits: repeated(RLimit) });
export type RLimitInfo = Static<typeof RLimitInfo>;

export const TTYWindowSize = message('TTYInfo.WindowSize', { rows: uint32(), columns: uint32() });
export type TTYWindowSize = Static<typeof TTYWindowSize>;

/** Attach a (pseudo) TTY to the container's entrypoint. */
export const TTYInfo = message('TTYInfo', { window_size: optional(TTYWindowSize) });
export type TTYInfo = Static<typeof TTYInfo>;

export const CONTAINER_TYPES = ['DOCKER', 'MESOS'] as const;
export type ContainerType = (typeof CONTAINER_TYPES)[number];

export const DOCKER_NETWORKS = ['HOST', 'BRIDGE', 'NONE', 'USER'] as const;
export type DockerNetwork = (typeof DOCKER_NETWORKS)[number];

/** A `docker run -p host:container/protocol` mapping; `protocol` is "tcp" or "udp". */
export const DockerPortMapping = message('ContainerInfo.DockerInfo.PortMapping', {
  host_port: uint32(),
  container_port: uint32(),
  protocol: optional(string()),
});
export type DockerPortMapping = Static<typeof DockerPortMapping>;

/**
 * Settings for the Docker containerizer. `network` defaults to HOST and `privileged` to false;
 * `parameters` become `docker run --key=value`.
 */
export const DockerInfo = message('ContainerInfo.DockerInfo', {
  image: string(),
  network: optional(enumOf(DOCKER_NETWORKS, { default: 'HOST' })),
  port_mappings: repeated(DockerPortMapping),
  privileged: optional(bool({ default: false })),
  parameters: repeated(Parameter),
  force_pull_image: optional(bool()),
  volume_driver: optional(string({ deprecated: true })),
});
export type DockerInfo = Static<typeof DockerInfo>;

/** Settings for the Mesos (unified) containerizer: an optional image to provision as rootfs. */
export const MesosInfo = message('ContainerInfo.MesosInfo', { image: optional(Image) });
export type MesosInfo = Static<typeof MesosInfo>;

/**
 * How to containerize a task or executor. `type` is required; at most one of `docker` or
 * `mesos` is set and must match it. A MESOS container without an image just gets isolation
 * features (volumes, networks, Linux settings) around the host filesystem.
 */
export const ContainerInfo = message('ContainerInfo', {
  type: enumOf(CONTAINER_TYPES),
  volumes: repeated(Volume),
  hostname: optional(string()),
  docker: optional(DockerInfo),
  mesos: optional(MesosInfo),
  network_infos: repeated(NetworkInfo),
  linux_info: optional(LinuxInfo),
  rlimit_info: optional(RLimitInfo),
  tty_info: optional(TTYInfo),
});
export type ContainerInfo = Static<typeof ContainerInfo>;

// ---------------------------------------------------------------------------------------------
// Devices and cgroups.

export const DeviceNumber = message('Device.Number', {
  major_number: uint64(),
  minor_number: uint64(),
});
export type DeviceNumber = Static<typeof DeviceNumber>;

export const Device = message('Device', {
  path: optional(string()),
  number: optional(DeviceNumber),
});
export type Device = Static<typeof Device>;

export const BLKIO_OPERATIONS = ['UNKNOWN', 'TOTAL', 'READ', 'WRITE', 'SYNC', 'ASYNC', 'DISCARD'] as const;
export type BlkioOperation = (typeof BLKIO_OPERATIONS)[number];

/** One blkio counter, e.g. `{op: READ, value: 4096}`. */
export const BlkioValue = message('CgroupInfo.Blkio.Value', {
  op: optional(enumOf(BLKIO_OPERATIONS)),
  value: optional(uint64()),
});
export type BlkioValue = Static<typeof BlkioValue>;

/** CFQ scheduler statistics for one device (or the total when `device` is unset). */
export const BlkioCfqStatistics = message('CgroupInfo.Blkio.CFQ.Statistics', {
  device: optional(DeviceNumber),
  sectors: optional(uint64()),
  time: optional(uint64()),
  io_serviced: repeated(BlkioValue),
  io_service_bytes: repeated(BlkioValue),
  io_service_time: repeated(BlkioValue),
  io_wait_time: repeated(BlkioValue),
  io_merged: repeated(BlkioValue),
  io_queued: repeated(BlkioValue),
});
export type BlkioCfqStatistics = Static<typeof BlkioCfqStatistics>;

/** Throttling statistics for one device (or the total when `device` is unset). */
export const BlkioThrottlingStatistics = message('CgroupInfo.Blkio.Throttling.Statistics', {
  device: optional(DeviceNumber),
  io_serviced: repeated(BlkioValue),
  io_service_bytes: repeated(BlkioValue),
});
export type BlkioThrottlingStatistics = Static<typeof BlkioThrottlingStatistics>;

export const BlkioStatistics = message('CgroupInfo.Blkio.Statistics', {
  cfq: repeated(BlkioCfqStatistics),
  cfq_recursive: repeated(BlkioCfqStatistics),
  throttling: repeated(BlkioThrottlingStatistics),
});
export type BlkioStatistics = Static<typeof BlkioStatistics>;

/** Cgroup information reported in ContainerStatus; `net_cls.classid` is 0xAAAABBBB. */
export const CgroupInfo = message('CgroupInfo', {
  net_cls: optional(message('CgroupInfo.NetCls', { classid: optional(uint32()) })),
});
export type CgroupInfo = Static<typeof CgroupInfo>;

/** What the agent resolved while setting a container up; sent back inside TaskStatus. */
export const ContainerStatus = message('ContainerStatus', {
  container_id: optional(ContainerID),
  network_infos: repeated(NetworkInfo),
  cgroup_info: optional(CgroupInfo),
  executor_pid: optional(uint32()),
});
export type ContainerStatus = Static<typeof ContainerStatus>;
