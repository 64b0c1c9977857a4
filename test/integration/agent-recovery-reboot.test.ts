// Host reboot, simulated (real processes): the agent is SIGKILLed and restarted with another boot
// id (AGORA_TEST_BOOT_ID_FILE). As in Mesos, every checkpointed executor is then considered dead
// with the host, even one whose pid still exists: nothing is adopted, the tasks end TASK_GONE
// (TASK_LOST for a framework that is not PARTITION_AWARE), and the sandboxes stay for the GC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spawned } from '../helpers/process.ts';
import { frameworkInfo, startCluster, subscribe, teardown, type Framework } from './conformance-support.ts';
import { alive, checkpointedPids, commandTasks, findFiles, followToEnd, restartAgent, runTasks, signalAgent } from './agent-recovery-support.ts';

test('after a reboot (new boot id) checkpointed executors are gone: tasks TASK_GONE / TASK_LOST, sandboxes kept', { timeout: 60_000 }, async () => {
  const cluster = await startCluster();
  let agent: Spawned | undefined;
  const frameworks: Framework[] = [];
  try {
    const aware = await subscribe(cluster.masterUrl, frameworkInfo('reboot-aware', ['PARTITION_AWARE'], { checkpoint: true }));
    frameworks.push(aware);
    await runTasks(aware, commandTasks(cluster, 1, 'sleep 60'));
    const legacy = await subscribe(cluster.masterUrl, frameworkInfo('reboot-legacy', [], { checkpoint: true }));
    frameworks.push(legacy);
    const legacyTask = commandTasks(cluster, 2, 'sleep 60')[1]!;
    await runTasks(legacy, [legacyTask]);
    const pids = checkpointedPids(cluster);
    assert.equal(pids.length, 2);
    const checkpointedBootId = findFiles(join(cluster.workDir, 'agent', 'meta'), 'boot_id')[0];
    assert.ok(checkpointedBootId, 'the agent checkpointed the boot id');
    assert.equal(readFileSync(checkpointedBootId, 'utf8').trim(), readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());

    await signalAgent(cluster, 'SIGKILL');
    const bootIdFile = join(cluster.workDir, 'boot_id');
    writeFileSync(bootIdFile, `${randomUUID()}\n`);
    agent = restartAgent(cluster, [], { AGORA_TEST_BOOT_ID_FILE: bootIdFile });

    await agent.waitForLog((l) => l.msg === 'host rebooted since the checkpoint: no executor survived');
    const recovered = await agent.waitForLog((l) => l.msg === 'agent state recovered');
    assert.equal(recovered.agent_id, cluster.agentId, 'the agent keeps its id across a reboot');
    assert.equal(recovered.executors, 2);
    assert.equal(recovered.adopted, 0, 'no checkpointed pid is trusted after a reboot');
    for (const pid of pids) assert.ok(alive(pid), 'the old executors still exist: only the boot id made them gone');
    await agent.waitForLog((l) => l.msg === 'agent registered');

    const [gone] = (await followToEnd(aware, 'task-0')).slice(-1);
    assert.equal(gone!.state, 'TASK_GONE', JSON.stringify(gone));
    assert.equal(gone!.reason, 'REASON_EXECUTOR_TERMINATED');
    assert.match(String(gone!.message), /host reboot/);
    const [lost] = (await followToEnd(legacy, 'task-1')).slice(-1);
    assert.equal(lost!.state, 'TASK_LOST', JSON.stringify(lost));

    // Sandboxes are left for the GC (default --gc_delay one week), not removed at recovery.
    const sandboxes = findFiles(join(cluster.workDir, 'agent', 'slaves'), 'stdout');
    assert.equal(sandboxes.length, 2, sandboxes.join(', '));
    for (const path of sandboxes) assert.ok(existsSync(path));
  } finally {
    for (const fw of frameworks) await teardown(fw);
    await agent?.stop();
    await cluster.stop();
  }
});
