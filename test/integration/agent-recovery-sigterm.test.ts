// SIGTERM then restart, real processes (Mesos Slave::finalize): a SIGTERMed agent exits 0 leaving
// the executors of checkpointing frameworks running, and the restarted agent re-adopts them (same
// pids) and carries their tasks to the end; the executors of a framework that does not checkpoint
// are killed with the agent (there is nothing to recover them from).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, type Spawned } from '../helpers/process.ts';
import { commandTask, frameworkInfo, processesUnder, startCluster, subscribe, teardown, type Framework, type Json } from './conformance-support.ts';
import { alive, checkpointedPids, followToEnd, restartAgent, runTasks, signalAgent } from './agent-recovery-support.ts';

test('SIGTERM leaves checkpointing executors running for the restarted agent and kills the others', { timeout: 60_000 }, async () => {
  const cluster = await startCluster();
  let agent: Spawned | undefined;
  const frameworks: Framework[] = [];
  const go = join(cluster.workDir, 'go');
  // Runs until the test says go: no timing assumption about how long the restart takes.
  const untilGo = `while [ ! -e '${go}' ]; do sleep 0.05; done`;
  try {
    const plain = await subscribe(cluster.masterUrl, frameworkInfo('sigterm-plain', ['PARTITION_AWARE']));
    frameworks.push(plain);
    await runTasks(plain, [commandTask('plain-task', cluster.agentId, untilGo, { cpus: 0.1, mem: 32 })]);
    const plainPids = processesUnder(cluster.workDir);
    assert.ok(plainPids.length > 0, 'the plain framework runs processes');

    const durable = await subscribe(cluster.masterUrl, frameworkInfo('sigterm-checkpoint', ['PARTITION_AWARE'], { checkpoint: true }));
    frameworks.push(durable);
    const durableTasks: Json[] = ['durable-0', 'durable-1'].map((id) => commandTask(id, cluster.agentId, untilGo, { cpus: 0.1, mem: 32 }));
    await runTasks(durable, durableTasks);
    const durablePids = checkpointedPids(cluster);
    assert.equal(durablePids.length, 2, 'only the checkpointing framework checkpoints pids');

    assert.equal(await signalAgent(cluster, 'SIGTERM'), 0, 'a SIGTERMed agent stops cleanly');
    for (const pid of durablePids) assert.ok(alive(pid), `checkpointing executor ${pid} survives the SIGTERM`);
    for (const pid of plainPids) assert.ok(!alive(pid), `non-checkpointing process ${pid} was killed with the agent`);

    agent = restartAgent(cluster);
    const recovered = await agent.waitForLog((l) => l.msg === 'agent state recovered');
    assert.equal(recovered.agent_id, cluster.agentId);
    assert.equal(recovered.adopted, 2);
    const registered = await agent.waitForLog((l) => l.msg === 'agent registered');
    assert.equal(registered.agent_id, cluster.agentId);
    // Both executors subscribed again (the agent waits for them before it re-registers).
    const resubscribed = agent.output.filter((l) => l.includes('"msg":"executor subscribed"'));
    assert.equal(resubscribed.length, 2, resubscribed.join('\n'));
    await waitFor(() => durablePids.every(alive));

    writeFileSync(go, '');
    for (const task of durableTasks) {
      const taskId = (task.task_id as Json).value as string;
      const [last] = (await followToEnd(durable, taskId)).slice(-1);
      assert.equal(last!.state, 'TASK_FINISHED', `${taskId}: ${JSON.stringify(last)}`);
    }
    const adoptedPids = agent.output
      .filter((l) => l.includes('"msg":"container recovered"'))
      .map((l) => (JSON.parse(l) as { pid: number }).pid)
      .sort((a, b) => a - b);
    assert.deepEqual(adoptedPids, durablePids, 'the same processes, re-adopted');
  } finally {
    for (const fw of frameworks) await teardown(fw);
    await agent?.stop();
    await cluster.stop();
  }
});
