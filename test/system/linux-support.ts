// Busybox images for the Linux containerizer's system tests, built from Debian's busybox-static
// (no internet): a layer directory is `bin/busybox` plus one symlink per applet, and small extra
// layers add files and whiteouts.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandTask } from '../integration/conformance-support.ts';

export const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p)) ?? '/bin/busybox';

/**
 * Makes sure this process can run the system tier: root, and runc, tini and busybox-static
 * (installed through scripts/system-deps.sh when missing, as `npm test system` does first).
 * Throws otherwise: these tests never skip. Returns undefined, for `{ skip }` options.
 */
export function systemTierAvailable(): undefined {
  if (process.geteuid?.() !== 0) throw new Error('the system tests run as root (cgroups, mounts, runc)');
  const deps = spawnSync('bash', [join(import.meta.dirname, '../../scripts/system-deps.sh'), 'runc', 'tini', 'busybox-static'], { stdio: 'inherit' });
  if (deps.status !== 0) throw new Error('installing runc, tini and busybox-static failed (scripts/system-deps.sh)');
  for (const tool of ['runc', 'mount']) execFileSync('which', [tool], { stdio: 'ignore' });
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing after installing busybox-static`);
  return undefined;
}

/** A base layer: busybox with its applets, /etc/os-release, /tmp and the usual empty dirs. */
export function writeBusyboxLayer(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(BUSYBOX, join(dir, 'bin/busybox'));
  execFileSync('chmod', ['0755', join(dir, 'bin/busybox')]);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a !== '' && a !== 'busybox');
  for (const applet of applets) symlinkSync('busybox', join(dir, 'bin', applet));
  for (const d of ['etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'var']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'etc/os-release'), 'NAME="Agora Busybox"\nID=busybox\n');
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  return dir;
}

/** Writes files (relative path -> content; content null makes an empty dir) into a layer dir. */
export function writeLayer(dir: string, files: Record<string, string | null>): string {
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    if (content === null) {
      mkdirSync(full, { recursive: true });
    } else {
      mkdirSync(join(full, '..'), { recursive: true });
      writeFileSync(full, content);
    }
  }
  return dir;
}

/** Removes an agent's (empty) cgroup root from every v1 hierarchy and the v2 mount. */
export function removeCgroupRoot(cgroupsRoot: string): void {
  for (const controller of ['cpu', 'cpuacct', 'cpu,cpuacct', 'memory', 'pids', 'freezer', 'cpuset', 'devices', 'blkio', 'systemd', 'unified', 'net_cls', 'perf_event', 'hugetlb', 'net_prio', 'misc', 'rdma', '']) {
    try {
      rmdirSync(join('/sys/fs/cgroup', controller, cgroupsRoot));
    } catch {
      // Not mounted, never created, or a link to another hierarchy.
    }
  }
}

/** Agent flags for image tasks: cgroups, pid namespace, filesystem/linux, both providers. */
export function imageAgentArgs(o: { registry: string; cgroupsRoot: string; appcPrefix?: string; extra?: string[] }): string[] {
  return [
    '--isolation=cgroups/cpu,cgroups/mem,namespaces/pid,filesystem/linux',
    '--image_providers=docker,appc',
    `--docker_registry=${o.registry}`,
    `--cgroups_root=${o.cgroupsRoot}`,
    ...(o.appcPrefix ? [`--appc_simple_discovery_uri_prefix=${o.appcPrefix}`] : []),
    ...(o.extra ?? []),
  ];
}

export type ImageTaskOptions = {
  /** A Mesos Image (default: the docker image `busybox:1`). */
  image?: Record<string, unknown>;
  /** CommandInfo (default: shell=false, no value: the image's default command). */
  command?: Record<string, unknown>;
  cpus?: number;
  mem?: number;
};

/** A command TaskInfo whose container is the Mesos containerizer with an image. */
export function imageTask(taskId: string, agentId: string, o: ImageTaskOptions = {}): Record<string, unknown> {
  return {
    ...commandTask(taskId, agentId, '', { cpus: o.cpus, mem: o.mem ?? 64 }),
    command: o.command ?? { shell: false },
    container: { type: 'MESOS', mesos: { image: o.image ?? { type: 'DOCKER', docker: { name: 'busybox:1' } } } },
  };
}
