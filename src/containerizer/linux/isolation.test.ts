import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linuxIsolation, needsLinuxContainerizer } from './isolation.ts';
import { volumeBinds } from './volumes.ts';

test('cgroups, namespaces or filesystem/linux select the Linux containerizer; posix ones do not', () => {
  assert.equal(needsLinuxContainerizer(['posix/cpu', 'posix/mem']), false);
  assert.equal(needsLinuxContainerizer(['cgroups/mem']), true);
  assert.equal(needsLinuxContainerizer(['filesystem/linux']), true);
});

test('namespaces need filesystem/linux; filesystem/linux implies the volume isolators', () => {
  assert.throws(() => linuxIsolation(['namespaces/pid']), /need 'filesystem\/linux'/);
  const iso = linuxIsolation(['filesystem/linux', 'namespaces/pid', 'namespaces/ipc', 'disk/du']);
  assert.deepEqual(iso.namespaces, ['pid', 'ipc']);
  assert.deepEqual(iso.volumes, { hostPath: true, sandboxPath: true });
  assert.equal(iso.diskDu, true);
});

test('volumes: host and sandbox paths become binds with the field named on errors', () => {
  const sandbox = { host: '/sb', container: '/mnt/mesos/sandbox' };
  const on = { hostPath: true, sandboxPath: true };
  assert.deepEqual(
    volumeBinds(
      {
        type: 'MESOS',
        volumes: [
          { mode: 'RO', container_path: '/etc/data', host_path: '/srv/data' },
          { mode: 'RW', container_path: 'cache', source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'SELF', path: 'tmp/cache' } } },
        ],
      },
      sandbox,
      on,
    ),
    [
      { host: '/srv/data', container: '/etc/data', readOnly: true },
      { host: '/sb/tmp/cache', container: '/mnt/mesos/sandbox/cache', readOnly: false },
    ],
  );
  assert.throws(() => volumeBinds({ type: 'MESOS', volumes: [{ mode: 'RW', container_path: '/x', host_path: 'rel' }] }, sandbox, on), /container.volumes\[0\]: host path 'rel' is not absolute/);
  assert.throws(
    () => volumeBinds({ type: 'MESOS', volumes: [{ mode: 'RW', container_path: '/x', source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'SELF', path: '../up' } } }] }, sandbox, on),
    /not inside the sandbox/,
  );
});
