import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { credentialsFor, registryOf } from './credentials.ts';
import { planRecovery } from './recovery-plan.ts';
import { statisticsFromDocker } from './statistics.ts';
import { DockerContainerizer, terminationOf } from './docker-containerizer.ts';
import { checkContainerizers } from '../factory.ts';
import { silentLogger } from '../../common/log.ts';
import { ManualClock } from '../../common/clock.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('registry credentials', () => {
  it('finds the registry of an image', () => {
    assert.equal(registryOf('busybox'), 'docker.io');
    assert.equal(registryOf('library/busybox:1'), 'docker.io');
    assert.equal(registryOf('localhost:5000/x'), 'localhost:5000');
    assert.equal(registryOf('registry.example.com/team/app:2'), 'registry.example.com');
  });

  it('reads config.json auths and legacy .dockercfg, matching URL keys', () => {
    const config = JSON.stringify({ auths: { 'http://localhost:5000': { auth: b64('alice:s3cr:et') } } });
    assert.deepEqual(credentialsFor(config, 'localhost:5000/app:1', 'f'), {
      ok: true,
      auth: { serveraddress: 'localhost:5000', username: 'alice', password: 's3cr:et' },
    });
    const legacy = JSON.stringify({ 'https://index.docker.io/v1/': { auth: b64('bob:pw'), email: 'b@x' } });
    const hub = credentialsFor(legacy, 'busybox', 'f');
    assert.ok(hub.ok && hub.auth?.username === 'bob' && hub.auth.serveraddress === 'https://index.docker.io/v1/');
    assert.deepEqual(credentialsFor(config, 'other.io/app', 'f'), { ok: true, auth: undefined });
  });

  it('names the file in errors', () => {
    const r = credentialsFor('{nope', 'busybox', "sandbox file '.dockercfg'");
    assert.ok(!r.ok && r.message.startsWith("sandbox file '.dockercfg' is not valid JSON"));
    const bad = credentialsFor(JSON.stringify({ auths: { 'docker.io': { auth: b64('nocolon') } } }), 'busybox', 'f');
    assert.ok(!bad.ok);
  });
});

describe('planRecovery', () => {
  const c = (id: string, containerId: string | undefined, role: string, running: boolean) => ({ id, containerId, role, running });
  it('re-adopts executor processes, watches running executor containers, removes orphans', () => {
    const plan = planRecovery(
      ['task-exec', 'exec-container', 'no-container', 'dead-exec-container'],
      [c('d1', 'task-exec', 'task', true), c('d2', 'exec-container', 'executor', true), c('d3', 'unknown', 'task', true), c('d4', 'dead-exec-container', 'executor', false), c('d5', undefined, 'task', false)],
    );
    assert.deepEqual(plan, { processes: ['task-exec', 'no-container'], containers: ['exec-container'], orphans: ['d3', 'd4', 'd5'] });
  });
  it('treats every container as an orphan when nothing was checkpointed', () => {
    assert.deepEqual(planRecovery([], [c('d1', 'x', 'task', true)]).orphans, ['d1']);
  });
});

describe('docker statistics and termination', () => {
  it('turns a stats sample into ResourceStatistics', () => {
    const s = statisticsFromDocker(
      {
        pids_stats: { current: 3 },
        cpu_stats: { cpu_usage: { usage_in_usermode: 1_500_000_000, usage_in_kernelmode: 250_000_000 }, throttling_data: { periods: 10, throttled_periods: 2, throttled_time: 5e8 } },
        memory_stats: { usage: 10_000, stats: { total_rss: 4096, total_cache: 2048 } },
        networks: { eth0: { rx_bytes: 10, tx_bytes: 20 } },
      },
      5000,
      { cpus: 0.5, memBytes: 1024 },
    );
    assert.equal(s.timestamp, 5);
    assert.equal(s.cpus_user_time_secs, 1.5);
    assert.equal(s.cpus_system_time_secs, 0.25);
    assert.equal(s.processes, 3);
    assert.equal(s.mem_rss_bytes, 4096);
    assert.equal(s.mem_cache_bytes, 2048);
    assert.equal(s.cpus_nr_throttled, 2);
    assert.equal(s.net_rx_bytes, 10);
    assert.equal(s.cpus_limit, 0.5);
    assert.equal(s.mem_limit_bytes, 1024);
  });

  it('maps exit codes to wait statuses and OOM kills to the memory limitation', () => {
    assert.equal(terminationOf(3, undefined).status, 3 << 8);
    assert.equal(terminationOf(137, undefined).status, 9);
    const oom = terminationOf(137, { Id: 'x', Name: '/m', State: { Status: 'exited', Running: false, OOMKilled: true, Pid: 0, ExitCode: 137 } });
    assert.equal(oom.reason, 'REASON_CONTAINER_LIMITATION_MEMORY');
    assert.equal(oom.state, 'TASK_FAILED');
  });
});

describe('checkContainerizers', () => {
  it('refuses to start when the Docker daemon is unreachable, naming the socket', async () => {
    const docker = new DockerContainerizer({
      logger: silentLogger(),
      clock: new ManualClock(),
      socketPath: '/nonexistent/docker.sock',
      owner: '/work',
      commandExecutorArgv: () => [],
      dockerExecutorArgv: () => [],
      removeDelayMs: 0,
      stopTimeoutMs: 0,
      killOrphans: true,
    });
    await assert.rejects(checkContainerizers([docker]), /the Docker daemon at '\/nonexistent\/docker.sock' is not reachable/);
  });
});
