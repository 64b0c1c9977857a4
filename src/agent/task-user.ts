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

/** One decimal id per `id` output line, e.g. "1000\n". Pure; undefined when not a single id. */
export function parseId(text: string): number | undefined {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/** `id -G` output: space-separated decimal gids. Pure; undefined when malformed. */
export function parseGroupIds(text: string): number[] | undefined {
  const parts = text.trim().split(/\s+/).filter((s) => s !== '');
  if (parts.some((p) => !/^\d+$/.test(p))) return undefined;
  return [...new Set(parts.map(Number))];
}

/**
 * Assembles a TaskUser from the four `id` answers. A name that `id` resolves to a different user
 * (a numeric "name" taken as a uid) is refused, as getpwnam would. Pure.
 */
export function taskUserFromId(name: string, answers: { canonicalName: string; uid: string; gid: string; groups: string }): TaskUser | undefined {
  if (answers.canonicalName.trim() !== name) return undefined;
  const uid = parseId(answers.uid);
  const gid = parseId(answers.gid);
  const groups = parseGroupIds(answers.groups);
  if (uid === undefined || gid === undefined || groups === undefined) return undefined;
  return { name, uid, gid, groups: groups.includes(gid) ? groups : [gid, ...groups] };
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
  let answers: { canonicalName: string; uid: string; gid: string; groups: string };
  try {
    // `--` so that a name starting with '-' is never read as an option.
    const [canonicalName, uid, gid, groups] = await Promise.all([run(['-un', '--', name]), run(['-u', '--', name]), run(['-g', '--', name]), run(['-G', '--', name])]);
    answers = { canonicalName: canonicalName!, uid: uid!, gid: gid!, groups: groups! };
  } catch (err) {
    throw new UnknownTaskUserError(name, (err as Error).message);
  }
  const user = taskUserFromId(name, answers);
  if (!user) throw new UnknownTaskUserError(name, `id took '${name}' for the uid of '${answers.canonicalName.trim()}'`);
  return user;
}
