// In-process master driven over raw HTTP by a test scheduler and a test agent (both test doubles
// from src/master/testing): the launch path end to end, offers, declines and timeouts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMaster, type RunningMaster } from '../../src/master/index.ts';
import { commandTask } from '../../src/master/testing/scenario.ts';
import { TestAgent } from '../../src/master/testing/test-agent.ts';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';

const FRAMEWORK = { user: 'test', name: 'lifecycle' };

describe('master: launch path', () => {
  let master: RunningMaster;
  let agent: TestAgent;
  before(async () => {
    master = await startMaster({ port: 0, allocationIntervalMs: 60_000 });
    agent = await TestAgent.register(master.url, { hostname: 'a1.test' });
  });
  after(async () => {
    agent.close();
    await master.stop();
  });

  test('subscribe -> fast offer -> LAUNCH -> RUN_TASK -> UPDATE with uuid -> ACKNOWLEDGE reaches the agent', async () => {
    const started = performance.now();
    const scheduler = await TestScheduler.subscribe(master.url, FRAMEWORK);
    try {
      assert.match(scheduler.frameworkId, new RegExp(`^${master.masterId}-0000$`));
      await scheduler.events.next('HEARTBEAT');
      // The allocation interval is a minute: only the event-triggered cycle can make this offer.
      const offers = await scheduler.events.next('OFFERS', () => true, 2000);
      const firstOfferMs = performance.now() - started;
      assert.ok(firstOfferMs < 1000, `first offer took ${firstOfferMs} ms`);
      const offer = offers.offers.offers![0]!;
      assert.equal(offer.agent_id.value, agent.agentId);
      assert.deepEqual(offer.url, { scheme: 'http', address: { hostname: 'a1.test', ip: '127.0.0.1', port: 5051 }, path: '/slave(1)' });
      assert.ok(offer.resources!.every((r) => r.role === '*' && r.allocation_info?.role === '*'), 'pre-refinement format');

      await scheduler.mustCall({
        type: 'ACCEPT',
        accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('t1', agent.agentId)] } }] },
      });
      const run = await agent.events.next('RUN_TASK');
      assert.equal(run.run_task.task.task_id.value, 't1');
      assert.equal(run.run_task.framework_info.id?.value, scheduler.frameworkId);
      assert.ok(run.run_task.task.resources!.every((r) => r.allocation_info?.role === '*'));

      const uuid = await agent.statusUpdate(scheduler.frameworkId, 't1', 'TASK_RUNNING', { executorId: 't1' });
      const update = await scheduler.events.next('UPDATE');
      assert.equal(update.update.status.state, 'TASK_RUNNING');
      assert.equal(update.update.status.uuid, uuid);
      assert.equal(update.update.status.agent_id?.value, agent.agentId);
      assert.equal(update.update.status.executor_id?.value, 't1');
      assert.ok(Math.abs(update.update.status.timestamp! - Date.now() / 1000) < 60, 'timestamp in seconds');

      await scheduler.mustCall({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agent.agentId }, task_id: { value: 't1' }, uuid } });
      const ack = await agent.events.next('ACKNOWLEDGE_STATUS_UPDATE');
      assert.equal(ack.acknowledge_status_update.uuid, uuid);
      assert.equal(ack.acknowledge_status_update.task_id.value, 't1');

      // Terminal update: the resources come back and the task completes on ACK.
      const done = await agent.statusUpdate(scheduler.frameworkId, 't1', 'TASK_FINISHED', { executorId: 't1' });
      assert.equal((await scheduler.events.next('UPDATE')).update.status.state, 'TASK_FINISHED');
      await scheduler.mustCall({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agent.agentId }, task_id: { value: 't1' }, uuid: done } });
      await agent.events.next('ACKNOWLEDGE_STATUS_UPDATE', (e) => e.acknowledge_status_update.uuid === done);
      const fw = master.master.frameworks.get(scheduler.frameworkId)!;
      assert.equal(fw.tasks.size, 0);
      assert.equal(fw.completedTasks.at(-1)?.state, 'TASK_FINISHED');
      await scheduler.mustCall({ type: 'TEARDOWN' });
    } finally {
      scheduler.close();
    }
  });
});

