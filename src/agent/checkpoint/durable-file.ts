// Durable file primitives. A checkpoint must be either the old or the new content after a crash
// or power loss, never a mix, and a directory entry must survive too:
//
//   atomic write:  write <dir>/.<name>.tmp-<pid>-<n>, fsync it, rename over <name>, fsync <dir>
//   append:        open O_APPEND, write the whole record, fsync (a crash may tear only the tail,
//                  which the reader detects by its length prefix and drops)
//   new directory: mkdir -p, then fsync each parent whose entries changed
//
// Synchronous on purpose: the agent checkpoints before it acts (launch, forward, acknowledge),
// the writes are small, and interleaving two writers of one file would defeat the atomicity.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, symlinkSync, unlinkSync, writeSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let tempCounter = 0;

/** Replaces `path` with `data` atomically and durably. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  ensureDirDurable(dir);
  const temp = join(dir, `.${basename(path)}.tmp-${process.pid}-${tempCounter++}`);
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    tryUnlink(temp);
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (error) {
    tryUnlink(temp);
    throw error;
  }
  fsyncDir(dir);
}

/** Appends one record to `path` (created if missing) and makes it durable before returning. */
export function appendDurable(path: string, data: Uint8Array): void {
  const dir = dirname(path);
  const created = !existsSync(path);
  if (created) ensureDirDurable(dir);
  const fd = openSync(path, 'a', 0o600);
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (created) fsyncDir(dir);
}

/** Points the symlink `path` at `target`, replacing what was there, atomically. */
export function symlinkAtomic(target: string, path: string): void {
  const dir = dirname(path);
  ensureDirDurable(dir);
  const temp = join(dir, `.${basename(path)}.tmp-${process.pid}-${tempCounter++}`);
  symlinkSync(target, temp);
  renameSync(temp, path);
  fsyncDir(dir);
}

/** mkdir -p that also fsyncs the parents of every directory it created. */
export function ensureDirDurable(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: 0o750 });
  if (first === undefined) return;
  // `first` is the top-most directory created; every directory from its parent down to `dir`
  // gained an entry.
  let current = dir;
  const stop = dirname(first);
  for (;;) {
    const parent = dirname(current);
    fsyncDir(parent);
    if (parent === stop || parent === current) break;
    current = parent;
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.byteLength) offset += writeSync(fd, data, offset, data.byteLength - offset);
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Best effort: a leftover temp file is ignored by the reader (it starts with a dot).
  }
}
