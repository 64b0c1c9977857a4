import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageProviders, logLevelFromFlag, masterUrl, parseAgentFlags } from './flags.ts';

test('defaults are Mesos defaults; AGORA_ variables and the command line set flags', () => {
  const flags = parseAgentFlags(['--master=m:5050', '--port=0'], { AGORA_WORK_DIR: '/w', AGORA_EXECUTOR_REGISTRATION_TIMEOUT: '2mins' });
  assert.equal(flags.work_dir, '/w');
  assert.equal(flags.port, 0);
  assert.equal(flags.ip, '127.0.0.1');
  assert.equal(flags.executor_registration_timeout, 120_000);
  assert.equal(flags.executor_shutdown_grace_period, 5_000);
  assert.equal(flags.containerizers, 'mesos');
  assert.equal(flags.isolation, 'posix/cpu,posix/mem');
});

test('bad values are refused, naming the flag', () => {
  assert.throws(() => parseAgentFlags(['--master=m', '--work_dir=/w', '--port=70000'], {}), /--port: 70000/);
  assert.throws(() => parseAgentFlags(['--master=m', '--work_dir=/w', '--logging_level=LOUD'], {}), /--logging_level: 'LOUD'/);
  assert.throws(() => parseAgentFlags(['--master=m', '--work_dir=/w', '--executor_environment_variables={"A":1}'], {}), /value of 'A' is not a string/);
  assert.throws(() => parseAgentFlags(['--work_dir=/w'], {}), /missing required flag '--master'/);
});

test('Mesos log level names map to pino levels', () => {
  assert.equal(logLevelFromFlag('INFO'), 'info');
  assert.equal(logLevelFromFlag('WARNING'), 'warn');
  assert.equal(logLevelFromFlag('debug'), 'debug');
});

test('--master accepts host:port and URLs; zk:// is refused', () => {
  assert.equal(masterUrl('127.0.0.1:5050'), 'http://127.0.0.1:5050');
  assert.equal(masterUrl('http://m1:5050/'), 'http://m1:5050');
  assert.throws(() => masterUrl('zk://z:2181/mesos'), /ZooKeeper/);
});

test('--switch_user defaults to true, as in Mesos, and can be turned off', () => {
  assert.equal(parseAgentFlags(['--master=m', '--work_dir=/w'], {}).switch_user, true);
  assert.equal(parseAgentFlags(['--master=m', '--work_dir=/w', '--switch_user=false'], {}).switch_user, false);
  assert.equal(parseAgentFlags(['--master=m', '--work_dir=/w', '--no-switch_user'], {}).switch_user, false);
  assert.equal(parseAgentFlags(['--master=m', '--work_dir=/w'], { MESOS_SWITCH_USER: 'false' }).switch_user, false);
});

test('image flags: providers parsed case-insensitively, need filesystem/linux, registry checked', () => {
  const base = ['--master=m:5050', '--work_dir=/w'];
  assert.deepEqual(imageProviders(parseAgentFlags([...base, '--image_providers=Docker,appc', '--isolation=filesystem/linux'], {})), ['docker', 'appc']);
  assert.deepEqual(imageProviders(parseAgentFlags(base, {})), []);
  assert.throws(() => parseAgentFlags([...base, '--image_providers=docker'], {}), /--image_providers: needs the 'filesystem\/linux' isolator/);
  assert.throws(() => parseAgentFlags([...base, '--image_providers=oci', '--isolation=filesystem/linux'], {}), /unknown image provider 'oci'/);
  assert.throws(() => parseAgentFlags([...base, '--image_providers=docker,docker', '--isolation=filesystem/linux'], {}), /listed twice/);
  assert.throws(
    () => parseAgentFlags([...base, '--image_providers=docker', '--isolation=filesystem/linux', '--docker_registry=registry.local'], {}),
    /--docker_registry: 'registry\.local' is neither/,
  );
  const flags = parseAgentFlags(base, {});
  assert.equal(flags.docker_registry, 'https://registry-1.docker.io');
  assert.equal(flags.appc_simple_discovery_uri_prefix, 'http://');
});
