// The executor re-registration timeout, real processes: a custom executor (the test fixture with
// TEST_EXECUTOR_ON_AGENT_LOSS=linger) survives the agent's SIGKILL but never subscribes to the
// restarted agent. After --executor_reregistration_timeout the agent destroys it and its tasks end
// TASK_GONE (TASK_LOST when the framework is not PARTITION_AWARE),
// REASON_EXECUTOR_REREGISTRATION_TIMEOUT; then the agent re-registers with the master.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import type { Spawned } from '../helpers/process.ts';
import { frameworkInfo, startCluster, subscribe, teardown, type Cluster, type Framework, type Json } from './conformance-support.ts';
import { alive, checkpointedPids, followToEnd, restartAgent, runTasks, signalAgent } from './agent-recovery-support.ts';
import { waitFor } from '../helpers/process.ts';

const FIXTURE_EXECUTOR = resolve(import.meta.dirname, '../fixtures/executors/test-executor.ts');

/** A task for a custom executor that stays running and ignores a restarted agent. */
function lingeringExecutorTask(cluster: Cluster, taskId: string, executorId: string): Json {
  const resources = (cpus: number, mem: number): Json[] => [
    { name: 'cpus', type: 'SCALAR', scalar: { value: cpus }, allocation_info: { role: '*' } },
    { name: 'mem', type: 'SCALAR', scalar: { value: mem }, allocation_info: { role: '*' } },
  ];
  return {
    name: taskId,
    task_id: { value: taskId },
    agent_id: { value: cluster.agentId },
    resources: resources(0.1, 32),
    executor: {
      executor_id: { value: executorId },
      resources: resources(0.1, 32),
      command: {
        shell: true,
        value: `exec '${process.execPath}' '${FIXTURE_EXECUTOR}'`,
        environment: {
          variables: [
            { name: 'TEST_EXECUTOR_MODE', value: 'custom' },
            { name: 'TEST_EXECUTOR_ON_AGENT_LOSS', value: 'linger' },
          ],
        },
      },
    },
  };
}

for (const partitionAware of [true, false]) {
  const expected = partitionAware ? 'TASK_GONE' : 'TASK_LOST';
  test(`a recovered executor that does not re-subscribe in time is destroyed; its task ends ${expected}`, { timeout: 60_000 }, async () => {
    const cluster = await startCluster();
    let agent: Spawned | undefined;
    let fw: Framework | undefined;
    try {
      fw = await subscribe(cluster.masterUrl, frameworkInfo('reregistration', partitionAware ? ['PARTITION_AWARE'] : [], { checkpoint: true }));
      await runTasks(fw, [lingeringExecutorTask(cluster, 'quiet-task', 'quiet-executor')]);
      const [pid] = checkpointedPids(cluster);
      assert.ok(pid !== undefined && alive(pid));

      await signalAgent(cluster, 'SIGKILL');
      agent = restartAgent(cluster, ['--executor_reregistration_timeout=1secs']);
      const recovered = await agent.waitForLog((l) => l.msg === 'agent state recovered');
      assert.equal(recovered.adopted, 1, 'the lingering executor was adopted');
      const timedOut = await agent.waitForLog((l) => l.msg === 'recovered executor did not re-subscribe in time');
      assert.equal(timedOut.executor_id, 'quiet-executor');
      await agent.waitForLog((l) => l.msg === 'agent registered');

      const [last] = (await followToEnd(fw, 'quiet-task')).slice(-1);
      assert.equal(last!.state, expected, JSON.stringify(last));
      assert.equal(last!.reason, 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT');
      assert.equal(last!.source, 'SOURCE_AGENT');
      await waitFor(() => !alive(pid), 10_000);
    } finally {
      if (fw) await teardown(fw);
      await agent?.stop();
      await cluster.stop();
    }
  });
}
