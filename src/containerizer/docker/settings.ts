// The Docker containerizer's settings from the agent's `--docker_*` flags.
import { resolve } from 'node:path';
import type { DockerContainerizerOptions } from './docker-containerizer.ts';
import { buildDockerExecutor } from './executor-build.ts';

export type DockerFlags = {
  work_dir: string;
  docker_socket: string;
  docker_config?: string | undefined;
  docker_remove_delay: number;
  docker_stop_timeout: number;
  docker_kill_orphans: boolean;
  docker_mesos_image?: string | undefined;
};

/** `commandExecutorArgv`: the agent's command executor, which the Docker executor replaces for DOCKER tasks. */
export function dockerSettings(flags: DockerFlags, commandExecutorArgv: () => readonly string[]): Omit<DockerContainerizerOptions, 'logger' | 'clock'> {
  let dockerExecutorArgv: string[] | undefined;
  return {
    socketPath: flags.docker_socket,
    // The work dir names the agent installation that owns a container (several agents may share a daemon).
    owner: resolve(flags.work_dir),
    commandExecutorArgv,
    dockerExecutorArgv: () => (dockerExecutorArgv ??= buildDockerExecutor(flags.work_dir)),
    dockerConfig: flags.docker_config,
    removeDelayMs: flags.docker_remove_delay,
    stopTimeoutMs: flags.docker_stop_timeout,
    killOrphans: flags.docker_kill_orphans,
    mesosImage: flags.docker_mesos_image,
  };
}
