import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeImageCommand } from './image-command.ts';

const image = { entrypoint: ['/bin/ep', '-x'], cmd: ['serve', '--port=80'], env: ['A=image', 'B=image=b', 'PATH=/image/bin'], workingDir: '/app', user: 'nobody' };
const opts = { env: { A: 'task', MESOS_SANDBOX: '/mnt/mesos/sandbox' }, sandbox: '/mnt/mesos/sandbox' };

test('shell=true runs /bin/sh -c value and ignores Entrypoint/Cmd; without value it is an error', () => {
  const r = mergeImageCommand({ shell: true, value: 'echo hi', arguments: [] }, image, opts);
  assert.ok(r.ok);
  assert.deepEqual(r.process.args, ['/bin/sh', '-c', 'echo hi']);
  assert.deepEqual(mergeImageCommand({ shell: true, arguments: [] }, image, opts), { ok: false, message: 'Shell command is not specified' });
});

test('shell=false with a value execs it with the arguments after argv0', () => {
  const r = mergeImageCommand({ shell: false, value: '/bin/echo', arguments: ['echo', 'a', 'b'] }, image, opts);
  assert.ok(r.ok);
  assert.deepEqual(r.process.args, ['/bin/echo', 'a', 'b']);
});

test('shell=false without a value uses Entrypoint + (arguments or Cmd), then Cmd alone', () => {
  const ep = mergeImageCommand({ shell: false, arguments: [] }, image, opts);
  assert.ok(ep.ok);
  assert.deepEqual(ep.process.args, ['/bin/ep', '-x', 'serve', '--port=80']);
  const epArgs = mergeImageCommand({ shell: false, arguments: ['other'] }, image, opts);
  assert.ok(epArgs.ok);
  assert.deepEqual(epArgs.process.args, ['/bin/ep', '-x', 'other']);
  const cmdOnly = mergeImageCommand({ shell: false, arguments: [] }, { cmd: ['/bin/sleep', '5'] }, opts);
  assert.ok(cmdOnly.ok);
  assert.deepEqual(cmdOnly.process.args, ['/bin/sleep', '5']);
  const cmdArgs = mergeImageCommand({ shell: false, arguments: ['10'] }, { cmd: ['/bin/sleep', '5'] }, opts);
  assert.ok(cmdArgs.ok);
  assert.deepEqual(cmdArgs.process.args, ['/bin/sleep', '10']);
  const none = mergeImageCommand({ shell: false, arguments: [] }, {}, opts);
  assert.equal(none.ok, false);
  assert.match((none as { message: string }).message, /No executable is found/);
});

test('image Env is under the task env, split at the first =; WorkingDir wins over the sandbox; User honoured unless the task named one', () => {
  const r = mergeImageCommand({ shell: true, value: 'x', arguments: [] }, image, opts);
  assert.ok(r.ok);
  assert.equal(r.process.env.A, 'task');
  assert.equal(r.process.env.B, 'image=b');
  assert.equal(r.process.env.PATH, '/image/bin');
  assert.equal(r.process.cwd, '/app');
  assert.equal(r.process.imageUser, 'nobody');
  const named = mergeImageCommand({ shell: true, value: 'x', arguments: [] }, image, { ...opts, taskNamedUser: true });
  assert.ok(named.ok);
  assert.equal(named.process.imageUser, undefined);
  const plain = mergeImageCommand({ shell: true, value: 'x', arguments: [] }, {}, opts);
  assert.ok(plain.ok);
  assert.equal(plain.process.cwd, '/mnt/mesos/sandbox');
  assert.equal(plain.process.env.PATH, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
});

test('--docker_ignore_runtime ignores the whole image config', () => {
  const r = mergeImageCommand({ shell: false, arguments: [] }, image, { ...opts, ignoreRuntime: true });
  assert.equal(r.ok, false);
});
