// --switch_user with real processes: a root agent runs a command task as the framework's user
// (a throwaway user with a supplementary group, created here and removed afterwards), hands it the
// sandbox, fails a task whose user does not exist with a message naming it, and with
// --switch_user=false runs tasks as itself. NEEDS ROOT: it fails (never skips) without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameworkInfo, TaskInfo } from '../../src/protocol/index.ts';
import { isTerminalTaskState } from '../../src/protocol/index.ts';
import { startAgent, type RunningAgent } from '../../src/agent/main.ts';
import { executorLatestRunLink } from '../../src/agent/paths.ts';
import { TestMaster } from '../../src/agent/testing/test-master.ts';
import { tempDir, waitFor } from '../helpers/process.ts';

const FRAMEWORK_ID = 'F-SU';

function requireRoot(): void {
  assert.equal(
    process.geteuid?.(),
    0,
    'agent-switch-user.test.ts needs root: it creates a user with useradd and checks that tasks run as it (CI runs as root)',
  );
}

type ThrowawayUser = { name: string; group: string; uid: number };
type Setup = { master: TestMaster; agent: RunningAgent; workDir: string; user: ThrowawayUser };

/**
 * A throwaway user (with a throwaway supplementary group) and an agent with a test-double master.
 * One `after` hook tears down in order: the agent first (its containers run as the user), then
 * the user and the group.
 */
async function setup(t: { after(fn: () => unknown): void }, flags: Record<string, unknown> = {}): Promise<Setup> {
  const suffix = `${process.pid}${Math.floor(Math.random() * 1e6)}`.slice(-9);
  const user = { name: `agorasu${suffix}`, group: `agorasg${suffix}`, uid: -1 };
  const dir = tempDir('agora-agent-su-');
  const running: { master?: TestMaster; agent?: RunningAgent } = {};
  const created: string[] = [];
  t.after(async () => {
    await running.agent?.stop();
    await running.master?.stop();
    dir.cleanup();
    if (created.includes('user')) execFileSync('userdel', [user.name]);
    if (created.includes('group')) execFileSync('groupdel', [user.group]);
  });
  execFileSync('groupadd', [user.group]);
  created.push('group');
  execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', '--groups', user.group, user.name]);
  created.push('user');
  user.uid = Number(execFileSync('id', ['-u', user.name], { encoding: 'utf8' }).trim());
  // The task user must be able to walk down to its sandbox and to the built command executor.
  chmodSync(dir.path, 0o755);
  const master = (running.master = await TestMaster.start({ autoAcknowledge: true }));
  const agent = (running.agent = await startAgent({ flags: { master: master.address, work_dir: dir.path, port: 0, resources: 'cpus:2;mem:1024', ...flags } }));
  await waitFor(() => agent.agentId());
  return { master, agent, workDir: dir.path, user };
}

function commandTask(id: string, agentId: string, command: string, user?: string): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: agentId },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }],
    command: { shell: true, value: command, ...(user !== undefined ? { user } : {}) },
  };
}

async function terminal(master: TestMaster, taskId: string): Promise<{ state: string; reason?: string | undefined; message?: string | undefined }> {
  const call = await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.task_id.value === taskId && isTerminalTaskState(c.status_update.status.state));
  assert.ok(call.type === 'STATUS_UPDATE');
  return call.status_update.status;
}

test('a root agent runs a task as its framework user, with that user owning the sandbox', async (t) => {
  requireRoot();
  const { master, workDir, user } = await setup(t);
  const framework: FrameworkInfo = { user: user.name, name: 'switch-user', id: { value: FRAMEWORK_ID } };
  master.send({ type: 'RUN_TASK', run_task: { framework_info: framework, task: commandTask('as-user', master.agentId, 'id -un; id -Gn; touch made-by-task') } });
  const done = await terminal(master, 'as-user');
  assert.equal(done.state, 'TASK_FINISHED', `task ended ${done.state}: ${done.message}`);

  const sandbox = executorLatestRunLink(workDir, master.agentId, FRAMEWORK_ID, 'as-user');
  const [whoami, groups] = readFileSync(join(sandbox, 'stdout'), 'utf8').trim().split('\n').slice(-2);
  assert.equal(whoami, user.name);
  assert.ok(groups?.split(' ').includes(user.group), `supplementary group '${user.group}' missing from '${groups}'`);
  assert.equal(statSync(sandbox).uid, user.uid, 'the sandbox belongs to the task user');
  assert.equal(statSync(sandbox).mode & 0o777, 0o750);
  assert.equal(statSync(join(sandbox, 'stdout')).uid, user.uid);
  assert.equal(statSync(join(sandbox, 'made-by-task')).uid, user.uid);
});

test('CommandInfo.user wins over FrameworkInfo.user; a user that does not exist fails the task, naming it', async (t) => {
  requireRoot();
  const { master, workDir, user } = await setup(t);
  const framework: FrameworkInfo = { user: 'root', name: 'switch-user', id: { value: FRAMEWORK_ID } };
  master.send({ type: 'RUN_TASK', run_task: { framework_info: framework, task: commandTask('cmd-user', master.agentId, 'id -un', user.name) } });
  const missing = `nosuchuser${process.pid}`;
  master.send({ type: 'RUN_TASK', run_task: { framework_info: framework, task: commandTask('ghost', master.agentId, 'true', missing) } });

  const failed = await terminal(master, 'ghost');
  assert.equal(failed.state, 'TASK_FAILED');
  assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  assert.match(failed.message ?? '', new RegExp(`user '${missing}' does not exist`));
  const byCommandUser = await terminal(master, 'cmd-user');
  assert.equal(byCommandUser.state, 'TASK_FINISHED', `task ended ${byCommandUser.state}: ${byCommandUser.message}`);
  const sandbox = executorLatestRunLink(workDir, master.agentId, FRAMEWORK_ID, 'cmd-user');
  assert.equal(readFileSync(join(sandbox, 'stdout'), 'utf8').trim().split('\n').at(-1), user.name);
});

test('with --switch_user=false tasks run as the agent user', async (t) => {
  requireRoot();
  const { master, workDir, user } = await setup(t, { switch_user: false });
  const framework: FrameworkInfo = { user: user.name, name: 'no-switch', id: { value: FRAMEWORK_ID } };
  master.send({ type: 'RUN_TASK', run_task: { framework_info: framework, task: commandTask('as-agent', master.agentId, 'id -un') } });
  const done = await terminal(master, 'as-agent');
  assert.equal(done.state, 'TASK_FINISHED', `task ended ${done.state}: ${done.message}`);
  const sandbox = executorLatestRunLink(workDir, master.agentId, FRAMEWORK_ID, 'as-agent');
  assert.equal(readFileSync(join(sandbox, 'stdout'), 'utf8').trim().split('\n').at(-1), 'root');
  assert.equal(statSync(sandbox).uid, 0);
});
