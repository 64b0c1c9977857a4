// Framework failover, failover_timeout, teardown, reconciliation and KILL, driven over raw HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMaster, type RunningMaster } from '../../src/master/index.ts';
import { launchTask, until } from '../../src/master/testing/scenario.ts';
import { TestAgent } from '../../src/master/testing/test-agent.ts';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';

const PA = [{ type: 'PARTITION_AWARE' as const }];

describe('master: frameworks', () => {
  let master: RunningMaster;
  let agent: TestAgent;
  before(async () => {
    master = await startMaster({ port: 0, allocationIntervalMs: 50 });
    agent = await TestAgent.register(master.url, { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 8 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 8192 } }] });
  });
  after(async () => {
    agent.close();
    await master.stop();
  });

  test('re-subscribe within failover_timeout keeps the id and tasks, and re-sends the unacknowledged update', async () => {
    const first = await TestScheduler.subscribe(master.url, { user: 'u', name: 'failover', failover_timeout: 30 });
    const uuid = await launchTask(first, agent, 'f1');
    first.close();
    const fw = master.master.frameworks.get(first.frameworkId)!;
    await until(() => fw.status === 'disconnected');
    const second = await TestScheduler.subscribe(master.url, { user: 'u', name: 'failover', failover_timeout: 30, id: { value: first.frameworkId } });
    try {
      assert.equal(second.frameworkId, first.frameworkId);
      const resent = await second.events.next('UPDATE');
      assert.equal(resent.update.status.uuid, uuid);
      assert.equal(resent.update.status.state, 'TASK_RUNNING');
      assert.equal(fw.status, 'connected');
      assert.equal(fw.tasks.get('f1')?.state, 'TASK_RUNNING');
      // The agents hear about the new framework instance.
      await agent.events.next('UPDATE_FRAMEWORK', (e) => e.update_framework.framework_info.id?.value === fw.id);

      // A third subscription while the second stream is open: the second gets ERROR and is closed.
      const third = await TestScheduler.subscribe(master.url, { user: 'u', name: 'failover', id: { value: first.frameworkId } });
      const error = await second.events.next('ERROR');
      assert.equal(error.error.message, 'Framework failed over');
      await until(() => second.events.ended);
      assert.notEqual(third.streamId, second.streamId);
      await third.mustCall({ type: 'TEARDOWN' });
      third.close();
    } finally {
      second.close();
    }
  });

  test('failover_timeout expiry removes the framework: tasks killed, executors shut down, kept as completed', async () => {
    const scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: 'short', failover_timeout: 0.2 });
    await launchTask(scheduler, agent, 's1');
    const id = scheduler.frameworkId;
    scheduler.close();
    await agent.events.next('SHUTDOWN_FRAMEWORK', (e) => e.shutdown_framework.framework_id.value === id, 3000);
    const completed = master.master.completedFrameworks.find((f) => f.id === id);
    assert.ok(completed, 'kept among completed frameworks');
    assert.equal(completed.completedTasks[0]?.state, 'TASK_KILLED');
    assert.equal(master.master.frameworks.has(id), false);
    // A removed framework cannot come back.
    await assert.rejects(TestScheduler.subscribe(master.url, { user: 'u', name: 'short', id: { value: id } }), /Framework has been removed/);
  });

  test('TEARDOWN kills the tasks at once', async () => {
    const scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: 'teardown', failover_timeout: 600 });
    try {
      await launchTask(scheduler, agent, 'td1');
      await scheduler.mustCall({ type: 'TEARDOWN' });
      await agent.events.next('SHUTDOWN_FRAMEWORK', (e) => e.shutdown_framework.framework_id.value === scheduler.frameworkId);
      await until(() => scheduler.events.ended);
    } finally {
      scheduler.close();
    }
  });

  test('explicit and implicit reconciliation', async () => {
    for (const partitionAware of [true, false]) {
      const scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: `rec-${partitionAware}`, ...(partitionAware && { capabilities: PA }) });
      try {
        await launchTask(scheduler, agent, 'r1');
        await scheduler.mustCall({
          type: 'RECONCILE',
          reconcile: { tasks: [{ task_id: { value: 'r1' } }, { task_id: { value: 'ghost' }, agent_id: { value: agent.agentId } }, { task_id: { value: 'nowhere' } }] },
        });
        const known = (await scheduler.events.next('UPDATE', (e) => e.update.status.task_id.value === 'r1')).update.status;
        assert.equal(known.state, 'TASK_RUNNING');
        assert.equal(known.reason, 'REASON_RECONCILIATION');
        assert.equal(known.message, 'Reconciliation: Latest task state');
        assert.equal(known.source, 'SOURCE_MASTER');
        assert.equal(known.uuid, undefined);
        const ghost = (await scheduler.events.next('UPDATE', (e) => e.update.status.task_id.value === 'ghost')).update.status;
        assert.equal(ghost.state, partitionAware ? 'TASK_GONE' : 'TASK_LOST');
        const nowhere = (await scheduler.events.next('UPDATE', (e) => e.update.status.task_id.value === 'nowhere')).update.status;
        assert.equal(nowhere.state, partitionAware ? 'TASK_UNKNOWN' : 'TASK_LOST');

        await scheduler.mustCall({ type: 'RECONCILE', reconcile: {} });
        const implicit = (await scheduler.events.next('UPDATE', (e) => e.update.status.task_id.value === 'r1')).update.status;
        assert.equal(implicit.state, 'TASK_RUNNING');
        assert.equal(implicit.uuid, undefined);
        await scheduler.mustCall({ type: 'TEARDOWN' });
      } finally {
        scheduler.close();
      }
    }
  });

  test('KILL: KILL_TASK with the kill policy to the agent; an unknown task is reconciled', async () => {
    const scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: 'kill', capabilities: PA });
    try {
      await launchTask(scheduler, agent, 'k1');
      const policy = { grace_period: { nanoseconds: 3_000_000_000 } };
      await scheduler.mustCall({ type: 'KILL', kill: { task_id: { value: 'k1' }, kill_policy: policy } });
      const kill = await agent.events.next('KILL_TASK', (e) => e.kill_task.task_id.value === 'k1');
      assert.deepEqual(kill.kill_task.kill_policy, policy);
      await scheduler.mustCall({ type: 'KILL', kill: { task_id: { value: 'unknown' }, agent_id: { value: agent.agentId } } });
      const answer = (await scheduler.events.next('UPDATE', (e) => e.update.status.task_id.value === 'unknown')).update.status;
      assert.equal(answer.state, 'TASK_GONE');
      await scheduler.mustCall({ type: 'TEARDOWN' });
    } finally {
      scheduler.close();
    }
  });

  test('per-framework metrics stay under the name registered first, and all go with the framework after a rename', async () => {
    const scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: 'before-rename' });
    try {
      const id = scheduler.frameworkId;
      const ofFramework = (): string[] => Object.keys(master.master.metrics.snapshot()).filter((k) => k.includes(`/${id}/`));
      await scheduler.mustCall({ type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { user: 'u', name: 'after-rename', id: { value: id } } } });
      await scheduler.mustCall({ type: 'REVIVE' });
      assert.equal(master.master.frameworks.get(id)?.info.name, 'after-rename');
      assert.ok(ofFramework().length > 0);
      assert.deepEqual(ofFramework().filter((k) => !k.startsWith(`master/frameworks/before-rename/${id}/`)), []);
      assert.ok(ofFramework().includes(`master/frameworks/before-rename/${id}/calls/REVIVE`));
      await scheduler.mustCall({ type: 'TEARDOWN' });
      assert.deepEqual(ofFramework(), [], 'nothing of the framework is left');
    } finally {
      scheduler.close();
    }
  });
});
