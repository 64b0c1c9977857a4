// The path check behind the `/files` endpoints and LIST_FILES/READ_FILE: a requested path is
// served only if it lies inside one of the attached roots (executor sandboxes), never outside.
//
// Two steps, both pure, around one impure call:
//   1. resolveVirtualPath: the request text -> (attached root, real path) or a refusal.
//      `..` segments are refused outright (403), whatever they would resolve to; a path under
//      no attachment is 404 (absolute paths outside the sandboxes included).
//   2. the caller runs realpath() on the root and on the target (following symlinks);
//   3. isWithin: the real target must still lie inside the real root, so a symlink in a sandbox
//      pointing at /etc is refused (403).

/** Virtual path -> real directory on the host. */
export type Attachments = ReadonlyMap<string, string>;

export type PathRefusal = { ok: false; status: 400 | 403 | 404; message: string };
export type PathResolution =
  | {
      ok: true;
      /** The attachment's virtual path (the prefix of the request). */
      virtualRoot: string;
      /** The attachment's real directory. */
      root: string;
      /** The requested path, normalized, as a virtual path. */
      virtualPath: string;
      /** The requested path mapped onto the real directory (symlinks not yet resolved). */
      real: string;
    }
  | PathRefusal;

/** `/a//b/./c/` -> `/a/b/c`; undefined for a path containing a `..` segment. */
export function normalizeAbsolute(path: string): string | undefined {
  const parts: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return undefined;
    parts.push(segment);
  }
  return '/' + parts.join('/');
}

export function resolveVirtualPath(requested: string | null | undefined, attachments: Attachments): PathResolution {
  if (requested === null || requested === undefined || requested === '') {
    return { ok: false, status: 400, message: "Expecting 'path' query parameter" };
  }
  if (requested.includes('\0')) return { ok: false, status: 400, message: "'path' must not contain NUL characters" };
  if (!requested.startsWith('/')) return { ok: false, status: 404, message: `File not found: '${requested}' is not an absolute path` };
  const virtualPath = normalizeAbsolute(requested);
  if (virtualPath === undefined) return { ok: false, status: 403, message: "'path' must not contain '..' segments" };

  let best: { virtualRoot: string; root: string } | undefined;
  for (const [virtualRootRaw, root] of attachments) {
    const virtualRoot = normalizeAbsolute(virtualRootRaw);
    if (virtualRoot === undefined) continue;
    const matches = virtualPath === virtualRoot || virtualPath.startsWith(virtualRoot === '/' ? '/' : virtualRoot + '/');
    if (matches && (!best || virtualRoot.length > best.virtualRoot.length)) best = { virtualRoot, root };
  }
  if (!best) return { ok: false, status: 404, message: `File not found: '${virtualPath}'` };
  const rest = virtualPath.slice(best.virtualRoot.length).replace(/^\/+/, '');
  const root = best.root.replace(/\/+$/, '') || '/';
  const real = rest === '' ? root : `${root === '/' ? '' : root}/${rest}`;
  return { ok: true, virtualRoot: best.virtualRoot, root, virtualPath, real };
}

/** True when `target` is `root` or below it (both already absolute, normalized, symlink-free). */
export function isWithin(root: string, target: string): boolean {
  if (root === '/') return target.startsWith('/');
  return target === root || target.startsWith(root + '/');
}
