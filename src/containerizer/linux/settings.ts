// The Linux containerizer's settings from the agent's flags (`--runtime_dir`, `--cgroups_root`,
// `--cgroups_enable_cfs`, `--image_provisioner_backend`, `--enforce_container_disk_quota`,
// `--container_disk_watch_interval`), with Mesos's defaults where a flag is unset.
import { join } from 'node:path';
import { InvalidArgumentError } from '../../common/errors.ts';
import { createBackend } from '../../provisioner/backends/index.ts';
import type { ContainerImages, LinuxContainerizerOptions } from './linux.ts';

export type LinuxFlags = {
  work_dir: string;
  runtime_dir?: string | undefined;
  cgroups_root: string;
  cgroups_enable_cfs: boolean;
  image_provisioner_backend?: string | undefined;
  enforce_container_disk_quota: boolean;
  container_disk_watch_interval: number;
  docker_ignore_runtime?: boolean | undefined;
  /** Idle pre-started command executors (Agora only; default 1, 0 turns them off). */
  warm_command_executors?: number | undefined;
};

function warmExecutors(flags: LinuxFlags): number | undefined {
  const n = flags.warm_command_executors;
  if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > 64)) throw new InvalidArgumentError(`--warm_command_executors: expected a count from 0 to 64, got ${n}`);
  return n;
}

/**
 * `--runtime_dir` defaults to `<work_dir>/runtime` rather than Mesos's `/var/run/mesos`, so two
 * agents on one host (tests, `agora dev`) never treat each other's containers as orphans; give
 * them different `--cgroups_root` values for the same reason.
 */
export function linuxSettings(flags: LinuxFlags, images?: ContainerImages): Omit<LinuxContainerizerOptions, 'logger' | 'clock' | 'isolators'> {
  const provisionerDir = join(flags.work_dir, 'provisioner');
  return {
    runtimeDir: flags.runtime_dir ?? join(flags.work_dir, 'runtime'),
    provisionerDir,
    cgroupsRoot: flags.cgroups_root,
    enableCfs: flags.cgroups_enable_cfs,
    enforceDiskQuota: flags.enforce_container_disk_quota,
    diskWatchIntervalMs: flags.container_disk_watch_interval,
    ignoreImageRuntime: flags.docker_ignore_runtime === true,
    warmCommandExecutors: warmExecutors(flags),
    images,
    // Chosen (and the flag checked) at start-up, whichever containerizer ends up using it.
    backend: createBackend(flags.image_provisioner_backend, flags.work_dir),
  };
}
