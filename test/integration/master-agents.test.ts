// Agent liveness and re-registration: missed pings -> unreachable -> back again, driven by the
// test agent double over the agent <-> master protocol.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startMaster } from '../../src/master/index.ts';
import { launchTask, until } from '../../src/master/testing/scenario.ts';
import { TestAgent, scalar } from '../../src/master/testing/test-agent.ts';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';
import type { Task } from '../../src/protocol/index.ts';

const PING_MS = 40;
const MAX_PINGS = 3;

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

describe('master: agents', () => {
  test('missed pings: TASK_UNREACHABLE for PARTITION_AWARE, TASK_LOST otherwise, FAILURE; the agent comes back', async () => {
    const master = await startMaster({ port: 0, allocationIntervalMs: 30, agentPingTimeoutMs: PING_MS, maxAgentPingTimeouts: MAX_PINGS });
    const agent = await TestAgent.register(master.url, { hostname: 'flaky.test' });
    const aware = await TestScheduler.subscribe(master.url, { user: 'u', name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }] });
    const plain = await TestScheduler.subscribe(master.url, { user: 'u', name: 'plain' });
    try {
      await launchTask(aware, agent, 'pa');
      await launchTask(plain, agent, 'np');
      // Pings are answered while the tasks start; now the agent falls silent.
      await agent.events.next('PING');
      agent.answerPings = false;
      const unreachable = (await aware.events.next('UPDATE', (e) => e.update.status.task_id.value === 'pa' && e.update.status.source === 'SOURCE_MASTER', 3000)).update.status;
      assert.equal(unreachable.state, 'TASK_UNREACHABLE');
      assert.equal(unreachable.reason, 'REASON_AGENT_REMOVED');
      assert.equal(unreachable.uuid, undefined);
      assert.ok(unreachable.unreachable_time !== undefined);
      const lost = (await plain.events.next('UPDATE', (e) => e.update.status.task_id.value === 'np' && e.update.status.source === 'SOURCE_MASTER')).update.status;
      assert.equal(lost.state, 'TASK_LOST');
      assert.equal((await aware.events.next('FAILURE')).failure.agent_id?.value, agent.agentId);
      assert.equal((await plain.events.next('FAILURE')).failure.agent_id?.value, agent.agentId);
      await until(() => agent.events.ended);
      assert.equal(master.master.agents.get(agent.agentId)?.status, 'unreachable');

      // Explicit reconciliation now says UNREACHABLE for the partition-aware task.
      await aware.mustCall({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'pa' } }] } });
      assert.equal((await aware.events.next('UPDATE', (e) => e.update.status.reason === 'REASON_RECONCILIATION')).update.status.state, 'TASK_UNREACHABLE');

      // The agent re-registers with its id and reports both tasks still running.
      const back = await TestAgent.register(master.url, {
        hostname: 'flaky.test',
        agentId: agent.agentId,
        tasks: [reported(aware.frameworkId, 'pa', agent.agentId), reported(plain.frameworkId, 'np', agent.agentId)],
      });
      try {
        assert.equal(back.agentId, agent.agentId);
        // The non-partition-aware framework was told its task is lost: it is killed.
        const kill = await back.events.next('KILL_TASK');
        assert.equal(kill.kill_task.task_id.value, 'np');
        await aware.mustCall({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'pa' } }] } });
        assert.equal((await aware.events.next('UPDATE', (e) => e.update.status.reason === 'REASON_RECONCILIATION')).update.status.state, 'TASK_RUNNING');
        assert.equal(master.master.agents.get(agent.agentId)?.status, 'connected');
      } finally {
        back.close();
      }
    } finally {
      aware.close();
      plain.close();
      agent.close();
      await master.stop();
    }
  });

  test('a broken stream re-subscribed in time keeps the agent; unreported tasks are lost through the agent', async () => {
    const master = await startMaster({ port: 0, allocationIntervalMs: 30, agentPingTimeoutMs: 1000, maxAgentPingTimeouts: 5 });
    const agent = await TestAgent.register(master.url);
    const scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: 'reregister' });
    try {
      await launchTask(scheduler, agent, 'kept');
      await launchTask(scheduler, agent, 'forgotten');
      agent.close();
      await until(() => master.master.agents.get(agent.agentId)?.status === 'disconnected');
      // The rest of the agent may have been re-offered before it went (rescinded since): only an
      // offer made after it is back counts below.
      const earlier = new Set(scheduler.events.all());
      const back = await TestAgent.register(master.url, { agentId: agent.agentId, tasks: [reported(scheduler.frameworkId, 'kept', agent.agentId)] });
      try {
        const subscribed = back.events.all()[0];
        assert.equal(subscribed?.type, 'SUBSCRIBED');
        assert.deepEqual(back.reconciliations, [{ framework_id: { value: scheduler.frameworkId }, task_id: { value: 'forgotten' }, state: 'TASK_LOST' }]);
        // The agent settles it (Mesos `reconcileKnownSlave`): one update, from the agent, to acknowledge.
        await back.answerReconciliations();
        const forgotten = (await scheduler.events.next('UPDATE', (e) => e.update.status.task_id.value === 'forgotten' && e.update.status.state !== 'TASK_RUNNING')).update.status;
        assert.equal(forgotten.state, 'TASK_LOST');
        assert.equal(forgotten.source, 'SOURCE_AGENT');
        assert.equal(forgotten.reason, 'REASON_RECONCILIATION');
        assert.equal(master.master.frameworks.get(scheduler.frameworkId)?.tasks.get('kept')?.state, 'TASK_RUNNING');
        assert.equal(master.master.agents.get(agent.agentId)?.status, 'connected');
        // Offers from the agent resume, minus what the kept task uses.
        const offer = await scheduler.events.next('OFFERS', (e) => !earlier.has(e) && e.offers.offers!.some((o) => o.agent_id.value === agent.agentId));
        const cpus = offer.offers.offers![0]!.resources!.find((r) => r.name === 'cpus')!.scalar!.value;
        assert.ok(cpus <= 3.5, `offered ${cpus} cpus while 0.5 are in use`);
      } finally {
        back.close();
      }
    } finally {
      scheduler.close();
      agent.close();
      await master.stop();
    }
  });

  test('bounded memory: the oldest unreachable tasks beyond the limit, and unreachable agents beyond the registry limit, are forgotten', async () => {
    const master = await startMaster({
      port: 0,
      allocationIntervalMs: 30,
      agentPingTimeoutMs: PING_MS,
      maxAgentPingTimeouts: MAX_PINGS,
      maxUnreachableTasksPerFramework: 2,
      registryGcIntervalMs: 50,
      registryMaxAgentCount: 1,
    });
    const a = await TestAgent.register(master.url, { hostname: 'a.test' });
    const scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: 'bounded', capabilities: [{ type: 'PARTITION_AWARE' }] });
    let b: TestAgent | undefined;
    const reconcile = async (taskId: string, agentId: string): Promise<string> => {
      await scheduler.mustCall({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: taskId }, agent_id: { value: agentId } }] } });
      return (await scheduler.events.next('UPDATE', (e) => e.update.status.task_id.value === taskId && e.update.status.reason === 'REASON_RECONCILIATION')).update.status.state;
    };
    try {
      await launchTask(scheduler, a, 'a1');
      // Registered only now, so that each OFFERS event holds one agent's offer.
      b = await TestAgent.register(master.url, { hostname: 'b.test' });
      await launchTask(scheduler, b, 'b1');
      await launchTask(scheduler, b, 'b2');
      const tasks = master.master.frameworks.get(scheduler.frameworkId)!.tasks;
      a.answerPings = false;
      await until(() => master.master.agents.get(a.agentId)?.status === 'unreachable', 3000);
      const second = b;
      second.answerPings = false;
      await until(() => master.master.agents.get(second.agentId)?.status === 'unreachable', 3000);
      // Three unreachable tasks, at most two kept: a1 was unreachable the longest.
      assert.deepEqual([...tasks.keys()].sort(), ['b1', 'b2']);
      // The registry keeps one unreachable agent: the older one, a, goes (with nothing left of it).
      await until(() => !master.master.agents.has(a.agentId), 3000);
      assert.equal(master.master.registry.agents().has(a.agentId), false);
      assert.equal(master.master.agents.get(second.agentId)?.status, 'unreachable');
      assert.equal(await reconcile('a1', a.agentId), 'TASK_UNKNOWN');
      assert.equal(await reconcile('b1', second.agentId), 'TASK_UNREACHABLE');
    } finally {
      scheduler.close();
      a.close();
      b?.close();
      await master.stop();
    }
  });
});
