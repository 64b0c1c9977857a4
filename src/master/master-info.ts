// MasterInfo as frameworks, agents and ZooKeeper-era tools expect it (reference §3, §8):
// `ip` is the IPv4 address packed in network byte order and read as a host (little-endian)
// integer (MESOS-1201), `pid` is the libprocess id `master@ip:port`, `version` the Mesos release
// whose API we speak.
import { MESOS_API_VERSION } from '../common/version.ts';
import type { MasterInfo } from '../protocol/index.ts';

/** `10.0.0.5` -> 83886090: the bytes in network order, read as a little-endian uint32. */
export function packIpv4(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return 0;
  const [a, b, c, d] = parts as [number, number, number, number];
  return ((d << 24) >>> 0) + (c << 16) + (b << 8) + a;
}

export function buildMasterInfo(fields: { id: string; ip: string; port: number; hostname: string }): MasterInfo {
  return {
    id: fields.id,
    ip: packIpv4(fields.ip),
    port: fields.port,
    pid: `master@${fields.ip}:${fields.port}`,
    hostname: fields.hostname,
    version: MESOS_API_VERSION,
    address: { hostname: fields.hostname, ip: fields.ip, port: fields.port },
    // What Mesos 1.11 advertises; tools read these to pick API flavours. The drain and quota
    // calls themselves arrive with the operator write API (they answer 501 until then).
    capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
  };
}
