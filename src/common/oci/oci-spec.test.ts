import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INIT_PATH, ociSpec, type OciMount, type OciSpecInput } from './oci-spec.ts';

type Spec = {
  root: { path: string };
  process: { args: string[]; env: string[]; noNewPrivileges: boolean; rlimits?: unknown; user: unknown; capabilities: { effective: string[] } };
  linux: { cgroupsPath: string; namespaces: Array<{ type: string }> };
  mounts: OciMount[];
};
const spec = (input: OciSpecInput): Spec => ociSpec(input) as unknown as Spec;

const base = {
  rootfs: '/rt/rootfs',
  args: ['/bin/sh', '-c', 'echo hi'],
  env: { PATH: '/bin', A: 'b' },
  cwd: '/mnt/mesos/sandbox',
  uid: 0,
  gid: 0,
  cgroupsPath: '/mesos/abc',
  sandbox: { host: '/work/sandbox', container: '/mnt/mesos/sandbox' },
};

test('the spec has the rootfs, the process, the cgroup, the mount namespace and the sandbox bind', () => {
  const s = spec({ ...base, namespaces: [] });
  assert.equal(s.root.path, '/rt/rootfs');
  assert.deepEqual(s.process.args, ['/bin/sh', '-c', 'echo hi']);
  assert.deepEqual(s.process.env, ['PATH=/bin', 'A=b']);
  assert.equal(s.process.noNewPrivileges, true);
  assert.equal(s.linux.cgroupsPath, '/mesos/abc');
  assert.deepEqual(s.linux.namespaces, [{ type: 'mount' }]);
  const sandbox = s.mounts.find((m) => m.destination === '/mnt/mesos/sandbox');
  assert.deepEqual(sandbox, { destination: '/mnt/mesos/sandbox', type: 'bind', source: '/work/sandbox', options: ['rbind', 'rw'] });
  assert.ok(s.mounts.some((m) => m.destination === '/proc' && m.type === 'proc'));
  assert.equal(s.process.rlimits, undefined);
});

test('a pid namespace gets the init as pid 1 forwarding signals to the task group; no pid namespace, no init', () => {
  const withPid = spec({ ...base, namespaces: ['pid', 'ipc'], init: '/usr/bin/tini-static' });
  assert.deepEqual(withPid.process.args, [INIT_PATH, '-g', '--', '/bin/sh', '-c', 'echo hi']);
  assert.deepEqual(withPid.linux.namespaces, [{ type: 'mount' }, { type: 'pid' }, { type: 'ipc' }]);
  assert.ok(withPid.mounts.some((m) => m.destination === INIT_PATH && m.source === '/usr/bin/tini-static'));
  const noPid = spec({ ...base, namespaces: [], init: '/usr/bin/tini-static' });
  assert.deepEqual(noPid.process.args, ['/bin/sh', '-c', 'echo hi']);
});

test('volumes become binds; a non-root user gets no capabilities', () => {
  const s = spec({ ...base, uid: 1000, gid: 1000, additionalGids: [27], namespaces: [], binds: [{ host: '/data', container: '/data', readOnly: true }] });
  assert.deepEqual(s.process.user, { uid: 1000, gid: 1000, additionalGids: [27] });
  assert.deepEqual(s.process.capabilities.effective, []);
  assert.ok(s.mounts.some((m) => m.destination === '/data' && m.options.includes('ro')));
});
