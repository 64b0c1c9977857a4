// Pure: the OCI/AUFS whiteout convention that image layers carry as plain files
// (reference containerizers.md §2.6). A layer directory keeps them as the tar had them; each
// backend turns them into its own form (copy: deletions; overlay: 0:0 char devices + opaque xattr).

/** Prefix of a file that hides `<name>` of the lower layers: `.wh.<name>`. */
export const WHITEOUT_PREFIX = '.wh.';
/** A file that hides everything the lower layers have in its directory. */
export const OPAQUE_MARKER = '.wh..wh..opq';

/**
 * - `none`: an ordinary entry of the image;
 * - `opaque`: the directory's lower-layer content is hidden;
 * - `whiteout`: `target` of the lower layers is hidden;
 * - `meta`: other `.wh..wh.*` AUFS bookkeeping (hard-link dirs): dropped, hides nothing.
 */
export type WhiteoutKind = { kind: 'none' } | { kind: 'opaque' } | { kind: 'meta' } | { kind: 'whiteout'; target: string };

/** What a directory entry named `name` means. */
export function classifyEntry(name: string): WhiteoutKind {
  if (name === OPAQUE_MARKER) return { kind: 'opaque' };
  if (!name.startsWith(WHITEOUT_PREFIX)) return { kind: 'none' };
  const target = name.slice(WHITEOUT_PREFIX.length);
  if (target.startsWith(WHITEOUT_PREFIX) || target === '' || target === '.' || target === '..' || target.includes('/')) return { kind: 'meta' };
  return { kind: 'whiteout', target };
}
