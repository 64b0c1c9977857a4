// Re-registration and reconciliation: every task's resources go back to the allocator exactly
// once whatever the order of reconnections, updates and ACKs; a task the agent forgot is settled
// through the agent alone; reconciliation never runs ahead of unacknowledged updates; frameworks
// known only from agents' reports are booked in the allocator.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startMaster, type RunningMaster } from '../../src/master/index.ts';
import { allocatorMismatch, launchTask, until } from '../../src/master/testing/scenario.ts';
import { TestAgent, scalar } from '../../src/master/testing/test-agent.ts';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';
import type { Task, TaskState } from '../../src/protocol/index.ts';

function reported(frameworkId: string, taskId: string, agentId: string, state: TaskState = 'TASK_RUNNING'): Task {
  return {
    name: taskId,
    task_id: { value: taskId },
    framework_id: { value: frameworkId },
    agent_id: { value: agentId },
    executor_id: { value: taskId },
    state,
    resources: [scalar('cpus', 0.5), scalar('mem', 64)].map((r) => ({ ...r, allocation_info: { role: '*' } })),
  };
}

async function ack(scheduler: TestScheduler, agentId: string, taskId: string, uuid: string): Promise<void> {
  await scheduler.mustCall({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: { value: taskId }, uuid } });
}

/** SUPPRESS, and decline what the framework still holds: afterwards it holds only its tasks. */
async function holdOnlyTasks(master: RunningMaster, scheduler: TestScheduler): Promise<void> {
  await scheduler.mustCall({ type: 'SUPPRESS' });
  const offers = [...master.master.frameworks.get(scheduler.frameworkId)!.offers].map((value) => ({ value }));
  if (offers.length > 0) await scheduler.mustCall({ type: 'DECLINE', decline: { offer_ids: offers, filters: { refuse_seconds: 3600 } } });
}

/** Two frameworks, one 0.5-cpu task each on a 4-cpu agent; `f` holds nothing but its task. */
async function twoTasks(master: RunningMaster): Promise<{ agent: TestAgent; f: TestScheduler; g: TestScheduler }> {
  const agent = await TestAgent.register(master.url);
  const f = await TestScheduler.subscribe(master.url, { user: 'u', name: 'f' });
  const g = await TestScheduler.subscribe(master.url, { user: 'u', name: 'g' });
  await ack(f, agent.agentId, 't1', await launchTask(f, agent, 't1'));
  await holdOnlyTasks(master, f);
  await ack(g, agent.agentId, 't2', await launchTask(g, agent, 't2'));
  return { agent, f, g };
}

