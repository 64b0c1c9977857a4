// Task groups end to end with real processes: `agora master`, `agora agent` and the default
// executor it starts for LAUNCH_GROUP, driven by a framework over the v1 scheduler API.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getJson, type Json } from './conformance-support.ts';
import { agentExecutor, defaultExecutor, shellTask, startGroupHarness, type GroupHarness } from './task-group-support.ts';

describe('task groups in the default executor', () => {
  let h: GroupHarness;
  before(async () => {
    h = await startGroupHarness({ capabilities: [{ type: 'TASK_KILLING_STATE' }] });
  });
  after(async () => {
    await h.stop();
  });

  test('one task exits non-zero: it FAILED, the other two KILLED, then the executor exits', async () => {
    const agentId = h.cluster.agentId;
    await h.launchGroups([
      {
        executor: defaultExecutor(h.scheduler.frameworkId, 'exec-a'),
        tasks: [shellTask('a-fail', agentId, 'sleep 0.3; exit 3'), shellTask('a-sleep1', agentId, 'sleep 30'), shellTask('a-sleep2', agentId, 'sleep 30')],
      },
    ]);
    const failed = await h.waitForState('a-fail', 'TASK_FAILED');
    assert.equal(failed.message, 'Command exited with status 3');
    assert.equal(failed.source, 'SOURCE_EXECUTOR');
    for (const id of ['a-sleep1', 'a-sleep2']) {
      const killed = await h.waitForState(id, 'TASK_KILLED');
      assert.equal(killed.message, 'Command terminated with signal Terminated');
      assert.deepEqual(h.states(id), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
    }
    assert.deepEqual(h.states('a-fail'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
    const exit = await h.executorExit('exec-a');
    assert.equal(exit.failure.status, 0, 'the executor exits 0 once every update was acknowledged');
  });

  test('every task finishes: TASK_FINISHED each, nested container ids `parent.child`, per-task logs', async () => {
    const agentId = h.cluster.agentId;
    await h.launchGroups([
      { executor: defaultExecutor(h.scheduler.frameworkId, 'exec-b'), tasks: [shellTask('b1', agentId, 'echo one'), shellTask('b2', agentId, 'echo two >&2')] },
    ]);
    const finished = [await h.waitForState('b1', 'TASK_FINISHED'), await h.waitForState('b2', 'TASK_FINISHED')];
    await h.executorExit('exec-b');
    const executor = await agentExecutor(h.cluster.agentUrl, 'exec-b');
    const children = new Set<string>();
    for (const status of finished) {
      const id = status.container_status?.container_id;
      assert.ok(id?.parent !== undefined, 'a nested container id');
      assert.equal(id.parent.value, executor.container, 'the parent is the executor container');
      assert.match(id.value, /^[0-9a-f-]{36}$/);
      children.add(`${id.parent.value}.${id.value}`);
      assert.equal(status.executor_id?.value, 'exec-b');
    }
    assert.equal(children.size, 2, 'one nested container per task');
    // Each task's output is in its own files, under tasks/<task id> as the web UI expects.
    const sandbox = executor.directory as string;
    assert.equal(readFileSync(join(sandbox, 'tasks', 'b1', 'stdout'), 'utf8'), 'one\n');
    assert.equal(readFileSync(join(sandbox, 'tasks', 'b2', 'stderr'), 'utf8'), 'two\n');
    assert.ok(existsSync(join(sandbox, 'stderr')), 'the executor logs to the sandbox stderr');
    // The master shows the group's tasks as ordinary tasks of their executor.
    const master = (await getJson(`${h.cluster.masterUrl}/master/state`)).body as { frameworks: Json[] };
    const tasks = master.frameworks.flatMap((f) => [...(f.tasks as Json[]), ...(f.completed_tasks as Json[])]);
    for (const id of ['b1', 'b2']) {
      const task = tasks.find((t) => t.id === id);
      assert.equal(task?.executor_id, 'exec-b');
      assert.equal(task?.state, 'TASK_FINISHED');
    }
  });

  test('KILL of one task of a running group kills it and then the rest of its group', async () => {
    const agentId = h.cluster.agentId;
    await h.launchGroups([
      { executor: defaultExecutor(h.scheduler.frameworkId, 'exec-e'), tasks: [shellTask('e1', agentId, 'sleep 30'), shellTask('e2', agentId, 'sleep 30')] },
    ]);
    await h.waitForState('e1', 'TASK_RUNNING');
    await h.waitForState('e2', 'TASK_RUNNING');
    await h.scheduler.mustCall({ type: 'KILL', kill: { task_id: { value: 'e1' }, agent_id: { value: agentId } } });
    await h.waitForState('e1', 'TASK_KILLED');
    await h.waitForState('e2', 'TASK_KILLED');
    assert.deepEqual(h.states('e1'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
    await h.executorExit('exec-e');
  });
});
