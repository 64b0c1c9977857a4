// `agora run`, `agora task list/log` and error handling against a real `agora dev` cluster
// (needs src/master/main.ts, src/agent/main.ts and the command executor).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnProcess, tempDir, type Spawned } from '../helpers/process.ts';

const AGORA = join(import.meta.dirname, '../../bin/agora');

let dev: Spawned;
let dir: { path: string; cleanup(): void };
let master: string;

before(async () => {
  dir = tempDir('agora-cli-run-');
  dev = spawnProcess(AGORA, ['dev', '--port', '0', '--json', '--work_dir', dir.path]);
  const info = await dev.waitForLog((l) => 'master' in l && 'agents' in l, 30_000);
  master = (info.master as { url: string }).url;
});

after(async () => {
  await dev?.stop();
  dir?.cleanup();
});

/** Runs bin/agora to completion. */
function agora(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(AGORA, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agora ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

let failedTaskId = '';

test("agora run -- sh -c 'echo hi; exit 3' prints hi and exits 3", async () => {
  const r = await agora(['run', '--master', master, '--name', 'hi', '--', 'sh', '-c', 'echo hi; exit 3']);
  assert.equal(r.code, 3, r.err);
  assert.match(r.out, /^hi$/m);
  assert.match(r.err, /TASK_RUNNING/);
  assert.match(r.err, /TASK_FAILED: Command exited with status 3/);
  // The executor's own lines in the sandbox stderr are short glog-style lines, not JSON.
  assert.match(r.err, /^I\d{4} [\d:.]+ \d+ command-executor\] launching task task_id=hi\.[0-9a-f]{8}$/m);
  assert.doesNotMatch(r.err, /^\{/m);
  assert.doesNotMatch(r.err, /could not tear down/, 'the framework is torn down cleanly');
  failedTaskId = /launched task (\S+)/.exec(r.err)?.[1] ?? '';
  assert.match(failedTaskId, /^hi\.[0-9a-f]{8}$/);
});

test('agora run of a succeeding command exits 0 with its output on stdout', async () => {
  const r = await agora(['run', '--master', master, '--env', 'GREETING=hello', '--command', 'echo "$GREETING world"']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^hello world$/m);
});

test('agora task list --all --json shows the finished task', async () => {
  assert.ok(failedTaskId, 'the run test ran first');
  const r = await agora(['task', 'list', '--all', '--json', '--master', master]);
  assert.equal(r.code, 0, r.err);
  const tasks = JSON.parse(r.out) as { task_id: { value: string }; state: string }[];
  const task = tasks.find((t) => t.task_id.value === failedTaskId);
  assert.ok(task, `task ${failedTaskId} in ${r.out}`);
  assert.equal(task.state, 'TASK_FAILED');
  const table = await agora(['task', 'list', '--all', '--master', master]);
  assert.match(table.out, new RegExp(`${failedTaskId.replace('.', '\\.')}\\s+hi\\s+FAILED`));
});

test('agora task log prints the task stdout from its sandbox', async () => {
  const r = await agora(['task', 'log', failedTaskId, '--master', master]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'hi\n');
  const tail = await agora(['task', 'log', failedTaskId, '--stderr', '--lines', '1', '--master', master]);
  assert.equal(tail.code, 0, tail.err);
  assert.equal(tail.out.split('\n').filter(Boolean).length, 1);
});

test('an unreachable master: exit 69 and a clear message', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  for (const args of [['task', 'list', '--master', `127.0.0.1:${port}`], ['run', '--master', `127.0.0.1:${port}`, '--', 'true']]) {
    const r = await agora(args);
    assert.equal(r.code, 69, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, new RegExp(`cannot reach the master at http://127\\.0\\.0\\.1:${port}.*connection refused`));
  }
});
