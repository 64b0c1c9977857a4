// Two task groups sent to one default executor run in that one executor and share its sandbox:
// a file written by a task of the first group is read by a task of the second.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getJson, type Json } from './conformance-support.ts';
import { defaultExecutor, shellTask, startGroupHarness, type GroupHarness } from './task-group-support.ts';

describe('task groups sharing an executor', () => {
  let h: GroupHarness;
  before(async () => {
    h = await startGroupHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('a second group goes to the running executor and sees the first group\'s files', async () => {
    const agentId = h.cluster.agentId;
    const executor = defaultExecutor(h.scheduler.frameworkId, 'shared');
    // The writer keeps its group (and so the executor) alive until the reader is done.
    const writer = shellTask('writer', agentId, 'echo "from $MESOS_TASK_ID" > shared.txt; while [ ! -f done ]; do sleep 0.05; done');
    await h.launchGroups([{ executor, tasks: [writer] }]);
    await h.waitForState('writer', 'TASK_RUNNING');
    const reader = shellTask('reader', agentId, 'test -f shared.txt || exit 7; cat shared.txt > read.txt; echo "$MESOS_SANDBOX" > sandbox.txt; touch done');
    await h.launchGroups([{ executor, tasks: [reader] }]);
    await h.waitForState('reader', 'TASK_FINISHED');
    await h.waitForState('writer', 'TASK_FINISHED');
    const exit = await h.executorExit('shared');
    assert.equal(exit.failure.status, 0);

    // One executor ran both groups, in one sandbox.
    const state = (await getJson(`${h.cluster.agentUrl}/state`)).body as { frameworks: Json[]; completed_frameworks: Json[] };
    const runs = [...state.frameworks, ...state.completed_frameworks].flatMap((f) => [...(f.executors as Json[]), ...(f.completed_executors as Json[])]);
    assert.equal(runs.filter((e) => e.id === 'shared').length, 1);
    const sandbox = runs.find((e) => e.id === 'shared')!.directory as string;
    assert.equal(readFileSync(join(sandbox, 'read.txt'), 'utf8'), 'from writer\n');
    assert.equal(readFileSync(join(sandbox, 'sandbox.txt'), 'utf8').trim(), sandbox, 'MESOS_SANDBOX is the shared sandbox');
    const [writerStatus, readerStatus] = [await h.waitForState('writer', 'TASK_RUNNING'), await h.waitForState('reader', 'TASK_FINISHED')];
    assert.equal(writerStatus.container_status?.container_id?.parent?.value, readerStatus.container_status?.container_id?.parent?.value);
  });
});
