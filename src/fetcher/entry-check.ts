// Pure: whether an archive entry may be written inside the extraction root. Refused: absolute
// paths, `..` segments that climb out, symlinks or hard links whose target resolves outside, and
// entries that sit below a symlink the same archive created (a symlinked parent can make a
// lexically harmless path land anywhere). Extraction also refuses to write through symlinks that
// already exist on disk (node-tar does so itself; the zip writer checks with lstat).
import { posix } from 'node:path';

export type EntryKind = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

/** The entry path normalised relative to the root, or undefined when it escapes. `''` is the root. */
export function normalizeEntryPath(path: string): string | undefined {
  if (path.includes('\0') || path.startsWith('/') || path.includes('\\') || /^[A-Za-z]:/.test(path)) return undefined;
  const normal = posix.normalize(path);
  if (normal === '..' || normal.startsWith('../')) return undefined;
  const trimmed = normal.replace(/\/+$/, '');
  return trimmed === '.' ? '' : trimmed;
}

/** Whether `target` of a link at `entryPath` stays inside the root (resolved lexically). */
function linkStaysInside(entryPath: string, target: string, kind: 'symlink' | 'hardlink'): boolean {
  if (target === '' || target.includes('\0') || posix.isAbsolute(target)) return false;
  // Tar hard-link targets are archive paths (relative to the root); symlinks are relative to
  // the directory holding the link.
  const joined = kind === 'hardlink' ? target : posix.join(posix.dirname(entryPath), target);
  return normalizeEntryPath(joined) !== undefined;
}

/**
 * Checks the entries of one archive in order. `check` returns a problem sentence naming the
 * entry, or undefined when the entry is safe to write.
 */
export class EntryGuard {
  readonly #symlinks = new Set<string>();

  check(path: string, kind: EntryKind, linkTarget?: string): string | undefined {
    const normal = normalizeEntryPath(path);
    if (normal === undefined) return `archive entry '${path}' would be written outside the sandbox`;
    for (let i = normal.indexOf('/'); i !== -1; i = normal.indexOf('/', i + 1)) {
      if (this.#symlinks.has(normal.slice(0, i))) return `archive entry '${path}' lies below a symbolic link of the same archive`;
    }
    if (this.#symlinks.has(normal)) return `archive entry '${path}' would replace a symbolic link of the same archive`;
    if (kind === 'symlink' || kind === 'hardlink') {
      if (linkTarget === undefined || !linkStaysInside(normal, linkTarget, kind)) {
        return `archive entry '${path}' is a ${kind === 'symlink' ? 'symbolic' : 'hard'} link to '${linkTarget ?? ''}', outside the sandbox`;
      }
      if (kind === 'symlink') this.#symlinks.add(normal);
    }
    if (kind === 'other') return `archive entry '${path}' is a device, FIFO or other special file`;
    return undefined;
  }
}
