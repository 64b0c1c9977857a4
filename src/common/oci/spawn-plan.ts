// Starting a process as another user (the agent's `--switch_user`). Mesos's launch helper calls
// setgid, setgroups (the user's groups from getgrouplist) and setuid before exec. Node's spawn
// can set uid and gid but clears supplementary groups, so the switch goes through util-linux's
// `setpriv`, which sets all three and then execs the command (the pid stays the container's root
// pid). Pure: the plan is data; the containerizers and the command executor (for a task in a
// Linux container) carry it out. Lives in common so both may use it.

/** Who the container's process runs as. */
export type RunAs = { uid: number; gid: number; groups: readonly number[] };

/** A command line as posix.ts spawns it. */
export type CommandLine = { file: string; args: string[]; argv0?: string | undefined };

/** What to hand to spawn: the command line, plus uid/gid when Node itself must switch. */
export type SpawnPlan = CommandLine & { uid?: number; gid?: number; via: 'none' | 'setpriv' | 'node' };

/**
 * How to start `command` as `runAs`:
 * - no user, or the agent's own uid: nothing to switch (Mesos skips the switch too);
 * - `setpriv` at hand: `setpriv --reuid U --regid G --groups G1,G2 -- file args` (all groups kept);
 * - otherwise, or when the command needs an argv[0] other than its file (setpriv cannot pass one),
 *   Node's own uid/gid switch, which leaves the process with its primary group only.
 */
export function planSpawn(command: CommandLine, runAs: RunAs | undefined, agentUid: number | undefined, setprivPath: string | undefined): SpawnPlan {
  if (runAs === undefined || runAs.uid === agentUid) return { ...command, via: 'none' };
  const customArgv0 = command.argv0 !== undefined && command.argv0 !== command.file;
  if (setprivPath === undefined || customArgv0) return { ...command, uid: runAs.uid, gid: runAs.gid, via: 'node' };
  const groups = [...new Set([runAs.gid, ...runAs.groups])];
  return {
    file: setprivPath,
    args: ['--reuid', String(runAs.uid), '--regid', String(runAs.gid), '--groups', groups.join(','), '--', command.file, ...command.args],
    via: 'setpriv',
  };
}
