// Warm command executors of the Linux containerizer with real cgroups and runc (root), against
// the test double of the agent's executor API: after the first (cold) command executor the
// containerizer keeps one pre-started executor and hands the next container to it; that task runs
// with the executor environment, working directory and sandbox files a cold spawn would have
// given. A warm executor is no container: a restarted containerizer's recovery leaves it alone
// (it ends itself when its agent goes), and close() ends it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SystemClock } from '../../src/common/clock.ts';
import { silentLogger } from '../../src/common/log.ts';
import { parseResources } from '../../src/common/resources/index.ts';
import { LinuxContainerizer } from '../../src/containerizer/linux/linux.ts';
import { OverlayBackend } from '../../src/provisioner/backends/index.ts';
import type { StoredImage } from '../../src/provisioner/types.ts';
import type { ContainerConfig } from '../../src/containerizer/containerizer.ts';
import { AgentExecutorApiDouble, COMMAND_EXECUTOR_MAIN, commandExecutorEnv, launchEvent } from '../helpers/agent-executor-double.ts';
import { tempDir, waitFor } from '../helpers/process.ts';
import { removeCgroupRoot, systemTierAvailable, writeBusyboxLayer } from './linux-support.ts';

const skip = systemTierAvailable();
const dir = tempDir('agora-warm-');
const cgroupsRoot = `agora-test-${randomBytes(4).toString('hex')}`;
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  dir.cleanup();
  removeCgroupRoot(cgroupsRoot);
});

const IMAGE: StoredImage = { reference: 'agora/busybox:warm', id: 'sha256:warm', layers: [join(dir.path, 'layers/base')], config: { env: ['FROM_IMAGE=yes'] } };

function containerizer(warm?: number): LinuxContainerizer {
  const linux = new LinuxContainerizer({
    logger: silentLogger(),
    clock: new SystemClock(),
    isolators: ['cgroups/cpu', 'cgroups/mem', 'namespaces/pid', 'filesystem/linux'],
    runtimeDir: join(dir.path, 'runtime'),
    provisionerDir: join(dir.path, 'provisioner'),
    cgroupsRoot,
    images: { get: async () => IMAGE },
    backend: new OverlayBackend(),
    warmCommandExecutors: warm,
    warmReplenishDelayMs: 0,
  });
  cleanups.push(() => linux.close());
  return linux;
}

/** A command executor's container (as the agent asks for it) whose task runs `command`. */
async function commandExecutor(command: string, withImage: boolean): Promise<{ config: ContainerConfig; agent: AgentExecutorApiDouble }> {
  const id = `c-${randomBytes(6).toString('hex')}`;
  const sandbox = join(dir.path, 'sandboxes', id);
  mkdirSync(sandbox, { recursive: true });
  const agent = await AgentExecutorApiDouble.start();
  cleanups.push(() => agent.stop());
  agent.onSubscribe(() => [
    launchEvent({ command: { shell: true, value: command, environment: { variables: [{ name: 'FOO', type: 'VALUE', value: 'bar' }] } }, ...(withImage ? { container: { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'agora/busybox:warm' } } } } } : {}) }, id),
  ]);
  const config: ContainerConfig = {
    containerId: id,
    command: { shell: false, value: process.execPath, arguments: [process.execPath, COMMAND_EXECUTOR_MAIN] },
    container: withImage ? { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'agora/busybox:warm' } } } } : undefined,
    directory: sandbox,
    resources: parseResources('cpus:0.2;mem:64'),
    environment: { ...commandExecutorEnv(agent, id, sandbox), PATH: '/usr/sbin:/usr/bin:/sbin:/bin', FROM_AGENT: 'agent-env' },
  };
  return { config, agent };
}

const file = (c: ContainerConfig, name: string): string => readFileSync(join(c.directory, name), 'utf8');
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('after a cold start the next command executors are warm ones handed their container (image and plain tasks)', { skip }, async () => {
  writeBusyboxLayer(join(dir.path, 'layers/base'));
  const linux = containerizer();
  const task = 'echo "out $FROM_AGENT $FOO $FROM_IMAGE"; pwd; echo err >&2; env | grep -c AGORA_ || true';
  const cold = await commandExecutor(task, true);
  assert.deepEqual(linux.warmExecutorPids(), [], 'the pool learns the command line from the first launch');
  await linux.launch(cold.config);
  assert.equal((await linux.wait(cold.config.containerId))?.status, 0, file(cold.config, 'stderr'));
  const [warmPid] = await waitFor(() => (linux.warmExecutorPids().length === 1 ? linux.warmExecutorPids() : undefined));

  for (const withImage of [true, false]) {
    const { config, agent } = await commandExecutor(task, withImage);
    const expectedPid = linux.warmExecutorPids()[0] ?? (await waitFor(() => linux.warmExecutorPids()[0]));
    await linux.launch(config);
    assert.equal((await linux.status(config.containerId)).executor_pid, expectedPid, 'the warm executor is the container root');
    assert.equal((await linux.wait(config.containerId))?.status, 0, file(config, 'stderr'));
    assert.deepEqual(agent.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const [out, cwd, agoraVariables] = file(config, 'stdout').trim().split('\n');
    assert.equal(out?.trimEnd(), `out agent-env bar ${withImage ? 'yes' : ''}`.trimEnd(), 'the task has the executor environment the agent gave');
    assert.equal(cwd, withImage ? '/mnt/mesos/sandbox' : config.directory);
    assert.equal(agoraVariables, '0', 'no containerizer variable reaches the task');
    const stderr = file(config, 'stderr');
    assert.match(stderr, /command-executor\] command executor started/, 'the executor logs into the sandbox');
    assert.match(stderr, /^err$/m);
  }
  assert.ok(warmPid !== undefined);
  linux.close();
});

test('warm executors off: every command executor is spawned at its launch', { skip }, async () => {
  const linux = containerizer(0);
  for (let i = 0; i < 2; i++) {
    const { config } = await commandExecutor('true', false);
    await linux.launch(config);
    assert.equal((await linux.wait(config.containerId))?.status, 0);
  }
  assert.deepEqual(linux.warmExecutorPids(), []);
});

test('recovery leaves a warm executor alone (not a container); close() ends it', { skip }, async () => {
  const first = containerizer();
  const { config } = await commandExecutor('true', false);
  await first.launch(config);
  await first.wait(config.containerId);
  const [warmPid] = await waitFor(() => (first.warmExecutorPids().length === 1 ? first.warmExecutorPids() : undefined));
  const second = containerizer();
  await second.recover([]);
  assert.deepEqual(second.containers(), []);
  assert.ok(alive(warmPid!), 'recovery did not take the warm executor for an orphan container');
  first.close();
  await waitFor(() => !alive(warmPid!));
});
