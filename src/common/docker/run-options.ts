// Pure: a task's (or a Docker executor's) CommandInfo + ContainerInfo + resources → the body of
// `POST /containers/create`, with Mesos's `Docker::RunOptions` semantics (reference
// containerizers.md §3.2), so a framework written for Mesos's Docker containerizer gets the same
// container here:
//
//   command   no value            → the image's own Entrypoint/Cmd (`docker run image`)
//             shell=true, value   → Entrypoint ["/bin/sh"], Cmd ["-c", value]
//             shell=false, value  → Cmd [value, ...arguments] (passed to the image's entrypoint)
//   network   HOST (default) | BRIDGE (+ port_mappings, host ports inside the task's `ports`)
//             | NONE | USER (exactly one NetworkInfo with a name)
//   limits    CpuShares max(1024 × cpus, 2); Memory max(mem, 32 MB), no extra swap
//   sandbox   bind-mounted at /mnt/mesos/sandbox, MESOS_SANDBOX pointing there
//   env       sorted: the given base (Mesos variables), CommandInfo VALUE variables (the base wins
//             on duplicates, as Mesos), MESOS_SANDBOX, MESOS_CONTAINER_NAME
//   volumes   ContainerInfo.volumes (relative container paths under the mapped sandbox, relative
//             host paths under the host sandbox; DOCKER_VOLUME sources by name)
//   params    DockerInfo.parameters: `--key=value` options from a known list (parameters.ts)
//
// Where Agora differs: unknown parameters fail the task with a message naming them (Mesos hands
// them to the docker CLI, which fails later with its usage text); the agent's own environment
// is not copied into the container (it would override the image's PATH and leak host settings).
import type { CommandInfo, ContainerInfo, Labels } from '../../protocol/index.ts';
import type { ContainerCreateBody, HostConfig } from './engine-types.ts';
import { applyParameter } from './parameters.ts';

/** Where the sandbox appears inside Docker containers (Mesos's `--sandbox_directory`). */
export const MAPPED_SANDBOX = '/mnt/mesos/sandbox';
/** The name prefix of every container the agent runs (`mesos-<container id>`, as Mesos ≥ 1.4). */
export const CONTAINER_NAME_PREFIX = 'mesos-';
/** Label carrying the container id the agent chose (recovery matches on it). */
export const LABEL_CONTAINER_ID = 'org.agora.container_id';
/** Label naming the agent installation (its work dir) that owns the container. */
export const LABEL_OWNER = 'org.agora.owner';
/** Label telling what the container runs: `task` (Docker executor) or `executor` (custom executor image). */
export const LABEL_ROLE = 'org.agora.role';

const MIN_CPU_SHARES = 2;
const CPU_SHARES_PER_CPU = 1024;
const MIN_MEMORY_BYTES = 32 * 1024 * 1024;

export function containerName(containerId: string): string {
  return `${CONTAINER_NAME_PREFIX}${containerId}`;
}

/** The image reference with `:latest` added when it has neither tag nor digest (Mesos does the same). */
export function normalizeImage(image: string): string {
  if (image.includes('@')) return image;
  const slash = image.lastIndexOf('/');
  return image.lastIndexOf(':') > slash ? image : `${image}:latest`;
}

export type RunOptionsInput = {
  containerId: string;
  container: ContainerInfo;
  command: CommandInfo | undefined;
  /** cpus and mem (MB) of the container (task + executor); undefined: no limit given. */
  cpus: number | undefined;
  memMb: number | undefined;
  /** Port ranges of the task's `ports` resource, for checking port_mappings. */
  ports: readonly [number, number][];
  /** The sandbox on the host. */
  sandbox: string;
  /** Base environment (Mesos variables); wins over CommandInfo variables. */
  environment: Record<string, string>;
  labels: Labels | undefined;
  /** Agora's ownership labels (LABEL_*). */
  ownerLabels: Record<string, string>;
};

