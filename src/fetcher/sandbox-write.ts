// Writing inside a directory without being redirected out of it: parents are created one by one
// and must be real directories (never symbolic links), and the file itself is opened with
// O_NOFOLLOW, so a symlink left by an earlier archive or URI cannot carry a write elsewhere.
// Nothing runs in the sandbox while the fetcher writes (the executor starts afterwards), so
// checking with lstat before opening is not racy.
import { constants, type WriteStream } from 'node:fs';
import { lstat, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';

export class SandboxWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxWriteError';
  }
}

/** Creates the parent directories of `rel` under `root` (no symlinks allowed); returns the path. */
export async function prepareParents(root: string, rel: string): Promise<string> {
  await ensureDirectories(root, rel, rel.split('/').filter((p) => p !== '' && p !== '.').slice(0, -1));
  return join(root, rel);
}

/** Creates the directory `rel` and its parents under `root` (no symlinks allowed). */
export async function prepareDirectory(root: string, rel: string): Promise<string> {
  await ensureDirectories(root, rel, rel.split('/').filter((p) => p !== '' && p !== '.'));
  return join(root, rel);
}

async function ensureDirectories(root: string, rel: string, parts: string[]): Promise<void> {
  let current = root;
  for (const part of parts) {
    if (part === '..') throw new SandboxWriteError(`'${rel}' leaves the sandbox`);
    current = join(current, part);
    const info = await lstat(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (info === undefined) {
      await mkdir(current).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    } else if (info.isSymbolicLink()) {
      throw new SandboxWriteError(`refusing to write '${rel}' through the symbolic link '${part}'`);
    } else if (!info.isDirectory()) {
      throw new SandboxWriteError(`cannot write '${rel}': '${part}' is not a directory`);
    }
  }
}

/** Like prepareParents, and also refuses when `rel` itself is a symlink or a directory. */
export async function prepareFile(root: string, rel: string): Promise<string> {
  const path = await prepareParents(root, rel);
  const info = await lstat(path).catch(() => undefined);
  if (info?.isSymbolicLink()) throw new SandboxWriteError(`refusing to overwrite the symbolic link '${rel}'`);
  if (info?.isDirectory()) throw new SandboxWriteError(`cannot write '${rel}': it is a directory`);
  return path;
}

/** A write stream (created or truncated) that fails rather than follow a symlink at `path`. */
export async function noFollowWriteStream(path: string, mode = 0o644): Promise<WriteStream> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  const handle = await open(path, flags, mode).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ELOOP' ? new SandboxWriteError(`refusing to write through the symbolic link '${path}'`) : err;
  });
  return handle.createWriteStream();
}
