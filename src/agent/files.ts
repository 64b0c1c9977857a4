// The sandbox browser behind `/files/{browse,read,download,debug}` and the operator calls
// LIST_FILES / READ_FILE (reference §6.5). Every executor sandbox is attached under three paths
// (its real directory, `<work_dir>/.../runs/latest` and `/frameworks/<fw>/executors/<ex>/runs/latest`);
// nothing outside the attached sandboxes can be reached (sandbox-path.ts holds the rules).
import { closeSync, lstatSync, openSync, readFileSync, readSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename } from 'node:path';
import type { FileInfo } from '../protocol/index.ts';
import { ForbiddenError, InvalidArgumentError, NotFoundError, type AgoraError } from '../common/errors.ts';
import { executorLatestRunLink, executorVirtualLatestPath } from './paths.ts';
import { isWithin, resolveVirtualPath, type Attachments } from './sandbox-path.ts';
import type { AgentState, Executor } from './state.ts';

/** One read returns at most 16 pages of 4 KiB, as Mesos. */
export const MAX_READ_BYTES = 16 * 4096;

/** A `/files/browse` entry (legacy JSON). */
export type BrowseEntry = { path: string; nlink: number; size: number; mtime: number; mode: string; uid: string; gid: string };

export type ResolvedFile = { virtualPath: string; real: string; stats: Stats };

/**
 * Executors whose sandbox the GC removed (or is removing): no longer attached. Keyed by the
 * Executor record, so it is forgotten with it and agents in one process do not share it.
 */
const detachedSandboxes = new WeakSet<Executor>();

/** Detaches an executor's sandbox from `/files` for good (gc.ts, before removing it). */
export function detachSandbox(executor: Executor): void {
  detachedSandboxes.add(executor);
}

/** The attachments for the current state: completed runs first, so the newest run wins `latest`. */
export function sandboxAttachments(state: AgentState, workDir: string, agentId: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (agentId === undefined) return out;
  const frameworks = [...state.completedFrameworks, ...state.frameworks.values()];
  for (const framework of frameworks) {
    for (const executor of [...framework.completedExecutors, ...framework.executors.values()]) {
      if (detachedSandboxes.has(executor)) continue;
      out.set(executor.directory, executor.directory);
      out.set(executorVirtualLatestPath(framework.id, executor.id), executor.directory);
      try {
        out.set(executorLatestRunLink(workDir, agentId, framework.id, executor.id), executor.directory);
      } catch {
        // Ids were checked when the executor was created.
      }
    }
  }
  return out;
}

function refusal(status: 400 | 403 | 404, message: string): AgoraError {
  if (status === 400) return new InvalidArgumentError(message);
  if (status === 403) return new ForbiddenError(message);
  return new NotFoundError(message);
}

/**
 * Maps a requested path to a real file inside an attached sandbox, following symlinks and
 * refusing anything that ends up outside the sandbox (403) or does not exist (404).
 */
export function resolveSandboxPath(requested: string | null | undefined, attachments: Attachments): ResolvedFile {
  const r = resolveVirtualPath(requested, attachments);
  if (!r.ok) throw refusal(r.status, r.message);
  let realRoot: string;
  let realTarget: string;
  try {
    realRoot = realpathSync(r.root);
    realTarget = realpathSync(r.real);
  } catch {
    throw new NotFoundError(`File not found: '${r.virtualPath}'`);
  }
  if (!isWithin(realRoot, realTarget)) throw new ForbiddenError(`'${r.virtualPath}' points outside the sandbox`);
  return { virtualPath: r.virtualPath, real: realTarget, stats: statSync(realTarget) };
}

/** `ls -l` style mode text, e.g. `drwxr-xr-x`. */
export function modeString(mode: number): string {
  const type = (mode & 0o170000) === 0o040000 ? 'd' : (mode & 0o170000) === 0o120000 ? 'l' : '-';
  const bits = ['r', 'w', 'x'];
  let out = type;
  for (let i = 8; i >= 0; i--) out += mode & (1 << i) ? bits[(8 - i) % 3] : '-';
  return out;
}

let users: Map<number, string> | undefined;
let groups: Map<number, string> | undefined;

function nameTable(path: string): Map<number, string> {
  const table = new Map<number, string>();
  try {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id !== undefined && /^\d+$/.test(id)) table.set(Number(id), name);
    }
  } catch {
    // No passwd/group file: numeric ids are shown.
  }
  return table;
}

function userName(uid: number): string {
  users ??= nameTable('/etc/passwd');
  return users.get(uid) ?? String(uid);
}

function groupName(gid: number): string {
  groups ??= nameTable('/etc/group');
  return groups.get(gid) ?? String(gid);
}

/** Entries of a directory (or the file itself), with virtual paths. */
function entries(file: ResolvedFile): { virtualPath: string; stats: Stats }[] {
  if (!file.stats.isDirectory()) return [{ virtualPath: file.virtualPath, stats: file.stats }];
  const out: { virtualPath: string; stats: Stats }[] = [];
  for (const name of readdirSync(file.real).sort()) {
    try {
      const prefix = file.virtualPath === '/' ? '' : file.virtualPath;
      out.push({ virtualPath: `${prefix}/${name}`, stats: lstatSync(`${file.real}/${name}`) });
    } catch {
      // Removed while listing.
    }
  }
  return out;
}

export function browse(file: ResolvedFile): BrowseEntry[] {
  return entries(file).map(({ virtualPath, stats }) => ({
    path: virtualPath,
    nlink: stats.nlink,
    size: stats.size,
    mtime: stats.mtimeMs / 1000,
    mode: modeString(stats.mode),
    uid: userName(stats.uid),
    gid: groupName(stats.gid),
  }));
}

export function listFiles(file: ResolvedFile): FileInfo[] {
  return entries(file).map(({ virtualPath, stats }) => ({
    path: virtualPath,
    nlink: stats.nlink,
    size: stats.size,
    mtime: { nanoseconds: Math.round(stats.mtimeMs * 1e6) },
    mode: stats.mode,
    uid: userName(stats.uid),
    gid: groupName(stats.gid),
  }));
}

/** Parses an `offset`/`length` query value: absent -> undefined, else an integer >= -1. */
export function parseOffsetParam(name: string, value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  if (!/^-?\d+$/.test(value) || Number(value) < -1) throw new InvalidArgumentError(`Failed to parse '${name}': '${value}' is not an integer >= -1`);
  return Number(value);
}

/** Reads up to `length` (capped at 64 KiB) bytes at `offset`; an offset past the end reads nothing. */
export function readChunk(file: ResolvedFile, offset: number, length: number | undefined): Buffer {
  if (file.stats.isDirectory()) throw new InvalidArgumentError('Cannot read a directory');
  const size = file.stats.size;
  const want = Math.min(length === undefined || length < 0 ? MAX_READ_BYTES : length, MAX_READ_BYTES, Math.max(0, size - offset));
  if (want <= 0) return Buffer.alloc(0);
  const buffer = Buffer.alloc(want);
  const fd = openSync(file.real, 'r');
  try {
    const n = readSync(fd, buffer, 0, want, offset);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.json': 'application/json',
  '.html': 'text/html',
  '.js': 'application/javascript',
  '.css': 'text/css',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.gz': 'application/gzip',
  '.tgz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.zip': 'application/zip',
};

export function contentTypeFor(path: string): string {
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  return (dot > 0 ? CONTENT_TYPES[name.slice(dot).toLowerCase()] : undefined) ?? 'application/octet-stream';
}