/** What is left of a `windowMs` window opened at `startedAt` (`performance.now()`), at least 0. */
function msLeft(startedAt: number, windowMs: number): number {
  return Math.max(0, windowMs - (performance.now() - startedAt));
}

describe('master: offers', () => {
  let master: RunningMaster;
  let agent: TestAgent;
  before(async () => {
    master = await startMaster({ port: 0, allocationIntervalMs: 50, offerTimeoutMs: 0 });
    agent = await TestAgent.register(master.url);
  });
  after(async () => {
    agent.close();
    await master.stop();
  });

  test('DECLINE with refuse_seconds: no re-offer of the agent until the filter expires', async () => {
    const scheduler = await TestScheduler.subscribe(master.url, { ...FRAMEWORK, name: 'decline' });
    try {
      const first = (await scheduler.events.next('OFFERS')).offers.offers![0]!;
      // Taken before the call: the filter runs from when the master handles the DECLINE, which a
      // loaded machine may answer well after that (timed after the reply, the offer could come
      // back "early").
      const declinedAt = performance.now();
      await scheduler.mustCall({ type: 'DECLINE', decline: { offer_ids: [first.id], filters: { refuse_seconds: 1 } } });
      // About 12 allocation cycles run in this window; none may offer the agent again.
      assert.equal(await scheduler.events.arrivesWithin('OFFERS', msLeft(declinedAt, 600)), false, 'the agent was re-offered before the filter expired');
      const again = (await scheduler.events.next('OFFERS', () => true, 3000)).offers.offers![0]!;
      assert.ok(performance.now() - declinedAt >= 950, 're-offered only after refuse_seconds');
      assert.notEqual(again.id.value, first.id.value);
      // A LAUNCH of no tasks is a decline too.
      const launchedAt = performance.now();
      await scheduler.mustCall({
        type: 'ACCEPT',
        accept: { offer_ids: [again.id], operations: [{ type: 'LAUNCH', launch: {} }], filters: { refuse_seconds: 1 } },
      });
      assert.equal(await scheduler.events.arrivesWithin('OFFERS', msLeft(launchedAt, 400)), false, 'an empty LAUNCH declines with the filters');
      await scheduler.mustCall({ type: 'TEARDOWN' });
    } finally {
      scheduler.close();
    }
  });

  test('REVIVE clears the filter at once; SUPPRESS stops offers', async () => {
    const scheduler = await TestScheduler.subscribe(master.url, { ...FRAMEWORK, name: 'revive' });
    try {
      const first = (await scheduler.events.next('OFFERS')).offers.offers![0]!;
      await scheduler.mustCall({ type: 'DECLINE', decline: { offer_ids: [first.id], filters: { refuse_seconds: 60 } } });
      await scheduler.mustCall({ type: 'REVIVE' });
      const revived = (await scheduler.events.next('OFFERS', () => true, 2000)).offers.offers![0]!;
      await scheduler.mustCall({ type: 'SUPPRESS' });
      await scheduler.mustCall({ type: 'DECLINE', decline: { offer_ids: [revived.id], filters: { refuse_seconds: 0 } } });
      assert.equal(await scheduler.events.arrivesWithin('OFFERS', 300), false, 'a suppressed framework gets no offers');
      await scheduler.mustCall({ type: 'TEARDOWN' });
    } finally {
      scheduler.close();
    }
  });
});

