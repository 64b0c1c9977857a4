// Re-adopting a container after an agent restart (posix containerizer). The new agent process
// is not the parent of the old executors, so it cannot wait(2) for them: it learns of their end
// by polling /proc/<pid> (Mesos's process reaper does the same for non-children) and their exit
// status is unknown.
//
// Pid reuse guard: every posix container root was started with setsid(), so it leads its own
// session (session id == pid). A checkpointed pid whose process is not a session leader, or is a
// zombie, is not our container any more.
import { readFileSync } from 'node:fs';
import { parseProcStat, type ProcStat } from './proc.ts';

export type AdoptVerdict = { adopt: true } | { adopt: false; why: string };

/** Pure: may the process `stat` (undefined: no such process) be re-adopted as container root `pid`? */
export function adoptVerdict(pid: number | undefined, stat: ProcStat | undefined): AdoptVerdict {
  if (pid === undefined) return { adopt: false, why: 'no pid was checkpointed' };
  if (!stat) return { adopt: false, why: `process ${pid} is gone` };
  if (stat.state === 'Z' || stat.state === 'X') return { adopt: false, why: `process ${pid} has exited` };
  if (stat.session !== pid) return { adopt: false, why: `process ${pid} is not a container root (pid reused)` };
  return { adopt: true };
}

/** Reads /proc/<pid>/stat; undefined when the process does not exist. */
export function readProcStat(pid: number, procRoot: string): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The message of an adopted container's termination: its real exit status cannot be known. */
export const ADOPTED_EXIT_UNKNOWN = 'the executor was recovered after an agent restart; its exit status is unknown';
