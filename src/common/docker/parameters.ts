// Pure: `DockerInfo.parameters` (`docker run --key=value`) applied to a container create body.
// Only options with a clear Engine API equivalent are accepted; anything else is refused with a
// message, so a typo or an unsupported option fails the task visibly instead of being dropped.
import type { ContainerCreateBody, HostConfig } from './engine-types.ts';

type Apply = (body: ContainerCreateBody, host: HostConfig, value: string) => string | undefined;

const list = (pick: (h: HostConfig) => string[] | undefined, set: (h: HostConfig, v: string[]) => void): Apply => (_b, h, v) => {
  set(h, [...(pick(h) ?? []), v]);
  return undefined;
};

const int = (set: (b: ContainerCreateBody, h: HostConfig, n: number) => void): Apply => (b, h, v) => {
  if (!/^-?\d+$/.test(v.trim())) return `'${v}' is not an integer`;
  set(b, h, Number(v));
  return undefined;
};

const bytes = (set: (h: HostConfig, n: number) => void): Apply => (_b, h, v) => {
  const n = parseDockerBytes(v);
  if (n === undefined) return `'${v}' is not a size (e.g. 512m, 1g)`;
  set(h, n);
  return undefined;
};

const flag = (set: (h: HostConfig, on: boolean) => void): Apply => (_b, h, v) => {
  const on = parseBool(v);
  if (on === undefined) return `'${v}' is not true or false`;
  set(h, on);
  return undefined;
};

const keyValue = (set: (h: HostConfig, k: string, v: string) => void): Apply => (_b, h, v) => {
  const eq = v.indexOf('=');
  if (eq <= 0) return `'${v}' is not KEY=VALUE`;
  set(h, v.slice(0, eq), v.slice(eq + 1));
  return undefined;
};

