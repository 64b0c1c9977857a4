// The agent's total resources: `--resources` as given, plus auto-detected cpus, mem, disk and
// ports for the names it does not declare (Mesos `Containerizer::resources`, reference
// containerizers.md §8). The arithmetic is pure; `detectHost` is the only part that asks the OS.
import { availableParallelism, totalmem } from 'node:os';
import { statfsSync } from 'node:fs';
import { parseResources, Resources } from '../common/resources/index.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** What the host has, as measured at start-up. */
export type HostCapacity = {
  cpus: number;
  memTotalBytes: number;
  /** Size of the file system holding the work dir; undefined when statfs failed. */
  diskTotalBytes: number | undefined;
};

/** Mesos leaves 1 GiB of memory for the OS when the host has at least 2 GiB, else half. */
export function detectedMemMb(totalBytes: number): number {
  const usable = totalBytes >= 2 * GiB ? totalBytes - GiB : totalBytes / 2;
  return Math.floor(usable / MiB);
}

/** Mesos leaves 5 GiB of the work dir's file system free when it has at least 10 GiB, else half; 10 GiB if unknown. */
export function detectedDiskMb(totalBytes: number | undefined): number {
  if (totalBytes === undefined) return (10 * GiB) / MiB;
  const usable = totalBytes >= 10 * GiB ? totalBytes - 5 * GiB : totalBytes / 2;
  return Math.floor(usable / MiB);
}

/** The ports Mesos offers when `--resources` does not name any. */
export const DEFAULT_PORTS = '[31000-32000]';

/**
 * The agent's total resources: the `--resources` declaration (text or JSON) plus detected
 * cpus/mem/disk/ports for each of those names it leaves out, all in `defaultRole`. Throws
 * InvalidArgumentError for a malformed declaration.
 */
export function agentResources(declared: string | undefined, host: HostCapacity, defaultRole = '*'): Resources {
  const given = declared === undefined || declared.trim() === '' ? Resources.EMPTY : parseResources(declared, { defaultRole });
  const names = new Set(given.names());
  const detected: string[] = [];
  if (!names.has('cpus')) detected.push(`cpus:${Math.max(1, host.cpus)}`);
  if (!names.has('mem')) detected.push(`mem:${detectedMemMb(host.memTotalBytes)}`);
  if (!names.has('disk')) detected.push(`disk:${detectedDiskMb(host.diskTotalBytes)}`);
  if (!names.has('ports')) detected.push(`ports:${DEFAULT_PORTS}`);
  if (detected.length === 0) return given;
  return given.add(parseResources(detected.join(';'), { defaultRole }));
}

/** Measures the host: CPUs available to this process, total memory, size of the work dir's fs. */
export function detectHost(workDir: string): HostCapacity {
  let diskTotalBytes: number | undefined;
  try {
    const fs = statfsSync(workDir);
    diskTotalBytes = fs.blocks * fs.bsize;
  } catch {
    diskTotalBytes = undefined;
  }
  return { cpus: availableParallelism(), memTotalBytes: totalmem(), diskTotalBytes };
}
