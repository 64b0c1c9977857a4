import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerInfo } from '../../protocol/index.ts';
import { buildRunOptions, MAPPED_SANDBOX, normalizeImage, type RunOptionsInput } from './run-options.ts';
import { parseDockerBytes } from './parameters.ts';

function input(over: Partial<RunOptionsInput> = {}, docker: Partial<NonNullable<ContainerInfo['docker']>> = {}, container: Partial<ContainerInfo> = {}): RunOptionsInput {
  return {
    containerId: 'c1',
    container: { type: 'DOCKER', docker: { image: 'busybox', ...docker }, ...container },
    command: undefined,
    cpus: 0.5,
    memMb: 64,
    ports: [[31000, 31010]],
    sandbox: '/work/sandbox',
    environment: { MESOS_TASK_ID: 't1' },
    labels: undefined,
    ownerLabels: { owner: 'me' },
    ...over,
  };
}

function ok(i: RunOptionsInput) {
  const r = buildRunOptions(i);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r;
}

describe('buildRunOptions', () => {
  it('names the container, maps the sandbox, sets limits, host network and sorted env', () => {
    const r = ok(input({ command: { environment: { variables: [{ name: 'B', value: '2' }, { name: 'MESOS_TASK_ID', value: 'ignored' }] } } }));
    assert.equal(r.name, 'mesos-c1');
    assert.equal(r.body.Image, 'busybox:latest');
    assert.deepEqual(r.body.HostConfig?.Binds, [`/work/sandbox:${MAPPED_SANDBOX}`]);
    assert.equal(r.body.HostConfig?.NetworkMode, 'host');
    assert.equal(r.body.HostConfig?.CpuShares, 512);
    assert.equal(r.body.HostConfig?.Memory, 64 * 1024 * 1024);
    assert.equal(r.body.HostConfig?.MemorySwap, 64 * 1024 * 1024);
    assert.deepEqual(r.body.Env, ['B=2', 'MESOS_CONTAINER_NAME=mesos-c1', `MESOS_SANDBOX=${MAPPED_SANDBOX}`, 'MESOS_TASK_ID=t1']);
    assert.equal(r.body.Cmd, undefined, 'no value: the image default command');
    assert.equal(r.body.Entrypoint, undefined);
    assert.deepEqual(r.body.Labels, { owner: 'me' });
  });

  it('applies the minimums of 2 cpu shares and 32 MB', () => {
    const r = ok(input({ cpus: 0, memMb: 1 }));
    assert.equal(r.body.HostConfig?.CpuShares, 2);
    assert.equal(r.body.HostConfig?.Memory, 32 * 1024 * 1024);
  });

  it('wraps shell commands in /bin/sh -c and passes shell=false value + arguments to the entrypoint', () => {
    const shell = ok(input({ command: { shell: true, value: 'echo hi' } }));
    assert.deepEqual([shell.body.Entrypoint, shell.body.Cmd], [['/bin/sh'], ['-c', 'echo hi']]);
    const exec = ok(input({ command: { shell: false, value: 'a', arguments: ['b', 'c'] } }));
    assert.deepEqual([exec.body.Entrypoint, exec.body.Cmd], [undefined, ['a', 'b', 'c']]);
  });

  it('maps ports on BRIDGE only inside the task ports, and refuses them on HOST', () => {
    const bridge = ok(input({}, { network: 'BRIDGE', port_mappings: [{ host_port: 31005, container_port: 80 }] }));
    assert.deepEqual(bridge.body.HostConfig?.PortBindings, { '80/tcp': [{ HostPort: '31005' }] });
    const outside = buildRunOptions(input({}, { network: 'BRIDGE', port_mappings: [{ host_port: 8080, container_port: 80 }] }));
    assert.ok(!outside.ok && /host_port 8080 is not in the task's ports/.test(outside.message));
    const host = buildRunOptions(input({}, { port_mappings: [{ host_port: 31005, container_port: 80 }] }));
    assert.ok(!host.ok && /need the BRIDGE or USER network/.test(host.message));
  });

  it('needs exactly one named network for USER and no hostname with HOST', () => {
    assert.ok(!buildRunOptions(input({}, { network: 'USER' })).ok);
    assert.equal(ok(input({}, { network: 'USER' }, { network_infos: [{ name: 'mynet' }] })).body.HostConfig?.NetworkMode, 'mynet');
    assert.equal(ok(input({}, { network: 'NONE' })).body.HostConfig?.NetworkMode, 'none');
    const r = buildRunOptions(input({}, {}, { hostname: 'x' }));
    assert.ok(!r.ok && /hostname/.test(r.message));
  });

  it('binds volumes: relative container paths under the mapped sandbox, relative host paths under the sandbox', () => {
    const r = ok(
      input({}, {}, {
        volumes: [
          { mode: 'RO', container_path: '/data', host_path: '/srv/data' },
          { mode: 'RW', container_path: 'cache', host_path: '/var/cache/x' },
          { mode: 'RW', container_path: '/out', host_path: 'out' },
          { mode: 'RW', container_path: '/vol', source: { type: 'DOCKER_VOLUME', docker_volume: { name: 'v1', driver: 'local' } } },
        ],
      }),
    );
    assert.deepEqual(r.body.HostConfig?.Binds, [
      '/srv/data:/data:ro',
      `/var/cache/x:${MAPPED_SANDBOX}/cache:rw`,
      '/work/sandbox/out:/out:rw',
      'v1:/vol:rw',
      `/work/sandbox:${MAPPED_SANDBOX}`,
    ]);
    assert.equal(r.body.HostConfig?.VolumeDriver, 'local');
    assert.ok(!buildRunOptions(input({}, {}, { volumes: [{ mode: 'RW', container_path: 'a', host_path: 'b' }] })).ok);
  });

  it('applies known parameters and refuses unknown ones naming them', () => {
    const r = ok(input({}, { privileged: true, parameters: [{ key: 'env', value: 'X=1' }, { key: 'cap-add', value: 'NET_ADMIN' }, { key: 'net', value: 'none' }, { key: 'memory', value: '1g' }] }));
    assert.equal(r.body.HostConfig?.Privileged, true);
    assert.ok(r.body.Env?.includes('X=1'));
    assert.deepEqual(r.body.HostConfig?.CapAdd, ['NET_ADMIN']);
    assert.equal(r.body.HostConfig?.NetworkMode, 'none');
    assert.equal(r.body.HostConfig?.Memory, 1024 ** 3);
    const bad = buildRunOptions(input({}, { parameters: [{ key: 'env', value: 'X=1' }, { key: 'frobnicate', value: '1' }] }));
    assert.ok(!bad.ok && /parameters\[1\] 'frobnicate': unknown or unsupported Docker parameter/.test(bad.message));
    const badValue = buildRunOptions(input({}, { parameters: [{ key: 'pids-limit', value: 'many' }] }));
    assert.ok(!badValue.ok && /'many' is not an integer/.test(badValue.message));
  });

  it('refuses secrets, empty images and non-DOCKER containers', () => {
    assert.ok(!buildRunOptions(input({ command: { environment: { variables: [{ name: 'S', type: 'SECRET' }] } } })).ok);
    assert.ok(!buildRunOptions(input({}, { image: ' ' })).ok);
    assert.ok(!buildRunOptions({ ...input(), container: { type: 'MESOS' } }).ok);
  });
});

describe('normalizeImage / parseDockerBytes', () => {
  it('adds :latest only without tag or digest', () => {
    assert.equal(normalizeImage('busybox'), 'busybox:latest');
    assert.equal(normalizeImage('localhost:5000/a/b'), 'localhost:5000/a/b:latest');
    assert.equal(normalizeImage('localhost:5000/a/b:2'), 'localhost:5000/a/b:2');
    assert.equal(normalizeImage('a@sha256:abc'), 'a@sha256:abc');
  });
  it('parses docker sizes', () => {
    assert.equal(parseDockerBytes('512m'), 512 * 1024 ** 2);
    assert.equal(parseDockerBytes('1024'), 1024);
    assert.equal(parseDockerBytes('2kb'), 2048);
    assert.equal(parseDockerBytes('lots'), undefined);
  });
});
