// `agora dev` as a user runs it: the real bin/agora, a real master and agents (needs
// src/master/main.ts and src/agent/main.ts), ports chosen by the OS, a temp work dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnProcess, tempDir, waitFor } from '../helpers/process.ts';

const AGORA = join(import.meta.dirname, '../../bin/agora');

type DevInfo = { work_dir: string; master: { url: string; port: number; pid: number }; agents: { name: string; url: string; agent_id: string; pid: number }[] };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('agora dev --port 0 comes up with two agents, answers the CLI, and stops cleanly on SIGTERM', async () => {
  const dir = tempDir('agora-cli-dev-');
  const dev = spawnProcess(AGORA, ['dev', '--port', '0', '--agents', '2', '--json', '--work_dir', dir.path]);
  try {
    const info = (await dev.waitForLog((l) => 'master' in l && 'agents' in l, 30_000)) as unknown as DevInfo;
    assert.equal(info.work_dir, dir.path);
    assert.match(info.master.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(info.master.port, 5050);
    assert.equal(info.agents.length, 2);
    assert.ok(info.agents.every((a) => a.agent_id.length > 0), 'every agent registered');
    assert.ok(existsSync(join(dir.path, 'logs', 'master.log')));
    assert.ok(existsSync(join(dir.path, 'dev.pid')));

    const list = spawnSync(AGORA, ['agent', 'list', '--json', '--master', info.master.url], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    const ids = (JSON.parse(list.stdout) as { agents: { agent_info: { id: { value: string } } }[] }).agents.map((a) => a.agent_info.id.value);
    assert.deepEqual(ids.sort(), info.agents.map((a) => a.agent_id).sort());

    // A second dev on the same work dir is refused.
    const second = spawnSync(AGORA, ['dev', '--port', '0', '--work_dir', dir.path], { encoding: 'utf8' });
    assert.equal(second.status, 1);
    assert.match(second.stderr, /another agora dev \(pid \d+\) is using/);

    const exited = new Promise<number | null>((resolve) => dev.child.once('exit', (code) => resolve(code)));
    dev.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    for (const pid of [info.master.pid, ...info.agents.map((a) => a.pid)]) assert.equal(alive(pid), false, `process ${pid} is gone`);
    assert.equal(existsSync(join(dir.path, 'dev.pid')), false, 'the lock is released');
  } finally {
    await dev.stop();
    dir.cleanup();
  }
});

test('agora dev exits 1 with the tail of the log when a process dies on its own', async () => {
  const dir = tempDir('agora-cli-dev-');
  const dev = spawnProcess(AGORA, ['dev', '--port', '0', '--json', '--work_dir', dir.path]);
  try {
    const info = (await dev.waitForLog((l) => 'master' in l && 'agents' in l, 30_000)) as unknown as DevInfo;
    const exited = new Promise<number | null>((resolve) => dev.child.once('exit', (code) => resolve(code)));
    process.kill(info.agents[0]!.pid, 'SIGKILL');
    assert.equal(await exited, 1);
    const output = dev.output.join('\n');
    assert.match(output, /agent-1 stopped unexpectedly \(killed by SIGKILL\)/);
    assert.match(output, /last lines of agent-1/);
    await waitFor(() => !alive(info.master.pid), 5000);
  } finally {
    await dev.stop();
    dir.cleanup();
  }
});
