import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerCgroup, controllersFor, limitWrites, oomKills, parseCgroupMounts, statisticsFrom, v2SubtreeControl } from './cgroups.ts';

const HYBRID = [
  '30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
  '32 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu',
  '33 30 0:29 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct',
  '34 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
  '35 30 0:31 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd',
].join('\n');
const PURE_V2 = '30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate';

test('v1 (and hybrid) vs v2 is read from mountinfo', () => {
  const hybrid = parseCgroupMounts(HYBRID);
  assert.equal(hybrid.version, 'v1');
  assert.equal(hybrid.v1.get('memory'), '/sys/fs/cgroup/memory');
  assert.equal(hybrid.v1.has('name=systemd'), false);
  const v2 = parseCgroupMounts(PURE_V2);
  assert.equal(v2.version, 'v2');
  assert.equal(v2.v2Mount, '/sys/fs/cgroup');
  const combined = parseCgroupMounts('1 2 0:1 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct');
  assert.equal(combined.v1.get('cpu'), '/sys/fs/cgroup/cpu,cpuacct');
  assert.equal(combined.v1.get('cpuacct'), '/sys/fs/cgroup/cpu,cpuacct');
});

test('paths and controllers follow the isolators', () => {
  assert.equal(containerCgroup('/mesos/', 'abc'), 'mesos/abc');
  assert.deepEqual(controllersFor(['cgroups/cpu', 'cgroups/mem']).sort(), ['cpu', 'cpuacct', 'freezer', 'memory']);
  assert.deepEqual(controllersFor([]), ['freezer']);
  assert.equal(v2SubtreeControl(['cpu', 'cpuacct', 'memory', 'pids', 'freezer']), '+cpu +memory +pids');
});

test('v1 limits: shares 1024/cpu (min 2), CFS only when enabled, memory soft+hard with the 32 MB floor', () => {
  const all = ['cpu', 'cpuacct', 'memory', 'pids', 'freezer'] as const;
  assert.deepEqual(limitWrites('v1', { cpus: 1.5, memBytes: 64 * 2 ** 20 }, all), [
    { controller: 'cpu', file: 'cpu.shares', value: '1536' },
    { controller: 'memory', file: 'memory.soft_limit_in_bytes', value: String(64 * 2 ** 20) },
    { controller: 'memory', file: 'memory.limit_in_bytes', value: String(64 * 2 ** 20) },
  ]);
  assert.deepEqual(limitWrites('v1', { cpus: 0.001, cfs: true, memBytes: 1 }, all), [
    { controller: 'cpu', file: 'cpu.shares', value: '2' },
    { controller: 'cpu', file: 'cpu.cfs_period_us', value: '100000' },
    { controller: 'cpu', file: 'cpu.cfs_quota_us', value: '1000' },
    { controller: 'memory', file: 'memory.soft_limit_in_bytes', value: String(32 * 2 ** 20) },
    { controller: 'memory', file: 'memory.limit_in_bytes', value: String(32 * 2 ** 20) },
  ]);
  // Update: the hard limit is only raised.
  const lower = limitWrites('v1', { memBytes: 40 * 2 ** 20 }, all, 100 * 2 ** 20);
  assert.deepEqual(lower, [{ controller: 'memory', file: 'memory.soft_limit_in_bytes', value: String(40 * 2 ** 20) }]);
  // Controllers not managed get no writes.
  assert.deepEqual(limitWrites('v1', { cpus: 1, memBytes: 1 }, ['freezer']), []);
});

test('v2 limits: cpu.weight, cpu.max, memory.low/max, pids.max', () => {
  const all = ['cpu', 'memory', 'pids'] as const;
  assert.deepEqual(limitWrites('v2', { cpus: 2, cfs: true, memBytes: 128 * 2 ** 20, pidsMax: 100 }, all), [
    { controller: 'cpu', file: 'cpu.weight', value: '200' },
    { controller: 'cpu', file: 'cpu.max', value: '200000 100000' },
    { controller: 'memory', file: 'memory.low', value: String(128 * 2 ** 20) },
    { controller: 'memory', file: 'memory.max', value: String(128 * 2 ** 20) },
    { controller: 'pids', file: 'pids.max', value: '100' },
  ]);
});

test('statistics and OOM counts are read from both versions', () => {
  const v1 = statisticsFrom(
    'v1',
    new Map([
      ['cpuacct.stat', 'user 250\nsystem 50\n'],
      ['memory.stat', 'cache 1\nrss 2\ntotal_cache 4096\ntotal_rss 8192\ntotal_mapped_file 0\ntotal_swap 0\n'],
      ['memory.usage_in_bytes', '12288\n'],
      ['pids.current', '3\n'],
    ]),
    100,
  );
  assert.equal(v1.cpus_user_time_secs, 2.5);
  assert.equal(v1.cpus_system_time_secs, 0.5);
  assert.equal(v1.mem_rss_bytes, 8192);
  assert.equal(v1.mem_cache_bytes, 4096);
  assert.equal(v1.mem_total_bytes, 12288);
  assert.equal(v1.processes, 3);
  const v2 = statisticsFrom('v2', new Map([['cpu.stat', 'usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\nnr_periods 5\nnr_throttled 1\nthrottled_usec 500000\n'], ['memory.stat', 'anon 100\nfile 200\n'], ['memory.current', '300']]), 100);
  assert.equal(v2.cpus_user_time_secs, 2);
  assert.equal(v2.cpus_throttled_time_secs, 0.5);
  assert.equal(v2.mem_rss_bytes, 100);
  assert.equal(v2.mem_total_bytes, 300);
  assert.equal(oomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n'), 2);
  assert.equal(oomKills('low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n'), 1);
  assert.equal(oomKills(''), 0);
});
