// Which Unix user a container runs as (`--switch_user`, Mesos semantics), and that user's ids.
//
//   --switch_user (default true) and the agent runs as root
//       -> ExecutorInfo.command.user (a command task's CommandInfo.user), else FrameworkInfo.user
//   --switch_user=false, or the agent is not root
//       -> the agent's own user: nothing is switched, the sandbox keeps the agent as owner
//
// A user that does not exist fails the launch: the tasks end TASK_FAILED /
// REASON_CONTAINER_LAUNCH_FAILED with a message naming the user.
//
// Ids come from `id(1)` rather than /etc/passwd so that users from NSS sources (LDAP, sssd) work
// as they do with Mesos's getpwnam/getgrouplist. The decision and the parsing are pure; only
// `lookupTaskUser` runs a process.
import { execFile } from 'node:child_process';

/** A user to switch to, with its primary group and every group it belongs to (getgrouplist). */
export type TaskUser = { name: string; uid: number; gid: number; groups: number[] };

/**
 * The user the container must run as, or undefined for "the agent's own user, no switch".
 * Pure; `agentUid` is the agent's effective uid (`process.geteuid()`).
 */
export function containerUserName(p: { switchUser: boolean; agentUid: number | undefined; commandUser: string | undefined; frameworkUser: string }): string | undefined {
  if (!p.switchUser || p.agentUid !== 0) return undefined;
  return p.commandUser ?? p.frameworkUser;
}

/** The user does not exist on this agent (or `id` could not tell). */
export class UnknownTaskUserError extends Error {
  readonly user: string;
  constructor(user: string, detail: string) {
    super(`user '${user}' does not exist on this agent (${detail}); the task needs it because --switch_user is set and the agent runs as root`);
    this.name = 'UnknownTaskUserError';
    this.user = user;
  }
}

/**
 * Parses `id NAME` in the C locale: `uid=1001(alice) gid=1001(alice) groups=1001(alice),27(sudo)`
 * (a group without a name shows as its bare number; SELinux hosts add `context=...`). Refuses, as getpwnam would, a name that `id`
 * took for a uid and resolved to another user. Pure; undefined when the text is not that shape.
 */
export function taskUserFromId(name: string, text: string): TaskUser | undefined {
  const m = /^uid=(\d+)\(([^)]*)\) gid=(\d+)(?:\([^)]*\))?(?: groups=(\S*))?(?: context=\S+)?$/.exec(text.trim());
  if (!m || m[2] !== name) return undefined;
  const gid = Number(m[3]);
  const groups: number[] = [];
  for (const entry of (m[4] ?? '').split(',').filter((e) => e !== '')) {
    const g = /^(\d+)(?:\([^)]*\))?$/.exec(entry);
    if (!g) return undefined;
    if (!groups.includes(Number(g[1]))) groups.push(Number(g[1]));
  }
  return { name, uid: Number(m[1]), gid, groups: groups.includes(gid) ? groups : [gid, ...groups] };
}

export type RunId = (args: string[]) => Promise<string>;

/** Runs `id ARGS` with a fixed locale; rejects with id's own message when it fails. */
const runId: RunId = (args) =>
  new Promise((resolve, reject) => {
    execFile('id', args, { env: { LC_ALL: 'C', PATH: '/usr/bin:/bin' }, timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(stderr.trim() || err.message));
      else resolve(stdout);
    });
  });

/** Looks the user up. Throws UnknownTaskUserError when it does not exist. */
export async function lookupTaskUser(name: string, run: RunId = runId): Promise<TaskUser> {
  if (name === '') throw new UnknownTaskUserError(name, 'the name is empty');
  let text: string;
  try {
    // One `id` process per launch (it used to be four); `--` so that a name starting with '-' is
    // never read as an option.
    text = await run(['--', name]);
  } catch (err) {
    throw new UnknownTaskUserError(name, (err as Error).message);
  }
  const user = taskUserFromId(name, text);
  if (!user) throw new UnknownTaskUserError(name, `id answered '${text.trim()}'`);
  return user;
}
