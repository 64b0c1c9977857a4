// The `copy` backend (Mesos `--image_provisioner_backend=copy`): every layer is copied, base
// first, into the container's own rootfs directory. Works on any file system; costs the image's
// full size per container and takes time proportional to it.
//
// Per layer, before copying (reference containerizers.md §2.6):
//   1. what the layer replaces is removed first: any non-directory entry of the layer removes
//      what is there (so `cp` never writes through a lower layer's symlink or into a hard-linked
//      inode shared with another path), and a directory removes a non-directory there (the
//      MESOS-5028/7280 class of bugs). This runs first so that every directory holding a marker
//      is a real directory of the rootfs, never a symlink leading out of it;
//   2. an opaque marker empties its directory of what the lower layers put there;
//   3. `.wh.<name>` removes `<name>` of the lower layers;
// then `cp -a` copies the layer (modes, owners, times, symlinks, devices, hard links), and the
// marker files it copied along are removed.
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProvisionerBackend } from '../types.ts';
import { runTool } from './run.ts';
import { scanLayer } from './walk.ts';

export class CopyBackend implements ProvisionerBackend {
  readonly name = 'copy';

  async provision(layers: readonly string[], rootfs: string, _scratch: string): Promise<void> {
    await mkdir(rootfs, { recursive: true });
    for (const layer of layers) await applyLayer(layer, rootfs);
  }

  async destroy(rootfs: string, scratch: string): Promise<void> {
    await rm(rootfs, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Applies one layer directory onto `rootfs` (exported for tests). */
export async function applyLayer(layer: string, rootfs: string): Promise<void> {
  const markers = await scanLayer(layer);
  for (const entry of markers.entries) {
    const there = await lstat(join(rootfs, entry.path)).catch(() => undefined);
    if (there && (!entry.isDir || !there.isDirectory())) await rm(join(rootfs, entry.path), { recursive: true, force: true });
  }
  for (const dir of markers.opaqueDirs) await emptyDirectory(join(rootfs, dir));
  for (const hidden of markers.whiteouts) await rm(join(rootfs, hidden), { recursive: true, force: true });
  await runTool('cp', ['-a', '--no-target-directory', layer, rootfs]);
  for (const marker of markers.markerFiles) await rm(join(rootfs, marker), { force: true });
}

async function emptyDirectory(dir: string): Promise<void> {
  const stat = await lstat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) return;
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
}
