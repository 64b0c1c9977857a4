// Invalid task groups against a real master and agent: every task of a refused group gets
// TASK_ERROR / REASON_TASK_GROUP_INVALID from the master with a message naming the field, and
// nothing reaches the agent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getJson, type Json } from './conformance-support.ts';
import { defaultExecutor, scalar, shellTask, startGroupHarness, type GroupHarness } from './task-group-support.ts';

describe('invalid task groups', () => {
  let h: GroupHarness;
  before(async () => {
    h = await startGroupHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('each invalid group is refused with TASK_ERROR naming the field, for every task', async () => {
    const fw = h.scheduler.frameworkId;
    const agentId = h.cluster.agentId;
    const executor = (id: string, over: Json = {}): Json => ({ ...defaultExecutor(fw, id), ...over });
    const pair = (prefix: string, over: Json = {}): Json[] => [shellTask(`${prefix}-1`, agentId, 'true', over), shellTask(`${prefix}-2`, agentId, 'true')];
    const cases: { prefix: string; executor: Json; tasks: Json[]; message: RegExp }[] = [
      { prefix: 'nofw', executor: executor('x1', { framework_id: undefined }), tasks: pair('nofw'), message: /^'ExecutorInfo\.framework_id' must be set$/ },
      { prefix: 'notype', executor: executor('x2', { type: undefined }), tasks: pair('notype'), message: /^'ExecutorInfo\.type' must be set$/ },
      {
        prefix: 'docker',
        executor: executor('x3'),
        tasks: pair('docker', { container: { type: 'DOCKER', docker: { image: 'busybox' } } }),
        message: /^Task 'docker-1' is invalid: Docker ContainerInfo is not supported on the task$/,
      },
      {
        prefix: 'ownexec',
        executor: executor('x4'),
        tasks: pair('ownexec', { executor: executor('other') }),
        message: /^The `ExecutorInfo` of task 'ownexec-1' is different from executor 'x4'$/,
      },
      { prefix: 'dup', executor: executor('x5'), tasks: [shellTask('dup-1', agentId, 'true'), shellTask('dup-1', agentId, 'true')], message: /Task has duplicate ID: dup-1/ },
      { prefix: 'nodisk', executor: executor('x6', { resources: [scalar('cpus', 0.1), scalar('mem', 32)] }), tasks: pair('nodisk'), message: /^Executor 'x6' uses no disk$/ },
      { prefix: 'custom', executor: executor('x7', { type: 'CUSTOM' }), tasks: pair('custom'), message: /'ExecutorInfo\.command' must be set for 'CUSTOM' executor/ },
      {
        prefix: 'big',
        executor: executor('x8'),
        tasks: [shellTask('big-1', agentId, 'true', { resources: [scalar('cpus', 64), scalar('mem', 32)] })],
        message: /required by task group and its executor are more than available/,
      },
    ];
    await h.launchGroups(cases.map((c) => ({ executor: c.executor, tasks: c.tasks })));
    for (const c of cases) {
      for (const task of c.tasks) {
        const id = (task.task_id as { value: string }).value;
        const status = await h.waitForState(id, 'TASK_ERROR');
        assert.equal(status.reason, 'REASON_TASK_GROUP_INVALID', id);
        assert.equal(status.source, 'SOURCE_MASTER');
        assert.match(status.message ?? '', c.message, id);
      }
    }
    // Nothing was started: the agent knows no executor, the master no task.
    const agent = (await getJson(`${h.cluster.agentUrl}/state`)).body as { frameworks: Json[] };
    assert.deepEqual(agent.frameworks, []);
    const master = (await getJson(`${h.cluster.masterUrl}/master/state`)).body as { frameworks: Json[] };
    assert.deepEqual(master.frameworks.flatMap((f) => f.tasks as Json[]), []);
  });
});
