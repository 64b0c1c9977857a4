// Pure cgroup arithmetic for v1 and v2: where a container's cgroups are, what to write into
// them, and how to read their statistics (reference containerizers.md §1.7, §1.8, §9.1). No I/O:
// cgroups-fs.ts carries these out.
//
// Path scheme (both versions): `<cgroups_root>/<containerId>`, e.g. `mesos/4b1e...`, under each v1
// hierarchy (`/sys/fs/cgroup/memory/mesos/<id>`) or under the v2 mount (`/sys/fs/cgroup/mesos/<id>`).
import type { ResourceStatistics } from '../../protocol/index.ts';

export type CgroupVersion = 'v1' | 'v2';

/** Mesos's minimum for a container's memory limit. */
export const MIN_MEMORY_BYTES = 32 * 1024 * 1024;
export const CPU_SHARES_PER_CPU = 1024;
export const MIN_CPU_SHARES = 2;
export const CFS_PERIOD_US = 100_000;
export const MIN_CFS_QUOTA_US = 1_000;
/** cgroup v2 `cpu.weight` per cpu (Mesos 1.12's v2 isolator); range 1..10000. */
export const CPU_WEIGHT_PER_CPU = 100;

/** The v1 controllers this containerizer manages for the isolators (`freezer` makes destroy reliable). */
export type Controller = 'cpu' | 'cpuacct' | 'memory' | 'pids' | 'freezer';

export type CgroupLimits = {
  /** The container's cpus (request); undefined: no cpu control. */
  cpus?: number | undefined;
  /** Also cap cpu time with CFS (`--cgroups_enable_cfs`). */
  cfs?: boolean | undefined;
  /** The container's memory in bytes; undefined: no memory control. */
  memBytes?: number | undefined;
  /** A cap on processes+threads (v2 and v1 `pids.max`); undefined: accounting only, as Mesos v1. */
  pidsMax?: number | undefined;
};

/** One value to write: `controller` picks the v1 hierarchy (ignored for v2). */
export type CgroupWrite = { controller: Controller; file: string; value: string };

/** Which controllers the given isolators need (`cgroups/cpu`, `cgroups/mem`, `cgroups/pids`). */
export function controllersFor(isolators: readonly string[]): Controller[] {
  const out = new Set<Controller>(['freezer']);
  if (isolators.includes('cgroups/cpu')) {
    out.add('cpu');
    out.add('cpuacct');
  }
  if (isolators.includes('cgroups/mem')) out.add('memory');
  if (isolators.includes('cgroups/pids')) out.add('pids');
  return [...out];
}

/** `mesos/<id>`: the container's cgroup, relative to each hierarchy. */
export function containerCgroup(root: string, containerId: string): string {
  return `${root.replace(/^\/+|\/+$/g, '')}/${containerId}`;
}

/** cpu.shares for `cpus` (v1). */
export function cpuShares(cpus: number): number {
  return Math.max(Math.round(CPU_SHARES_PER_CPU * cpus), MIN_CPU_SHARES);
}

/** cpu.cfs_quota_us for `cpus` with the 100 ms period (v1; v2's cpu.max uses the same number). */
export function cfsQuotaUs(cpus: number): number {
  return Math.max(Math.round(CFS_PERIOD_US * cpus), MIN_CFS_QUOTA_US);
}

/** cpu.weight for `cpus` (v2). */
export function cpuWeight(cpus: number): number {
  return Math.min(Math.max(Math.round(CPU_WEIGHT_PER_CPU * cpus), 1), 10_000);
}

/**
 * The writes that apply `limits`. `currentHardLimit` is the memory hard limit already in place:
 * as in Mesos the hard limit is only ever raised on update (lowering it under a running
 * container would OOM-kill it); the soft limit follows the request both ways.
 */
