// Reading the Linux process table from /proc: the posix isolators' view of a container is the
// tree of processes below its root process (Mesos posix/cpu, posix/mem walk the same tree).
//
// The parsing and the tree arithmetic are pure functions (text in, numbers out) so they are unit
// tested without processes; `readProcessTable` is the only part that touches the file system.
import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat the agent needs. Times are in clock ticks. */
export type ProcStat = {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  utimeTicks: number;
  stimeTicks: number;
  threads: number;
  rssPages: number;
};

/**
 * USER_HZ, the unit of utime/stime in /proc/<pid>/stat. The kernel fixes it at 100 for
 * userspace on every architecture Agora targets (x86_64, arm64), whatever CONFIG_HZ is.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Parses one /proc/<pid>/stat line. The command name (field 2) is in parentheses and may itself
 * contain spaces and parentheses, so the fields after it are found from the *last* ')'.
 * Returns undefined for text that is not a stat line (a process that vanished mid-read).
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const field = (n: number): number => Number(rest[n - 3]);
  if (!Number.isInteger(pid) || rest.length < 22) return undefined;
  const stat: ProcStat = {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0]!,
    ppid: field(4),
    pgrp: field(5),
    session: field(6),
    utimeTicks: field(14),
    stimeTicks: field(15),
    threads: field(20),
    rssPages: field(24),
  };
  for (const v of [stat.ppid, stat.pgrp, stat.session, stat.utimeTicks, stat.stimeTicks, stat.threads, stat.rssPages]) {
    if (!Number.isFinite(v)) return undefined;
  }
  return stat;
}

/**
 * The pids that belong to a container whose root process is `root`: the root, every descendant
 * by parent pid, and every process still in the root's session (descendants reparented to init
 * after their parent died keep the session, which `setsid` at launch made equal to the root pid).
 * The root itself is included only if it is in the table. Order: root first, then breadth-first.
 */
export function containerPids(root: number, table: readonly ProcStat[]): number[] {
  const children = new Map<number, number[]>();
  for (const p of table) {
    let list = children.get(p.ppid);
    if (!list) children.set(p.ppid, (list = []));
    list.push(p.pid);
  }
  const seen = new Set<number>();
  const out: number[] = [];
  const queue: number[] = [];
  const visit = (pid: number): void => {
    if (seen.has(pid)) return;
    seen.add(pid);
    out.push(pid);
    queue.push(pid);
  };
  if (table.some((p) => p.pid === root)) visit(root);
  for (const p of table) if (p.session === root && p.pid !== root) visit(p.pid);
  // Breadth-first over children of everything found so far (session members included).
  for (let i = 0; i < queue.length; i++) {
    for (const child of children.get(queue[i]!) ?? []) visit(child);
  }
  return out;
}

export type TreeUsage = {
  processes: number;
  threads: number;
  userSecs: number;
  systemSecs: number;
  rssBytes: number;
};

/** Sums CPU time, threads and RSS over `pids`; entries missing from the table are skipped. */
export function sumUsage(pids: readonly number[], table: readonly ProcStat[], pageSize: number): TreeUsage {
  const byPid = new Map(table.map((p) => [p.pid, p]));
  const usage: TreeUsage = { processes: 0, threads: 0, userSecs: 0, systemSecs: 0, rssBytes: 0 };
  for (const pid of pids) {
    const p = byPid.get(pid);
    if (!p) continue;
    usage.processes += 1;
    usage.threads += p.threads;
    usage.userSecs += p.utimeTicks / CLOCK_TICKS_PER_SECOND;
    usage.systemSecs += p.stimeTicks / CLOCK_TICKS_PER_SECOND;
    usage.rssBytes += p.rssPages * pageSize;
  }
  return usage;
}

/**
 * Parses the first `KernelPageSize:` line of /proc/<pid>/smaps text (in kB) to bytes.
 */
export function parsePageSize(smaps: string): number | undefined {
  const m = /^KernelPageSize:\s+(\d+)\s+kB$/m.exec(smaps);
  return m ? Number(m[1]) * 1024 : undefined;
}

let cachedPageSize: number | undefined;

/** The kernel page size (the unit of `rss` in /proc/<pid>/stat); 4096 if it cannot be read. */
export function pageSize(procRoot = '/proc'): number {
  if (cachedPageSize === undefined) {
    try {
      cachedPageSize = parsePageSize(readFileSync(`${procRoot}/self/smaps`, 'utf8')) ?? 4096;
    } catch {
      cachedPageSize = 4096;
    }
  }
  return cachedPageSize;
}

/**
 * Reads /proc/<pid>/stat of every process. Processes that exit while we read are skipped. This is
 * a few hundred small reads on a typical host; callers ask for it per statistics request.
 */
export function readProcessTable(procRoot = '/proc'): ProcStat[] {
  const table: ProcStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return table;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcStat(readFileSync(`${procRoot}/${entry}/stat`, 'utf8'));
      if (stat) table.push(stat);
    } catch {
      // The process exited between readdir and read.
    }
  }
  return table;
}
