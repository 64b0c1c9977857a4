// The contracts between the image provisioner's parts (reference containerizers.md §2):
//
//   image (Mesos `Image`) ──store.get()──> layers on disk + image config ──backend.provision()──> rootfs
//
// Stores (docker: registry pulls, `docker save` dirs, OCI layouts; appc) fetch and verify images and
// keep every layer once, by digest, extracted into its own directory. Backends (overlay, copy) turn
// an ordered list of layer directories into one container rootfs. The Linux containerizer asks the
// provisioner for a rootfs per container and merges the image config into the task's command.

/**
 * The parts of an image's runtime config that a container launch needs (OCI image config /
 * Docker `config`, AppC manifest `app`): defined once, beside the code that merges it into a
 * task's command (the command executor uses that code too, and may import only common).
 */
import type { ImageRuntimeConfig } from '../common/oci/image-command.ts';
export type { ImageRuntimeConfig };

/**
 * One image as a store holds it, ready for a backend.
 *
 * Layer directories hold the layer's tar extracted as-is: whiteouts stay regular empty files named
 * `.wh.<name>` (hides `<name>` of lower layers) and `.wh..wh..opq` (hides everything the lower
 * layers have in that directory), as in the OCI image spec. Backends interpret them; a layer
 * directory is shared between images and containers and is never written to.
 */
export type StoredImage = {
  /** The image as the task named it, normalized (`registry/repo:tag` or `name:version`). */
  reference: string;
  /** Content id: the manifest digest (docker/OCI) or the image id (appc, `sha512-...`). */
  id: string;
  /** Layer directories, lowest (base) layer first. */
  layers: string[];
  config: ImageRuntimeConfig;
};

/** Where a store's progress reports go (agent log + metrics). */
export type PullProgress = (event: {
  image: string;
  /** `resolving`, `layer`, `done`. */
  phase: 'resolving' | 'layer' | 'done';
  digest?: string | undefined;
  bytesDone?: number | undefined;
  bytesTotal?: number | undefined;
}) => void;

/** The failure a task sees: names the image and the cause (TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED). */
export class ImageProvisionError extends Error {
  readonly image: string;
  constructor(image: string, cause: string) {
    super(`failed to provision image '${image}': ${cause}`);
    this.name = 'ImageProvisionError';
    this.image = image;
  }
}

/** Turns layer directories into a container's rootfs. */
export interface ProvisionerBackend {
  /** `overlay` or `copy` (Mesos `--image_provisioner_backend`). */
  readonly name: string;
  /**
   * Builds `rootfs` (an empty directory the caller made) from `layers` (lowest first). Overlay
   * mounts; copy copies. Whiteouts and opaque markers are applied, never left visible.
   */
  provision(layers: readonly string[], rootfs: string, scratch: string): Promise<void>;
  /** Undoes provision (unmounts, removes). Safe to call twice and after a crash half-way. */
  destroy(rootfs: string, scratch: string): Promise<void>;
}
