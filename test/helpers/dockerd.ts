// A private Docker daemon for system tests: Debian's dockerd (package docker.io, installed on
// demand through scripts/system-deps.sh) with its own data root, exec root, pid file and unix
// socket in a temp dir, `--iptables=false` and `--bridge=none` (no host network changes), so
// tests never touch a system daemon and leave nothing behind. Images are built offline from
// Debian's busybox-static via the Engine API's import (`docker import`).
//
// `startDockerd()` is idempotent within a test process: every caller shares one daemon, which
// `release()` stops once the last user is done (containers are force-removed first so their
// shims exit with it). Options (registries to reach over plain HTTP, a bridge network) apply to
// the first start; a later caller asking for different ones gets an error, not a daemon without them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DockerEngine } from '../../src/common/docker/engine-client.ts';
import { tempDir, waitFor } from './process.ts';

const ROOT = join(import.meta.dirname, '../..');

export type Dockerd = {
  socketPath: string;
  engine: DockerEngine;
  /** The daemon's log (for failure messages). */
  log(): string;
  /** Drops this user's reference; the last one stops the daemon and removes its directory. */
  release(): Promise<void>;
};

export type DockerdOptions = {
  /** `--insecure-registry` for each (`127.0.0.1:PORT`): registries pulled from over plain HTTP. */
  insecureRegistries?: string[];
  /**
   * Give containers a bridge network: dockerd creates its default bridge `docker0` with `bip`
   * as its address (e.g. `172.31.250.1/24`), without touching iptables (no NAT: containers reach
   * the host's bridge address, not the outside). Off by default (`--bridge=none`): only host and
   * none networking then.
   */
  bridge?: { bip: string };
};

let shared: { daemon: Promise<Dockerd>; users: number; key: string } | undefined;

export function startDockerd(options: DockerdOptions = {}): Promise<Dockerd> {
  const key = JSON.stringify(options);
  if (shared) {
    if (shared.key !== key) return Promise.reject(new Error(`the shared test dockerd runs with ${shared.key}, not ${key}`));
    shared.users += 1;
    return shared.daemon;
  }
  shared = { daemon: launch(options), users: 1, key };
  shared.daemon.catch(() => (shared = undefined));
  return shared.daemon;
}

async function launch(options: DockerdOptions): Promise<Dockerd> {
  const deps = spawnSync('bash', [join(ROOT, 'scripts/system-deps.sh'), 'docker.io', 'busybox-static'], { stdio: 'inherit' });
  if (deps.status !== 0) throw new Error('cannot install docker.io and busybox-static');
  // Short paths: a unix socket path must stay under 108 bytes.
  const dir = tempDir('agora-dockerd-');
  const socketPath = join(dir.path, 'docker.sock');
  const args = [
    `--data-root=${join(dir.path, 'data')}`,
    `--exec-root=${join(dir.path, 'exec')}`,
    `--pidfile=${join(dir.path, 'dockerd.pid')}`,
    `--host=unix://${socketPath}`,
    '--iptables=false',
    '--ip-masq=false',
    '--log-level=warn',
    ...(options.insecureRegistries ?? []).map((r) => `--insecure-registry=${r}`),
  ];
  if (options.bridge) args.push(`--bip=${options.bridge.bip}`);
  else args.push('--bridge=none');
  // dockerd leaves the bridge it created behind when it stops; remove it then, unless it was there before.
  const ownsBridge = options.bridge !== undefined && spawnSync('ip', ['link', 'show', 'docker0'], { stdio: 'ignore' }).status !== 0;
  const child: ChildProcess = spawn('/usr/sbin/dockerd', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  const logs: string[] = [];
  child.stderr!.on('data', (c: Buffer) => logs.push(c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const engine = new DockerEngine({ socketPath });
  const stop = async (): Promise<void> => {
    try {
      for (const c of await engine.listContainers({ all: true })) await engine.removeContainer(c.Id, { force: true }).catch(() => {});
    } catch {
      // The daemon is not answering: stop it anyway.
    }
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    // dockerd leaves its default network namespace (exec/netns/default) mounted.
    unmountUnder(dir.path);
    if (ownsBridge) spawnSync('ip', ['link', 'del', 'docker0'], { stdio: 'ignore' });
    rmSync(dir.path, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`dockerd exited with ${child.exitCode}:\n${logs.join('')}`);
      try {
        await engine.ping();
        return true;
      } catch {
        return false;
      }
    }, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    socketPath,
    engine,
    log: () => logs.join(''),
    release: async () => {
      if (!shared) return;
      shared.users -= 1;
      if (shared.users > 0) return;
      shared = undefined;
      await stop();
    },
  };
}

/** Unmounts (lazily, deepest first) every mount point under `dir`. */
function unmountUnder(dir: string): void {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined && p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) spawnSync('umount', ['-l', point], { stdio: 'ignore' });
}

/** Busybox applets linked in test images. */
const APPLETS = ['sh', 'echo', 'sleep', 'cat', 'ls', 'id', 'env', 'true', 'false', 'dd', 'head', 'tail', 'wc', 'printf', 'trap', 'kill', 'nc', 'wget', 'test', 'grep'];

/**
 * Imports a busybox image as `repo:tag` (no internet): a root filesystem with /bin/busybox and
 * its applets, and the given Dockerfile `changes` (`CMD ["echo","hi"]`, `ENTRYPOINT [...]`).
 */
export async function importBusyboxImage(engine: DockerEngine, repo: string, tag: string, changes: string[] = []): Promise<void> {
  const dir = tempDir('agora-image-');
  try {
    const rootfs = join(dir.path, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    for (const d of ['tmp', 'etc', 'proc', 'sys', 'dev']) mkdirSync(join(rootfs, d), { recursive: true });
    copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
    for (const applet of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', applet));
    const tar = join(dir.path, 'rootfs.tar');
    const made = spawnSync('tar', ['-C', rootfs, '-cf', tar, '.'], { stdio: 'inherit' });
    if (made.status !== 0) throw new Error('tar failed');
    await engine.importImage(readFileSync(tar), repo, tag, ['ENV PATH=/bin', ...changes]);
  } finally {
    dir.cleanup();
  }
}
