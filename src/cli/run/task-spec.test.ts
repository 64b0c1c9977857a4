import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../protocol/index.ts';
import { agentUrlFromOffer, buildTaskInfo, exitCodeForStatus, pickResources, type RunSpec } from './task-spec.ts';

const scalar = (name: string, value: number, extra: Partial<Resource> = {}): Resource => ({ name, type: 'SCALAR', scalar: { value }, ...extra });

test('pickResources takes what the task needs, reserved resources first, keeping their metadata', () => {
  const offer = {
    resources: [
      scalar('cpus', 4, { role: '*', allocation_info: { role: 'dev' } }),
      scalar('cpus', 0.05, { role: 'dev', allocation_info: { role: 'dev' } }),
      scalar('mem', 1024, { allocation_info: { role: 'dev' } }),
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } } as Resource,
    ],
  };
  const picked = pickResources(offer, { cpus: 0.1, mem: 32 });
  assert.deepEqual(picked, [
    scalar('cpus', 0.05, { role: 'dev', allocation_info: { role: 'dev' } }),
    scalar('cpus', 0.05, { role: '*', allocation_info: { role: 'dev' } }),
    scalar('mem', 32, { allocation_info: { role: 'dev' } }),
  ]);
});

test('pickResources refuses offers that are too small, and ignores revocable resources', () => {
  assert.equal(pickResources({ resources: [scalar('cpus', 1)] }, { cpus: 0.1, mem: 32 }), undefined, 'no mem');
  assert.equal(pickResources({ resources: [scalar('cpus', 0.09), scalar('mem', 64)] }, { cpus: 0.1, mem: 32 }), undefined);
  assert.equal(pickResources({ resources: [scalar('cpus', 1, { revocable: {} }), scalar('mem', 64)] }, { cpus: 0.1, mem: 32 }), undefined);
  // Fixed point: 0.1 + 0.2 is exactly 0.3.
  assert.ok(pickResources({ resources: [scalar('cpus', 0.1), scalar('cpus', 0.2, { role: 'r' }), scalar('mem', 32)] }, { cpus: 0.3, mem: 32 }));
});

const SPEC: RunSpec = { name: 'hello', taskId: 'hello.1', cpus: 0.1, mem: 32, role: '*', env: { A: '1' }, uris: ['http://e/x'] };

test('buildTaskInfo: an argv runs with shell=false and arguments=argv; --command with the shell', () => {
  const task = buildTaskInfo({ ...SPEC, argv: ['sh', '-c', 'echo hi'] }, 'S0', [scalar('cpus', 0.1)]);
  assert.deepEqual(task, {
    name: 'hello',
    task_id: { value: 'hello.1' },
    agent_id: { value: 'S0' },
    resources: [scalar('cpus', 0.1)],
    command: {
      shell: false,
      value: 'sh',
      arguments: ['sh', '-c', 'echo hi'],
      environment: { variables: [{ name: 'A', type: 'VALUE', value: '1' }] },
      uris: [{ value: 'http://e/x', extract: true }],
    },
  });
  const shell = buildTaskInfo({ ...SPEC, env: {}, uris: [], shellCommand: 'echo $A' }, 'S0', []);
  assert.deepEqual(shell.command, { shell: true, value: 'echo $A' });
});

test('buildTaskInfo: --image runs in the image, by the Mesos or the Docker containerizer', () => {
  const base = { ...SPEC, env: {}, uris: [] };
  const mesos = buildTaskInfo({ ...base, image: { name: 'busybox:1.36', containerizer: 'mesos', forcePull: false } }, 'S0', []);
  assert.deepEqual(mesos.command, { shell: false }, "no command: the image's default");
  assert.deepEqual(mesos.container, { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'busybox:1.36' }, cached: true } } });
  const docker = buildTaskInfo({ ...base, argv: ['ls', '/'], image: { name: 'busybox', containerizer: 'docker', forcePull: true } }, 'S0', []);
  assert.deepEqual(docker.command, { shell: false, value: 'ls', arguments: ['ls', '/'] });
  assert.deepEqual(docker.container, { type: 'DOCKER', docker: { image: 'busybox', network: 'HOST', force_pull_image: true } });
  assert.equal(exitCodeForStatus({ state: 'TASK_FAILED', message: 'Container exited with status 4' }), 4, "the Docker executor's wording");
});

test('exit codes from the terminal status', () => {
  assert.equal(exitCodeForStatus({ state: 'TASK_FINISHED', message: 'Command exited with status 0' }), 0);
  assert.equal(exitCodeForStatus({ state: 'TASK_FAILED', message: 'Command exited with status 3' }), 3);
  assert.equal(exitCodeForStatus({ state: 'TASK_FAILED', message: 'Command terminated with signal Killed' }), 137);
  assert.equal(exitCodeForStatus({ state: 'TASK_KILLED', message: 'Command terminated with signal SIGTERM' }), 143);
  assert.equal(exitCodeForStatus({ state: 'TASK_FAILED', message: 'Command terminated with signal 2' }), 130);
  assert.equal(exitCodeForStatus({ state: 'TASK_FAILED', message: 'Command terminated with signal Segmentation fault' }), 139);
  assert.equal(exitCodeForStatus({ state: 'TASK_FAILED', message: 'Failed to launch container' }), 1);
  assert.equal(exitCodeForStatus({ state: 'TASK_LOST' }), 1);
  assert.equal(exitCodeForStatus({ state: 'TASK_ERROR', message: 'Task uses no resources' }), 1);
});

test('the agent URL comes from the offer', () => {
  assert.equal(
    agentUrlFromOffer({ hostname: 'a1', url: { scheme: 'http', address: { hostname: 'a1', ip: '127.0.0.1', port: 5051 }, path: '/slave(1)' } }),
    'http://127.0.0.1:5051',
  );
  assert.equal(agentUrlFromOffer({ hostname: 'a1' }), undefined);
});
