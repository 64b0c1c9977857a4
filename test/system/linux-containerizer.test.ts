// The Linux containerizer with real runc and real cgroups (root): an image container sees its own
// rootfs and only its own processes, cpu.shares follow cpus, a memory hog is OOM-killed with
// REASON_CONTAINER_LIMITATION_MEMORY, whiteouts hold under both backends in a running container,
// and a recreated containerizer (agent restart) keeps a running container and its statistics.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SystemClock } from '../../src/common/clock.ts';
import { silentLogger } from '../../src/common/log.ts';
import { parseResources } from '../../src/common/resources/index.ts';
import { LinuxContainerizer } from '../../src/containerizer/linux/linux.ts';
import { removeRuncLeftovers } from '../../src/containerizer/linux/host-tools.ts';
import { CopyBackend, OverlayBackend } from '../../src/provisioner/backends/index.ts';
import type { ProvisionerBackend, StoredImage } from '../../src/provisioner/types.ts';
import type { ContainerConfig } from '../../src/containerizer/containerizer.ts';
import { tempDir, waitFor } from '../helpers/process.ts';
import { BUSYBOX, systemTierAvailable, writeBusyboxLayer, writeLayer } from './linux-support.ts';

const skip = systemTierAvailable();
const ISOLATION = ['cgroups/cpu', 'cgroups/mem', 'cgroups/pids', 'namespaces/pid', 'namespaces/ipc', 'filesystem/linux', 'disk/du'];
const dir = tempDir('agora-linux-');
const cgroupsRoot = `agora-test-${randomBytes(4).toString('hex')}`;
after(() => {
  dir.cleanup();
  // The agent's own cgroup root, left empty by the containers' cleanup.
  for (const controller of ['cpu', 'cpuacct', 'memory', 'pids', 'freezer', 'cpuset', 'devices', 'blkio', 'systemd', 'unified', 'net_cls', 'perf_event', 'hugetlb', 'net_prio', 'misc', 'rdma']) {
    try {
      rmdirSync(`/sys/fs/cgroup/${controller}/${cgroupsRoot}`);
    } catch {
      // Not mounted or never created.
    }
  }
});

function image(): StoredImage {
  const base = join(dir.path, 'layers/base');
  if (!existsSync(base)) {
    writeBusyboxLayer(base);
    writeLayer(base, { 'etc/secret': 'lower', 'data/a': 'a', 'data/b': 'b' });
    writeLayer(join(dir.path, 'layers/upper'), { 'etc/.wh.secret': '', 'data/.wh..wh..opq': '', 'data/c': 'c' });
  }
  return { reference: 'agora/busybox:test', id: 'sha256:test', layers: [base, join(dir.path, 'layers/upper')], config: { env: ['FROM_IMAGE=yes'] } };
}

function containerizer(backend: ProvisionerBackend = new OverlayBackend()): LinuxContainerizer {
  return new LinuxContainerizer({
    logger: silentLogger(),
    clock: new SystemClock(),
    isolators: ISOLATION,
    runtimeDir: join(dir.path, 'runtime'),
    provisionerDir: join(dir.path, 'provisioner'),
    cgroupsRoot,
    images: { get: async () => image() },
    backend,
  });
}

function config(command: string, resources: string, withImage = true): ContainerConfig {
  const id = `c-${randomBytes(6).toString('hex')}`;
  const sandbox = join(dir.path, 'sandboxes', id);
  mkdirSync(sandbox, { recursive: true });
  return {
    containerId: id,
    command: { shell: true, value: command },
    container: withImage ? { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'agora/busybox:test' } } } } : undefined,
    directory: sandbox,
    resources: parseResources(resources),
    environment: { MESOS_SANDBOX: sandbox },
  };
}

const stdout = (c: ContainerConfig): string => readFileSync(join(c.directory, 'stdout'), 'utf8');

test('an image container runs in its rootfs, sees only its own processes and the sandbox at /mnt/mesos/sandbox', { skip }, async () => {
  const linux = containerizer();
  const c = config('cat /etc/os-release; echo "sandbox=$MESOS_SANDBOX image=$FROM_IMAGE"; echo hi > $MESOS_SANDBOX/out; echo procs=$(ls /proc | grep -c "^[0-9]")', 'cpus:0.5;mem:64');
  const start = performance.now();
  assert.equal(await linux.launch(c), 'launched');
  const termination = await linux.wait(c.containerId);
  console.log(`image container launch to exit: ${(performance.now() - start).toFixed(0)} ms`);
  assert.equal(termination?.status, 0, readFileSync(join(c.directory, 'stderr'), 'utf8'));
  const out = stdout(c);
  assert.match(out, /NAME="Agora Busybox"/);
  assert.match(out, /sandbox=\/mnt\/mesos\/sandbox image=yes/);
  const procs = Number(/procs=(\d+)/.exec(out)?.[1]);
  // tini, sh, the command substitution, ls, grep: nothing of the host.
  assert.ok(procs >= 1 && procs <= 6, `the container sees ${procs} processes`);
  assert.equal(readFileSync(join(c.directory, 'out'), 'utf8'), 'hi\n');
  assert.equal(existsSync(join(dir.path, 'runtime/containers', c.containerId)), false, 'runtime dir removed');
  assert.equal(existsSync(`/sys/fs/cgroup/memory/${cgroupsRoot}/${c.containerId}`), false, 'cgroup removed');
});

