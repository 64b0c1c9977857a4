// The posix containerizer against real processes: output to the sandbox files, environment,
// process-tree statistics from /proc, and destroy reaching every descendant (also one that
// started its own session).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SystemClock } from '../../src/common/clock.ts';
import { silentLogger } from '../../src/common/log.ts';
import { parseResources } from '../../src/common/resources/index.ts';
import { PosixContainerizer } from '../../src/containerizer/index.ts';
import { tempDir, waitFor } from '../helpers/process.ts';

const resources = parseResources('cpus:0.5;mem:64');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a shell command runs in the sandbox with the given environment and its output in stdout/stderr', async (t) => {
  const dir = tempDir('agora-posix-');
  t.after(dir.cleanup);
  const c = new PosixContainerizer({ logger: silentLogger(), clock: new SystemClock() });
  assert.equal(
    await c.launch({
      containerId: 'c1',
      command: { shell: true, value: 'echo "out $FOO $(pwd)"; echo err >&2; exit 3' },
      directory: dir.path,
      resources,
      environment: { FOO: 'bar' },
    }),
    'launched',
  );
  const termination = await c.wait('c1');
  assert.deepEqual(termination, { status: 3 << 8 });
  assert.equal(readFileSync(`${dir.path}/stdout`, 'utf8'), `out bar ${dir.path}\n`);
  assert.equal(readFileSync(`${dir.path}/stderr`, 'utf8'), 'err\n');
  assert.deepEqual(c.containers(), []);
});

test('shell=false execs value with arguments as the full argv; a missing program fails the launch', async (t) => {
  const dir = tempDir('agora-posix-');
  t.after(dir.cleanup);
  const c = new PosixContainerizer({ logger: silentLogger(), clock: new SystemClock() });
  await c.launch({ containerId: 'c2', command: { shell: false, value: '/bin/echo', arguments: ['echo', 'a', 'b'] }, directory: dir.path, resources, environment: {} });
  assert.deepEqual(await c.wait('c2'), { status: 0 });
  assert.equal(readFileSync(`${dir.path}/stdout`, 'utf8'), 'a b\n');
  await assert.rejects(
    c.launch({ containerId: 'c3', command: { shell: false, value: '/nonexistent/program' }, directory: dir.path, resources, environment: {} }),
    /ENOENT/,
  );
  assert.equal(await c.launch({ containerId: 'c4', command: { value: 'true' }, container: { type: 'DOCKER', docker: { image: 'x' } }, directory: dir.path, resources, environment: {} }), 'not-supported');
});

test('usage sums the process tree; destroy kills every descendant, even one in its own session', async (t) => {
  const dir = tempDir('agora-posix-');
  t.after(dir.cleanup);
  const c = new PosixContainerizer({ logger: silentLogger(), clock: new SystemClock() });
  // A child that allocates ~40 MB and a grandchild that escapes into its own session.
  const script = [
    `node -e "const b = Buffer.alloc(40 * 1024 * 1024, 1); setInterval(() => b[0]++, 1000)" &`,
    'setsid sleep 300 & echo $! > setsid.pid',
    'wait',
  ].join('\n');
  await c.launch({ containerId: 'tree', command: { value: script }, directory: dir.path, resources, environment: { PATH: process.env.PATH! } });
  const stats = await waitFor(async () => {
    const s = await c.usage('tree');
    return (s.processes ?? 0) >= 3 && (s.mem_rss_bytes ?? 0) > 40 * 1024 * 1024 ? s : undefined;
  });
  assert.equal(stats.cpus_limit, 0.5);
  assert.equal(stats.mem_limit_bytes, 64 * 1024 * 1024);
  assert.ok((stats.threads ?? 0) >= stats.processes!);
  assert.ok(typeof stats.cpus_user_time_secs === 'number' && typeof stats.cpus_system_time_secs === 'number');
  const escaped = Number(readFileSync(`${dir.path}/setsid.pid`, 'utf8'));
  const status = await c.status('tree');
  assert.ok(alive(escaped) && alive(status.executor_pid!));

  const termination = await c.destroy('tree');
  assert.equal(termination?.status, 9);
  await waitFor(() => !alive(escaped), 5000);
  assert.deepEqual(c.containers(), []);
  await assert.rejects(c.usage('tree'), /unknown container 'tree'/);
});

test('when the root exits, what it left in its session is killed', async (t) => {
  const dir = tempDir('agora-posix-');
  t.after(dir.cleanup);
  const c = new PosixContainerizer({ logger: silentLogger(), clock: new SystemClock() });
  await c.launch({ containerId: 'orphan', command: { value: 'sleep 300 & echo $! > bg.pid; exit 0' }, directory: dir.path, resources, environment: {} });
  assert.deepEqual(await c.wait('orphan'), { status: 0 });
  const bg = Number(readFileSync(`${dir.path}/bg.pid`, 'utf8'));
  await waitFor(() => !alive(bg), 5000);
});