const KNOWN: Record<string, Apply> = {
  env: (b, _h, v) => {
    if (!v.includes('=')) return `'${v}' is not NAME=VALUE`;
    b.Env = [...(b.Env ?? []), v];
    return undefined;
  },
  label: (b, _h, v) => {
    const eq = v.indexOf('=');
    b.Labels = { ...b.Labels, [eq < 0 ? v : v.slice(0, eq)]: eq < 0 ? '' : v.slice(eq + 1) };
    return undefined;
  },
  user: (b, _h, v) => void (b.User = v),
  workdir: (b, _h, v) => void (b.WorkingDir = v),
  hostname: (b, _h, v) => void (b.Hostname = v),
  entrypoint: (b, _h, v) => void (b.Entrypoint = v === '' ? [] : [v]),
  'stop-signal': (b, _h, v) => void (b.StopSignal = v),
  'stop-timeout': int((b, _h, n) => void (b.StopTimeout = n)),
  net: (_b, h, v) => void (h.NetworkMode = v),
  network: (_b, h, v) => void (h.NetworkMode = v),
  volume: list((h) => h.Binds, (h, v) => void (h.Binds = v)),
  'volume-driver': (_b, h, v) => void (h.VolumeDriver = v),
  'cap-add': list((h) => h.CapAdd, (h, v) => void (h.CapAdd = v)),
  'cap-drop': list((h) => h.CapDrop, (h, v) => void (h.CapDrop = v)),
  dns: list((h) => h.Dns, (h, v) => void (h.Dns = v)),
  'dns-search': list((h) => h.DnsSearch, (h, v) => void (h.DnsSearch = v)),
  'dns-opt': list((h) => h.DnsOptions, (h, v) => void (h.DnsOptions = v)),
  'dns-option': list((h) => h.DnsOptions, (h, v) => void (h.DnsOptions = v)),
  'add-host': list((h) => h.ExtraHosts, (h, v) => void (h.ExtraHosts = v)),
  'security-opt': list((h) => h.SecurityOpt, (h, v) => void (h.SecurityOpt = v)),
  'group-add': list((h) => h.GroupAdd, (h, v) => void (h.GroupAdd = v)),
  device: (_b, h, v) => {
    const [onHost, inContainer, perms] = v.split(':');
    if (!onHost) return `'${v}' is not HOST[:CONTAINER[:PERMISSIONS]]`;
    h.Devices = [...(h.Devices ?? []), { PathOnHost: onHost, PathInContainer: inContainer || onHost, CgroupPermissions: perms || 'rwm' }];
    return undefined;
  },
  ulimit: (_b, h, v) => {
    const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(v);
    if (!m) return `'${v}' is not NAME=SOFT[:HARD]`;
    h.Ulimits = [...(h.Ulimits ?? []), { Name: m[1]!, Soft: Number(m[2]), Hard: Number(m[3] ?? m[2]) }];
    return undefined;
  },
  tmpfs: (_b, h, v) => {
    const colon = v.indexOf(':');
    h.Tmpfs = { ...h.Tmpfs, [colon < 0 ? v : v.slice(0, colon)]: colon < 0 ? '' : v.slice(colon + 1) };
    return undefined;
  },
  sysctl: keyValue((h, k, v) => void (h.Sysctls = { ...h.Sysctls, [k]: v })),
  'log-driver': (_b, h, v) => void (h.LogConfig = { Type: v, Config: h.LogConfig?.Config ?? {} }),
  'log-opt': keyValue((h, k, v) => void (h.LogConfig = { Type: h.LogConfig?.Type ?? '', Config: { ...h.LogConfig?.Config, [k]: v } })),
  memory: bytes((h, n) => void (h.Memory = n)),
  'memory-swap': (_b, h, v) => {
    const n = v.trim() === '-1' ? -1 : parseDockerBytes(v);
    if (n === undefined) return `'${v}' is not a size or -1`;
    h.MemorySwap = n;
    return undefined;
  },
  'memory-reservation': bytes((h, n) => void (h.MemoryReservation = n)),
  'shm-size': bytes((h, n) => void (h.ShmSize = n)),
  'oom-kill-disable': flag((h, on) => void (h.OomKillDisable = on)),
  'oom-score-adj': int((_b, h, n) => void (h.OomScoreAdj = n)),
  'pids-limit': int((_b, h, n) => void (h.PidsLimit = n)),
  'cpu-shares': int((_b, h, n) => void (h.CpuShares = n)),
  'cpu-quota': int((_b, h, n) => void (h.CpuQuota = n)),
  'cpu-period': int((_b, h, n) => void (h.CpuPeriod = n)),
  'blkio-weight': int((_b, h, n) => void (h.BlkioWeight = n)),
  'cpuset-cpus': (_b, h, v) => void (h.CpusetCpus = v),
  'cpuset-mems': (_b, h, v) => void (h.CpusetMems = v),
  'cgroup-parent': (_b, h, v) => void (h.CgroupParent = v),
  init: flag((h, on) => void (h.Init = on)),
  'read-only': flag((h, on) => void (h.ReadonlyRootfs = on)),
  privileged: flag((h, on) => void (h.Privileged = on)),
  ipc: (_b, h, v) => void (h.IpcMode = v),
  pid: (_b, h, v) => void (h.PidMode = v),
  uts: (_b, h, v) => void (h.UTSMode = v),
};

/** Short option names the docker CLI accepts for the same options. */
const ALIASES: Record<string, string> = { e: 'env', l: 'label', u: 'user', w: 'workdir', h: 'hostname', v: 'volume', m: 'memory' };

/** Docker parameters Agora accepts (for messages and docs). */
export const SUPPORTED_DOCKER_PARAMETERS: readonly string[] = Object.keys(KNOWN).sort();

/** Applies `--key=value` to the body; returns a problem description, or undefined when applied. */
export function applyParameter(body: ContainerCreateBody, key: string, value: string): string | undefined {
  const name = key.replace(/^-+/, '');
  const apply = KNOWN[ALIASES[name] ?? name];
  if (!apply) return `unknown or unsupported Docker parameter (supported: ${SUPPORTED_DOCKER_PARAMETERS.join(', ')})`;
  body.HostConfig ??= {};
  return apply(body, body.HostConfig, value);
}

/** Docker's size syntax: a number with an optional b/k/m/g unit (binary multiples). */
export function parseDockerBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * unit);
}

function parseBool(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  return undefined;
}
