// A warm command executor as a real process (no root needed: the task runs without a container):
// started with nothing but its ready pipe, it is handed an executor environment, a sandbox and
// the sandbox's stdout/stderr files, and runs its task against the agent's executor API (the
// test double) exactly as a cold one; its task's output and its own log lines land in the
// sandbox files. A warm executor whose pipe closes before a hand-over exits.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { READY_BYTE, encodeHandOver } from '../../src/common/oci/ready.ts';
import { AgentExecutorApiDouble, COMMAND_EXECUTOR_MAIN, commandExecutorEnv, launchEvent } from '../helpers/agent-executor-double.ts';
import { tempDir } from '../helpers/process.ts';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

type Warm = { child: ChildProcess; pipe: Writable; output: () => string; exited: Promise<number | null> };

/** A warm executor as the containerizer starts one: fd 3 a pipe, fd 1 and 2 not the sandbox. */
function startWarm(): Warm {
  const child = spawn(process.execPath, [COMMAND_EXECUTOR_MAIN], {
    cwd: '/',
    env: { AGORA_WARM_EXECUTOR: '1', AGORA_CONTAINER_READY_FD: '3' },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { child, pipe: child.stdio[3] as Writable, output: () => output, exited };
}

test('a warm executor handed its container runs the task with that environment, cwd and sandbox files', async () => {
  const agent = await AgentExecutorApiDouble.start();
  cleanups.push(() => agent.stop());
  const sandbox = tempDir('agora-warm-');
  cleanups.push(() => sandbox.cleanup());
  agent.onSubscribe(() => [
    launchEvent({ command: { shell: true, value: 'echo hi; echo "$FROM_AGENT $FOO $MESOS_TASK_ID"; pwd; echo oops >&2; [ -z "$AGORA_WARM_EXECUTOR" ]', environment: { variables: [{ name: 'FOO', type: 'VALUE', value: 'bar' }] } } }, 'warm-1'),
  ]);
  const warm = startWarm();
  const env = { ...commandExecutorEnv(agent, 'warm-1', sandbox.path), FROM_AGENT: 'agent-env', AGORA_CONTAINER_READY_FD: '3' };
  // Hand-over and ready byte in one write: the executor must not lose the byte behind the line.
  warm.pipe.end(encodeHandOver({ env, cwd: sandbox.path, stdout: join(sandbox.path, 'stdout'), stderr: join(sandbox.path, 'stderr') }) + READY_BYTE);
  assert.equal(await warm.exited, 0, warm.output());
  assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  const stdout = readFileSync(join(sandbox.path, 'stdout'), 'utf8').trim().split('\n');
  assert.equal(stdout[0], 'hi');
  assert.equal(stdout[1], 'agent-env bar warm-1', 'the task got the handed-over environment');
  assert.equal(realpathSync(stdout[2]!), realpathSync(sandbox.path), 'the task runs in the sandbox');
  const stderr = readFileSync(join(sandbox.path, 'stderr'), 'utf8');
  assert.match(stderr, /^I\d{4} [\d:.]+ \d+ command-executor\] command executor started .*sandbox=/m, 'the executor logs to the sandbox stderr');
  assert.match(stderr, /^oops$/m);
  assert.equal(warm.output(), '', 'nothing went to the warm process`s own stdio');
});

test('a warm executor whose pipe closes before a hand-over exits (0); a bad hand-over fails it (1)', async () => {
  const idle = startWarm();
  idle.pipe.end();
  assert.equal(await idle.exited, 0);
  const bad = startWarm();
  bad.pipe.end('{"env":{},"cwd":""}\n');
  assert.equal(await bad.exited, 1);
  assert.match(bad.output(), /hand-over's 'cwd' must be a non-empty string/);
});

test('a warm executor that cannot open the sandbox files fails (1) instead of running blind', async () => {
  const warm = startWarm();
  const dir = tempDir('agora-warm-gone-');
  cleanups.push(() => dir.cleanup());
  const missing = join(dir.path, 'nope');
  warm.pipe.end(encodeHandOver({ env: {}, cwd: missing, stdout: join(missing, 'stdout'), stderr: join(missing, 'stderr') }));
  const [code] = (await once(warm.child, 'exit')) as [number | null];
  assert.equal(code, 1);
});
