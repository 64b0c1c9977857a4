// LAUNCH_GROUP, executor messages and exits, RESERVE/UNRESERVE, and agent UNREGISTER.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMaster, type RunningMaster } from '../../src/master/index.ts';
import { TASK_GROUPS_UNAVAILABLE } from '../../src/master/accept.ts';
import { allocatorMismatch, until } from '../../src/master/testing/scenario.ts';
import { TestAgent, scalar } from '../../src/master/testing/test-agent.ts';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';

describe('master: operations', () => {
  let master: RunningMaster;
  let agent: TestAgent;
  before(async () => {
    master = await startMaster({ port: 0, allocationIntervalMs: 30 });
    // Disk: a task group's executor must have some (Mesos's validation).
    agent = await TestAgent.register(master.url, { resources: [scalar('cpus', 4), scalar('mem', 4096), scalar('disk', 1024)] });
  });
  after(async () => {
    agent.close();
    await master.stop();
  });

  test('LAUNCH_GROUP -> RUN_TASK_GROUP; executor messages both ways; executor exit -> FAILURE', async () => {
    const scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: 'group' });
    try {
      const offer = (await scheduler.events.next('OFFERS')).offers.offers![0]!;
      const executor = {
        type: 'DEFAULT',
        executor_id: { value: 'ex' },
        framework_id: { value: scheduler.frameworkId },
        resources: [scalar('cpus', 0.1), scalar('mem', 32), scalar('disk', 10)],
      };
      const task = (id: string) => ({ name: id, task_id: { value: id }, agent_id: { value: agent.agentId }, resources: [scalar('cpus', 0.5), scalar('mem', 64)] });
      await scheduler.mustCall({
        type: 'ACCEPT',
        accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH_GROUP', launch_group: { executor, task_group: { tasks: [task('g1'), task('g2')] } } }] },
      });
      const run = await agent.events.next('RUN_TASK_GROUP');
      assert.deepEqual(run.run_task_group.task_group.tasks!.map((t) => t.task_id.value), ['g1', 'g2']);
      assert.equal(run.run_task_group.executor.executor_id.value, 'ex');

      await scheduler.mustCall({ type: 'MESSAGE', message: { agent_id: { value: agent.agentId }, executor_id: { value: 'ex' }, data: 'aGk=' } });
      const toExecutor = await agent.events.next('FRAMEWORK_TO_EXECUTOR_MESSAGE');
      assert.equal(toExecutor.framework_to_executor_message.data, 'aGk=');
      await agent.call({ type: 'EXECUTOR_MESSAGE', executor_message: { framework_id: { value: scheduler.frameworkId }, executor_id: { value: 'ex' }, data: 'aG8=' } });
      const fromExecutor = await scheduler.events.next('MESSAGE');
      assert.equal(fromExecutor.message.data, 'aG8=');
      assert.equal(fromExecutor.message.agent_id.value, agent.agentId);

      await agent.call({ type: 'EXITED_EXECUTOR', exited_executor: { framework_id: { value: scheduler.frameworkId }, executor_id: { value: 'ex' }, status: 256 } });
      const failure = await scheduler.events.next('FAILURE');
      assert.deepEqual(failure.failure, { agent_id: { value: agent.agentId }, executor_id: { value: 'ex' }, status: 256 });
      await scheduler.mustCall({ type: 'TEARDOWN' });
    } finally {
      scheduler.close();
    }
  });

  test('RESERVE then UNRESERVE: APPLY_OPERATION to the agent, reserved resources offered back, feedback for ids', async () => {
    const scheduler = await TestScheduler.subscribe(master.url, {
      user: 'u',
      name: 'reserve',
      principal: 'ops',
      roles: ['eng'],
      capabilities: [{ type: 'MULTI_ROLE' }],
    });
    try {
      const offer = (await scheduler.events.next('OFFERS')).offers.offers![0]!;
      assert.equal(offer.allocation_info?.role, 'eng');
      const reserved = { ...scalar('cpus', 1), allocation_info: { role: 'eng' }, role: 'eng', reservation: { principal: 'ops' } };
      await scheduler.mustCall({
        type: 'ACCEPT',
        accept: { offer_ids: [offer.id], operations: [{ type: 'RESERVE', id: { value: 'op1' }, reserve: { resources: [reserved] } }], filters: { refuse_seconds: 0 } },
      });
      const apply = await agent.events.next('APPLY_OPERATION');
      assert.equal(apply.apply_operation.operation.type, 'RESERVE');
      assert.ok(apply.apply_operation.checkpointed_resources!.some((r) => r.name === 'cpus' && r.reservations?.[0]?.role === 'eng'));
      await agent.call({ type: 'UPDATE_OPERATION_STATUS', update_operation_status: { framework_id: { value: scheduler.frameworkId }, operation_uuid: apply.apply_operation.operation_uuid, state: 'OPERATION_FINISHED' } });
      const feedback = await scheduler.events.next('UPDATE_OPERATION_STATUS');
      assert.equal(feedback.update_operation_status.status.state, 'OPERATION_FINISHED');
      assert.equal(feedback.update_operation_status.status.operation_id?.value, 'op1');

      const again = await scheduler.events.next('OFFERS', (e) => e.offers.offers![0]!.resources!.some((r) => r.role === 'eng' && r.reservation !== undefined));
      const offered = again.offers.offers![0]!;
      await scheduler.mustCall({
        type: 'ACCEPT',
        accept: { offer_ids: [offered.id], operations: [{ type: 'UNRESERVE', unreserve: { resources: [reserved] } }], filters: { refuse_seconds: 0 } },
      });
      const unreserve = await agent.events.next('APPLY_OPERATION', (e) => e.apply_operation.operation.type === 'UNRESERVE');
      assert.equal((unreserve.apply_operation.checkpointed_resources ?? []).length, 0);
      // A bogus reservation with an id gets OPERATION_ERROR.
      const third = (await scheduler.events.next('OFFERS')).offers.offers![0]!;
      await scheduler.mustCall({
        type: 'ACCEPT',
        accept: { offer_ids: [third.id], operations: [{ type: 'RESERVE', id: { value: 'bad' }, reserve: { resources: [{ ...scalar('cpus', 100), role: 'eng', reservation: { principal: 'ops' } }] } }] },
      });
      const error = await scheduler.events.next('UPDATE_OPERATION_STATUS', (e) => e.update_operation_status.status.operation_id?.value === 'bad');
      assert.equal(error.update_operation_status.status.state, 'OPERATION_ERROR');
      await scheduler.mustCall({ type: 'TEARDOWN' });
    } finally {
      scheduler.close();
    }
  });

  test('UNREGISTER removes the agent; its tasks are gone (LOST for others)', async () => {
    const leaving = await TestAgent.register(master.url, { hostname: 'leaving.test' });
    const scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: 'unregister' });
    try {
      const offer = await scheduler.events.next('OFFERS', (e) => e.offers.offers!.some((o) => o.agent_id.value === leaving.agentId));
      const mine = offer.offers.offers!.find((o) => o.agent_id.value === leaving.agentId)!;
      await scheduler.mustCall({
        type: 'ACCEPT',
        accept: { offer_ids: [mine.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 'u1', task_id: { value: 'u1' }, agent_id: { value: leaving.agentId }, resources: [scalar('cpus', 1)], command: { value: 'true' } }] } }] },
      });
      await leaving.events.next('RUN_TASK');
      await leaving.call({ type: 'UNREGISTER' });
      const lost = await scheduler.events.next('UPDATE', (e) => e.update.status.task_id.value === 'u1');
      assert.equal(lost.update.status.state, 'TASK_LOST');
      await scheduler.events.next('FAILURE', (e) => e.failure.agent_id?.value === leaving.agentId);
      await until(() => !master.master.agents.has(leaving.agentId));
      await scheduler.mustCall({ type: 'TEARDOWN' });
    } finally {
      scheduler.close();
      leaving.close();
    }
  });
});

