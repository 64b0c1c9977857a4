// Pure: the OCI runtime spec (config.json) runc gets for a container with an image. runc does the
// namespace, mount, capability and pivot_root work; this file only decides what it should do.
//
// What Mesos's filesystem/linux and namespaces isolators give an image container, in OCI terms:
// a fresh /proc, a read-only /sys, a tmpfs /dev with the standard devices and devpts, /dev/shm,
// the sandbox bind-mounted at /mnt/mesos/sandbox, the host's /etc/hosts, /etc/resolv.conf and
// /etc/hostname (host network), volumes bind-mounted, and a pid/ipc namespace when asked.

export type OciMount = { destination: string; type: string; source: string; options: string[] };

export type OciSpecInput = {
  rootfs: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  uid: number;
  gid: number;
  additionalGids?: readonly number[] | undefined;
  /** Namespaces besides mount (always): `pid`, `ipc`. Network and UTS stay the host's. */
  namespaces: ReadonlyArray<'pid' | 'ipc'>;
  /** The container's cgroup path (`/mesos/<id>`): runc joins it; its limits are set by us. */
  cgroupsPath: string;
  /** Host sandbox -> container path. */
  sandbox: { host: string; container: string };
  /** Extra bind mounts (volumes, host files), in order. */
  binds?: ReadonlyArray<{ host: string; container: string; readOnly: boolean }> | undefined;
  /** A static init on the host (tini) to run as pid 1 in a pid namespace, so signals reach the task. */
  init?: string | undefined;
  /** RLIMIT_NOFILE for the process; unset: inherited. */
  noFile?: number | undefined;
};

/** Where the init is mounted, as Docker's `--init` does. */
export const INIT_PATH = '/dev/init';

/** Docker's default capability set for a container's processes. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export function ociSpec(input: OciSpecInput): Record<string, unknown> {
  const withInit = input.init !== undefined && input.namespaces.includes('pid');
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: input.sandbox.container, type: 'bind', source: input.sandbox.host, options: ['rbind', 'rw'] },
  ];
  for (const bind of input.binds ?? []) {
    mounts.push({ destination: bind.container, type: 'bind', source: bind.host, options: ['rbind', bind.readOnly ? 'ro' : 'rw'] });
  }
  if (withInit) mounts.push({ destination: INIT_PATH, type: 'bind', source: input.init!, options: ['bind', 'ro'] });
  const namespaces = [{ type: 'mount' }, ...input.namespaces.map((type) => ({ type }))];
  const caps = input.uid === 0 ? DEFAULT_CAPABILITIES : [];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: input.uid, gid: input.gid, ...(input.additionalGids && input.additionalGids.length > 0 ? { additionalGids: [...input.additionalGids] } : {}) },
      // tini: -g forwards signals to the task's whole process group; -- ends tini's options.
      args: withInit ? [INIT_PATH, '-g', '--', ...input.args] : [...input.args],
      env: Object.entries(input.env).map(([k, v]) => `${k}=${v}`),
      cwd: input.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      // Without rlimits the process keeps the launcher's (an agent may lack CAP_SYS_RESOURCE to raise them).
      ...(input.noFile !== undefined ? { rlimits: [{ type: 'RLIMIT_NOFILE', hard: input.noFile, soft: input.noFile }] } : {}),
      noNewPrivileges: true,
    },
    root: { path: input.rootfs, readonly: false },
    hostname: undefined,
    mounts,
    linux: {
      cgroupsPath: input.cgroupsPath,
      namespaces,
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
      resources: { devices: [{ allow: false, access: 'rwm' }, ...STANDARD_DEVICES.map((d) => ({ allow: true, type: 'c', major: d.major, minor: d.minor, access: 'rwm' }))] },
    },
  };
}

/** /dev/null, zero, full, random, urandom, tty, pts/*, ptmx: what runc creates in /dev. */
const STANDARD_DEVICES = [
  { major: 1, minor: 3 },
  { major: 1, minor: 5 },
  { major: 1, minor: 7 },
  { major: 1, minor: 8 },
  { major: 1, minor: 9 },
  { major: 5, minor: 0 },
  { major: 5, minor: 2 },
  { major: 136, minor: -1 },
];
