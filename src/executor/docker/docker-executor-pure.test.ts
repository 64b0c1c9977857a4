import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerTerminalUpdate } from './termination.ts';
import { readDockerSettings } from './settings.ts';
import { probeHost } from './probes.ts';
import { planTaskContainer } from './task-container.ts';

describe('dockerTerminalUpdate', () => {
  it('words ends as "Container ..." and drops the command executor reason', () => {
    const u = dockerTerminalUpdate({ kind: 'update', taskId: 't', state: 'TASK_FAILED', message: 'Command exited with status 3', reason: 'REASON_COMMAND_EXECUTOR_FAILED' }, { code: 3, oomKilled: false });
    assert.equal(u.message, 'Container exited with status 3');
    assert.equal(u.reason, undefined);
  });
  it('reports an OOM kill as the memory limitation', () => {
    const u = dockerTerminalUpdate({ kind: 'update', taskId: 't', state: 'TASK_FAILED', message: 'Command exited with status 137', reason: 'REASON_COMMAND_EXECUTOR_FAILED' }, { code: 137, oomKilled: true });
    assert.equal(u.reason, 'REASON_CONTAINER_LIMITATION_MEMORY');
    assert.match(u.message!, /^Memory limit exceeded/);
  });
  it('keeps TASK_KILLED as is even when the kill was an OOM, and marks never-started containers as launch failures', () => {
    const killed = dockerTerminalUpdate({ kind: 'update', taskId: 't', state: 'TASK_KILLED', message: 'Command exited with status 137' }, { code: 137, oomKilled: true });
    assert.equal(killed.reason, undefined);
    const failed = dockerTerminalUpdate({ kind: 'update', taskId: 't', state: 'TASK_FAILED', message: 'Failed to launch the command: no such image', reason: 'REASON_COMMAND_EXECUTOR_FAILED' }, undefined);
    assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  });
});

describe('readDockerSettings', () => {
  it('needs the socket and container id, parses labels, passes only Mesos ids into the container', () => {
    assert.ok(!readDockerSettings({}).ok);
    const r = readDockerSettings({ AGORA_DOCKER_SOCKET: '/s', AGORA_DOCKER_CONTAINER_ID: 'c', AGORA_DOCKER_LABELS: '{"a":"b"}', MESOS_FRAMEWORK_ID: 'f', PATH: '/host/bin' });
    assert.ok(r.ok);
    assert.deepEqual(r.docker, { containerId: 'c', ownerLabels: { a: 'b' }, containerEnv: { MESOS_FRAMEWORK_ID: 'f' } });
    assert.ok(!readDockerSettings({ AGORA_DOCKER_SOCKET: '/s', AGORA_DOCKER_CONTAINER_ID: 'c', AGORA_DOCKER_LABELS: '[1]' }).ok);
  });
});

describe('probeHost / planTaskContainer', () => {
  it('probes 127.0.0.1 on the host network, the container IP otherwise', () => {
    assert.equal(probeHost('host', {}), undefined);
    assert.equal(probeHost('bridge', { bridge: { IPAddress: '172.17.0.2' } }), '172.17.0.2');
  });
  it('plans the container from the TaskInfo with the task id and role', () => {
    const plan = planTaskContainer({
      raw: {
        task_id: { value: 't1' },
        resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: 'web' } }],
        container: { type: 'DOCKER', docker: { image: 'busybox' } },
      },
      containerId: 'c',
      sandbox: '/sb',
      environment: {},
      ownerLabels: {},
    });
    assert.ok(plan.ok);
    assert.ok(plan.body.Env?.includes('MESOS_TASK_ID=t1'));
    assert.ok(plan.body.Env?.includes('MESOS_ALLOCATION_ROLE=web'));
    assert.equal(plan.body.HostConfig?.CpuShares, 1024);
    assert.ok(!planTaskContainer({ raw: { task_id: { value: 't' } }, containerId: 'c', sandbox: '/', environment: {}, ownerLabels: {} }).ok);
  });
});
