import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLaunchSpec } from './launch-spec.ts';
import type { LaunchedTask, TaskCommand } from './wire.ts';

function task(command: Partial<TaskCommand> | undefined, extra: Partial<LaunchedTask> = {}): LaunchedTask {
  return {
    taskId: 't1',
    name: 't1',
    raw: {},
    command: command === undefined ? undefined : { shell: true, value: 'echo hi', arguments: [], variables: [], unsupportedVariables: [], ...command },
    killPolicyGraceNs: undefined,
    maxCompletionNs: undefined,
    allocationRole: undefined,
    healthCheck: undefined,
    check: undefined,
    ...extra,
  };
}

test('shell=true runs /bin/sh -c <value>', () => {
  const r = buildLaunchSpec(task({ value: 'echo hi; exit 3' }), { PATH: '/bin' }, '/sb');
  assert.ok(r.ok);
  assert.deepEqual({ file: r.spec.file, args: r.spec.args, argv0: r.spec.argv0, cwd: r.spec.cwd }, {
    file: '/bin/sh',
    args: ['-c', 'echo hi; exit 3'],
    argv0: 'sh',
    cwd: '/sb',
  });
});

test('shell=false: value is the executable, arguments the whole argv', () => {
  const r = buildLaunchSpec(task({ shell: false, value: '/usr/bin/printf', arguments: ['my-printf', '%s|', 'a b'] }), {}, '/sb');
  assert.ok(r.ok);
  assert.equal(r.spec.file, '/usr/bin/printf');
  assert.equal(r.spec.argv0, 'my-printf');
  assert.deepEqual(r.spec.args, ['%s|', 'a b']);
});

test('shell=false with no arguments uses the executable as argv[0]', () => {
  const r = buildLaunchSpec(task({ shell: false, value: 'true', arguments: [] }), {}, '/sb');
  assert.ok(r.ok);
  assert.equal(r.spec.argv0, 'true');
  assert.deepEqual(r.spec.args, []);
});

test('environment: executor env, then task VALUE variables, then MESOS_TASK_ID/SANDBOX/ALLOCATION_ROLE', () => {
  const r = buildLaunchSpec(
    task({ variables: [{ name: 'FOO', type: 'VALUE', value: 'task' }, { name: 'MESOS_TASK_ID', type: 'VALUE', value: 'spoof' }] }, { allocationRole: 'web' }),
    { FOO: 'executor', BAR: 'kept', MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'secret', UNSET: undefined },
    '/sb',
  );
  assert.ok(r.ok);
  assert.deepEqual(r.spec.env, { FOO: 'task', BAR: 'kept', MESOS_TASK_ID: 't1', MESOS_SANDBOX: '/sb', MESOS_ALLOCATION_ROLE: 'web' });
});

test('SECRET variables fail the task with a message naming them', () => {
  const r = buildLaunchSpec(task({ variables: [{ name: 'DB_PASSWORD', type: 'SECRET', value: '' }] }), {}, '/sb');
  assert.deepEqual(r, { ok: false, message: "Secret environment variables are not supported by the command executor yet: 'DB_PASSWORD'" });
});

test('a missing command or value fails the task as Mesos words it', () => {
  assert.deepEqual(buildLaunchSpec(task(undefined), {}, '/sb'), { ok: false, message: "Task 't1' has no command to run" });
  assert.deepEqual(buildLaunchSpec(task({ value: undefined }), {}, '/sb'), { ok: false, message: "Shell command of task 't1' is not specified" });
  assert.deepEqual(buildLaunchSpec(task({ shell: false, value: '' }), {}, '/sb'), { ok: false, message: "Executable of task 't1' is not specified" });
});

test('shell=false with no value and a container image: the image default runs (empty file, arguments kept)', () => {
  const raw = { container: { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'busybox' } } } } };
  const r = buildLaunchSpec(task({ shell: false, value: undefined, arguments: ['--flag', 'x'] }, { raw }), { PATH: '/bin' }, '/sb');
  assert.ok(r.ok);
  assert.deepEqual({ file: r.spec.file, args: r.spec.args, argv0: r.spec.argv0, cwd: r.spec.cwd }, { file: '', args: ['--flag', 'x'], argv0: '', cwd: '/sb' });
  assert.equal(r.spec.env.MESOS_TASK_ID, 't1');
});

test('shell=false with no value and no image is still refused; shell=true with an image still needs a value', () => {
  assert.deepEqual(buildLaunchSpec(task({ shell: false, value: undefined }), {}, '/sb'), { ok: false, message: "Executable of task 't1' is not specified" });
  const raw = { container: { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'busybox' } } } } };
  assert.deepEqual(buildLaunchSpec(task({ shell: true, value: undefined }, { raw }), {}, '/sb'), { ok: false, message: "Shell command of task 't1' is not specified" });
});

test('the image default still refuses SECRET variables', () => {
  const raw = { container: { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'busybox' } } } } };
  const r = buildLaunchSpec(task({ shell: false, value: undefined, variables: [{ name: 'S', type: 'SECRET', value: '' }] }, { raw }), {}, '/sb');
  assert.equal(r.ok, false);
});
