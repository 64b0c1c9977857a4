// A task of a group as a "nested container": a TaskProcess (command/task-process.ts: its own
// session and process group, so signals reach everything it started; stdin from /dev/null) with
// its own `stdout`/`stderr` files in `<sandbox>/containers/<child id>/`, with `<sandbox>/tasks/<task id>` linking there as Mesos's
// default executor does (the web UI shows a task group's task sandbox at
// `<executor directory>/tasks/<task id>`). The working directory is the executor's sandbox,
// shared by every task of every group of the executor (README.md: "Sandbox").
import { closeSync, mkdirSync, openSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export const CONTAINERS_DIR = 'containers';
export const TASKS_DIR = 'tasks';

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

/**
 * The task's own `stdout`/`stderr` in `logDir`, opened for a spawn: the child gets copies of
 * the descriptors, so `use` runs with them open and they are closed right after.
 */
export function withTaskLogs<T>(logDir: string, use: (stdio: ['ignore', number, number]) => T): T {
  const out = openSync(join(logDir, 'stdout'), 'a', 0o640);
  try {
    const err = openSync(join(logDir, 'stderr'), 'a', 0o640);
    try {
      return use(['ignore', out, err]);
    } finally {
      closeSync(err);
    }
  } finally {
    closeSync(out);
  }
}
