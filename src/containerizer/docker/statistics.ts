// Pure: a Docker stats sample (`GET /containers/{id}/stats`) as Mesos ResourceStatistics, the
// shape `/monitor/statistics` and GET_CONTAINERS serve. CPU times come from the cgroup's
// user/kernel nanoseconds; memory from the cgroup v1 counters when present (rss, cache, swap...).
import type { ResourceStatistics } from '../../protocol/index.ts';
import type { ContainerStats } from '../../common/docker/engine-types.ts';

export function statisticsFromDocker(stats: ContainerStats, now: number, limits: { cpus?: number | undefined; memBytes?: number | undefined }): ResourceStatistics {
  const out: ResourceStatistics = { timestamp: now / 1000 };
  const cpu = stats.cpu_stats;
  if (cpu?.cpu_usage?.usage_in_usermode !== undefined) out.cpus_user_time_secs = round(cpu.cpu_usage.usage_in_usermode / 1e9);
  if (cpu?.cpu_usage?.usage_in_kernelmode !== undefined) out.cpus_system_time_secs = round(cpu.cpu_usage.usage_in_kernelmode / 1e9);
  const throttling = cpu?.throttling_data;
  if (throttling?.periods !== undefined) out.cpus_nr_periods = throttling.periods;
  if (throttling?.throttled_periods !== undefined) out.cpus_nr_throttled = throttling.throttled_periods;
  if (throttling?.throttled_time !== undefined) out.cpus_throttled_time_secs = round(throttling.throttled_time / 1e9);
  if (stats.pids_stats?.current !== undefined) out.processes = stats.pids_stats.current;
  const memory = stats.memory_stats;
  const counters = memory?.stats ?? {};
  if (memory?.usage !== undefined) out.mem_total_bytes = memory.usage;
  const rss = counters.total_rss ?? counters.rss ?? counters.anon;
  if (rss !== undefined) out.mem_rss_bytes = rss;
  else if (memory?.usage !== undefined) out.mem_rss_bytes = memory.usage;
  const cache = counters.total_cache ?? counters.cache ?? counters.file;
  if (cache !== undefined) {
    out.mem_cache_bytes = cache;
    out.mem_file_bytes = cache;
  }
  const anon = counters.anon ?? counters.total_rss;
  if (anon !== undefined) out.mem_anon_bytes = anon;
  const mapped = counters.total_mapped_file ?? counters.mapped_file;
  if (mapped !== undefined) out.mem_mapped_file_bytes = mapped;
  const swap = counters.total_swap ?? counters.swap;
  if (swap !== undefined) out.mem_swap_bytes = swap;
  const unevictable = counters.total_unevictable ?? counters.unevictable;
  if (unevictable !== undefined) out.mem_unevictable_bytes = unevictable;
  let rx = 0;
  let tx = 0;
  const sums = { rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_packets: 0, tx_errors: 0, tx_dropped: 0 };
  const networks = Object.values(stats.networks ?? {});
  for (const n of networks) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
    for (const key of Object.keys(sums) as (keyof typeof sums)[]) sums[key] += n[key] ?? 0;
  }
  if (networks.length > 0) {
    Object.assign(out, { net_rx_bytes: rx, net_tx_bytes: tx, net_rx_packets: sums.rx_packets, net_rx_errors: sums.rx_errors, net_rx_dropped: sums.rx_dropped });
    Object.assign(out, { net_tx_packets: sums.tx_packets, net_tx_errors: sums.tx_errors, net_tx_dropped: sums.tx_dropped });
  }
  if (limits.cpus !== undefined) out.cpus_limit = limits.cpus;
  if (limits.memBytes !== undefined) out.mem_limit_bytes = limits.memBytes;
  return out;
}

function round(secs: number): number {
  return Math.round(secs * 100) / 100;
}
