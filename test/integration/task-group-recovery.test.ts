// Agent recovery with a task group, real processes: a master, an agent, the default executor it
// starts for a LAUNCH_GROUP of a checkpointing framework. The agent is SIGKILLed while the group
// runs and restarted on the same work dir and port: the default executor re-subscribes, its tasks
// are the same processes still running, and a later KILL of one task still takes the group down
// (group rule), every update reaching the framework.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TaskStatus } from '../../src/protocol/index.ts';
import type { Spawned } from '../helpers/process.ts';
import { alive, checkpointedPids, restartAgent, signalAgent } from './agent-recovery-support.ts';
import type { Json } from './conformance-support.ts';
import { agentExecutor, defaultExecutor, shellTask, startGroupHarness } from './task-group-support.ts';

/** The task processes the default executor started, by task id, from its log in the sandbox. */
function taskPids(sandbox: string): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of readFileSync(join(sandbox, 'stderr'), 'utf8').split('\n')) {
    const started = /\] task process started task_id=(\S+) .*\bpid=(\d+)/.exec(line);
    if (started) pids.set(started[1]!, Number(started[2]));
  }
  return pids;
}

/** The states of a task's updates, one per update the executor made (retransmissions have its uuid). */
function distinctStates(statuses: readonly TaskStatus[]): string[] {
  const seen = new Set<string>();
  return statuses.filter((s) => !seen.has(s.uuid!) && seen.add(s.uuid!)).map((s) => s.state);
}

test('a SIGKILLed agent restarted on its work dir gets the default executor back: the group runs on and the group rule holds', async () => {
  const h = await startGroupHarness({ checkpoint: true, capabilities: [{ type: 'TASK_KILLING_STATE' }] });
  let agent: Spawned | undefined;
  try {
    const agentId = h.cluster.agentId;
    const taskIds = ['r1', 'r2'];
    await h.launchGroups([{ executor: defaultExecutor(h.scheduler.frameworkId, 'exec-r'), tasks: taskIds.map((id) => shellTask(id, agentId, 'sleep 60')) }]);
    for (const id of taskIds) await h.waitForState(id, 'TASK_RUNNING');
    const sandbox = (await agentExecutor(h.cluster.agentUrl, 'exec-r')).directory as string;
    const pids = taskPids(sandbox);
    assert.deepEqual([...pids.keys()].sort(), taskIds);
    const [executorPid] = checkpointedPids(h.cluster);
    assert.ok(executorPid !== undefined && alive(executorPid), 'the executor runs, its pid checkpointed');

    await signalAgent(h.cluster, 'SIGKILL');
    agent = restartAgent(h.cluster);
    const recovered = await agent.waitForLog((l) => l.msg === 'agent state recovered');
    assert.equal(recovered.adopted, 1, 'the default executor is adopted');
    const subscribed = await agent.waitForLog((l) => l.msg === 'executor subscribed' && l.executor_id === 'exec-r');
    assert.equal(subscribed.framework_id, h.scheduler.frameworkId);
    await agent.waitForLog((l) => l.msg === 'agent registered');

    // The same processes, and the restarted agent knows both tasks as running.
    assert.ok(alive(executorPid), 'the executor survived the agent');
    for (const [id, pid] of pids) assert.ok(alive(pid), `task ${id} (pid ${pid}) survived the agent`);
    assert.deepEqual(taskPids(sandbox), pids, 'no task was started again');
    assert.match(readFileSync(join(sandbox, 'stderr'), 'utf8'), /\] re-subscribing to the agent/);
    const tasks = (await agentExecutor(h.cluster.agentUrl, 'exec-r')).tasks as Json[];
    assert.deepEqual(tasks.map((t) => [t.id, t.state]).sort(), taskIds.map((id) => [id, 'TASK_RUNNING']));

    await h.scheduler.mustCall({ type: 'KILL', kill: { task_id: { value: 'r1' }, agent_id: { value: agentId } } });
    const killed = await h.waitForState('r1', 'TASK_KILLED');
    assert.equal(killed.message, 'Command terminated with signal Terminated');
    await h.waitForState('r2', 'TASK_KILLED');
    // The agent did not fork the adopted executor and cannot wait for its exit status: its log says.
    await h.executorExit('exec-r');
    assert.ok(!alive(executorPid), 'the executor ended');
    assert.match(readFileSync(join(sandbox, 'stderr'), 'utf8'), /\] every status update was acknowledged; exiting/);
    for (const id of taskIds) {
      assert.deepEqual(distinctStates(h.statuses.get(id)!), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED'], `updates of ${id}`);
    }
    for (const [id, pid] of pids) assert.ok(!alive(pid), `task ${id} ended`);
  } finally {
    await agent?.stop();
    await h.stop();
  }
});
