// mesos.v1 ResourceStatistics and the statistics messages it embeds: what an agent reports about
// a container's resource usage (operator GET_CONTAINERS, legacy /monitor/statistics).
//
// The SNMP counters keep the kernel's CamelCase names (`InReceives`), as the proto does.
import type { Static } from '@sinclair/typebox';
import { double, message, optional, repeated, string, uint32, uint64, int64 } from '../schema.ts';
import { BlkioStatistics } from './container.ts';
import { DiskPersistence, DiskSource } from './resources.ts';

/** Linux traffic-control (qdisc) counters for one limiter, e.g. `tx_bw_cap`. */
export const TrafficControlStatistics = message('TrafficControlStatistics', {
  id: string(),
  backlog: optional(uint64()),
  bytes: optional(uint64()),
  drops: optional(uint64()),
  overlimits: optional(uint64()),
  packets: optional(uint64()),
  qlen: optional(uint64()),
  ratebps: optional(uint64()),
  ratepps: optional(uint64()),
  requeues: optional(uint64()),
});
export type TrafficControlStatistics = Static<typeof TrafficControlStatistics>;

/** /proc/net/snmp `Ip:` counters. */
export const IpStatistics = message('IpStatistics', {
  Forwarding: optional(int64()),
  DefaultTTL: optional(int64()),
  InReceives: optional(int64()),
  InHdrErrors: optional(int64()),
  InAddrErrors: optional(int64()),
  ForwDatagrams: optional(int64()),
  InUnknownProtos: optional(int64()),
  InDiscards: optional(int64()),
  InDelivers: optional(int64()),
  OutRequests: optional(int64()),
  OutDiscards: optional(int64()),
  OutNoRoutes: optional(int64()),
  ReasmTimeout: optional(int64()),
  ReasmReqds: optional(int64()),
  ReasmOKs: optional(int64()),
  ReasmFails: optional(int64()),
  FragOKs: optional(int64()),
  FragFails: optional(int64()),
  FragCreates: optional(int64()),
});
export type IpStatistics = Static<typeof IpStatistics>;

/** /proc/net/snmp `Icmp:` counters. */
export const IcmpStatistics = message('IcmpStatistics', {
  InMsgs: optional(int64()),
  InErrors: optional(int64()),
  InCsumErrors: optional(int64()),
  InDestUnreachs: optional(int64()),
  InTimeExcds: optional(int64()),
  InParmProbs: optional(int64()),
  InSrcQuenchs: optional(int64()),
  InRedirects: optional(int64()),
  InEchos: optional(int64()),
  InEchoReps: optional(int64()),
  InTimestamps: optional(int64()),
  InTimestampReps: optional(int64()),
  InAddrMasks: optional(int64()),
  InAddrMaskReps: optional(int64()),
  OutMsgs: optional(int64()),
  OutErrors: optional(int64()),
  OutDestUnreachs: optional(int64()),
  OutTimeExcds: optional(int64()),
  OutParmProbs: optional(int64()),
  OutSrcQuenchs: optional(int64()),
  OutRedirects: optional(int64()),
  OutEchos: optional(int64()),
  OutEchoReps: optional(int64()),
  OutTimestamps: optional(int64()),
  OutTimestampReps: optional(int64()),
  OutAddrMasks: optional(int64()),
  OutAddrMaskReps: optional(int64()),
});
export type IcmpStatistics = Static<typeof IcmpStatistics>;

/** /proc/net/snmp `Tcp:` counters. */
export const TcpStatistics = message('TcpStatistics', {
  RtoAlgorithm: optional(int64()),
  RtoMin: optional(int64()),
  RtoMax: optional(int64()),
  MaxConn: optional(int64()),
  ActiveOpens: optional(int64()),
  PassiveOpens: optional(int64()),
  AttemptFails: optional(int64()),
  EstabResets: optional(int64()),
  CurrEstab: optional(int64()),
  InSegs: optional(int64()),
  OutSegs: optional(int64()),
  RetransSegs: optional(int64()),
  InErrs: optional(int64()),
  OutRsts: optional(int64()),
  InCsumErrors: optional(int64()),
});
export type TcpStatistics = Static<typeof TcpStatistics>;

/** /proc/net/snmp `Udp:` counters. */
export const UdpStatistics = message('UdpStatistics', {
  InDatagrams: optional(int64()),
  NoPorts: optional(int64()),
  InErrors: optional(int64()),
  OutDatagrams: optional(int64()),
  RcvbufErrors: optional(int64()),
  SndbufErrors: optional(int64()),
  InCsumErrors: optional(int64()),
  IgnoredMulti: optional(int64()),
});
export type UdpStatistics = Static<typeof UdpStatistics>;

export const SNMPStatistics = message('SNMPStatistics', {
  ip_stats: optional(IpStatistics),
  icmp_stats: optional(IcmpStatistics),
  tcp_stats: optional(TcpStatistics),
  udp_stats: optional(UdpStatistics),
});
export type SNMPStatistics = Static<typeof SNMPStatistics>;

/** Usage of one disk resource (a persistent volume or a MOUNT/PATH disk). */
export const DiskStatistics = message('DiskStatistics', {
  source: optional(DiskSource),
  persistence: optional(DiskPersistence),
  limit_bytes: optional(uint64()),
  used_bytes: optional(uint64()),
});
export type DiskStatistics = Static<typeof DiskStatistics>;

