// An agent marked gone (operator MARK_AGENT_GONE) leaves for good, real processes: connected, it
// gets SHUTDOWN on its stream; restarted on its work dir after being marked gone, its SUBSCRIBE is
// answered 403 with one SHUTDOWN record. Either way it exits non-zero saying why, and never
// retries; the checkpoint forgets the agent id so the next start registers a new agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnProcess, type Spawned } from '../helpers/process.ts';
import { AGORA, DEFAULT_AGENT_RESOURCES, post, startCluster, type Cluster } from './conformance-support.ts';

function exitCode(agent: Spawned): Promise<number | null> {
  if (agent.child.exitCode !== null || agent.child.signalCode !== null) return Promise.resolve(agent.child.exitCode);
  return new Promise((resolve) => agent.child.once('exit', (code) => resolve(code)));
}

async function markGone(cluster: Cluster): Promise<void> {
  const reply = await post(`${cluster.masterUrl}/api/v1`, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: cluster.agentId } } });
  assert.equal(reply.status, 200, reply.text);
}

function logged(agent: Spawned, msg: string): boolean {
  return agent.output.some((line) => line.includes(`"msg":"${msg}"`));
}

const latestLink = (cluster: Cluster): string => join(cluster.workDir, 'agent', 'meta', 'slaves', 'latest');

test('a connected agent marked gone exits non-zero with the reason', { timeout: 30_000 }, async () => {
  const cluster = await startCluster();
  try {
    const exited = exitCode(cluster.agent);
    await markGone(cluster);
    const line = await cluster.agent.waitForLog((l) => l.msg === 'master shut the agent down');
    assert.match(String(line.message), /marked gone/);
    assert.equal(await exited, 1);
    assert.equal(existsSync(latestLink(cluster)), false, 'the checkpoint forgot the agent id');
  } finally {
    await cluster.stop();
  }
});

test('an agent restarted after being marked gone reads the 403 SHUTDOWN and exits without retrying', { timeout: 30_000 }, async () => {
  const cluster = await startCluster();
  let restarted: Spawned | undefined;
  try {
    const killed = exitCode(cluster.agent);
    cluster.agent.child.kill('SIGKILL');
    await killed;
    await markGone(cluster);
    assert.ok(existsSync(latestLink(cluster)), 'the killed agent left its id checkpointed');

    restarted = spawnProcess(AGORA, [
      'agent',
      '--port=0',
      `--master=127.0.0.1:${cluster.masterPort}`,
      `--work_dir=${join(cluster.workDir, 'agent')}`,
      `--resources=${DEFAULT_AGENT_RESOURCES}`,
    ]);
    const exited = exitCode(restarted);
    const refused = await restarted.waitForLog((l) => l.msg === 'master refused the agent for good');
    assert.equal(await exited, 1);
    assert.match(String(refused.message), new RegExp(`${cluster.agentId}.*marked gone`));
    assert.ok(logged(restarted, 'master shut the agent down'));
    assert.ok(!logged(restarted, 'subscription failed'), 'no retry after the refusal');
    assert.equal(existsSync(latestLink(cluster)), false, 'the checkpoint forgot the agent id');
  } finally {
    await restarted?.stop();
    await cluster.stop();
  }
});
