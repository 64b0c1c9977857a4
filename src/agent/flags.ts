// The agent's command-line flags, named and defaulted as Mesos's (`mesos-agent --help`). Each is
// also read from `AGORA_<FLAG>` (and `MESOS_<FLAG>`), and `file:///path` values are read from the
// file (src/common/flags.ts).
import { parseFlags, type FlagSpecs, type ParsedFlags } from '../common/flags.ts';
import { InvalidArgumentError } from '../common/errors.ts';
import { isLogLevel, type LogLevel } from '../common/log.ts';

export const AGENT_FLAGS = {
  master: { type: 'string', required: true, help: 'The master to register with: HOST:PORT or http://HOST:PORT' },
  work_dir: { type: 'string', required: true, help: 'Directory for sandboxes and checkpoints (meta/)' },
  ip: { type: 'string', default: '127.0.0.1', help: 'IP address to listen on and to advertise to the master' },
  port: { type: 'int', default: 5051, help: 'Port to listen on (0 picks a free one)' },
  hostname: { type: 'string', help: 'Hostname to advertise to the master (default: the --ip value)' },
  resources: {
    type: 'string',
    help: "Total resources: 'cpus:4;mem:1024;ports:[31000-32000]' or a JSON array of Resource; names left out are detected",
  },
  attributes: { type: 'string', help: "Attributes of this machine: 'rack:abc;zone:west;level:10;keys:[1000-1500]'" },
  default_role: { type: 'string', default: '*', help: 'Role of resources declared without one and of detected resources' },
  containerizers: { type: 'string', default: 'mesos', help: 'Comma list of containerizers to try, in order' },
  isolation: { type: 'string', default: 'posix/cpu,posix/mem', help: 'Comma list of isolators' },
  runtime_dir: { type: 'string', help: "Directory for the containers' runtime state (default: <work_dir>/runtime)" },
  cgroups_root: { type: 'string', default: 'mesos', help: "Name of the agent's cgroup under each hierarchy (one per agent on a host)" },
  cgroups_enable_cfs: { type: 'bool', default: false, help: 'Cap cpu time with CFS quotas (cgroups/cpu), not only weight it with shares' },
  warm_command_executors: {
    type: 'int',
    default: 1,
    help: 'Linux containerizer (Agora only): command executors kept started and idle, so a task does not wait for one to load (~40 MB each; 0 turns it off)',
  },
  image_provisioner_backend: { type: 'string', help: "Container rootfs backend: 'overlay' or 'copy' (default: overlay where the kernel supports it)" },
  image_providers: {
    type: 'string',
    help: "Comma list of image types tasks may use in ContainerInfo.mesos.image: 'docker', 'appc' (needs the filesystem/linux isolator); unset: images refused",
  },
  docker_registry: {
    type: 'string',
    default: 'https://registry-1.docker.io',
    help: 'Where docker images come from: a registry URL (http:// for an insecure one), or an absolute directory of `docker save` tarballs / OCI layouts',
  },
  docker_store_dir: {
    type: 'string',
    help: "Docker image layer store (default: <work_dir>/store/docker, not Mesos's shared /tmp/mesos/store/docker, so one agent's image GC never removes another's layers)",
  },
  appc_store_dir: { type: 'string', help: 'AppC image store (default: <work_dir>/store/appc)' },
  appc_simple_discovery_uri_prefix: {
    type: 'string',
    default: 'http://',
    help: 'Prefix of AppC simple discovery URIs ({name}-{version}-{os}-{arch}.aci appended): http(s)://..., file://... or an absolute directory',
  },
  image_gc_config: {
    type: 'json',
    help: 'Automatic image GC, JSON (or a file): {"image_disk_headroom": 0.1, "image_disk_watch_interval": {"nanoseconds": ...}, "excluded_images": [Image, ...]}; unset: no automatic GC',
  },
  docker_ignore_runtime: { type: 'bool', default: false, help: "Ignore the image's Entrypoint, Cmd, Env and WorkingDir (Mesos docker/runtime)" },
  enforce_container_disk_quota: { type: 'bool', default: false, help: "With disk/du: a container using more than its 'disk' resource fails" },
  container_disk_watch_interval: { type: 'duration', default: 15_000, help: 'How often disk/du measures each container' },
  docker_socket: { type: 'string', default: '/var/run/docker.sock', help: "The Docker daemon's unix socket (Engine API), for --containerizers=docker" },
  docker_config: {
    type: 'string',
    help: 'Docker registry credentials for every image pull: a config.json/.dockercfg file path, or the same as inline JSON',
  },
  docker_remove_delay: {
    type: 'duration',
    default: 6 * 3_600_000,
    help: "How long a stopped Docker container is kept (for 'docker logs'/inspection) before it is removed",
  },
  docker_stop_timeout: {
    type: 'duration',
    default: 0,
    help: 'Grace period of docker stop when the agent destroys a Docker container (tasks use their kill policy)',
  },
  docker_kill_orphans: {
    type: 'bool',
    default: true,
    help: "At start, stop and remove this agent's Docker containers that no checkpointed executor accounts for",
  },
  docker_mesos_image: {
    type: 'string',
    help: "For an agent that itself runs in a Docker container: its image. Accepted for Mesos compatibility only: Agora starts Docker executors as processes of the agent, not in containers of this image, so they end with the agent's container (see src/containerizer/docker/README.md)",
  },
  switch_user: {
    type: 'bool',
    default: true,
    help: "Run tasks as CommandInfo.user, else FrameworkInfo.user (the user must exist here); only when the agent runs as root. With --no-switch_user, tasks run as the agent's user",
  },
  executor_registration_timeout: {
    type: 'duration',
    default: 60_000,
    help: 'How long an executor has to subscribe before it is destroyed and its tasks fail',
  },
  executor_shutdown_grace_period: {
    type: 'duration',
    default: 5_000,
    help: 'Default time between SHUTDOWN to an executor and destroying its container',
  },
  executor_reregistration_timeout: {
    type: 'duration',
    default: 2_000,
    help: 'After a restart, how long recovered executors have to re-subscribe before they are destroyed (also their MESOS_SUBSCRIPTION_BACKOFF_MAX)',
  },
  recover: {
    type: 'string',
    default: 'reconnect',
    help: "After a restart: 'reconnect' re-adopts checkpointing frameworks' executors; 'cleanup' destroys them and registers as a new agent",
  },
  recovery_timeout: { type: 'duration', default: 900_000, help: 'Passed to checkpointing executors as MESOS_RECOVERY_TIMEOUT' },
  registration_backoff_factor: {
    type: 'duration',
    default: 1_000,
    help: 'Upper bound of the first (random) delay before re-subscribing to the master; doubles per attempt up to 1mins',
  },
  executor_environment_variables: {
    type: 'json',
    help: "JSON object of environment variables for executors (default: the agent's own environment)",
  },
  fetcher_cache_dir: {
    type: 'string',
    help: 'Directory of the fetcher cache (default: <work_dir>/fetch); files named like cache entries there are removed at start',
  },
  fetcher_cache_size: { type: 'bytes', default: 2 * 1024 ** 3, help: 'Size of the fetcher cache; 0 disables it' },
  fetcher_stall_timeout: {
    type: 'duration',
    default: 60_000,
    help: 'A download that receives no byte for this long is aborted and its task fails',
  },
  gc_delay: {
    type: 'duration',
    default: 7 * 24 * 3_600_000,
    help: 'How long after its executor terminated a sandbox is removed; shortened as the disk fills (see --gc_disk_headroom)',
  },
  gc_disk_headroom: {
    type: 'number',
    default: 0.1,
    help: 'Fraction of the disk to keep free: sandboxes are removed after max(0, gc_delay * (1 - headroom - disk usage)); in [0, 1]',
  },
  disk_watch_interval: { type: 'duration', default: 60_000, help: 'How often the disk usage of the work dir is measured for the GC' },
  logging_level: { type: 'string', default: 'info', help: 'Log level: INFO, WARNING, ERROR (or info, warn, error, debug, trace)' },
} as const satisfies FlagSpecs;

