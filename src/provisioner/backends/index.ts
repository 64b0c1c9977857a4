// Choosing a backend (`--image_provisioner_backend`): overlay where the kernel has overlayfs and
// the store's file system can carry an upper directory, else copy (reference containerizers.md §2.7).
import { readFileSync, statfsSync } from 'node:fs';
import { InvalidArgumentError } from '../../common/errors.ts';
import type { ProvisionerBackend } from '../types.ts';
import { CopyBackend } from './copy.ts';
import { OverlayBackend } from './overlay.ts';

export { CopyBackend, applyLayer } from './copy.ts';
export { OverlayBackend, isMountPoint, parseMountPoints, OVERLAY_MAX_LAYERS } from './overlay.ts';
export { overlayView, OVERLAY_VIEW_SUFFIX } from './overlay-layer.ts';
export { classifyEntry, OPAQUE_MARKER, WHITEOUT_PREFIX, type WhiteoutKind } from './whiteout.ts';

export const BACKEND_NAMES = ['overlay', 'copy'] as const;

/** File systems overlayfs cannot use as upper layer (Mesos's list; overlay-on-overlay included). */
const OVERLAY_UNFIT_FS: Record<number, string> = {
  0x61756673: 'aufs',
  0x9123683e: 'btrfs',
  0xf15f: 'ecryptfs',
  0x2fc12fc1: 'zfs',
  0x794c7630: 'overlay',
};

/** Pure: which backend to use, given the flag, the kernel's file systems and the scratch fs type. */
export function chooseBackend(flag: string | undefined, procFilesystems: string, scratchFsType: number | undefined): 'overlay' | 'copy' {
  if (flag !== undefined && flag !== '') {
    if (!(BACKEND_NAMES as readonly string[]).includes(flag)) {
      throw new InvalidArgumentError(`--image_provisioner_backend: unknown backend '${flag}' (supported: ${BACKEND_NAMES.join(', ')})`);
    }
    if (flag === 'overlay' && !overlayUsable(procFilesystems, scratchFsType)) {
      throw new InvalidArgumentError('--image_provisioner_backend: overlay is not supported here (no overlayfs in /proc/filesystems, or an unfit file system)');
    }
    return flag as 'overlay' | 'copy';
  }
  return overlayUsable(procFilesystems, scratchFsType) ? 'overlay' : 'copy';
}

function overlayUsable(procFilesystems: string, scratchFsType: number | undefined): boolean {
  const known = procFilesystems.split('\n').some((line) => line.trim().split(/\s+/).pop() === 'overlay');
  return known && (scratchFsType === undefined || OVERLAY_UNFIT_FS[scratchFsType] === undefined);
}

/** The backend for `--image_provisioner_backend` (undefined: auto), checked against this host. */
export function createBackend(flag: string | undefined, scratchDir: string): ProvisionerBackend {
  let filesystems = '';
  try {
    filesystems = readFileSync('/proc/filesystems', 'utf8');
  } catch {
    // No /proc: not Linux; copy is the only choice.
  }
  let fsType: number | undefined;
  try {
    fsType = Number(statfsSync(scratchDir).type);
  } catch {
    fsType = undefined;
  }
  return chooseBackend(flag, filesystems, fsType) === 'overlay' ? new OverlayBackend() : new CopyBackend();
}
