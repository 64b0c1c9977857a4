// A real network partition, simulated by SIGSTOPping a real `agora agent`: the master (short
// --agent_ping_timeout) marks it unreachable — TASK_UNREACHABLE for a PARTITION_AWARE framework,
// TASK_LOST for one that is not — and after SIGCONT the agent re-registers: the partition-aware
// task is RUNNING again (by reconciliation), the other one is killed on the agent.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { AgentClient } from '../../src/client/agent-client.ts';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';
import type { FrameworkInfo, TaskStatus } from '../../src/protocol/index.ts';
import { spawnProcess, tempDir, waitFor, type Spawned } from '../helpers/process.ts';

const AGORA = join(import.meta.dirname, '../../bin/agora');

/** Launches `sleep 600` as `taskId` on the next offer and acknowledges updates until RUNNING. */
async function launchSleeper(fw: TestScheduler, taskId: string): Promise<string> {
  const offer = (await fw.events.next('OFFERS', undefined, 15_000)).offers.offers![0]!;
  await fw.mustCall({
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [{ type: 'LAUNCH', launch: { task_infos: [{
        name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id,
        resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
        command: { value: 'sleep 600' },
      }] } }],
      filters: { refuse_seconds: 3600 },
    },
  });
  for (;;) {
    const status = (await fw.events.next('UPDATE', (e) => e.update.status.task_id.value === taskId, 20_000)).update.status;
    if (status.uuid !== undefined) await fw.mustCall({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: offer.agent_id, task_id: status.task_id, uuid: status.uuid } });
    if (status.state === 'TASK_RUNNING') return offer.agent_id.value;
    assert.ok(status.state === 'TASK_STARTING' || status.state === 'TASK_STAGING', `unexpected ${status.state}`);
  }
}

async function masterUpdate(fw: TestScheduler, taskId: string): Promise<TaskStatus> {
  return (await fw.events.next('UPDATE', (e) => e.update.status.task_id.value === taskId && e.update.status.source === 'SOURCE_MASTER', 15_000)).update.status;
}

test('agent SIGSTOPped past the ping timeout: UNREACHABLE / LOST; after SIGCONT the partition-aware task is RUNNING and the other is killed', async () => {
  const dir = tempDir('agora-master-partition-');
  const processes: Spawned[] = [];
  const schedulers: TestScheduler[] = [];
  let stopped: Spawned | undefined;
  try {
    const master = spawnProcess(AGORA, ['master', '--port=0', '--registry=in_memory', '--agent_ping_timeout=150ms', '--max_agent_ping_timeouts=3', '--allocation_interval=100ms']);
    processes.push(master);
    const url = (await master.waitForLog((l) => l.msg === 'master listening')).url as string;
    const agent = spawnProcess(AGORA, ['agent', '--port=0', `--master=${url}`, `--work_dir=${join(dir.path, 'agent')}`, '--resources=cpus:2;mem:1024']);
    processes.push(agent);
    const agentUrl = (await agent.waitForLog((l) => l.msg === 'agent listening', 15_000)).url as string;
    const agentId = (await agent.waitForLog((l) => l.msg === 'agent registered', 15_000)).agent_id as string;

    const user = process.env.USER ?? 'root';
    const awareInfo: FrameworkInfo = { user, name: 'aware', failover_timeout: 3600, capabilities: [{ type: 'PARTITION_AWARE' }] };
    const aware = await TestScheduler.subscribe(url, awareInfo);
    schedulers.push(aware);
    await launchSleeper(aware, 'aware-task');
    const legacy = await TestScheduler.subscribe(url, { user, name: 'legacy', failover_timeout: 3600 });
    schedulers.push(legacy);
    await launchSleeper(legacy, 'legacy-task');

    agent.child.kill('SIGSTOP');
    stopped = agent;
    const unreachable = await masterUpdate(aware, 'aware-task');
    assert.equal(unreachable.state, 'TASK_UNREACHABLE');
    assert.equal(unreachable.reason, 'REASON_AGENT_REMOVED');
    assert.ok(unreachable.unreachable_time !== undefined, 'unreachable_time is set');
    assert.equal((await masterUpdate(legacy, 'legacy-task')).state, 'TASK_LOST');

    agent.child.kill('SIGCONT');
    stopped = undefined;
    await master.waitForLog((l) => l.msg === 'agent re-registered' && l.agentId === agentId, 20_000);

    await aware.mustCall({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'aware-task' }, agent_id: { value: agentId } }] } });
    const reconciled = (await aware.events.next('UPDATE', (e) => e.update.status.reason === 'REASON_RECONCILIATION', 10_000)).update.status;
    assert.equal(reconciled.state, 'TASK_RUNNING');

    // The non-partition-aware framework was told LOST: the agent kills the task.
    const agentClient = new AgentClient(agentUrl);
    const legacyState = await waitFor(async () => {
      const tasks = (await agentClient.getState()).get_tasks;
      const all = [...(tasks?.launched_tasks ?? []), ...(tasks?.completed_tasks ?? []), ...(tasks?.terminated_tasks ?? [])];
      const task = all.find((t) => t.task_id.value === 'legacy-task');
      return task !== undefined && task.state !== 'TASK_RUNNING' && task.state !== 'TASK_KILLING' ? task.state : undefined;
    }, 20_000, 100);
    assert.equal(legacyState, 'TASK_KILLED');
    const awareOnAgent = (await agentClient.getState()).get_tasks?.launched_tasks?.find((t) => t.task_id.value === 'aware-task');
    assert.equal(awareOnAgent?.state, 'TASK_RUNNING', 'the partition-aware task kept running');

    await aware.mustCall({ type: 'TEARDOWN' });
    await legacy.mustCall({ type: 'TEARDOWN' });
  } finally {
    if (stopped !== undefined) stopped.child.kill('SIGCONT');
    for (const s of schedulers) s.close();
    for (const p of processes.reverse()) await p.stop();
    dir.cleanup();
  }
});
