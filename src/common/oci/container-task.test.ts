import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../test/helpers/process.ts';
import { commandFromSpec, readOomKills, startContainerTask, withoutContainerVariables } from './container-task.ts';
import type { LaunchFile } from './launch-file.ts';
import { oomKills } from './oom.ts';

const base = (dir: string): LaunchFile => ({
  containerId: 'c1',
  taskNamedUser: false,
  cgroupProcs: [],
  limitationFile: join(dir, 'limitation.json'),
  sandbox: dir,
});

test("the executor's launch spec reads back as the CommandInfo it stands for", () => {
  assert.deepEqual(commandFromSpec({ file: '/bin/sh', args: ['-c', 'echo hi'], argv0: 'sh', cwd: '/' }), { shell: true, value: 'echo hi', arguments: [] });
  assert.deepEqual(commandFromSpec({ file: '/bin/busybox', args: ['-l'], argv0: 'ls', cwd: '/' }), { shell: false, value: '/bin/busybox', arguments: ['ls', '-l'] });
  assert.deepEqual(commandFromSpec({ file: '', args: ['x'], argv0: '', cwd: '/' }), { shell: false, arguments: ['x'] });
});

test("the containerizer's variables never reach a task", () => {
  const env = withoutContainerVariables({ A: '1', AGORA_CONTAINER_LAUNCH: '/x', AGORA_CONTAINER_READY_FD: '3', AGORA_TASK_SPEC: '{}', NODE_COMPILE_CACHE: '/c', B: undefined });
  assert.deepEqual(env, { A: '1' });
});

test('OOM kills are read from v1 oom_control and v2 memory.events; a missing file is 0', () => {
  assert.equal(oomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n'), 2);
  assert.equal(oomKills('low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n'), 1);
  assert.equal(oomKills('oom_kill_disable 0\n'), 0);
  const dir = tempDir('agora-oci-oom-');
  try {
    assert.equal(readOomKills({ ...base(dir.path), oomFile: join(dir.path, 'missing') }), 0);
    writeFileSync(join(dir.path, 'memory.events'), 'oom 3\noom_kill 3\n');
    assert.equal(readOomKills({ ...base(dir.path), oomFile: join(dir.path, 'memory.events') }), 3);
  } finally {
    dir.cleanup();
  }
});

test('an image task: the merged config.json is written and runc is run on the bundle', async () => {
  const dir = tempDir('agora-oci-image-');
  try {
    const bundle = join(dir.path, 'bundle');
    const rootfs = join(dir.path, 'rootfs');
    mkdirSync(bundle);
    mkdirSync(join(rootfs, 'etc'), { recursive: true });
    writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0::/:/bin/sh\nwww:x:33:33::/:/bin/false\n');
    // A fake runc that records its arguments.
    const runc = join(dir.path, 'runc');
    writeFileSync(runc, `#!/bin/sh\necho "$@" > ${join(dir.path, 'args')}\n`, { mode: 0o755 });
    const launch: LaunchFile = {
      ...base(dir.path),
      image: {
        runc,
        runcRoot: join(dir.path, 'root'),
        bundle,
        rootfs,
        config: { cmd: ['sleep', '5'], env: ['FROM_IMAGE=1'], user: 'www' },
        sandboxPath: '/mnt/mesos/sandbox',
        namespaces: ['pid'],
        cgroupsPath: '/mesos/c1',
        binds: [],
        ignoreRuntime: false,
      },
    };
    const started = startContainerTask(launch, { file: '', args: [], argv0: '', cwd: dir.path }, { A: 'task', AGORA_CONTAINER_LAUNCH: 'x' }, { stdio: 'ignore', detached: true });
    assert.ok(started.ok);
    const [code] = (await once(started.child, 'exit')) as [number];
    assert.equal(code, 0);
    assert.equal(readFileSync(join(dir.path, 'args'), 'utf8').trim(), `--root ${join(dir.path, 'root')} run --keep --bundle ${bundle} c1`);
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: { args: string[]; env: string[]; user: { uid: number } } };
    assert.deepEqual(config.process.args, ['sleep', '5']);
    assert.equal(config.process.user.uid, 33);
    assert.ok(config.process.env.includes('FROM_IMAGE=1') && config.process.env.includes('A=task') && config.process.env.includes('MESOS_SANDBOX=/mnt/mesos/sandbox'));
    assert.ok(!config.process.env.some((e) => e.startsWith('AGORA_')));
    // A bad command is refused with Mesos's message before anything runs.
    const refused = startContainerTask({ ...launch, image: { ...launch.image!, config: {} } }, { file: '', args: [], argv0: '', cwd: dir.path }, {}, { stdio: 'ignore', detached: true });
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.message, /No executable is found/);
  } finally {
    dir.cleanup();
  }
});

test('a task without an image is started from inside every cgroup it must join', async () => {
  const dir = tempDir('agora-oci-plain-');
  try {
    // Stand-ins for cgroup.procs files (the step back into our own cgroup fails here and is fine).
    const procs = [join(dir.path, 'cpu.procs'), join(dir.path, 'memory.procs')];
    const launch: LaunchFile = { ...base(dir.path), cgroupProcs: procs.map((file) => ({ file, mount: join(dir.path, 'none'), controller: 'cpu' })) };
    const started = startContainerTask(launch, { file: '/bin/sh', args: ['-c', 'echo "$0 $A" > out'], argv0: 'sh', cwd: dir.path }, { A: 'x', PATH: '/usr/bin:/bin' }, { stdio: 'ignore', detached: true });
    assert.ok(started.ok);
    await once(started.child, 'exit');
    for (const p of procs) assert.equal(readFileSync(p, 'utf8'), String(process.pid));
    assert.equal(readFileSync(join(dir.path, 'out'), 'utf8'), 'sh x\n');
    const blocked = startContainerTask({ ...launch, cgroupProcs: [{ file: join(dir.path, 'no/such/cgroup.procs'), mount: dir.path, controller: 'cpu' }] }, { file: '/bin/true', args: [], argv0: 'true', cwd: dir.path }, {}, { stdio: 'ignore', detached: true });
    assert.equal(blocked.ok, false);
    assert.match(blocked.ok ? '' : blocked.message, /cannot join the container's cgroups/);
  } finally {
    dir.cleanup();
  }
});
