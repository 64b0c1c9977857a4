// A layer as overlayfs needs it. Overlay does not understand `.wh.*` files in a lower directory:
// it wants a whiteout as a 0:0 character device named like the hidden file, and an opaque
// directory marked with the xattr `trusted.overlay.opaque=y`. So each layer gets, once, a view
// next to it, `<layer>.overlay`:
//   - a layer without markers: a symlink to the layer itself (no copy at all);
//   - a layer with markers: a hard-linked copy (`cp -al`, no file data copied) in which each
//     `.wh.<name>` became a char device `<name>` and each `.wh..wh..opq` became the xattr on its
//     directory (directories are real copies, so the xattr never touches the shared layer).
// The view is built under a temporary name and renamed into place, so a crash or a concurrent
// converter never leaves a half-converted view under the final name. Later provisions of the
// same layer cost one lstat.
import { lstat, rename, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runTool } from './run.ts';
import { hasMarkers, scanLayer } from './walk.ts';

export const OVERLAY_VIEW_SUFFIX = '.overlay';

/** The converted view of `layer`, building it on first use. */
export async function overlayView(layer: string): Promise<string> {
  const view = `${layer}${OVERLAY_VIEW_SUFFIX}`;
  if (await lstat(view).catch(() => undefined)) return view;
  const tmp = join(dirname(layer), `.${basename(layer)}${OVERLAY_VIEW_SUFFIX}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    const markers = await scanLayer(layer);
    if (!hasMarkers(markers)) {
      await symlink(layer, tmp);
    } else {
      await runTool('cp', ['-al', '--no-target-directory', layer, tmp]);
      for (const marker of markers.markerFiles) await rm(join(tmp, marker), { force: true });
      await convertMarkers(tmp, markers.whiteouts, markers.opaqueDirs);
    }
    try {
      await rename(tmp, view);
    } catch (err) {
      // Someone else (another agent thread of work, or a concurrent container) won the race.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EISDIR') throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return view;
}

/** Makes the char devices and opaque xattrs in one shell per batch (one process, not one per file). */
async function convertMarkers(root: string, whiteouts: readonly string[], opaqueDirs: readonly string[]): Promise<void> {
  const BATCH = 500;
  const script =
    'mode=$1; shift; for p in "$@"; do if [ "$mode" = w ]; then mknod -m 000 "$p" c 0 0 || exit 1; ' +
    'else setfattr -n trusted.overlay.opaque -v y "$p" || exit 1; fi; done';
  for (const [mode, paths] of [['w', whiteouts], ['o', opaqueDirs]] as const) {
    for (let i = 0; i < paths.length; i += BATCH) {
      const batch = paths.slice(i, i + BATCH).map((p) => (p === '' ? root : join(root, p)));
      await runTool('/bin/sh', ['-c', script, 'convert', mode, ...batch]);
    }
  }
}
