// Carrying out cgroups.ts on the real file systems: create a container's cgroups, write limits,
// read statistics and OOM counts, kill every process, remove. One object per agent.
import { readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  containerCgroup,
  limitWrites,
  oomKills,
  parseCgroupMounts,
  statisticsFiles,
  statisticsFrom,
  v2SubtreeControl,
  type CgroupLimits,
  type CgroupVersion,
  type Controller,
} from './cgroups.ts';
import type { ResourceStatistics } from '../../protocol/index.ts';
import { CLOCK_TICKS_PER_SECOND } from '../proc.ts';

export type CgroupsOptions = {
  /** `--cgroups_root` (default `mesos`). */
  root: string;
  controllers: readonly Controller[];
  /** /proc/self/mountinfo text (tests pass their own). */
  mountinfo?: string;
};

export class Cgroups {
  readonly version: CgroupVersion;
  readonly root: string;
  readonly controllers: readonly Controller[];
  readonly #v1: Map<string, string>;
  readonly #v2Mount: string | undefined;

  constructor(options: CgroupsOptions) {
    const mounts = parseCgroupMounts(options.mountinfo ?? readFileSync('/proc/self/mountinfo', 'utf8'));
    this.version = mounts.version;
    this.root = options.root;
    this.#v1 = mounts.v1;
    this.#v2Mount = mounts.v2Mount;
    const missing = this.version === 'v1' ? options.controllers.filter((c) => !this.#v1.has(c)) : [];
    if (this.version === 'v2' && this.#v2Mount === undefined) throw new Error('no cgroup file system is mounted');
    if (missing.length > 0) throw new Error(`cgroup controllers not mounted: ${missing.join(', ')}`);
    this.controllers = options.controllers;
  }

  /** The container's cgroup directory for `controller` (any one for v2). */
  dir(containerId: string, controller: Controller): string {
    const rel = containerCgroup(this.root, containerId);
    return this.version === 'v2' ? join(this.#v2Mount!, rel) : join(this.#v1.get(controller)!, rel);
  }

  /** The container's cgroup path for runc's `linux.cgroupsPath` (absolute in the hierarchy). */
  runcPath(containerId: string): string {
    return `/${containerCgroup(this.root, containerId)}`;
  }

  /** Every directory of the container (one per v1 hierarchy we manage, or the v2 one). */
  dirs(containerId: string): string[] {
    if (this.version === 'v2') return [this.dir(containerId, 'memory')];
    return [...new Set(this.controllers.map((c) => this.dir(containerId, c)))];
  }

  /** `cgroup.procs` files a process writes its pid into to join the container, with their hierarchy. */
  joinTargets(containerId: string): Array<{ file: string; mount: string; controller: string | undefined }> {
    if (this.version === 'v2') return [{ file: join(this.dir(containerId, 'memory'), 'cgroup.procs'), mount: this.#v2Mount!, controller: undefined }];
    const seen = new Set<string>();
    const out: Array<{ file: string; mount: string; controller: string | undefined }> = [];
    for (const c of this.controllers) {
      const mount = this.#v1.get(c)!;
      if (seen.has(mount)) continue;
      seen.add(mount);
      out.push({ file: join(this.dir(containerId, c), 'cgroup.procs'), mount, controller: c });
    }
    return out;
  }

  /** The file whose `oom_kill` counter tells OOM kills (undefined without the memory controller). */
  oomFile(containerId: string): string | undefined {
    if (!this.controllers.includes('memory')) return undefined;
    return join(this.dir(containerId, 'memory'), this.version === 'v1' ? 'memory.oom_control' : 'memory.events');
  }

  async create(containerId: string, limits: CgroupLimits): Promise<void> {
    if (this.version === 'v2') {
      // Delegate the controllers down to the container (v2: a parent enables them for children).
      const control = v2SubtreeControl(this.controllers);
      const rootDir = join(this.#v2Mount!, this.root);
      await mkdir(rootDir, { recursive: true });
      if (control !== '') {
        await writeFile(join(this.#v2Mount!, 'cgroup.subtree_control'), control).catch(() => {});
        await writeFile(join(rootDir, 'cgroup.subtree_control'), control);
      }
    }
    for (const dir of this.dirs(containerId)) await mkdir(dir, { recursive: true });
    await this.#apply(containerId, limits, undefined);
  }

  async update(containerId: string, limits: CgroupLimits): Promise<void> {
    await this.#apply(containerId, limits, await this.#hardLimit(containerId));
  }

  async #apply(containerId: string, limits: CgroupLimits, currentHard: number | undefined): Promise<void> {
    for (const w of limitWrites(this.version, limits, this.controllers, currentHard)) {
      await writeFile(join(this.dir(containerId, w.controller), w.file), w.value);
    }
  }

  async #hardLimit(containerId: string): Promise<number | undefined> {
    if (!this.controllers.includes('memory')) return undefined;
    const file = this.version === 'v1' ? 'memory.limit_in_bytes' : 'memory.max';
    const text = (await readFile(join(this.dir(containerId, 'memory'), file), 'utf8').catch(() => '')).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  }

  async statistics(containerId: string): Promise<Partial<ResourceStatistics>> {
    const files = new Map<string, string>();
    for (const { controller, file } of statisticsFiles(this.version, this.controllers)) {
      const text = await readFile(join(this.dir(containerId, controller), file), 'utf8').catch(() => undefined);
      if (text !== undefined) files.set(file, text);
    }
    return statisticsFrom(this.version, files, CLOCK_TICKS_PER_SECOND);
  }

  /** OOM kills in the container so far (0 without the memory controller). */
  async oomKills(containerId: string): Promise<number> {
    if (!this.controllers.includes('memory')) return 0;
    const file = this.version === 'v1' ? 'memory.oom_control' : 'memory.events';
    return oomKills(await readFile(join(this.dir(containerId, 'memory'), file), 'utf8').catch(() => ''));
  }

  /** The most memory the container used (v1 max_usage_in_bytes; v2 memory.peak where present). */
  async maxMemoryUsed(containerId: string): Promise<number | undefined> {
    if (!this.controllers.includes('memory')) return undefined;
    const file = this.version === 'v1' ? 'memory.max_usage_in_bytes' : 'memory.peak';
    const text = (await readFile(join(this.dir(containerId, 'memory'), file), 'utf8').catch(() => '')).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  }

  /** Pids in the container (all threads' groups); empty when the cgroup is gone. */
  async pids(containerId: string): Promise<number[]> {
    const controller: Controller = this.controllers.includes('pids') ? 'pids' : 'freezer';
    const text = await readFile(join(this.dir(containerId, controller), 'cgroup.procs'), 'utf8').catch(() => '');
    return text.split('\n').filter((l) => l !== '').map(Number);
  }

  /**
   * Kills every process of the container: v2 `cgroup.kill` where the kernel has it; else freeze,
   * SIGKILL everything, thaw, until the cgroup is empty (a frozen process cannot fork away).
   */
  async killAll(containerId: string, sleep: (ms: number) => Promise<void>): Promise<void> {
    if (this.version === 'v2') {
      const ok = await writeFile(join(this.dir(containerId, 'memory'), 'cgroup.kill'), '1').then(() => true, () => false);
      if (ok) {
        for (let i = 0; i < 200 && (await this.pids(containerId)).length > 0; i++) await sleep(10);
        return;
      }
    }
    const freezer = this.version === 'v1' ? join(this.dir(containerId, 'freezer'), 'freezer.state') : undefined;
    for (let attempt = 0; attempt < 200; attempt++) {
      const pids = await this.pids(containerId);
      if (pids.length === 0) return;
      if (freezer) await writeFile(freezer, 'FROZEN').catch(() => {});
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
      if (freezer) await writeFile(freezer, 'THAWED').catch(() => {});
      await sleep(attempt < 10 ? 5 : 20);
    }
    throw new Error(`processes of container '${containerId}' survived SIGKILL`);
  }

  /** Removes the container's cgroups in every hierarchy (also those runc made). ENOENT is fine. */
  async remove(containerId: string, sleep: (ms: number) => Promise<void>): Promise<void> {
    const rel = containerCgroup(this.root, containerId);
    const mounts = this.version === 'v2' ? [this.#v2Mount!] : [...new Set(this.#v1.values())];
    for (const mount of mounts) {
      const dir = join(mount, rel);
      for (let attempt = 0; ; attempt++) {
        try {
          await removeTree(dir);
          break;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          // EBUSY: the last killed processes are still leaving (up to ~5 s on a loaded host).
          if (attempt >= 250) throw err;
          await sleep(20);
        }
      }
    }
  }

  /** Container ids that have a cgroup under the root (to find orphans after a restart). */
  async list(): Promise<string[]> {
    const controller: Controller = this.controllers.includes('pids') ? 'pids' : 'freezer';
    const base = this.version === 'v2' ? join(this.#v2Mount!, this.root) : join(this.#v1.get(controller)!, this.root);
    const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }
}

/** rmdir children first (cgroup dirs cannot be removed recursively; their files are virtual). */
async function removeTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) if (e.isDirectory()) await removeTree(join(dir, e.name));
  await rmdir(dir);
}
