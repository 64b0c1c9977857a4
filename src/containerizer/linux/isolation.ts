// Pure: the isolators the Linux containerizer implements and what they switch on.
export const LINUX_ISOLATORS = [
  'cgroups/cpu',
  'cgroups/mem',
  'cgroups/pids',
  'namespaces/pid',
  'namespaces/ipc',
  'filesystem/linux',
  'volume/host_path',
  'volume/sandbox_path',
  'disk/du',
  'docker/runtime',
] as const;

/** Names that make `--containerizers=mesos` use the Linux containerizer rather than posix. */
export function needsLinuxContainerizer(isolators: readonly string[]): boolean {
  return isolators.some((i) => i.startsWith('cgroups/') || i.startsWith('namespaces/') || i === 'filesystem/linux');
}

export type LinuxIsolation = {
  isolators: string[];
  namespaces: Array<'pid' | 'ipc'>;
  filesystemLinux: boolean;
  diskDu: boolean;
  volumes: { hostPath: boolean; sandboxPath: boolean };
};

/** Checks the combination (Mesos: namespaces/pid needs filesystem/linux) and sums it up. */
export function linuxIsolation(isolators: readonly string[]): LinuxIsolation {
  const has = (n: string): boolean => isolators.includes(n);
  const filesystemLinux = has('filesystem/linux');
  if ((has('namespaces/pid') || has('namespaces/ipc')) && !filesystemLinux) {
    throw new Error("--isolation: 'namespaces/pid' and 'namespaces/ipc' need 'filesystem/linux'");
  }
  const namespaces: Array<'pid' | 'ipc'> = [];
  if (has('namespaces/pid')) namespaces.push('pid');
  if (has('namespaces/ipc')) namespaces.push('ipc');
  return {
    isolators: [...isolators],
    namespaces,
    filesystemLinux,
    diskDu: has('disk/du'),
    // filesystem/linux implies both volume isolators, as in Mesos.
    volumes: { hostPath: filesystemLinux || has('volume/host_path'), sandboxPath: filesystemLinux || has('volume/sandbox_path') },
  };
}
