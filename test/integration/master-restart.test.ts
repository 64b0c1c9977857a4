// Master restart on the same work dir (in process): the SQLite registry brings back agents,
// frameworks and task states; agents and frameworks re-register with their ids.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startMaster, type RunningMaster } from '../../src/master/server.ts';
import type { MasterOptions } from '../../src/master/options.ts';
import { launchTask, until } from '../../src/master/testing/scenario.ts';
import { TestAgent, scalar } from '../../src/master/testing/test-agent.ts';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';
import type { Task } from '../../src/protocol/index.ts';

function reported(frameworkId: string, taskId: string, agentId: string): Task {
  return {
    name: taskId,
    task_id: { value: taskId },
    framework_id: { value: frameworkId },
    agent_id: { value: agentId },
    state: 'TASK_RUNNING',
    resources: [scalar('cpus', 0.5), scalar('mem', 64)].map((r) => ({ ...r, allocation_info: { role: '*' } })),
  };
}

async function withWorkDir(fn: (start: (o?: MasterOptions) => Promise<RunningMaster>) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agora-master-restart-'));
  const running: RunningMaster[] = [];
  try {
    await fn(async (o = {}) => {
      const m = await startMaster({ port: 0, workDir: dir, allocationIntervalMs: 30, ...o });
      running.push(m);
      return m;
    });
  } finally {
    for (const m of running) await m.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('restart: the agent re-registers with its id, the framework re-subscribes, reconciliation says RUNNING at once', () =>
  withWorkDir(async (start) => {
    const first = await start();
    const agent = await TestAgent.register(first.url);
    const fw = await TestScheduler.subscribe(first.url, { user: 'u', name: 'keeper', failover_timeout: 3600 });
    await launchTask(fw, agent, 't1');
    const fwInfo = first.master.frameworks.get(fw.frameworkId)!.info;
    fw.close();
    agent.close();
    await first.stop();

    const second = await start({ agentReregisterTimeoutMs: 60_000 });
    assert.notEqual(second.masterId, first.masterId);
    assert.deepEqual([...second.master.recoveringAgents.keys()], [agent.agentId]);
    assert.equal(second.master.frameworks.get(fw.frameworkId)?.status, 'recovered');
    const back = await TestScheduler.subscribe(second.url, fwInfo);
    try {
      assert.equal(back.frameworkId, fw.frameworkId);
      // Before the agent is back: answered from the persisted state.
      await back.mustCall({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 't1' } }] } });
      const early = (await back.events.next('UPDATE', (e) => e.update.status.reason === 'REASON_RECONCILIATION')).update.status;
      assert.equal(early.state, 'TASK_RUNNING');

      const again = await TestAgent.register(second.url, {
        agentId: agent.agentId,
        tasks: [reported(fw.frameworkId, 't1', agent.agentId)],
        frameworks: [{ framework_info: fwInfo }],
      });
      try {
        assert.equal(again.agentId, agent.agentId);
        assert.deepEqual(again.reconciliations, []);
        assert.equal(second.master.recoveringAgents.size, 0);
        await back.mustCall({ type: 'RECONCILE', reconcile: { tasks: [] } });
        const later = (await back.events.next('UPDATE', (e) => e.update.status.reason === 'REASON_RECONCILIATION')).update.status;
        assert.equal(later.state, 'TASK_RUNNING');
        assert.equal(later.agent_id?.value, agent.agentId);
        // A new agent gets a new id, never one handed out before the restart.
        const fresh = await TestAgent.register(second.url, { hostname: 'fresh.test' });
        assert.notEqual(fresh.agentId, agent.agentId);
        assert.match(fresh.agentId, /-S1$/);
        fresh.close();
      } finally {
        again.close();
      }
    } finally {
      back.close();
    }
  }));

test('restart: a framework that does not come back is torn down after failover_timeout counted from before the restart', () =>
  withWorkDir(async (start) => {
    const first = await start();
    const fw = await TestScheduler.subscribe(first.url, { user: 'u', name: 'leaver', failover_timeout: 0.4 });
    const disconnectedAt = Date.now();
    fw.close();
    await until(() => first.master.frameworks.get(fw.frameworkId)?.status === 'disconnected');
    await first.stop();
    const second = await start();
    assert.equal(second.master.frameworks.get(fw.frameworkId)?.status, 'recovered');
    await until(() => second.master.completedFrameworks.some((f) => f.id === fw.frameworkId), 5000);
    assert.ok(Date.now() - disconnectedAt < 2000, 'torn down on the original deadline, not a fresh one');
    await second.stop();
    // Expired while the master was down: torn down at start, and a re-subscription is refused.
    const third = await start();
    assert.equal(third.master.frameworks.has(fw.frameworkId), false);
    assert.ok(third.master.completedFrameworks.some((f) => f.id === fw.frameworkId));
  }));

test('restart: an agent that does not re-register within agent_reregister_timeout goes unreachable, its task UNREACHABLE', () =>
  withWorkDir(async (start) => {
    const first = await start();
    const agent = await TestAgent.register(first.url);
    const fw = await TestScheduler.subscribe(first.url, { user: 'u', name: 'aware', failover_timeout: 3600, capabilities: [{ type: 'PARTITION_AWARE' }] });
    await launchTask(fw, agent, 't1');
    const fwInfo = first.master.frameworks.get(fw.frameworkId)!.info;
    fw.close();
    agent.close();
    await first.stop();

    const second = await start({ agentReregisterTimeoutMs: 300 });
    const back = await TestScheduler.subscribe(second.url, fwInfo);
    try {
      const update = (await back.events.next('UPDATE', (e) => e.update.status.task_id.value === 't1' && e.update.status.source === 'SOURCE_MASTER', 5000)).update.status;
      assert.equal(update.state, 'TASK_UNREACHABLE');
      assert.equal(second.master.agents.get(agent.agentId)?.status, 'unreachable');
      assert.equal(second.master.registry.agents().get(agent.agentId)?.state, 'unreachable');
    } finally {
      back.close();
    }
  }));

test('restart: a corrupt registry file fails the start with a message naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-master-restart-'));
  try {
    const file = join(dir, 'registry.db');
    writeFileSync(file, 'garbage '.repeat(1000));
    await assert.rejects(startMaster({ port: 0, workDir: dir }), (err: Error) => err.message.includes(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
