// Operator MARK_AGENT_GONE (master-features §5.3) and --agent_removal_rate_limit (§6.3), against an
// in-process master over HTTP: tasks become TASK_GONE_BY_OPERATOR (TASK_LOST for frameworks that
// are not PARTITION_AWARE), the agent is shut down and refused from then on, also after a master
// restart on the same registry; agents that fail health checks are marked unreachable at the
// configured pace, and one that comes back while waiting is not marked.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MasterClient } from '../../src/client/master-client.ts';
import { startMaster } from '../../src/master/index.ts';
import { launchTask, until } from '../../src/master/testing/scenario.ts';
import { TestAgent } from '../../src/master/testing/test-agent.ts';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';
import { AGENT_PROTOCOL_PATH, AGENT_PROTOCOL_VERSION } from '../../src/protocol/agora/agent-master.ts';
import type { FrameworkInfo } from '../../src/protocol/index.ts';
import { tempDir } from '../helpers/process.ts';

const PARTITION_AWARE: Pick<FrameworkInfo, 'capabilities'> = { capabilities: [{ type: 'PARTITION_AWARE' }] };

async function operator(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
}

/** A raw SUBSCRIBE with `agentId`, as the real agent sends it; returns status and body text. */
async function resubscribe(url: string, agentId: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}${AGENT_PROTOCOL_PATH}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      type: 'SUBSCRIBE',
      subscribe: {
        protocol_version: AGENT_PROTOCOL_VERSION,
        version: '0.1.0',
        ip: '127.0.0.1',
        agent_info: { id: { value: agentId }, hostname: 'agent.test', port: 5051, resources: [] },
      },
    }),
  });
  return { status: res.status, body: await res.text() };
}