export type RunOptionsResult = { ok: true; name: string; body: ContainerCreateBody } | { ok: false; message: string };

/** Builds the create body, or explains (naming the field) why the ContainerInfo cannot run. */
export function buildRunOptions(input: RunOptionsInput): RunOptionsResult {
  try {
    return { ok: true, name: containerName(input.containerId), body: build(input) };
  } catch (err) {
    if (err instanceof RunOptionsError) return { ok: false, message: err.message };
    throw err;
  }
}

export class RunOptionsError extends Error {}

function build(input: RunOptionsInput): ContainerCreateBody {
  const docker = input.container.docker;
  if (input.container.type !== 'DOCKER' || !docker) throw new RunOptionsError('ContainerInfo.type must be DOCKER with ContainerInfo.docker set');
  if (docker.image.trim() === '') throw new RunOptionsError('ContainerInfo.docker.image is empty');
  const name = containerName(input.containerId);
  const host: HostConfig = { Binds: [] };
  const body: ContainerCreateBody = { Image: normalizeImage(docker.image), HostConfig: host, AttachStdout: true, AttachStderr: true };

  if (docker.privileged) host.Privileged = true;
  host.CpuShares = Math.max(Math.round(CPU_SHARES_PER_CPU * (input.cpus ?? 0)), MIN_CPU_SHARES);
  if (input.memMb !== undefined) {
    host.Memory = Math.max(Math.round(input.memMb * 1024 * 1024), MIN_MEMORY_BYTES);
    // No swap beyond the limit (Docker's default would allow as much swap again): a task that
    // outgrows its memory is OOM-killed and reported, as under the Mesos containerizer.
    host.MemorySwap = host.Memory;
  }

  // Environment: CommandInfo variables, then the base (wins), then the Docker-specific ones.
  const env: Record<string, string> = {};
  const command = input.command;
  for (const v of command?.environment?.variables ?? []) {
    const type = v.type ?? 'VALUE';
    if (type === 'SECRET') throw new RunOptionsError(`CommandInfo.environment: secret variable '${v.name}' is not supported yet`);
    if (v.value !== undefined) env[v.name] = v.value;
  }
  Object.assign(env, input.environment);
  env.MESOS_SANDBOX = MAPPED_SANDBOX;
  env.MESOS_CONTAINER_NAME = name;
  body.Env = Object.keys(env)
    .sort()
    .map((k) => `${k}=${env[k]}`);

  // Volumes, then the sandbox itself.
  for (const [i, volume] of (input.container.volumes ?? []).entries()) {
    host.Binds!.push(bindFor(volume, i, input.sandbox, host));
  }
  host.Binds!.push(`${input.sandbox}:${MAPPED_SANDBOX}`);

  applyNetwork(input, body, host);

  if (input.container.hostname !== undefined) {
    if (host.NetworkMode === 'host') throw new RunOptionsError('ContainerInfo.hostname cannot be set with the HOST network');
    body.Hostname = input.container.hostname;
  }

  // Command.
  const value = command?.value;
  if (value !== undefined && value !== '') {
    if (command?.shell !== false) {
      body.Entrypoint = ['/bin/sh'];
      body.Cmd = ['-c', value];
    } else {
      body.Cmd = [value, ...(command.arguments ?? [])];
    }
  } else if (command?.shell === false && (command.arguments ?? []).length > 0) {
    body.Cmd = [...(command.arguments ?? [])];
  }
  if (command?.user !== undefined) body.User = command.user;

  const labels: Record<string, string> = {};
  for (const label of input.labels?.labels ?? []) labels[label.key] = label.value ?? '';
  Object.assign(labels, input.ownerLabels);
  body.Labels = labels;

  // Parameters last: they may override anything above (`--net`, `--memory`, `--entrypoint`...).
  for (const [i, parameter] of (docker.parameters ?? []).entries()) {
    const problem = applyParameter(body, parameter.key, parameter.value);
    if (problem !== undefined) throw new RunOptionsError(`ContainerInfo.docker.parameters[${i}] '${parameter.key}': ${problem}`);
  }
  if (host.Binds!.length === 0) delete host.Binds;
  return body;
}

