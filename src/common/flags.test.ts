import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags, formatFlags, flagsHelp, type FlagSpecs } from './flags.ts';
import { parseDuration, formatDuration, parseBytes, formatBytes } from './units.ts';

const SPECS = {
  port: { type: 'int', default: 5050, help: 'port to listen on' },
  work_dir: { type: 'string', required: true, help: 'where state lives' },
  offer_timeout: { type: 'duration', default: 60_000, help: 'rescind unused offers after this' },
  registry: { type: 'string', default: 'sqlite', choices: ['in_memory', 'sqlite'], help: 'registry backend' },
  authenticate: { type: 'bool', default: false, help: 'require credentials' },
  cache_size: { type: 'bytes', default: 2 * 1024 ** 3, help: 'cache size' },
  docker_config: { type: 'json', help: 'registry credentials' },
  hostname: { type: 'string', help: 'advertised hostname' },
} satisfies FlagSpecs;

test('flags from argv in both spellings, env with both prefixes, and defaults', () => {
  const f = parseFlags(SPECS, ['--port=5051', '--work_dir', '/w', '--authenticate', '--offer_timeout=2mins'], {
    env: { AGORA_CACHE_SIZE: '512MB', MESOS_HOSTNAME: 'a1', AGORA_PORT: '9' },
  });
  assert.equal(f.port, 5051); // argv beats env
  assert.equal(f.work_dir, '/w');
  assert.equal(f.authenticate, true);
  assert.equal(f.offer_timeout, 120_000);
  assert.equal(f.cache_size, 512 * 1024 ** 2);
  assert.equal(f.hostname, 'a1');
  assert.equal(f.registry, 'sqlite');
  assert.equal(f.docker_config, undefined);
  assert.equal(parseFlags(SPECS, ['--work_dir=/w', '--no-authenticate']).authenticate, false);
});

test('file:// values are read from the file; JSON flags parse', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-flags-'));
  writeFileSync(join(dir, 'cfg.json'), '{"auths":{}}\n');
  const f = parseFlags(SPECS, ['--work_dir=/w', `--docker_config=file://${join(dir, 'cfg.json')}`]);
  assert.deepEqual(f.docker_config, { auths: {} });
  assert.throws(() => parseFlags(SPECS, ['--work_dir=/w', `--hostname=file://${join(dir, 'nope')}`]), /--hostname: cannot read/);
});

test('bad flags give errors naming the flag', () => {
  assert.throws(() => parseFlags(SPECS, []), /missing required flag '--work_dir'/);
  assert.throws(() => parseFlags(SPECS, ['--work_dir=/w', '--bogus=1']), /unknown flag '--bogus'/);
  assert.throws(() => parseFlags(SPECS, ['--work_dir=/w', '--port=abc']), /--port: 'abc' is not an integer/);
  assert.throws(() => parseFlags(SPECS, ['--work_dir=/w', '--registry=zk']), /--registry: 'zk' is not one of in_memory, sqlite/);
  assert.throws(() => parseFlags(SPECS, ['--work_dir=/w', '--offer_timeout=5 parsecs']), /--offer_timeout: invalid duration/);
  assert.throws(() => parseFlags(SPECS, ['--work_dir=/w', '--docker_config={']), /--docker_config: invalid JSON/);
  assert.throws(() => parseFlags(SPECS, ['--work_dir']), /needs a value/);
  assert.throws(() => parseFlags(SPECS, ['--work_dir=/w'], { env: { AGORA_PORT: 'x' } }), /AGORA_PORT: 'x' is not an integer/);
  assert.throws(() => parseFlags(SPECS, ['stray']), /unexpected argument 'stray'/);
});

test('flags format back in stout notation, and help names the env variables', () => {
  const f = parseFlags(SPECS, ['--work_dir=/w']);
  const s = formatFlags(SPECS, f);
  assert.equal(s.offer_timeout, '1mins');
  assert.equal(s.cache_size, '2GB');
  assert.equal(s.port, '5050');
  assert.match(flagsHelp(SPECS), /--offer_timeout=DURATION \(default: 1mins\)[\s\S]*AGORA_OFFER_TIMEOUT/);
});

test('durations and byte sizes in stout notation', () => {
  assert.equal(parseDuration('15secs'), 15_000);
  assert.equal(parseDuration('1.5hrs'), 5_400_000);
  assert.equal(parseDuration('2weeks'), 1_209_600_000);
  assert.equal(parseDuration('100ms'), 100);
  assert.equal(parseDuration('10s'), 10_000);
  assert.throws(() => parseDuration('10'), /invalid duration '10'/);
  assert.equal(formatDuration(5000), '5secs');
  assert.equal(formatDuration(900_000), '15mins');
  assert.equal(formatDuration(0.5), '500us');
  assert.equal(parseBytes('2GB'), 2 * 1024 ** 3);
  assert.throws(() => parseBytes('-1MB'), /invalid byte size/);
  assert.equal(formatBytes(1536 * 1024 ** 2), '1536MB');
});
