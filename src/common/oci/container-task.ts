// Starting a process inside a Linux container from the launch file the containerizer wrote
// (launch-file.ts). Used by the command executor for its task and by the containerizer's task
// launcher for a custom executor, both running on the host, outside the container's cgroups:
//
//   image    -> merge the image config with the command (image-command.ts), resolve the image's
//               user, write the OCI config.json (oci-spec.ts); the caller spawns `runc run --keep`
//               in the foreground (namespaces, rootfs, cgroup), which exits as the task did;
//   no image -> step into the container's cgroups (every hierarchy), spawn the task (it inherits
//               them at fork), step back out: the starter itself is never charged to the container.
//
// When the task ends, an OOM kill in its cgroup is reported in `limitation.json` so that the
// containerizer, not an exit status, decides the terminal update (REASON_CONTAINER_LIMITATION_MEMORY).
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mergeImageCommand, type CommandToRun } from './image-command.ts';
import { resolveImageUser } from './image-user.ts';
import { CONTAINER_ONLY_VARIABLES, type LaunchFile, type TaskSpec } from './launch-file.ts';
import { ociSpec } from './oci-spec.ts';
import { oomKills } from './oom.ts';
import { planSpawn } from './spawn-plan.ts';

export type Started = { ok: true; child: ChildProcess } | { ok: false; message: string };

export function readLaunchFile(path: string): LaunchFile {
  return JSON.parse(readFileSync(path, 'utf8')) as LaunchFile;
}

/** Pure: the CommandInfo a launch spec stands for (see the executor's launch-spec.ts). */
export function commandFromSpec(spec: TaskSpec): CommandToRun {
  if (spec.file === '/bin/sh' && spec.args.length === 2 && spec.args[0] === '-c') return { shell: true, value: spec.args[1], arguments: [] };
  if (spec.file === '') return { shell: false, arguments: spec.args };
  return { shell: false, value: spec.file, arguments: [spec.argv0, ...spec.args] };
}

/** The environment without the containerizer's own variables. */
export function withoutContainerVariables(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !CONTAINER_ONLY_VARIABLES.includes(k)) out[k] = v;
  return out;
}

/**
 * Starts the task of `launch` (`spec` with environment `env`) with the given stdio, in its own
 * process group (`detached`): `runc run` for an image, the task itself in the cgroups otherwise.
 * A bad command (no executable, unknown image user) is `ok: false` with Mesos's message.
 */
export function startContainerTask(launch: LaunchFile, spec: TaskSpec, env: Record<string, string>, o: { stdio: StdioOptions; detached: boolean }): Started {
  return launch.image ? startImageTask(launch, spec, env, o) : startPlainTask(launch, spec, env, o);
}

