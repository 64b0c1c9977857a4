// Creating an executor's sandbox and handing it to the task user (Mesos
// `paths::createExecutorDirectory` / `createSandboxDirectory`):
//
//   <work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>   mode 0750
//   .../runs/latest -> <container>                                              replaced atomically
//
// The sandbox holds private task data, so "others" get no access. With `--switch_user` it is
// owned by the task user; what the fetcher put there (as the agent) is handed over too, since
// Mesos's fetcher runs as the task user and leaves the files owned by it.
import { chmodSync, mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { lchown, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const SANDBOX_MODE = 0o750;

/** Creates the sandbox and points `runs/latest` at it (replaced atomically with a rename). */
export function createSandbox(directory: string, latestLink: string): void {
  mkdirSync(directory, { recursive: true });
  chmodSync(directory, SANDBOX_MODE);
  const tmp = `${latestLink}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  symlinkSync(directory, tmp);
  renameSync(tmp, latestLink);
}

/**
 * Gives the sandbox and everything in it to `uid:gid`. Symlinks are changed themselves, never
 * followed, so a link in the sandbox cannot hand over a file outside it.
 */
export async function chownSandbox(directory: string, uid: number, gid: number): Promise<void> {
  await lchown(directory, uid, gid);
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) await chownSandbox(path, uid, gid);
    else await lchown(path, uid, gid);
  }
}