describe('master: re-registration and reconciliation', () => {
  test('a task that finished while its agent was away: its resources come back once, and the ACK is accepted', async () => {
    const master = await startMaster({ port: 0, allocationIntervalMs: 30, agentPingTimeoutMs: 1000 });
    const { agent, f, g } = await twoTasks(master);
    let back: TestAgent | undefined;
    try {
      agent.close();
      await until(() => master.master.agents.get(agent.agentId)?.status === 'disconnected');
      // t1 finished meanwhile; the agent reports it, and re-sends its unacknowledged update.
      back = await TestAgent.register(master.url, {
        agentId: agent.agentId,
        tasks: [reported(f.frameworkId, 't1', agent.agentId, 'TASK_FINISHED'), reported(g.frameworkId, 't2', agent.agentId)],
        frameworks: [],
      });
      assert.equal(master.master.findTask(f.frameworkId, 't1')?.state, 'TASK_RUNNING', 'the master keeps its own state until the update arrives');
      assert.equal(allocatorMismatch(master.master, agent.agentId), undefined);
      const uuid = await back.statusUpdate(f.frameworkId, 't1', 'TASK_FINISHED', { executorId: 't1' });
      await f.events.next('UPDATE', (e) => e.update.status.uuid === uuid);
      assert.equal(allocatorMismatch(master.master, agent.agentId), undefined);
      // Before the fix this ACK recovered t1's resources a second time: 500 (InvariantError).
      await ack(f, agent.agentId, 't1', uuid);
      await back.events.next('ACKNOWLEDGE_STATUS_UPDATE', (e) => e.acknowledge_status_update.uuid === uuid);
      assert.equal(master.master.findTask(f.frameworkId, 't1'), undefined, 'completed');
      assert.equal(allocatorMismatch(master.master, agent.agentId), undefined);
      assert.equal(master.master.metrics.snapshot()['allocator/agora/rejected_updates'] ?? 0, 0);
      // What is offered on the agent never overlaps t2: offers + running tasks fit in 4 cpus.
      await until(() => [...master.master.offers.values()].some((o) => o.agentId === agent.agentId));
      const offered = [...master.master.offers.values()].filter((o) => o.agentId === agent.agentId).reduce((n, o) => n + (o.resources.cpus() ?? 0), 0);
      assert.ok(offered <= 3.5, `offered ${offered} cpus while t2 uses 0.5 of 4`);
    } finally {
      back?.close();
      f.close();
      g.close();
      agent.close();
      await master.stop();
    }
  });

  test('an allocator that disagrees with the master never turns a valid call into a 500: the agent is rebuilt', async () => {
    const master = await startMaster({ port: 0, allocationIntervalMs: 30 });
    const { agent, f, g } = await twoTasks(master);
    try {
      const uuid = await agent.statusUpdate(f.frameworkId, 't1', 'TASK_FINISHED', { executorId: 't1' });
      await f.events.next('UPDATE', (e) => e.update.status.uuid === uuid);
      // Simulate a bookkeeping bug: the master believes t1's resources are still booked.
      master.master.findTask(f.frameworkId, 't1')!.resourcesRecovered = false;
      const res = await f.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agent.agentId }, task_id: { value: 't1' }, uuid } });
      assert.equal(res.status, 202, await res.text());
      assert.equal(master.master.metrics.snapshot()['allocator/agora/rejected_updates'], 1);
      assert.equal(allocatorMismatch(master.master, agent.agentId), undefined, 'rebuilt from the records');
      assert.equal(master.master.findTask(g.frameworkId, 't2')?.resourcesRecovered, false);
    } finally {
      f.close();
      g.close();
      agent.close();
      await master.stop();
    }
  });

  test('a task the re-registering agent does not know: listed for the agent only, one terminal update, resources back once', async () => {
    const master = await startMaster({ port: 0, allocationIntervalMs: 30, agentPingTimeoutMs: 1000 });
    const agent = await TestAgent.register(master.url);
    const aware = await TestScheduler.subscribe(master.url, { user: 'u', name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }] });
    let plain: TestScheduler | undefined;
    let back: TestAgent | undefined;
    try {
      await ack(aware, agent.agentId, 'kept', await launchTask(aware, agent, 'kept'));
      await ack(aware, agent.agentId, 'pa', await launchTask(aware, agent, 'pa'));
      // `aware` gives back what it still holds (or the rest of the agent could stay with it).
      await holdOnlyTasks(master, aware);
      // Subscribed only now, so that the offers above all go to `aware`.
      plain = await TestScheduler.subscribe(master.url, { user: 'u', name: 'plain' });
      await ack(plain, agent.agentId, 'np', await launchTask(plain, agent, 'np'));
      agent.close();
      await until(() => master.master.agents.get(agent.agentId)?.status === 'disconnected');
      back = await TestAgent.register(master.url, { agentId: agent.agentId, tasks: [reported(aware.frameworkId, 'kept', agent.agentId)] });
      const listed = new Map(back.reconciliations.map((r) => [r.task_id.value, r.state]));
      assert.deepEqual(Object.fromEntries(listed), { pa: 'TASK_DROPPED', np: 'TASK_LOST' });
      // Nothing is decided by the master meanwhile: the tasks and their resources stay booked.
      assert.equal(master.master.findTask(aware.frameworkId, 'pa')?.state, 'TASK_RUNNING');
      assert.equal(allocatorMismatch(master.master, agent.agentId), undefined);

      const uuids = await back.answerReconciliations();
      for (const [scheduler, taskId, state] of [[aware, 'pa', 'TASK_DROPPED'], [plain, 'np', 'TASK_LOST']] as const) {
        const update = (await scheduler.events.next('UPDATE', (e) => e.update.status.task_id.value === taskId)).update.status;
        assert.equal(update.state, state);
        assert.equal(update.source, 'SOURCE_AGENT');
        assert.equal(update.uuid, uuids.get(taskId));
        await ack(scheduler, agent.agentId, taskId, update.uuid!);
        assert.equal(master.master.findTask(scheduler.frameworkId, taskId), undefined, `${taskId} completed on ACK`);
      }
      assert.equal(allocatorMismatch(master.master, agent.agentId), undefined);
      // The stream is ordered: once the answer to this arrives, every earlier update has too.
      await aware.mustCall({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'kept' } }] } });
      await aware.events.next('UPDATE', (e) => e.update.status.task_id.value === 'kept' && e.update.status.reason === 'REASON_RECONCILIATION');
      await plain.mustCall({ type: 'RECONCILE', reconcile: {} });
      await plain.mustCall({ type: 'SUPPRESS' });
      const updatesFor = (s: TestScheduler, taskId: string): number =>
        s.events.all().filter((e) => e.type === 'UPDATE' && e.update.status.task_id.value === taskId && e.update.status.state !== 'TASK_RUNNING').length;
      assert.equal(updatesFor(aware, 'pa'), 1, 'exactly one terminal update for pa');
      assert.equal(updatesFor(plain, 'np'), 1, 'exactly one terminal update for np');
    } finally {
      back?.close();
      aware.close();
      plain?.close();
      agent.close();
      await master.stop();
    }
  });

  test('reconciliation answers the state of the unacknowledged update, not a later one', async () => {
    const master = await startMaster({ port: 0, allocationIntervalMs: 30 });
    const agent = await TestAgent.register(master.url);
    const scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: 'pending' });
    try {
      const uuid = await launchTask(scheduler, agent, 'p1', 'TASK_STARTING');
      // The agent retries the unacknowledged update; meanwhile the task finished.
      await agent.statusUpdate(scheduler.frameworkId, 'p1', 'TASK_STARTING', { executorId: 'p1', uuid, latestState: 'TASK_FINISHED' });
      assert.equal(master.master.findTask(scheduler.frameworkId, 'p1')?.state, 'TASK_FINISHED');
      const reconciled = async (body: Record<string, unknown>): Promise<string> => {
        await scheduler.mustCall({ type: 'RECONCILE', reconcile: body });
        return (await scheduler.events.next('UPDATE', (e) => e.update.status.reason === 'REASON_RECONCILIATION')).update.status.state;
      };
      assert.equal(await reconciled({ tasks: [{ task_id: { value: 'p1' } }] }), 'TASK_STARTING');
      assert.equal(await reconciled({}), 'TASK_STARTING');
      await ack(scheduler, agent.agentId, 'p1', uuid);
      assert.equal(await reconciled({ tasks: [{ task_id: { value: 'p1' } }] }), 'TASK_FINISHED');
    } finally {
      scheduler.close();
      agent.close();
      await master.stop();
    }
  });

  test('a framework known only from an agent report is booked in the allocator: its finished tasks free their resources', async () => {
    const master = await startMaster({ port: 0, allocationIntervalMs: 30 });
    const oldFramework = { user: 'u', name: 'old', id: { value: 'before-restart-0000' } };
    const agentId = 'before-restart-S0';
    const agent = await TestAgent.register(master.url, {
      agentId,
      tasks: [reported(oldFramework.id.value, 'r1', agentId)],
      frameworks: [{ framework_info: oldFramework }],
    });
    const other = await TestScheduler.subscribe(master.url, { user: 'u', name: 'other' });
    let old: TestScheduler | undefined;
    try {
      assert.equal(master.master.frameworks.get(oldFramework.id.value)?.status, 'recovered');
      assert.equal(allocatorMismatch(master.master, agentId), undefined);
      const first = (await other.events.next('OFFERS')).offers.offers![0]!;
      assert.equal(first.resources!.find((r) => r.name === 'cpus')?.scalar?.value, 3.5);
      await agent.statusUpdate(oldFramework.id.value, 'r1', 'TASK_FINISHED', { executorId: 'r1' });
      await other.mustCall({ type: 'DECLINE', decline: { offer_ids: [first.id], filters: { refuse_seconds: 0 } } });
      // Before the fix the finished task's 0.5 cpus stayed booked to nobody, for good.
      const offeredToOther = (): number =>
        [...master.master.offers.values()].filter((o) => o.frameworkId === other.frameworkId).reduce((n, o) => n + (o.resources.cpus() ?? 0), 0);
      await until(() => offeredToOther() === 4);
      assert.equal(allocatorMismatch(master.master, agentId), undefined);
      await holdOnlyTasks(master, other);

      // The framework comes back: it is activated, and gets offers.
      old = await TestScheduler.subscribe(master.url, oldFramework);
      assert.equal(master.master.frameworks.get(oldFramework.id.value)?.status, 'connected');
      await old.events.next('OFFERS', (e) => e.offers.offers!.some((o) => o.agent_id.value === agentId));
    } finally {
      old?.close();
      other.close();
      agent.close();
      await master.stop();
    }
  });
});