function applyNetwork(input: RunOptionsInput, body: ContainerCreateBody, host: HostConfig): void {
  const docker = input.container.docker!;
  const network = docker.network ?? 'HOST';
  const mappings = docker.port_mappings ?? [];
  switch (network) {
    case 'HOST':
      host.NetworkMode = 'host';
      break;
    case 'BRIDGE':
      host.NetworkMode = 'bridge';
      break;
    case 'NONE':
      host.NetworkMode = 'none';
      break;
    case 'USER': {
      const infos = input.container.network_infos ?? [];
      if (infos.length !== 1 || !infos[0]?.name) throw new RunOptionsError('the USER network needs exactly one ContainerInfo.network_infos entry with a name');
      host.NetworkMode = infos[0].name;
      break;
    }
  }
  if (mappings.length === 0) return;
  if (network !== 'BRIDGE' && network !== 'USER') throw new RunOptionsError(`ContainerInfo.docker.port_mappings need the BRIDGE or USER network, not ${network}`);
  host.PortBindings = {};
  body.ExposedPorts = {};
  for (const [i, mapping] of mappings.entries()) {
    const protocol = (mapping.protocol ?? 'tcp').toLowerCase();
    if (protocol !== 'tcp' && protocol !== 'udp') throw new RunOptionsError(`ContainerInfo.docker.port_mappings[${i}].protocol '${mapping.protocol}' is not tcp or udp`);
    if (!input.ports.some(([begin, end]) => mapping.host_port >= begin && mapping.host_port <= end)) {
      throw new RunOptionsError(`ContainerInfo.docker.port_mappings[${i}].host_port ${mapping.host_port} is not in the task's ports resources`);
    }
    const key = `${mapping.container_port}/${protocol}`;
    (host.PortBindings[key] ??= []).push({ HostPort: String(mapping.host_port) });
    body.ExposedPorts[key] = {};
  }
}

function bindFor(volume: NonNullable<ContainerInfo['volumes']>[number], i: number, sandbox: string, host: HostConfig): string {
  const field = `ContainerInfo.volumes[${i}]`;
  const mode = volume.mode === 'RO' ? 'ro' : 'rw';
  const containerPath = volume.container_path.startsWith('/') ? volume.container_path : `${MAPPED_SANDBOX}/${volume.container_path}`;
  if (volume.image) throw new RunOptionsError(`${field}: image volumes are not supported by the Docker containerizer`);
  const source = volume.source;
  if (source?.type === 'DOCKER_VOLUME' || source?.docker_volume) {
    const dv = source.docker_volume;
    if (!dv?.name) throw new RunOptionsError(`${field}.source.docker_volume.name is required`);
    if (dv.driver !== undefined && dv.driver !== '') {
      if (host.VolumeDriver !== undefined && host.VolumeDriver !== dv.driver) throw new RunOptionsError(`${field}: only one volume driver per container is supported`);
      host.VolumeDriver = dv.driver;
    }
    return `${dv.name}:${containerPath}:${mode}`;
  }
  let hostPath = volume.host_path ?? source?.host_path?.path ?? (source?.sandbox_path ? source.sandbox_path.path : undefined);
  if (hostPath === undefined) throw new RunOptionsError(`${field}: host_path or a DOCKER_VOLUME/HOST_PATH/SANDBOX_PATH source is required`);
  if (!volume.container_path.startsWith('/') && !hostPath.startsWith('/')) {
    throw new RunOptionsError(`${field}: container_path and host_path cannot both be relative`);
  }
  if (!hostPath.startsWith('/')) hostPath = `${sandbox}/${hostPath}`;
  if (hostPath.split('/').includes('..')) throw new RunOptionsError(`${field}: host path '${hostPath}' must not contain '..'`);
  return `${hostPath}:${containerPath}:${mode}`;
}
