import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../common/clock.ts';
import { InvalidArgumentError } from '../common/errors.ts';
import { silentLogger } from '../common/log.ts';
import { createContainerizers, parseIsolation } from './factory.ts';

test('parseIsolation expands the process alias and keeps order', () => {
  assert.deepEqual(parseIsolation('posix/cpu,posix/mem'), ['posix/cpu', 'posix/mem']);
  assert.deepEqual(parseIsolation('process'), ['posix/cpu', 'posix/mem']);
  assert.deepEqual(parseIsolation('posix/mem'), ['posix/mem']);
});

test('parseIsolation refuses duplicates and unknown isolators, naming them', () => {
  assert.throws(() => parseIsolation('posix/cpu,process'), /'posix\/cpu' is listed twice/);
  assert.throws(() => parseIsolation('network/port_mapping'), (err: unknown) => err instanceof InvalidArgumentError && /network\/port_mapping/.test(err.message));
});

test('createContainerizers builds the posix containerizer for mesos and refuses others', () => {
  const opts = { isolation: 'posix/cpu,posix/mem', logger: silentLogger(), clock: new ManualClock() };
  const [c] = createContainerizers({ ...opts, containerizers: 'mesos' });
  assert.equal(c?.name, 'mesos');
  assert.throws(() => createContainerizers({ ...opts, containerizers: 'appc' }), /unsupported containerizer 'appc'/);
  assert.throws(() => createContainerizers({ ...opts, containerizers: 'docker' }), /docker needs the Docker settings/);
  assert.throws(() => createContainerizers({ ...opts, containerizers: 'mesos,mesos' }), /listed twice/);
});

test('createContainerizers puts docker first whatever its place, so it recovers Docker executors', () => {
  const opts = { isolation: 'posix/cpu,posix/mem', logger: silentLogger(), clock: new ManualClock() };
  const docker = {
    socketPath: '/nonexistent/docker.sock',
    owner: '/work',
    commandExecutorArgv: () => ['node', 'executor.js'],
    dockerExecutorArgv: () => ['node', 'docker-executor.js'],
    removeDelayMs: 0,
    stopTimeoutMs: 0,
    killOrphans: true,
  };
  const list = createContainerizers({ ...opts, containerizers: 'mesos,docker', docker });
  assert.deepEqual(list.map((c) => c.name), ['docker', 'mesos']);
});