export type AgentFlags = ParsedFlags<typeof AGENT_FLAGS>;

const MESOS_LEVELS: Record<string, LogLevel> = { INFO: 'info', WARNING: 'warn', ERROR: 'error', FATAL: 'fatal' };

/** Maps Mesos level names (INFO, WARNING, ERROR) and pino names to a pino level. */
export function logLevelFromFlag(value: string): LogLevel {
  const level = MESOS_LEVELS[value.toUpperCase()] ?? value.toLowerCase();
  if (!isLogLevel(level)) throw new InvalidArgumentError(`--logging_level: '${value}' is not one of INFO, WARNING, ERROR, debug, trace`);
  return level;
}

/** Parses argv (+ environment) into agent flags, with the cross-flag checks. */
export function parseAgentFlags(argv: readonly string[], env: NodeJS.ProcessEnv): AgentFlags {
  const flags = parseFlags(AGENT_FLAGS, argv, { env });
  return checkAgentFlags(flags);
}

/** Range checks that parseFlags cannot express. Returns the flags unchanged. */
export function checkAgentFlags(flags: AgentFlags): AgentFlags {
  if (flags.port < 0 || flags.port > 65535) throw new InvalidArgumentError(`--port: ${flags.port} is not a port number`);
  logLevelFromFlag(flags.logging_level);
  if (flags.fetcher_stall_timeout <= 0) throw new InvalidArgumentError('--fetcher_stall_timeout: must be positive');
  if (!(flags.gc_disk_headroom >= 0 && flags.gc_disk_headroom <= 1)) {
    throw new InvalidArgumentError(`--gc_disk_headroom: ${flags.gc_disk_headroom} is not in [0.0, 1.0]`);
  }
  if (flags.recover !== 'reconnect' && flags.recover !== 'cleanup') {
    throw new InvalidArgumentError(`--recover: '${flags.recover}' is not one of reconnect, cleanup`);
  }
  if (flags.disk_watch_interval <= 0) throw new InvalidArgumentError('--disk_watch_interval: must be positive');
  checkImageFlags(flags);
  const vars = flags.executor_environment_variables;
  if (vars !== undefined) {
    if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) {
      throw new InvalidArgumentError('--executor_environment_variables: expected a JSON object of strings');
    }
    for (const [k, v] of Object.entries(vars)) {
      if (typeof v !== 'string') throw new InvalidArgumentError(`--executor_environment_variables: value of '${k}' is not a string`);
    }
  }
  return flags;
}

