import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../errors.ts';
import { parseEnv, parseRunArgs } from './run-args.ts';

test('everything after -- is the argv, run without a shell; flags before it', () => {
  const r = parseRunArgs(['--name', 'hello', '--cpus=0.5', '--mem', '64', '--env', 'A=1', '--env=B=x=y', '--uri', 'http://e/x.tgz', '--', 'sh', '-c', 'echo hi; exit 3']);
  assert.deepEqual(r.spec, {
    name: 'hello',
    cpus: 0.5,
    mem: 64,
    role: '*',
    env: { A: '1', B: 'x=y' },
    uris: ['http://e/x.tgz'],
    argv: ['sh', '-c', 'echo hi; exit 3'],
  });
  assert.equal(r.offerTimeoutMs, 60_000);
  assert.equal(r.json, false);
});

test('--command runs shell text (mesos-execute style); defaults apply', () => {
  const r = parseRunArgs(['--command', 'echo $HOME', '--master', 'm1:5050', '--role', 'dev', '--offer-timeout', '2mins']);
  assert.equal(r.spec.shellCommand, 'echo $HOME');
  assert.equal(r.spec.argv, undefined);
  assert.equal(r.spec.name, 'agora-run');
  assert.equal(r.spec.cpus, 0.1);
  assert.equal(r.spec.mem, 32);
  assert.equal(r.spec.role, 'dev');
  assert.equal(r.master, 'm1:5050');
  assert.equal(r.offerTimeoutMs, 120_000);
});

test('usage errors name the problem', () => {
  const bad: [string[], RegExp][] = [
    [[], /nothing to run/],
    [['echo', 'hi'], /put the command after '--'/],
    [['--command', 'x', '--', 'y'], /not both/],
    [['--cpus', '0', '--', 'x'], /--cpus '0' is not a positive number/],
    [['--mem', 'lots', '--', 'x'], /--mem 'lots'/],
    [['--name', 'a/b', '--', 'x'], /--name 'a\/b'/],
    [['--env', 'NOVALUE', '--', 'x'], /NAME=VALUE/],
    [['--env', '1X=2', '--', 'x'], /not a valid environment variable name/],
    [['--offer-timeout', 'soon', '--', 'x'], /--offer-timeout 'soon'/],
  ];
  for (const [args, message] of bad) assert.throws(() => parseRunArgs(args), (err: unknown) => err instanceof UsageError && message.test(err.message), args.join(' '));
  assert.throws(() => parseRunArgs(['--bogus', '--', 'x']), /Unknown option '--bogus'/);
});

test('--env also takes a JSON object, as mesos-execute does', () => {
  assert.deepEqual(parseEnv(['{"A":"1","B":"two"}', 'C=3']), { A: '1', B: 'two', C: '3' });
  assert.throws(() => parseEnv(['{"A":1}']), /must be a string/);
  assert.throws(() => parseEnv(['{nope']), /not valid JSON/);
});

test('--image: the command is optional; --containerizer and --force-pull need it', () => {
  const image = parseRunArgs(['--image', 'busybox:1.36']);
  assert.deepEqual(image.spec.image, { name: 'busybox:1.36', containerizer: 'mesos', forcePull: false });
  assert.equal(image.spec.argv, undefined);
  assert.deepEqual(parseRunArgs(['--image', 'b', '--containerizer', 'docker', '--force-pull', '--', 'ls']).spec.image, { name: 'b', containerizer: 'docker', forcePull: true });
  assert.throws(() => parseRunArgs(['--containerizer', 'docker', '--', 'ls']), /--containerizer needs --image/);
  assert.throws(() => parseRunArgs(['--image', 'b', '--containerizer', 'rkt']), /--containerizer 'rkt' is not one of mesos, docker/);
  assert.throws(() => parseRunArgs(['--force-pull', '--', 'ls']), /--force-pull needs --image/);
  assert.throws(() => parseRunArgs(['--image', 'a b']), /is not an image reference/);
  assert.throws(() => parseRunArgs([]), /or --image IMAGE/);
});