describe('master: offer timeout', () => {
  test('an unused offer is rescinded after --offer_timeout and its resources are offered again', async () => {
    const master = await startMaster({ port: 0, allocationIntervalMs: 50, offerTimeoutMs: 150 });
    const agent = await TestAgent.register(master.url);
    const scheduler = await TestScheduler.subscribe(master.url, FRAMEWORK);
    try {
      const offer = (await scheduler.events.next('OFFERS')).offers.offers![0]!;
      const rescind = await scheduler.events.next('RESCIND', () => true, 2000);
      assert.equal(rescind.rescind.offer_id.value, offer.id.value);
      const next = (await scheduler.events.next('OFFERS', () => true, 2000)).offers.offers![0]!;
      assert.notEqual(next.id.value, offer.id.value);
      // Accepting a rescinded offer is an invalid-offer launch.
      await scheduler.mustCall({
        type: 'ACCEPT',
        accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('late', agent.agentId)] } }] },
      });
      const lost = await scheduler.events.next('UPDATE');
      assert.equal(lost.update.status.state, 'TASK_LOST');
      assert.equal(lost.update.status.reason, 'REASON_INVALID_OFFERS');
    } finally {
      scheduler.close();
      agent.close();
      await master.stop();
    }
  });
});

describe('master: task validation', () => {
  let master: RunningMaster;
  let agent: TestAgent;
  before(async () => {
    master = await startMaster({ port: 0, allocationIntervalMs: 50 });
    agent = await TestAgent.register(master.url);
  });
  after(async () => {
    agent.close();
    await master.stop();
  });

  test('invalid offer ids: TASK_LOST, or TASK_DROPPED for PARTITION_AWARE, with no uuid', async () => {
    for (const partitionAware of [false, true]) {
      const info = { ...FRAMEWORK, name: `invalid-${partitionAware}`, ...(partitionAware && { capabilities: [{ type: 'PARTITION_AWARE' as const }] }) };
      const scheduler = await TestScheduler.subscribe(master.url, info);
      try {
        await scheduler.mustCall({
          type: 'ACCEPT',
          accept: { offer_ids: [{ value: 'no-such-offer' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('x', agent.agentId)] } }] },
        });
        const update = await scheduler.events.next('UPDATE');
        const status = update.update.status;
        assert.equal(status.state, partitionAware ? 'TASK_DROPPED' : 'TASK_LOST');
        assert.equal(status.reason, 'REASON_INVALID_OFFERS');
        assert.equal(status.source, 'SOURCE_MASTER');
        assert.equal(status.uuid, undefined, 'master-made updates carry no uuid');
        assert.match(status.message!, /^Task launched with invalid offers: Offer no-such-offer is no longer valid/);
        await scheduler.mustCall({ type: 'TEARDOWN' });
      } finally {
        scheduler.close();
      }
    }
  });

  test('a duplicate task id gets TASK_ERROR, the valid task still launches, leftovers are declined', async () => {
    const scheduler = await TestScheduler.subscribe(master.url, { ...FRAMEWORK, name: 'dup' });
    try {
      const offer = (await scheduler.events.next('OFFERS')).offers.offers![0]!;
      await scheduler.mustCall({
        type: 'ACCEPT',
        accept: {
          offer_ids: [offer.id],
          operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('d1', agent.agentId), commandTask('d1', agent.agentId), { ...commandTask('d2', agent.agentId), resources: [] }] } }],
        },
      });
      const errors = [await scheduler.events.next('UPDATE'), await scheduler.events.next('UPDATE')].map((u) => u.update.status);
      assert.deepEqual(errors.map((s) => [s.task_id.value, s.state, s.reason]), [
        ['d1', 'TASK_ERROR', 'REASON_TASK_INVALID'],
        ['d2', 'TASK_ERROR', 'REASON_TASK_INVALID'],
      ]);
      assert.equal(errors[0]!.message, 'Task has duplicate ID: d1');
      assert.equal(errors[1]!.message, 'Task uses no resources');
      assert.ok(errors.every((s) => s.uuid === undefined));
      const run = await agent.events.next('RUN_TASK', (e) => e.run_task.framework_info.id?.value === scheduler.frameworkId);
      assert.equal(run.run_task.task.task_id.value, 'd1');
      await scheduler.mustCall({ type: 'TEARDOWN' });
      await agent.events.next('SHUTDOWN_FRAMEWORK', (e) => e.shutdown_framework.framework_id.value === scheduler.frameworkId);
    } finally {
      scheduler.close();
    }
  });
});