export function limitWrites(version: CgroupVersion, limits: CgroupLimits, controllers: readonly Controller[], currentHardLimit?: number): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  const has = (c: Controller): boolean => controllers.includes(c);
  if (limits.cpus !== undefined && has('cpu')) {
    if (version === 'v1') {
      out.push({ controller: 'cpu', file: 'cpu.shares', value: String(cpuShares(limits.cpus)) });
      if (limits.cfs) {
        out.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(CFS_PERIOD_US) });
        out.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(cfsQuotaUs(limits.cpus)) });
      }
    } else {
      out.push({ controller: 'cpu', file: 'cpu.weight', value: String(cpuWeight(limits.cpus)) });
      if (limits.cfs) out.push({ controller: 'cpu', file: 'cpu.max', value: `${cfsQuotaUs(limits.cpus)} ${CFS_PERIOD_US}` });
    }
  }
  if (limits.memBytes !== undefined && has('memory')) {
    const bytes = Math.max(Math.round(limits.memBytes), MIN_MEMORY_BYTES);
    const hard = currentHardLimit !== undefined && currentHardLimit > bytes ? currentHardLimit : bytes;
    if (version === 'v1') {
      out.push({ controller: 'memory', file: 'memory.soft_limit_in_bytes', value: String(bytes) });
      if (hard !== currentHardLimit) out.push({ controller: 'memory', file: 'memory.limit_in_bytes', value: String(hard) });
    } else {
      out.push({ controller: 'memory', file: 'memory.low', value: String(bytes) });
      if (hard !== currentHardLimit) out.push({ controller: 'memory', file: 'memory.max', value: String(hard) });
    }
  }
  if (limits.pidsMax !== undefined && has('pids')) out.push({ controller: 'pids', file: 'pids.max', value: String(limits.pidsMax) });
  return out;
}

/** v2: the controllers a parent must delegate (`cgroup.subtree_control`) for these controllers. */
export function v2SubtreeControl(controllers: readonly Controller[]): string {
  const names = new Set<string>();
  for (const c of controllers) {
    if (c === 'cpu' || c === 'cpuacct') names.add('cpu');
    if (c === 'memory') names.add('memory');
    if (c === 'pids') names.add('pids');
  }
  return [...names].map((n) => `+${n}`).join(' ');
}

/** Pure: the v1 hierarchies (controller -> mount point) and whether cgroup2 is the whole tree. */
export function parseCgroupMounts(mountinfo: string): { version: CgroupVersion; v1: Map<string, string>; v2Mount: string | undefined } {
  const v1 = new Map<string, string>();
  let v2Mount: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(' ');
    const right = line.slice(dash + 3).split(' ');
    const mountPoint = left[4];
    if (!mountPoint) continue;
    if (right[0] === 'cgroup2') {
      if (v2Mount === undefined || mountPoint === '/sys/fs/cgroup') v2Mount = mountPoint;
    } else if (right[0] === 'cgroup') {
      for (const option of (right[2] ?? '').split(',')) {
        if (['cpu', 'cpuacct', 'memory', 'pids', 'freezer', 'cpuset', 'devices', 'blkio', 'net_cls', 'net_prio', 'perf_event', 'hugetlb'].includes(option)) {
          v1.set(option, mountPoint);
        }
      }
    }
  }
  // Pure v2 only when no v1 controller hierarchy exists (hybrid hosts mount cgroup2 at
  // /sys/fs/cgroup/unified with no controllers: they are v1 for our purposes, as for Mesos).
  const version: CgroupVersion = v1.size === 0 && v2Mount !== undefined ? 'v2' : 'v1';
  return { version, v1, v2Mount };
}

/** Parses `key value` lines (cpuacct.stat, memory.stat, cpu.stat, memory.events, oom_control). */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^-?\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

/** The number of OOM kills so far (shared with the command executor, which reads it too). */
export { oomKills } from '../../common/oci/oom.ts';

/** The files statistics are read from, per version (controller, file). */
export function statisticsFiles(version: CgroupVersion, controllers: readonly Controller[]): Array<{ controller: Controller; file: string }> {
  const out: Array<{ controller: Controller; file: string }> = [];
  const has = (c: Controller): boolean => controllers.includes(c);
  if (version === 'v1') {
    if (has('cpuacct')) out.push({ controller: 'cpuacct', file: 'cpuacct.stat' });
    if (has('cpu')) out.push({ controller: 'cpu', file: 'cpu.stat' });
    if (has('memory')) {
      out.push({ controller: 'memory', file: 'memory.stat' }, { controller: 'memory', file: 'memory.usage_in_bytes' });
      out.push({ controller: 'memory', file: 'memory.limit_in_bytes' });
    }
  } else {
    out.push({ controller: 'cpu', file: 'cpu.stat' });
    if (has('memory')) out.push({ controller: 'memory', file: 'memory.stat' }, { controller: 'memory', file: 'memory.current' });
  }
  if (has('pids')) out.push({ controller: 'pids', file: 'pids.current' });
  return out;
}