export const IMAGE_PROVIDERS = ['docker', 'appc'] as const;
export type ImageProviderName = (typeof IMAGE_PROVIDERS)[number];

/** `--image_providers` parsed: lower-cased (Mesos is case-insensitive), duplicates and unknown names refused. */
export function imageProviders(flags: Pick<AgentFlags, 'image_providers'>): ImageProviderName[] {
  const out: ImageProviderName[] = [];
  for (const raw of (flags.image_providers ?? '').split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (!(IMAGE_PROVIDERS as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`--image_providers: unknown image provider '${raw.trim()}' (supported: ${IMAGE_PROVIDERS.join(', ')})`);
    }
    if (out.includes(name as ImageProviderName)) throw new InvalidArgumentError(`--image_providers: '${name}' is listed twice`);
    out.push(name as ImageProviderName);
  }
  return out;
}

/** Mesos: image providers need the filesystem/linux isolator (a rootfs needs a mount namespace). */
function checkImageFlags(flags: AgentFlags): void {
  if (imageProviders(flags).length === 0) return;
  const isolators = flags.isolation.split(',').map((s) => s.trim());
  if (!isolators.includes('filesystem/linux')) {
    throw new InvalidArgumentError("--image_providers: needs the 'filesystem/linux' isolator in --isolation");
  }
  const registry = flags.docker_registry;
  if (!registry.startsWith('/') && !/^https?:\/\/[^/]/.test(registry)) {
    throw new InvalidArgumentError(`--docker_registry: '${registry}' is neither an http(s):// URL nor an absolute directory`);
  }
}

/** `--master` as a base URL: `host:port` -> `http://host:port`. */
export function masterUrl(master: string): string {
  const text = master.trim();
  if (text.startsWith('zk://')) throw new InvalidArgumentError('--master: ZooKeeper detection is not supported; give HOST:PORT');
  const url = /^https?:\/\//.test(text) ? text : `http://${text}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(`--master: '${master}' is not HOST:PORT`);
  }
  if (parsed.hostname === '') throw new InvalidArgumentError(`--master: '${master}' has no host`);
  return `${parsed.protocol}//${parsed.host}`;
}