function startImageTask(launch: LaunchFile, spec: TaskSpec, taskEnv: Record<string, string>, o: { stdio: StdioOptions; detached: boolean }): Started {
  const image = launch.image!;
  const env: Record<string, string> = { ...withoutContainerVariables(taskEnv), MESOS_SANDBOX: image.sandboxPath };
  const merged = mergeImageCommand(commandFromSpec(spec), image.config, {
    env,
    sandbox: image.sandboxPath,
    ignoreRuntime: image.ignoreRuntime,
    taskNamedUser: launch.taskNamedUser,
  });
  if (!merged.ok) return merged;
  let user = { uid: launch.runAs?.uid ?? 0, gid: launch.runAs?.gid ?? 0, additionalGids: [...(launch.runAs?.groups ?? [])] };
  if (merged.process.imageUser !== undefined) {
    const read = (f: string): string => {
      try {
        return readFileSync(join(image.rootfs, f), 'utf8');
      } catch {
        return '';
      }
    };
    const resolved = resolveImageUser(merged.process.imageUser, read('etc/passwd'), read('etc/group'));
    if (!resolved.ok) return resolved;
    user = resolved.user;
  }
  const config = ociSpec({
    rootfs: image.rootfs,
    args: merged.process.args,
    env: merged.process.env,
    cwd: merged.process.cwd,
    uid: user.uid,
    gid: user.gid,
    additionalGids: user.additionalGids,
    namespaces: image.namespaces,
    cgroupsPath: image.cgroupsPath,
    sandbox: { host: launch.sandbox, container: image.sandboxPath },
    binds: image.binds,
    init: image.init,
  });
  const file = join(image.bundle, 'config.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(config));
  renameSync(`${file}.tmp`, file);
  // --keep: runc would otherwise remove the container's cgroups (ours: same path) on exit, and with
  // them the OOM counter and the statistics; the containerizer deletes the runc container at the end.
  // runc's own environment does not reach the container (config.json has the task's).
  const args = ['--root', image.runcRoot, 'run', '--keep', '--bundle', image.bundle, launch.containerId];
  return { ok: true, child: spawn(image.runc, args, { env: { PATH: env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: o.stdio, detached: o.detached }) };
}

/** /proc/self/cgroup entry for a hierarchy: v1 by controller name, v2 by the `0::` line. */
function currentCgroup(text: string, controller: string | undefined): string | undefined {
  for (const line of text.split('\n')) {
    const [, controllers, path] = line.split(':', 3) as [string, string, string];
    if (path === undefined) continue;
    if (controller === undefined ? controllers === '' : controllers.split(',').includes(controller)) return path;
  }
  return undefined;
}

function startPlainTask(launch: LaunchFile, spec: TaskSpec, taskEnv: Record<string, string>, o: { stdio: StdioOptions; detached: boolean }): Started {
  const plan = planSpawn({ file: spec.file, args: spec.args, argv0: spec.argv0 }, launch.runAs, process.geteuid?.(), launch.setpriv);
  // Step in, spawn (the child inherits the cgroups at fork), step back out, all in one synchronous
  // turn: nothing else of this process runs meanwhile, so only the fork itself is in the container.
  const own = readFileSync('/proc/self/cgroup', 'utf8');
  const back = launch.cgroupProcs.map((p) => join(p.mount + (currentCgroup(own, p.controller) ?? '/'), 'cgroup.procs'));
  const joined: string[] = [];
  try {
    try {
      for (const p of launch.cgroupProcs) {
        writeFileSync(p.file, String(process.pid));
        joined.push(p.file);
      }
    } catch (err) {
      return { ok: false, message: `cannot join the container's cgroups: ${(err as Error).message}` };
    }
    const child = spawn(plan.file, plan.args, {
      argv0: plan.argv0,
      env: withoutContainerVariables(taskEnv),
      cwd: spec.cwd,
      ...(plan.uid !== undefined ? { uid: plan.uid, gid: plan.gid } : {}),
      stdio: o.stdio,
      detached: o.detached,
    });
    return { ok: true, child };
  } finally {
    for (const [i] of joined.entries()) {
      try {
        writeFileSync(back[i]!, String(process.pid));
      } catch {
        // Our old cgroup is gone: nothing better to go back to.
      }
    }
  }
}

/** OOM kills in the container's memory cgroup so far (0 without one). */
export function readOomKills(launch: LaunchFile): number {
  if (launch.oomFile === undefined) return 0;
  try {
    return oomKills(readFileSync(launch.oomFile, 'utf8'));
  } catch {
    return 0;
  }
}

/** Tells the containerizer (which watches the file) that the task ended in an OOM kill. */
export function reportMemoryLimitation(launch: LaunchFile): void {
  writeFileSync(`${launch.limitationFile}.tmp`, JSON.stringify({ resource: 'mem' }));
  renameSync(`${launch.limitationFile}.tmp`, launch.limitationFile);
}

/** How long a starter that reported a limitation waits for the containerizer to end the container. */
export const LIMITATION_WAIT_MS = 30_000;
