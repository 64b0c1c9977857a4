// A task of a group as a "nested container": its own session and process group (so signals reach
// everything it started), stdin from /dev/null, and its own `stdout`/`stderr` files in
// `<sandbox>/containers/<child id>/`, with `<sandbox>/tasks/<task id>` linking there as Mesos's
// default executor does (the web UI shows a task group's task sandbox at
// `<executor directory>/tasks/<task id>`). The working directory is the executor's sandbox,
// shared by every task of every group of the executor (README.md: "Sandbox").
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { LaunchSpec } from '../command/launch-spec.ts';
import type { ProcessExit } from '../command/termination.ts';

export const CONTAINERS_DIR = 'containers';
export const TASKS_DIR = 'tasks';

export type SpawnOutcome = { ok: true; pid: number } | { ok: false; message: Promise<string> };

/** Creates the task's log directory and the `tasks/<id>` link; returns the log directory. */
export function prepareTaskSandbox(sandbox: string, taskId: string, childId: string): string {
  const dir = join(sandbox, CONTAINERS_DIR, childId);
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(sandbox, TASKS_DIR), { recursive: true });
  const link = join(sandbox, TASKS_DIR, taskId);
  // A task id is a Mesos id (no '/', not '.' or '..'), so the link stays inside `tasks/`.
  rmSync(link, { force: true });
  symlinkSync(join('..', CONTAINERS_DIR, childId), link);
  return dir;
}

export class NestedContainer {
  #pid: number | undefined;
  #exited = false;

  get pid(): number | undefined {
    return this.#pid;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** Starts the task with its output in `logDir`; `onExit` is called once when it ends. */
  spawn(spec: LaunchSpec, logDir: string, onExit: (exit: ProcessExit) => void): SpawnOutcome {
    let out: number | undefined;
    let err: number | undefined;
    try {
      out = openSync(join(logDir, 'stdout'), 'a', 0o640);
      err = openSync(join(logDir, 'stderr'), 'a', 0o640);
      const child = spawn(spec.file, spec.args, { argv0: spec.argv0, env: spec.env, cwd: spec.cwd, detached: true, stdio: ['ignore', out, err] });
      if (child.pid === undefined) {
        // libuv failed synchronously (ENOENT, EACCES, bad cwd); Node reports it on 'error'.
        return { ok: false, message: new Promise((resolve) => child.once('error', (e) => resolve(e.message))) };
      }
      this.#pid = child.pid;
      child.on('error', () => {
        // After a successful spawn only a failed kill ends up here; 'exit' still comes.
      });
      child.once('exit', (code, signal) => {
        this.#exited = true;
        onExit({ code, signal });
      });
      return { ok: true, pid: child.pid };
    } catch (e) {
      return { ok: false, message: Promise.resolve((e as Error).message) };
    } finally {
      // The child has its own copies of the descriptors.
      if (out !== undefined) closeSync(out);
      if (err !== undefined) closeSync(err);
    }
  }

  /** Signals the task's whole process group; a group that is already gone is fine. */
  signalGroup(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.#pid === undefined) return;
    try {
      process.kill(-this.#pid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return;
      try {
        if (!this.#exited) process.kill(this.#pid, signal);
      } catch {
        // Nothing else to try; the escalation timer or the agent deals with it.
      }
    }
  }
}