describe('master: MARK_AGENT_GONE', () => {
  test('tasks GONE_BY_OPERATOR (LOST if not partition-aware), SHUTDOWN, FAILURE, refused also after a restart', async () => {
    const dir = tempDir('agora-master-gone-');
    const workDir = join(dir.path, 'master');
    let master = await startMaster({ port: 0, workDir, allocationIntervalMs: 30 });
    const closers: (() => void)[] = [];
    try {
      const agent = await TestAgent.register(master.url);
      closers.push(() => agent.close());
      const aware = await TestScheduler.subscribe(master.url, { user: 'u', name: 'aware', failover_timeout: 3600, ...PARTITION_AWARE });
      closers.push(() => aware.close());
      const legacy = await TestScheduler.subscribe(master.url, { user: 'u', name: 'legacy' });
      closers.push(() => legacy.close());
      await launchTask(aware, agent, 'a1');
      await launchTask(legacy, agent, 'l1');

      assert.equal((await operator(master.url, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'no-such-agent' } } })).status, 404);
      const client = new MasterClient(master.url);
      await client.markAgentGone(agent.agentId);

      const gone = (await aware.events.next('UPDATE', (e) => e.update.status.task_id.value === 'a1' && e.update.status.source === 'SOURCE_MASTER')).update.status;
      assert.equal(gone.state, 'TASK_GONE_BY_OPERATOR');
      assert.equal(gone.reason, 'REASON_AGENT_REMOVED_BY_OPERATOR');
      const lost = (await legacy.events.next('UPDATE', (e) => e.update.status.task_id.value === 'l1' && e.update.status.source === 'SOURCE_MASTER')).update.status;
      assert.equal(lost.state, 'TASK_LOST');
      await aware.events.next('FAILURE', (e) => e.failure.agent_id?.value === agent.agentId);
      await legacy.events.next('FAILURE', (e) => e.failure.agent_id?.value === agent.agentId);
      assert.match((await agent.events.next('SHUTDOWN')).shutdown.message, /marked gone/);
      assert.equal(master.master.agents.has(agent.agentId), false);
      assert.equal([...master.master.offers.values()].some((o) => o.agentId === agent.agentId), false, 'no offers on a gone agent');

      // Idempotent.
      assert.equal((await operator(master.url, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agent.agentId } } })).status, 200);
      const refused = await resubscribe(master.url, agent.agentId);
      assert.equal(refused.status, 403);
      assert.match(refused.body, /"type":"SHUTDOWN"/);

      await aware.mustCall({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'a1' }, agent_id: { value: agent.agentId } }] } });
      const reconciled = (await aware.events.next('UPDATE', (e) => e.update.status.reason === 'REASON_RECONCILIATION')).update.status;
      assert.equal(reconciled.state, 'TASK_GONE_BY_OPERATOR');

      await master.stop();
      master = await startMaster({ port: 0, workDir, allocationIntervalMs: 30 });
      const again = await resubscribe(master.url, agent.agentId);
      assert.equal(again.status, 403, 'still refused after a restart');
      assert.equal((await operator(master.url, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agent.agentId } } })).status, 200);
      const back = await TestScheduler.subscribe(master.url, { user: 'u', name: 'aware', failover_timeout: 3600, id: { value: aware.frameworkId }, ...PARTITION_AWARE });
      closers.push(() => back.close());
      await back.mustCall({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'a1' }, agent_id: { value: agent.agentId } }] } });
      assert.equal((await back.events.next('UPDATE', (e) => e.update.status.reason === 'REASON_RECONCILIATION')).update.status.state, 'TASK_GONE_BY_OPERATOR');
    } finally {
      for (const close of closers) close();
      await master.stop();
      dir.cleanup();
    }
  });

  test('an unreachable agent marked gone: its UNREACHABLE task becomes GONE_BY_OPERATOR', async () => {
    const master = await startMaster({ port: 0, allocationIntervalMs: 30, agentPingTimeoutMs: 50, maxAgentPingTimeouts: 2 });
    const agent = await TestAgent.register(master.url);
    const aware = await TestScheduler.subscribe(master.url, { user: 'u', name: 'aware', ...PARTITION_AWARE });
    try {
      await launchTask(aware, agent, 'a1');
      agent.answerPings = false;
      assert.equal((await aware.events.next('UPDATE', (e) => e.update.status.source === 'SOURCE_MASTER')).update.status.state, 'TASK_UNREACHABLE');
      assert.equal((await operator(master.url, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agent.agentId } } })).status, 200);
      assert.equal((await aware.events.next('UPDATE', (e) => e.update.status.source === 'SOURCE_MASTER')).update.status.state, 'TASK_GONE_BY_OPERATOR');
      assert.equal(master.master.findTask(aware.frameworkId, 'a1'), undefined, 'completed');
    } finally {
      agent.close();
      aware.close();
      await master.stop();
    }
  });
});

describe('master: --agent_removal_rate_limit', () => {
  test('1/1mins: the first silent agent is marked at once, the second waits, and is not marked when it answers again', async () => {
    const master = await startMaster({
      port: 0,
      agentPingTimeoutMs: 40,
      maxAgentPingTimeouts: 2,
      agentRemovalRateLimit: { permits: 1, durationMs: 60_000 },
    });
    const a = await TestAgent.register(master.url, { hostname: 'a' });
    const b = await TestAgent.register(master.url, { hostname: 'b' });
    const metric = (name: string): number => master.master.metrics.snapshot()[`master/slave_unreachable_${name}`] ?? 0;
    try {
      a.answerPings = false;
      b.answerPings = false;
      await until(() => metric('scheduled') === 2 && metric('completed') === 1);
      const statuses = [a, b].map((x) => master.master.agents.get(x.agentId)!.status);
      assert.deepEqual(statuses.filter((s) => s === 'unreachable').length, 1, `one of ${statuses.join(', ')}`);
      const waiting = master.master.agents.get(a.agentId)!.status === 'unreachable' ? b : a;
      assert.ok(master.master.unreachableLimiter.has(waiting.agentId));
      waiting.answerPings = true;
      await until(() => metric('canceled') === 1);
      assert.equal(master.master.unreachableLimiter.has(waiting.agentId), false);
      assert.equal(master.master.agents.get(waiting.agentId)!.status, 'connected');
      assert.equal(metric('completed'), 1);
    } finally {
      a.close();
      b.close();
      await master.stop();
    }
  });
});