/**
 * A `perf stat` sample (Linux only). Field names are perf event names, lower-cased, with `-`
 * turned into `_`. `timestamp` and `duration` are in seconds.
 */
export const PerfStatistics = message('PerfStatistics', {
  timestamp: double(),
  duration: double(),
  cycles: optional(uint64()),
  stalled_cycles_frontend: optional(uint64()),
  stalled_cycles_backend: optional(uint64()),
  instructions: optional(uint64()),
  cache_references: optional(uint64()),
  cache_misses: optional(uint64()),
  branches: optional(uint64()),
  branch_misses: optional(uint64()),
  bus_cycles: optional(uint64()),
  ref_cycles: optional(uint64()),
  cpu_clock: optional(double()),
  task_clock: optional(double()),
  page_faults: optional(uint64()),
  minor_faults: optional(uint64()),
  major_faults: optional(uint64()),
  context_switches: optional(uint64()),
  cpu_migrations: optional(uint64()),
  alignment_faults: optional(uint64()),
  emulation_faults: optional(uint64()),
  l1_dcache_loads: optional(uint64()),
  l1_dcache_load_misses: optional(uint64()),
  l1_dcache_stores: optional(uint64()),
  l1_dcache_store_misses: optional(uint64()),
  l1_dcache_prefetches: optional(uint64()),
  l1_dcache_prefetch_misses: optional(uint64()),
  l1_icache_loads: optional(uint64()),
  l1_icache_load_misses: optional(uint64()),
  l1_icache_prefetches: optional(uint64()),
  l1_icache_prefetch_misses: optional(uint64()),
  llc_loads: optional(uint64()),
  llc_load_misses: optional(uint64()),
  llc_stores: optional(uint64()),
  llc_store_misses: optional(uint64()),
  llc_prefetches: optional(uint64()),
  llc_prefetch_misses: optional(uint64()),
  dtlb_loads: optional(uint64()),
  dtlb_load_misses: optional(uint64()),
  dtlb_stores: optional(uint64()),
  dtlb_store_misses: optional(uint64()),
  dtlb_prefetches: optional(uint64()),
  dtlb_prefetch_misses: optional(uint64()),
  itlb_loads: optional(uint64()),
  itlb_load_misses: optional(uint64()),
  branch_loads: optional(uint64()),
  branch_load_misses: optional(uint64()),
  node_loads: optional(uint64()),
  node_load_misses: optional(uint64()),
  node_stores: optional(uint64()),
  node_store_misses: optional(uint64()),
  node_prefetches: optional(uint64()),
  node_prefetch_misses: optional(uint64()),
});
export type PerfStatistics = Static<typeof PerfStatistics>;

/**
 * A snapshot of a container's resource usage. `timestamp` is seconds since the epoch; CPU times
 * are seconds; memory and disk sizes are bytes. The legacy web UI derives CPU% from deltas of
 * `cpus_user_time_secs + cpus_system_time_secs` over `timestamp`.
 */
export const ResourceStatistics = message('ResourceStatistics', {
  timestamp: double(),
  processes: optional(uint32()),
  threads: optional(uint32()),
  cpus_user_time_secs: optional(double()),
  cpus_system_time_secs: optional(double()),
  cpus_limit: optional(double()),
  cpus_soft_limit: optional(double()),
  cpus_nr_periods: optional(uint32()),
  cpus_nr_throttled: optional(uint32()),
  cpus_throttled_time_secs: optional(double()),
  mem_total_bytes: optional(uint64()),
  mem_total_memsw_bytes: optional(uint64()),
  mem_limit_bytes: optional(uint64()),
  mem_soft_limit_bytes: optional(uint64()),
  mem_file_bytes: optional(uint64()),
  mem_anon_bytes: optional(uint64()),
  mem_cache_bytes: optional(uint64()),
  mem_rss_bytes: optional(uint64()),
  mem_mapped_file_bytes: optional(uint64()),
  mem_swap_bytes: optional(uint64()),
  mem_unevictable_bytes: optional(uint64()),
  mem_low_pressure_counter: optional(uint64()),
  mem_medium_pressure_counter: optional(uint64()),
  mem_critical_pressure_counter: optional(uint64()),
  disk_limit_bytes: optional(uint64()),
  disk_used_bytes: optional(uint64()),
  disk_statistics: repeated(DiskStatistics),
  blkio_statistics: optional(BlkioStatistics),
  perf: optional(PerfStatistics),
  net_rx_packets: optional(uint64()),
  net_rx_bytes: optional(uint64()),
  net_rx_errors: optional(uint64()),
  net_rx_dropped: optional(uint64()),
  net_tx_packets: optional(uint64()),
  net_tx_bytes: optional(uint64()),
  net_tx_errors: optional(uint64()),
  net_tx_dropped: optional(uint64()),
  net_tcp_rtt_microsecs_p50: optional(double()),
  net_tcp_rtt_microsecs_p90: optional(double()),
  net_tcp_rtt_microsecs_p95: optional(double()),
  net_tcp_rtt_microsecs_p99: optional(double()),
  net_tcp_active_connections: optional(double()),
  net_tcp_time_wait_connections: optional(double()),
  net_traffic_control_statistics: repeated(TrafficControlStatistics),
  net_snmp_statistics: optional(SNMPStatistics),
});
export type ResourceStatistics = Static<typeof ResourceStatistics>;