for (const backend of [new CopyBackend(), new OverlayBackend()]) {
  test(`whiteouts and opaque dirs hide lower files inside a running container (${backend.name})`, { skip }, async () => {
    const linux = containerizer(backend);
    const c = config('ls /etc/secret 2>&1; ls /data; ls -a / | grep -c "^.wh." || true', 'cpus:0.1;mem:32');
    await linux.launch(c);
    const termination = await linux.wait(c.containerId);
    assert.equal(termination?.status, 0);
    const out = stdout(c).split('\n');
    assert.match(out[0]!, /No such file or directory/);
    assert.equal(out[1], 'c');
    assert.equal(out[2], '0');
  });
}

test('a memory hog in a 32 MB container is OOM-killed with REASON_CONTAINER_LIMITATION_MEMORY', { skip }, async () => {
  const linux = containerizer();
  const c = config('echo start; exec dd if=/dev/zero of=/dev/null bs=200M count=1', 'cpus:0.1;mem:32');
  await linux.launch(c);
  const termination = await linux.wait(c.containerId);
  assert.equal(termination?.state, 'TASK_FAILED', `${JSON.stringify(termination)} ${stdout(c)} ${readFileSync(join(c.directory, 'stderr'), 'utf8')}`);
  assert.equal(termination?.reason, 'REASON_CONTAINER_LIMITATION_MEMORY');
  assert.match(termination?.message ?? '', /Memory limit exceeded: Requested: 32MB/);
});

test('cpu.shares and the memory limit follow the resources; a recreated containerizer recovers the container and its statistics', { skip }, async () => {
  const first = containerizer();
  const c = config('i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 60', 'cpus:1.5;mem:128;disk:64');
  await first.launch(c);
  assert.equal(readFileSync(`/sys/fs/cgroup/cpu/${cgroupsRoot}/${c.containerId}/cpu.shares`, 'utf8').trim(), '1536');
  assert.equal(readFileSync(`/sys/fs/cgroup/memory/${cgroupsRoot}/${c.containerId}/memory.limit_in_bytes`, 'utf8').trim(), String(128 * 2 ** 20));
  const before = await waitFor(async () => {
    const s = await first.usage(c.containerId);
    return (s.cpus_user_time_secs ?? 0) + (s.cpus_system_time_secs ?? 0) > 0 && (s.processes ?? 0) >= 2 ? s : undefined;
  });
  assert.equal(before.cpus_limit, 1.5);
  assert.equal(before.mem_limit_bytes, 128 * 2 ** 20);
  assert.ok((before.mem_total_bytes ?? 0) > 0);
  assert.equal(typeof before.disk_used_bytes, 'number');
  const pid = (await first.status(c.containerId)).executor_pid!;

  // The agent restarts: a new containerizer object, the old one forgotten (its timers stopped by
  // the process exit in real life; here we simply never touch it again).
  const second = containerizer();
  const orphan = config('sleep 60', 'cpus:0.1;mem:32');
  await containerizer().launch(orphan); // launched by "someone", not in the agent's checkpoint
  await second.recover([{ containerId: c.containerId, pid, directory: c.directory, resources: parseResources('cpus:1.5;mem:128;disk:64') }]);
  assert.deepEqual(second.containers(), [c.containerId]);
  assert.equal(existsSync(`/sys/fs/cgroup/memory/${cgroupsRoot}/${orphan.containerId}`), false, 'orphan destroyed');
  const after = await second.usage(c.containerId);
  assert.ok((after.cpus_user_time_secs ?? 0) + (after.cpus_system_time_secs ?? 0) >= (before.cpus_user_time_secs ?? 0) + (before.cpus_system_time_secs ?? 0));
  assert.equal(after.cpus_limit, 1.5);
  const termination = await second.destroy(c.containerId);
  assert.ok(termination);
  assert.equal(existsSync(`/sys/fs/cgroup/cpu/${cgroupsRoot}/${c.containerId}`), false);
  await first.destroy(c.containerId).catch(() => undefined);
});

test('a runc killed while starting leaves its binary bind-mounted in its state dir: cleanup unmounts and removes it', { skip }, async () => {
  const state = join(dir.path, 'runc-root', 'c-killed');
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, 'runc.x1'), '');
  execFileSync('mount', ['--bind', '-o', 'ro', BUSYBOX, join(state, 'runc.x1')]);
  assert.ok(readFileSync('/proc/self/mountinfo', 'utf8').includes(join(state, 'runc.x1')));
  const errors: string[] = [];
  await removeRuncLeftovers(state, (mount, err) => errors.push(`${mount}: ${err.message}`));
  assert.deepEqual(errors, []);
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(state), 'unmounted');
  assert.equal(existsSync(state), false, 'removed');
});
