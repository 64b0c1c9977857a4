// Public API of src/containerizer: the Containerizer interface and its implementations.
// See README.md for the vocabulary.
export {
  UnknownContainerError,
  type ContainerConfig,
  type ContainerTermination,
  type Containerizer,
  type LaunchOutcome,
  type RecoverableContainer,
} from './containerizer.ts';
export { DEFAULT_PATH, POSIX_ISOLATORS, PosixContainerizer, commandLine, type PosixContainerizerOptions } from './posix.ts';
export { findSetpriv, planSpawn, type CommandLine, type RunAs, type SpawnPlan } from './run-as.ts';
export { checkContainerizers, createContainerizers, parseIsolation, type ContainerizerFactoryOptions } from './factory.ts';
export { DockerContainerizer, type DockerContainerizerOptions } from './docker/docker-containerizer.ts';
export { buildDockerExecutor, DOCKER_EXECUTOR_PATH } from './docker/executor-build.ts';
export { dockerSettings, type DockerFlags } from './docker/settings.ts';
export { CLOCK_TICKS_PER_SECOND, containerPids, parseProcStat, readProcessTable, sumUsage, type ProcStat, type TreeUsage } from './proc.ts';
export { LinuxContainerizer, SANDBOX_IN_CONTAINER, type ContainerImages, type ImagePruneResult, type LinuxContainerizerOptions } from './linux/linux.ts';
export { ImageGc, parseImageGcConfig, shouldPruneImages, type ImageGcConfig } from './linux/image-gc.ts';
export { LINUX_ISOLATORS, needsLinuxContainerizer } from './linux/isolation.ts';
export { linuxSettings, type LinuxFlags } from './linux/settings.ts';