describe('master: task groups and executors on a cluster without the default executor', () => {
  let master: RunningMaster;
  let agent: TestAgent;
  before(async () => {
    master = await startMaster({ port: 0, allocationIntervalMs: 30, defaultExecutorAvailable: false });
    agent = await TestAgent.register(master.url);
  });
  after(async () => {
    agent.close();
    await master.stop();
  });

  const cpusOffered = (frameworkId: string): number =>
    [...master.master.offers.values()].filter((o) => o.frameworkId === frameworkId).reduce((n, o) => n + (o.resources.cpus() ?? 0), 0);

  test('LAUNCH_GROUP: TASK_ERROR for every task, nothing allocated, nothing sent to the agent', async () => {
    const scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: 'no-groups' });
    try {
      const offer = (await scheduler.events.next('OFFERS')).offers.offers![0]!;
      const executor = { type: 'DEFAULT', executor_id: { value: 'ex' }, framework_id: { value: scheduler.frameworkId }, resources: [scalar('cpus', 0.1), scalar('mem', 32)] };
      const task = (id: string) => ({ name: id, task_id: { value: id }, agent_id: { value: agent.agentId }, resources: [scalar('cpus', 0.5), scalar('mem', 64)] });
      await scheduler.mustCall({
        type: 'ACCEPT',
        accept: {
          offer_ids: [offer.id],
          operations: [{ type: 'LAUNCH_GROUP', launch_group: { executor, task_group: { tasks: [task('g1'), task('g2')] } } }],
          filters: { refuse_seconds: 0 },
        },
      });
      for (const id of ['g1', 'g2']) {
        const status = (await scheduler.events.next('UPDATE', (e) => e.update.status.task_id.value === id)).update.status;
        assert.equal(status.state, 'TASK_ERROR');
        assert.equal(status.reason, 'REASON_TASK_GROUP_INVALID');
        assert.equal(status.message, TASK_GROUPS_UNAVAILABLE);
        assert.equal(status.source, 'SOURCE_MASTER');
      }
      assert.equal(master.master.frameworks.get(scheduler.frameworkId)!.tasks.size, 0);
      assert.equal(master.master.agents.get(agent.agentId)!.executors.size, 0);
      // The whole agent is offered again.
      await until(() => cpusOffered(scheduler.frameworkId) === 4);
      assert.equal(agent.events.pending('RUN_TASK_GROUP').length, 0);
      await scheduler.mustCall({ type: 'TEARDOWN' });
    } finally {
      scheduler.close();
    }
  });

  test('an executor that never registered: EXITED_EXECUTOR frees its resources, with the task update freeing the task', async () => {
    const scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: 'custom' });
    try {
      const offer = (await scheduler.events.next('OFFERS')).offers.offers![0]!;
      const executor = { executor_id: { value: 'cx' }, command: { value: './my-executor' }, resources: [scalar('cpus', 1), scalar('mem', 128)] };
      const task = { name: 'c1', task_id: { value: 'c1' }, agent_id: { value: agent.agentId }, resources: [scalar('cpus', 0.5), scalar('mem', 64)], executor };
      await scheduler.mustCall({
        type: 'ACCEPT',
        accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }], filters: { refuse_seconds: 0 } },
      });
      await agent.events.next('RUN_TASK', (e) => e.run_task.task.task_id.value === 'c1');
      assert.equal(allocatorMismatch(master.master, agent.agentId), undefined);
      await until(() => cpusOffered(scheduler.frameworkId) === 2.5);
      // The executor failed to start: the agent fails the task and reports the executor gone.
      const uuid = await agent.statusUpdate(scheduler.frameworkId, 'c1', 'TASK_FAILED', { executorId: 'cx', source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_TERMINATED' });
      await scheduler.events.next('UPDATE', (e) => e.update.status.uuid === uuid);
      await agent.call({ type: 'EXITED_EXECUTOR', exited_executor: { framework_id: { value: scheduler.frameworkId }, executor_id: { value: 'cx' }, status: 256 } });
      await scheduler.events.next('FAILURE', (e) => e.failure.executor_id?.value === 'cx');
      assert.equal(master.master.agents.get(agent.agentId)!.executors.get(scheduler.frameworkId)?.has('cx') ?? false, false);
      assert.equal(allocatorMismatch(master.master, agent.agentId), undefined);
      await until(() => cpusOffered(scheduler.frameworkId) === 4);
      await scheduler.mustCall({ type: 'TEARDOWN' });
    } finally {
      scheduler.close();
    }
  });
});
