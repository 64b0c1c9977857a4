// `agora agent` as a real process: flags from the command line and AGORA_ variables, the
// "agent listening" and "agent registered" log lines, and a clean stop on SIGTERM that takes its
// containers with it. A usage error exits with 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { userInfo } from 'node:os';
import type { FrameworkInfo } from '../../src/protocol/index.ts';
import { TestMaster } from '../../src/agent/testing/test-master.ts';
import { spawnProcess, tempDir, waitFor } from '../helpers/process.ts';

const AGORA = resolve(import.meta.dirname, '../../bin/agora');
const FIXTURE_EXECUTOR = resolve(import.meta.dirname, '../fixtures/executors/test-executor.ts');
// The agent's own user: a root agent switches to the framework's user (--switch_user).
const FRAMEWORK: FrameworkInfo = { user: userInfo().username, name: 'process-test', id: { value: 'F-0002' } };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('agora agent registers, logs its address and id, and stops cleanly on SIGTERM', async (t) => {
  const dir = tempDir('agora-agent-proc-');
  const master = await TestMaster.start({ autoAcknowledge: true });
  const agent = spawnProcess(AGORA, ['agent', `--master=${master.address}`, `--work_dir=${dir.path}`, '--port=0'], {
    AGORA_RESOURCES: 'cpus:1;mem:256',
    AGORA_ATTRIBUTES: 'zone:test',
  });
  t.after(async () => {
    await agent.stop(1000);
    await master.stop();
    dir.cleanup();
  });
  const listening = await agent.waitForLog((l) => l.msg === 'agent listening');
  assert.equal(typeof listening.port, 'number');
  assert.equal(listening.url, `http://127.0.0.1:${String(listening.port)}`);
  const registered = await agent.waitForLog((l) => l.msg === 'agent registered');
  assert.equal(registered.agent_id, master.agentId);
  const subscribe = await master.waitForCall((c) => c.type === 'SUBSCRIBE');
  assert.deepEqual(subscribe.type === 'SUBSCRIBE' && subscribe.subscribe.agent_info.attributes, [{ name: 'zone', type: 'TEXT', text: { value: 'test' } }]);

  const flags = (await (await fetch(`${String(listening.url)}/flags?jsonp=cb`)).text());
  assert.match(flags, /^cb\(\{"flags":\{.*"resources":"cpus:1;mem:256"/);

  // A running executor (the fixture in custom mode, so it stays up) must die with the agent.
  master.send({
    type: 'RUN_TASK',
    run_task: {
      framework_info: FRAMEWORK,
      task: {
        name: 'stay',
        task_id: { value: 'stay' },
        agent_id: { value: master.agentId },
        executor: {
          executor_id: { value: 'stayer' },
          command: { value: `exec '${process.execPath}' '${FIXTURE_EXECUTOR}'`, environment: { variables: [{ name: 'TEST_EXECUTOR_MODE', value: 'custom' }] } },
        },
      },
    },
  });
  await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.state === 'TASK_RUNNING');
  const containers = (await (
    await fetch(`${String(listening.url)}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"type":"GET_CONTAINERS"}' })
  ).json()) as { get_containers: { containers: { container_status: { executor_pid: number } }[] } };
  const pid = containers.get_containers.containers[0]!.container_status.executor_pid;
  assert.ok(alive(pid));

  agent.child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => agent.child.once('exit', (c) => r(c)));
  assert.equal(code, 0);
  await agent.waitForLog((l) => l.msg === 'agent stopped');
  await waitFor(() => !alive(pid), 5000);
});

test('agora agent with bad flags exits with 2, names the flag and creates nothing', (t) => {
  const dir = tempDir('agora-agent-flags-');
  t.after(dir.cleanup);
  const workDir = `${dir.path}/work`;
  const missing = spawnSync(AGORA, ['agent', `--work_dir=${workDir}`], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /missing required flag '--master'/);
  const attrs = spawnSync(AGORA, ['agent', '--master=127.0.0.1:1', `--work_dir=${workDir}`, '--attributes=a:{b}'], { encoding: 'utf8' });
  assert.equal(attrs.status, 2);
  assert.match(attrs.stderr + attrs.stdout, /sets .* are not allowed/);
  const isolation = spawnSync(AGORA, ['agent', '--master=127.0.0.1:1', `--work_dir=${workDir}`, '--isolation=network/port_mapping'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(isolation.status, 2);
  assert.match(isolation.stderr + isolation.stdout, /unsupported isolator 'network\/port_mapping'/);
  const resources = spawnSync(AGORA, ['agent', '--master=127.0.0.1:1', `--work_dir=${workDir}`, '--resources=cpus:x'], { encoding: 'utf8' });
  assert.equal(resources.status, 2);
  assert.match(resources.stderr + resources.stdout, /invalid scalar value 'x'/);
  assert.equal(existsSync(workDir), false);
});
