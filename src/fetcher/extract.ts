// Unpacks an archive into a directory. Tar (plain or gzip) goes through node-tar; bzip2 and xz
// tarballs are decompressed by Debian's `bzip2` / `xz` in a child process (faster than the pure
// JavaScript decoders and off the agent's event loop; README.md has the numbers) and the tar
// stream is still parsed by node-tar; zip goes through yauzl; a plain `.gz` through node:zlib.
// Every entry passes the EntryGuard first: an archive cannot write outside `destDir`.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { symlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Unpack, type ReadEntry } from 'tar';
import yauzl from 'yauzl';
import { gunzippedName, type ArchiveType } from './archive.ts';
import { EntryGuard, normalizeEntryPath, type EntryKind } from './entry-check.ts';
import { noFollowWriteStream, prepareDirectory, prepareFile } from './sandbox-write.ts';

/** Refuses gzip archives that expand more than this many times (zip bombs); node-tar's default. */
const MAX_DECOMPRESSION_RATIO = 1000;
/** Longest zip symlink target read into memory. */
const MAX_LINK_TARGET = 4096;

export class ExtractError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExtractError';
  }
}

/** Extracts `file` (an archive of `type`, fetched as `name`) into `destDir`. */
export async function extractArchive(file: string, type: ArchiveType, name: string, destDir: string, signal?: AbortSignal): Promise<void> {
  try {
    switch (type) {
      case 'tar':
      case 'tar.gz':
        return await untar(createReadStream(file), destDir, signal);
      case 'tar.bz2':
        return await untarThrough('bzip2', file, destDir, signal);
      case 'tar.xz':
        return await untarThrough('xz', file, destDir, signal);
      case 'zip':
        return await unzip(file, destDir, signal);
      case 'gz': {
        // Output first: no stream may exist unpiped across an await (its 'error' would be unheard).
        const output = await noFollowWriteStream(await prepareFile(destDir, gunzippedName(name)));
        return await pipeline(createReadStream(file), createGunzip(), output, { signal });
      }
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new ExtractError(String(signal.reason));
    if (err instanceof ExtractError) throw err;
    throw new ExtractError(`cannot extract '${name}': ${(err as Error).message}`, { cause: err });
  }
}

function tarEntryKind(entry: ReadEntry): EntryKind {
  switch (entry.type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    default:
      return 'other';
  }
}

/** Parses a (possibly gzipped) tar stream into destDir. */
function untar(input: Readable, destDir: string, signal: AbortSignal | undefined): Promise<void> {
  const guard = new EntryGuard();
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      input.destroy();
      reject(err);
    };
    const unpack = new Unpack({
      cwd: destDir,
      // Any warning (bad header, path node-tar itself refuses, write through a symlink) fails.
      strict: true,
      preserveOwner: false,
      // Replace files rather than write into whatever (e.g. a symlink) is already there.
      unlink: true,
      maxDecompressionRatio: MAX_DECOMPRESSION_RATIO,
      filter: (path: string, entry) => {
        const tarEntry = entry as ReadEntry;
        const problem = guard.check(path, tarEntryKind(tarEntry), tarEntry.linkpath);
        if (problem === undefined) return true;
        fail(new ExtractError(problem));
        unpack.abort(new ExtractError(problem));
        return false;
      },
    });
    unpack.on('error', (err: Error) => fail(err));
    unpack.on('close', () => {
      if (!failed) resolve();
    });
    input.on('error', (err: Error) => {
      fail(err);
      unpack.abort(err);
    });
    signal?.addEventListener('abort', () => fail(signal.reason instanceof Error ? signal.reason : new Error('aborted')), { once: true });
    input.pipe(unpack);
  });
}

/** Decompresses with a Debian tool (`bzip2 -dc`, `xz -dc`) and parses the tar it writes. */
async function untarThrough(tool: 'bzip2' | 'xz', file: string, destDir: string, signal: AbortSignal | undefined): Promise<void> {
  // `file` is an absolute path, so it cannot be mistaken for an option.
  const child = spawn(tool, ['-dc', file], { stdio: ['ignore', 'pipe', 'pipe'], signal });
  let stderr = '';
  let exitSignal: NodeJS.Signals | null = null;
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < 2000) stderr += text;
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new ExtractError(`'${tool}' is not installed; it is needed to extract .tar.${tool === 'bzip2' ? 'bz2' : 'xz'} archives`) : err);
    });
    child.once('close', (code, sig) => {
      exitSignal = sig;
      if (code === 0) resolve();
      else reject(new ExtractError(`'${tool} -dc' failed (${sig ?? `exit status ${code}`}): ${firstLines(stderr) || 'no message'}`));
    });
  });
  exited.catch(() => undefined);
  try {
    await untar(child.stdout, destDir, signal);
  } catch (err) {
    child.kill('SIGKILL');
    const exitError = await exited.then(() => undefined, (e: unknown) => e);
    // A decompressor that exited with an error of its own (corrupt input) explains the truncated
    // tar better than the parser does; one ended by a signal (our kill, or SIGPIPE because the
    // parser stopped reading) explains nothing.
    throw exitError !== undefined && exitSignal === null ? exitError : err;
  }
  await exited;
}

/** A tool's complaint as one status-message-friendly line (bzip2 writes a whole paragraph). */
function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 2).join(' ').replace(/\s+/g, ' ').slice(0, 200);
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true, validateEntrySizes: true }, (err, zip) => (err ? reject(err) : resolve(zip)));
  });
}

function openZipEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

async function readAll(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ExtractError(`symbolic link target longer than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Extracts a zip entry by entry; unix modes (and symlinks) come from the external attributes. */
async function unzip(file: string, destDir: string, signal: AbortSignal | undefined): Promise<void> {
  const guard = new EntryGuard();
  const zip = await openZip(file);
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      signal?.addEventListener('abort', () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted')), { once: true });
      zip.on('entry', (entry: yauzl.Entry) => {
        writeZipEntry(zip, entry, guard, destDir).then(() => zip.readEntry(), reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

async function writeZipEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, guard: EntryGuard, destDir: string): Promise<void> {
  const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
  const isSymlink = (mode & 0o170000) === 0o120000;
  const isDirectory = entry.fileName.endsWith('/');
  if (isSymlink) {
    const target = await readAll(await openZipEntry(zip, entry), MAX_LINK_TARGET);
    const problem = guard.check(entry.fileName, 'symlink', target);
    if (problem !== undefined) throw new ExtractError(problem);
    const path = await prepareFile(destDir, normalizeEntryPath(entry.fileName)!);
    await symlink(target, path);
    return;
  }
  const problem = guard.check(entry.fileName, isDirectory ? 'directory' : 'file');
  if (problem !== undefined) throw new ExtractError(problem);
  const rel = normalizeEntryPath(entry.fileName)!;
  if (rel === '') return;
  if (isDirectory) {
    await prepareDirectory(destDir, rel);
    return;
  }
  const path = await prepareFile(destDir, rel);
  const permissions = (mode & 0o777) || 0o644;
  const output = await noFollowWriteStream(path, permissions);
  const input = await openZipEntry(zip, entry).catch((err: unknown) => {
    output.destroy();
    throw err;
  });
  await pipeline(input, output);
}
