// The `overlay` backend: the rootfs is an overlayfs mount whose lower directories are the
// image's layers (their overlay views, overlay-layer.ts) and whose upper and work directories
// live in the container's scratch directory. Provisioning a container whose layers are
// converted costs one mount: no file is copied.
//
// Option length: the kernel takes at most one page of mount options, and 30+ long layer paths
// exceed it (MESOS-6000). The scratch directory therefore holds short symlinks `l/0`, `l/1`, ...
// to the layers, and `mount` runs with `l/` as its working directory, so the option string is
// `lowerdir=2:1:0,upperdir=../upper,workdir=../work` whatever the paths are.
import { mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ProvisionerBackend } from '../types.ts';
import { overlayView } from './overlay-layer.ts';
import { runTool } from './run.ts';

/** overlayfs refuses more lower layers than this (fs/overlayfs OVL_MAX_STACK). */
export const OVERLAY_MAX_LAYERS = 500;

export class OverlayBackend implements ProvisionerBackend {
  readonly name = 'overlay';
  readonly #views = new Map<string, Promise<string>>();

  async provision(layers: readonly string[], rootfs: string, scratch: string): Promise<void> {
    if (layers.length === 0) throw new Error('an image needs at least one layer');
    if (layers.length > OVERLAY_MAX_LAYERS) throw new Error(`the overlay backend takes at most ${OVERLAY_MAX_LAYERS} layers, the image has ${layers.length}`);
    const views = await Promise.all(layers.map((layer) => this.#view(resolve(layer))));
    const links = join(scratch, 'l');
    await mkdir(links, { recursive: true });
    await mkdir(join(scratch, 'upper'), { recursive: true });
    await mkdir(join(scratch, 'work'), { recursive: true });
    await mkdir(rootfs, { recursive: true });
    await Promise.all(views.map((view, i) => symlink(view, join(links, String(i)))));
    // Top layer first, as overlayfs wants it.
    const lowerdir = views.map((_, i) => String(i)).reverse().join(':');
    await runTool('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowerdir},upperdir=../upper,workdir=../work`, resolve(rootfs)], { cwd: links });
  }

  async destroy(rootfs: string, scratch: string): Promise<void> {
    if (await isMountPoint(resolve(rootfs))) await runTool('umount', [resolve(rootfs)]);
    await rm(rootfs, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  }

  /**
   * One conversion per layer at a time within this process; the disk cache serves the rest. Only
   * conversions in flight are remembered: image GC removes a layer with its view, and a layer
   * pulled again must get a new view, not the path of the removed one.
   */
  #view(layer: string): Promise<string> {
    let view = this.#views.get(layer);
    if (!view) {
      view = overlayView(layer);
      this.#views.set(layer, view);
      const forget = (): void => void this.#views.delete(layer);
      view.then(forget, forget);
    }
    return view;
  }
}

/** True when `path` is a mount point of this mount namespace (from /proc/self/mountinfo). */
export async function isMountPoint(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return parseMountPoints(info).includes(path);
}

/** Pure: the mount points listed in a mountinfo text (octal escapes decoded). */
export function parseMountPoints(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field) out.push(field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  }
  return out;
}
