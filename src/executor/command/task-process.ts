// The task's process: spawned in its own session and process group (as Mesos's SETSID child
// hook), so signals reach everything the command started, with stdin from /dev/null and
// stdout/stderr inherited from the executor (the agent points them at the sandbox files).
import { spawn } from 'node:child_process';
import type { LaunchSpec } from './launch-spec.ts';
import type { ProcessExit } from './termination.ts';

export type TaskProcessHandlers = {
  onExit(exit: ProcessExit): void;
};

export type SpawnResult = { ok: true; pid: number } | { ok: false; message: Promise<string> };

export class TaskProcess {
  #pid: number | undefined;
  #exited = false;

  get pid(): number | undefined {
    return this.#pid;
  }

  get exited(): boolean {
    return this.#exited;
  }

  spawn(spec: LaunchSpec, handlers: TaskProcessHandlers): SpawnResult {
    const launched = throughContainerLauncher(spec);
    const child = spawn(launched.file, launched.args, {
      argv0: launched.argv0,
      env: launched.env,
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (child.pid === undefined) {
      // libuv failed synchronously (ENOENT, EACCES, bad cwd); Node reports it on 'error'.
      return { ok: false, message: new Promise((resolve) => child.once('error', (err) => resolve(err.message))) };
    }
    this.#pid = child.pid;
    child.on('error', () => {
      // Errors after a successful spawn (a failed kill) are not fatal; exit still comes.
    });
    child.once('exit', (code, signal) => {
      this.#exited = true;
      handlers.onExit({ code, signal });
    });
    return { ok: true, pid: child.pid };
  }

  /** Signals the task's whole process group; a group that is already gone is fine. */
  signalGroup(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.#pid === undefined) return;
    try {
      process.kill(-this.#pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
      // The group may be unreachable (EPERM after a setuid child): signal the leader itself.
      try {
        if (!this.#exited) process.kill(this.#pid, signal);
      } catch {
        // Nothing else to try; the escalation timer or the agent will deal with it.
      }
    }
  }
}

/**
 * The Linux containerizer names a task launcher in the executor's environment: the task then goes
 * through it (into the container's cgroups, or `runc run` in the image's rootfs), which gets the
 * launch spec as JSON in AGORA_TASK_SPEC (src/containerizer/linux/task-launcher.ts).
 */
function throughContainerLauncher(spec: LaunchSpec): { file: string; args: string[]; argv0: string | undefined; env: Record<string, string> } {
  const launcher = spec.env.AGORA_TASK_LAUNCHER;
  const launchFile = spec.env.AGORA_CONTAINER_LAUNCH;
  if (launcher === undefined || launchFile === undefined) return { file: spec.file, args: spec.args, argv0: spec.argv0, env: spec.env };
  const taskSpec = JSON.stringify({ file: spec.file, args: spec.args, argv0: spec.argv0, cwd: spec.cwd });
  return { file: process.execPath, args: [launcher, launchFile], argv0: undefined, env: { ...spec.env, AGORA_TASK_SPEC: taskSpec } };
}
