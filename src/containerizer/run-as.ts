// Starting a container's process as another user (the agent's `--switch_user`). Mesos's launch
// helper calls setgid, setgroups (the user's groups from getgrouplist) and setuid before exec.
// Node's spawn can set uid and gid but clears supplementary groups, so the switch goes through
// util-linux's `setpriv`, which sets all three and then execs the command (the pid stays the
// container's root pid). The plan itself (planSpawn) is in common/oci/spawn-plan.ts.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export { planSpawn, type CommandLine, type RunAs, type SpawnPlan } from '../common/oci/spawn-plan.ts';

/** The absolute path of `setpriv` on PATH (or the usual places), if any. */
export function findSetpriv(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...path.split(delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    if (dir === '') continue;
    const candidate = join(dir, 'setpriv');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}
