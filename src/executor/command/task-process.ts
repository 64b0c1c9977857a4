// The task's process: spawned in its own session and process group (as Mesos's SETSID child
// hook), so signals reach everything the command started, with stdin from /dev/null and
// stdout/stderr those of the executor: the sandbox files (the agent points the executor's fd 1
// and 2 at them, or a warm executor opened them at its hand-over: executor-stdio.ts).
//
// In a Linux container (the containerizer names its launch file in AGORA_CONTAINER_LAUNCH) the
// executor starts the task into it itself (common/oci/container-task.ts): `runc run` for an
// image, or a spawn from inside the container's cgroups; there is no helper process in between,
// so TASK_RUNNING follows the fork/exec of what becomes the task, as in Mesos. When such a task
// ends in an OOM kill, the exit is held back and the limitation reported, so the containerizer's
// REASON_CONTAINER_LIMITATION_MEMORY decides the terminal update (it ends the executor).
import { spawn, type ChildProcess } from 'node:child_process';
import type { LaunchFile } from '../../common/oci/launch-file.ts';
import { LIMITATION_WAIT_MS, readLaunchFile, readOomKills, reportMemoryLimitation, startContainerTask } from '../../common/oci/container-task.ts';
import { executorStderr, executorStdout } from './executor-stdio.ts';
import type { LaunchSpec } from './launch-spec.ts';
import type { ProcessExit } from './termination.ts';

export type TaskProcessHandlers = {
  onExit(exit: ProcessExit): void;
};

export type SpawnResult = { ok: true; pid: number } | { ok: false; message: Promise<string> };

export type TaskProcessOptions = {
  /** The launch file of the Linux container the task starts in; absent: a plain process. */
  containerLaunch?: string | undefined;
  /** stdin, stdout, stderr (default: /dev/null and the executor's own, the sandbox files). */
  stdio?: ['ignore', number, number];
};

/** stdin /dev/null; stdout and stderr the executor's (the sandbox files). */
function taskStdio(): ['ignore', number, number] {
  return ['ignore', executorStdout(), executorStderr()];
}

export class TaskProcess {
  #pid: number | undefined;
  #exited = false;

  get pid(): number | undefined {
    return this.#pid;
  }

  get exited(): boolean {
    return this.#exited;
  }

  spawn(spec: LaunchSpec, handlers: TaskProcessHandlers, options: TaskProcessOptions = {}): SpawnResult {
    const { containerLaunch } = options;
    const stdio = options.stdio ?? taskStdio();
    let child: ChildProcess;
    let launch: LaunchFile | undefined;
    let oomBefore = 0;
    if (containerLaunch === undefined) {
      child = spawn(spec.file, spec.args, { argv0: spec.argv0, env: spec.env, cwd: spec.cwd, detached: true, stdio });
    } else {
      try {
        launch = readLaunchFile(containerLaunch);
        oomBefore = readOomKills(launch);
      } catch (err) {
        return { ok: false, message: Promise.resolve(`Cannot read the container's launch file: ${(err as Error).message}`) };
      }
      const started = startContainerTask(launch, { file: spec.file, args: spec.args, argv0: spec.argv0, cwd: spec.cwd }, spec.env, { stdio, detached: true });
      if (!started.ok) return { ok: false, message: Promise.resolve(started.message) };
      child = started.child;
    }
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
      if (launch && readOomKills(launch) > oomBefore) {
        reportMemoryLimitation(launch);
        // The containerizer ends the container (and this executor) meanwhile; the exit is the fallback.
        setTimeout(() => handlers.onExit({ code, signal }), LIMITATION_WAIT_MS);
        return;
      }
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
