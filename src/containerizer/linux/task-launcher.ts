// The task launcher: a short-lived helper the command executor starts instead of its task (or
// the containerizer starts instead of a custom executor) when the container is a Linux one. It
// runs outside the container's cgroups, so a Node process is never charged to the task's
// memory, and puts the task where the containerizer decided (launch-file.ts):
//
//   image    -> merge the image config with the command (image-command.ts), write the OCI
//               config.json, `runc run` it in the foreground (namespaces, rootfs, cgroup);
//   no image -> step into the container's cgroups, spawn the task (it inherits them), step back.
//
// It forwards SIGTERM/SIGINT/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 to the task and exits as the task did.
// When the task ended with an OOM kill in its cgroup it first reports the limitation in
// `limitation.json` and waits (up to 30 s) for the containerizer to end the container, so the
// task's terminal update carries REASON_CONTAINER_LIMITATION_MEMORY, not an exit status.
//
// Usage: <node> task-launcher.ts <launch.json>   (task in AGORA_TASK_SPEC, env = the task's env)
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { constants as osConstants } from 'node:os';
import { mergeImageCommand, type CommandToRun } from './image-command.ts';
import { resolveImageUser } from './image-user.ts';
import { ociSpec } from './oci-spec.ts';
import { oomKills } from './cgroups.ts';
import { LAUNCHER_ENV, LAUNCH_FILE_ENV, TASK_SPEC_ENV, type LaunchFile, type TaskSpec } from './launch-file.ts';
import { planSpawn } from '../run-as.ts';

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
const LIMITATION_WAIT_MS = 30_000;

function fail(message: string): never {
  process.stderr.write(`Failed to launch the task: ${message}\n`);
  process.exit(127);
}

/** Pure: the CommandInfo the executor's launch spec stands for (see executor launch-spec.ts). */
export function commandFromSpec(spec: TaskSpec): CommandToRun {
  if (spec.file === '/bin/sh' && spec.args.length === 2 && spec.args[0] === '-c') return { shell: true, value: spec.args[1], arguments: [] };
  if (spec.file === '') return { shell: false, arguments: spec.args };
  return { shell: false, value: spec.file, arguments: [spec.argv0, ...spec.args] };
}

function taskEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && k !== LAUNCHER_ENV && k !== LAUNCH_FILE_ENV && k !== TASK_SPEC_ENV) env[k] = v;
  }
  return env;
}

function startImageTask(launch: LaunchFile, spec: TaskSpec): ChildProcess {
  const image = launch.image!;
  const env = taskEnv();
  env.MESOS_SANDBOX = image.sandboxPath;
  const merged = mergeImageCommand(commandFromSpec(spec), image.config, {
    env,
    sandbox: image.sandboxPath,
    ignoreRuntime: image.ignoreRuntime,
    taskNamedUser: launch.taskNamedUser,
  });
  if (!merged.ok) fail(merged.message);
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
    if (!resolved.ok) fail(resolved.message);
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
  // them the OOM counter read below and the statistics; the containerizer deletes it at the end.
  return spawn(image.runc, ['--root', image.runcRoot, 'run', '--keep', '--bundle', image.bundle, launch.containerId], { stdio: 'inherit' });
}

/** /proc/self/cgroup entry for a hierarchy: v1 by controller name, v2 by the `0::` line. */
function currentCgroup(controller: string | undefined): string | undefined {
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, controllers, path] = line.split(':', 3) as [string, string, string];
    if (path === undefined) continue;
    if (controller === undefined ? controllers === '' : controllers.split(',').includes(controller)) return path;
  }
  return undefined;
}

function startPlainTask(launch: LaunchFile, spec: TaskSpec): ChildProcess {
  const plan = planSpawn({ file: spec.file, args: spec.args, argv0: spec.argv0 }, launch.runAs, process.geteuid?.(), launch.setpriv);
  // Step in, spawn (the child inherits the cgroups at fork), step back out: the launcher itself
  // is never charged to the container.
  const back = launch.cgroupProcs.map((p) => ({ to: p.mount + (currentCgroup(p.controller) ?? '/'), from: p.file }));
  for (const p of launch.cgroupProcs) writeFileSync(p.file, String(process.pid));
  try {
    return spawn(plan.file, plan.args, {
      argv0: plan.argv0,
      env: taskEnv(),
      cwd: spec.cwd,
      ...(plan.uid !== undefined ? { uid: plan.uid, gid: plan.gid } : {}),
      stdio: 'inherit',
    });
  } finally {
    for (const b of back) {
      try {
        writeFileSync(join(b.to, 'cgroup.procs'), String(process.pid));
      } catch {
        // Our old cgroup is gone: staying in the container's costs only this short-lived process.
      }
    }
  }
}

function readOomKills(launch: LaunchFile): number {
  if (launch.oomFile === undefined) return 0;
  try {
    return oomKills(readFileSync(launch.oomFile, 'utf8'));
  } catch {
    return 0;
  }
}

function main(): void {
  const launchPath = process.argv[2];
  const specText = process.env[TASK_SPEC_ENV];
  if (launchPath === undefined || specText === undefined) fail(`usage: task-launcher <launch.json> with ${TASK_SPEC_ENV} set`);
  let launch: LaunchFile;
  let spec: TaskSpec;
  try {
    launch = JSON.parse(readFileSync(launchPath, 'utf8')) as LaunchFile;
    spec = JSON.parse(specText) as TaskSpec;
  } catch (err) {
    fail(`cannot read the launch description: ${(err as Error).message}`);
  }
  const oomBefore = readOomKills(launch);
  const child = launch.image ? startImageTask(launch, spec) : startPlainTask(launch, spec);
  for (const signal of FORWARDED) process.on(signal, () => child.kill(signal));
  child.once('error', (err) => fail(err.message));
  child.once('exit', (code, signal) => {
    const finish = (): void => {
      if (signal) {
        for (const s of FORWARDED) process.removeAllListeners(s);
        process.kill(process.pid, signal);
        setTimeout(() => process.exit(128 + (osConstants.signals[signal] ?? 0)), 100);
      } else {
        process.exit(code ?? 0);
      }
    };
    if (readOomKills(launch) > oomBefore) {
      writeFileSync(`${launch.limitationFile}.tmp`, JSON.stringify({ resource: 'mem' }));
      renameSync(`${launch.limitationFile}.tmp`, launch.limitationFile);
      setTimeout(finish, LIMITATION_WAIT_MS);
      return;
    }
    finish();
  });
}

if (import.meta.main) main();
