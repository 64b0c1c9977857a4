// The subset of Docker Engine API (v1.41, Docker 20.10) request and response bodies Agora uses.
// Field names are Docker's (PascalCase); everything the daemon may omit is optional.

export type EngineVersion = { Version: string; ApiVersion: string; MinAPIVersion?: string; Os?: string; Arch?: string; KernelVersion?: string };

export type ImageInspect = {
  Id: string;
  RepoTags?: string[] | null;
  Config?: { Cmd?: string[] | null; Entrypoint?: string[] | null; Env?: string[] | null; WorkingDir?: string; User?: string } | null;
};

export type PortBinding = { HostIp?: string; HostPort?: string };

export type HostConfig = {
  Binds?: string[];
  NetworkMode?: string;
  PortBindings?: Record<string, PortBinding[]>;
  Privileged?: boolean;
  CpuShares?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  Memory?: number;
  MemoryReservation?: number;
  MemorySwap?: number;
  OomScoreAdj?: number;
  OomKillDisable?: boolean;
  VolumeDriver?: string;
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  ExtraHosts?: string[];
  CapAdd?: string[];
  CapDrop?: string[];
  Devices?: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
  SecurityOpt?: string[];
  Ulimits?: { Name: string; Soft: number; Hard: number }[];
  ShmSize?: number;
  PidsLimit?: number;
  Init?: boolean;
  ReadonlyRootfs?: boolean;
  Tmpfs?: Record<string, string>;
  IpcMode?: string;
  PidMode?: string;
  UTSMode?: string;
  LogConfig?: { Type: string; Config?: Record<string, string> };
  Sysctls?: Record<string, string>;
  GroupAdd?: string[];
  CgroupParent?: string;
  BlkioWeight?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  RestartPolicy?: { Name: string; MaximumRetryCount?: number };
  AutoRemove?: boolean;
};

/** `POST /containers/create` body. */
export type ContainerCreateBody = {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, Record<string, never>>;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  OpenStdin?: boolean;
  Tty?: boolean;
  StopSignal?: string;
  StopTimeout?: number;
  HostConfig?: HostConfig;
  NetworkingConfig?: { EndpointsConfig?: Record<string, { IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } }> };
};

export type ContainerState = {
  Status: string;
  Running: boolean;
  Paused?: boolean;
  Restarting?: boolean;
  OOMKilled: boolean;
  Dead?: boolean;
  Pid: number;
  ExitCode: number;
  Error?: string;
  StartedAt?: string;
  FinishedAt?: string;
};

export type ContainerInspect = {
  Id: string;
  Name: string;
  Created?: string;
  State: ContainerState;
  Image?: string;
  Config?: { Labels?: Record<string, string> | null; Image?: string; Env?: string[] | null; Cmd?: string[] | null; Entrypoint?: string[] | null };
  HostConfig?: HostConfig;
  NetworkSettings?: {
    IPAddress?: string;
    GlobalIPv6Address?: string;
    Networks?: Record<string, { IPAddress?: string; GlobalIPv6Address?: string }> | null;
  };
};

export type ContainerSummary = {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Status: string;
  Labels?: Record<string, string> | null;
};

export type ContainerWaitResponse = { StatusCode: number; Error?: { Message?: string } | null };

/** `GET /containers/{id}/stats?stream=false` (cgroup v1 and v2 fields mixed; all optional). */
export type ContainerStats = {
  read?: string;
  pids_stats?: { current?: number };
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; usage_in_kernelmode?: number; usage_in_usermode?: number };
    system_cpu_usage?: number;
    online_cpus?: number;
    throttling_data?: { periods?: number; throttled_periods?: number; throttled_time?: number };
  };
  memory_stats?: { usage?: number; max_usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; rx_packets?: number; rx_errors?: number; rx_dropped?: number; tx_bytes?: number; tx_packets?: number; tx_errors?: number; tx_dropped?: number }>;
};

/** Credentials for `X-Registry-Auth` (Docker's AuthConfig). */
export type RegistryAuth = { username?: string; password?: string; serveraddress?: string; identitytoken?: string; email?: string };

export type ExecResult = { exitCode: number; stdout: string; stderr: string };