type MemoryStatField = 'mem_rss_bytes' | 'mem_anon_bytes' | 'mem_cache_bytes' | 'mem_file_bytes' | 'mem_mapped_file_bytes' | 'mem_swap_bytes' | 'mem_unevictable_bytes';

/** The memory.stat key each ResourceStatistics field is read from, per cgroup version (v2 has no swap line). */
const MEMORY_STAT_FIELDS: Record<CgroupVersion, readonly (readonly [MemoryStatField, string])[]> = {
  v1: [
    ['mem_rss_bytes', 'total_rss'], ['mem_anon_bytes', 'total_rss'], ['mem_cache_bytes', 'total_cache'], ['mem_file_bytes', 'total_cache'],
    ['mem_mapped_file_bytes', 'total_mapped_file'], ['mem_swap_bytes', 'total_swap'], ['mem_unevictable_bytes', 'total_unevictable'],
  ],
  v2: [
    ['mem_rss_bytes', 'anon'], ['mem_anon_bytes', 'anon'], ['mem_cache_bytes', 'file'], ['mem_file_bytes', 'file'],
    ['mem_mapped_file_bytes', 'file_mapped'], ['mem_unevictable_bytes', 'unevictable'],
  ],
};
const MEMORY_TOTAL_FILE: Record<CgroupVersion, string> = { v1: 'memory.usage_in_bytes', v2: 'memory.current' };
/** cpu.stat's throttled time: nanoseconds in v1, microseconds in v2. */
const THROTTLED_TIME: Record<CgroupVersion, readonly [string, number]> = { v1: ['throttled_time', 1e9], v2: ['throttled_usec', 1e6] };

/**
 * ResourceStatistics fields from the files read (file name -> content; missing ones skipped).
 * `ticksPerSecond` converts v1 cpuacct.stat's USER_HZ ticks.
 */
export function statisticsFrom(version: CgroupVersion, files: ReadonlyMap<string, string>, ticksPerSecond: number): Partial<ResourceStatistics> {
  const stats: Partial<ResourceStatistics> = {};
  const kv = (file: string): Map<string, number> | undefined => {
    const text = files.get(file);
    return text === undefined ? undefined : parseKeyValues(text);
  };
  const single = (file: string): number | undefined => {
    const text = files.get(file)?.trim();
    return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
  };
  const round = (secs: number): number => Math.round(secs * 1000) / 1000;
  const cpuStat = kv('cpu.stat');
  // User and system time: v1 in USER_HZ ticks in cpuacct.stat, v2 in µs in cpu.stat.
  const times = version === 'v1' ? kv('cpuacct.stat') : cpuStat;
  if (times) {
    const [user, system, per] = version === 'v1' ? ['user', 'system', ticksPerSecond] : ['user_usec', 'system_usec', 1e6];
    stats.cpus_user_time_secs = round((times.get(user) ?? 0) / per);
    stats.cpus_system_time_secs = round((times.get(system) ?? 0) / per);
  }
  if (cpuStat) {
    const [throttled, per] = THROTTLED_TIME[version];
    stats.cpus_nr_periods = cpuStat.get('nr_periods') ?? 0;
    stats.cpus_nr_throttled = cpuStat.get('nr_throttled') ?? 0;
    stats.cpus_throttled_time_secs = round((cpuStat.get(throttled) ?? 0) / per);
  }
  const mem = kv('memory.stat');
  if (mem) for (const [field, key] of MEMORY_STAT_FIELDS[version]) stats[field] = mem.get(key) ?? 0;
  const total = single(MEMORY_TOTAL_FILE[version]);
  if (total !== undefined) stats.mem_total_bytes = total;
  const pids = single('pids.current');
  if (pids !== undefined) stats.processes = pids;
  return stats;
}

/** The OOM message Mesos gives: "Memory limit exceeded: Requested: 64MB Maximum Used: 64MB". */
export function memoryLimitMessage(requestedBytes: number | undefined, maxUsedBytes: number | undefined): string {
  const mb = (b: number | undefined): string => (b === undefined ? 'unknown' : `${Math.round(b / (1024 * 1024))}MB`);
  return `Memory limit exceeded: Requested: ${mb(requestedBytes)} Maximum Used: ${mb(maxUsedBytes)}`;
}
