// Fault injection ("Nothing lost"): two checkpointing frameworks each run a `sleep` task, both
// disconnect, and the master is killed (-9) and restarted on the same work dir and port.
//   - `keeper` (failover_timeout 1 hour) re-subscribes with its id: its task is still RUNNING,
//     on the agent and by reconciliation;
//   - `leaver` (failover_timeout 3 s) never comes back: once its failover timeout (counted from
//     its disconnection, kept across the restart) passes, its task is killed on the agent and its
//     processes are gone, while the keeper's task keeps running.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';
import { spawnProcess, tempDir, waitFor, type Spawned } from '../helpers/process.ts';
import { killStrayProcesses, processesUnder, restartableMaster } from './conformance-support.ts';

const AGORA = join(import.meta.dirname, '../../bin/agora');
type Json = Record<string, unknown>;

async function agentTaskState(agentUrl: string, taskId: string): Promise<string | undefined> {
  const state = (await (await fetch(`${agentUrl}/state`)).json()) as Json;
  for (const fw of [...((state.frameworks as Json[]) ?? []), ...((state.completed_frameworks as Json[]) ?? [])]) {
    for (const ex of [...((fw.executors as Json[]) ?? []), ...((fw.completed_executors as Json[]) ?? [])]) {
      for (const list of ['queued_tasks', 'tasks', 'completed_tasks']) {
        const task = ((ex[list] as Json[]) ?? []).find((t) => t.id === taskId);
        if (task) return (task.state as string | undefined) ?? 'TASK_STAGING';
      }
    }
  }
  return undefined;
}

/** Live processes (executor and its task) started for `executorId` under the agent's work dir. */
function processesOf(agentWorkDir: string, executorId: string): number[] {
  return processesUnder(agentWorkDir).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`MESOS_EXECUTOR_ID=${executorId}`);
    } catch {
      return false;
    }
  });
}

/** Launches one `sleep 600` on the first offer and acknowledges updates until TASK_RUNNING. */
async function runSleeper(fw: TestScheduler, taskId: string): Promise<string> {
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
    },
  });
  for (;;) {
    const status = (await fw.events.next('UPDATE', (e) => e.update.status.task_id.value === taskId, 20_000)).update.status;
    await fw.mustCall({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: offer.agent_id, task_id: status.task_id, uuid: status.uuid! } });
    if (status.state === 'TASK_RUNNING') return offer.agent_id.value;
    assert.equal(status.state, 'TASK_STARTING');
  }
}

test('fault: after a master restart, a framework back within failover_timeout keeps its task; one that never returns has its task killed', { timeout: 120_000 }, async () => {
  const dir = tempDir('agora-fault-failover-');
  const agentWorkDir = join(dir.path, 'agent');
  const processes: Spawned[] = [];
  const schedulers: TestScheduler[] = [];
  const startMaster = restartableMaster(dir.path, processes);
  try {
    const m1 = startMaster(0);
    const listening = await m1.waitForLog((l) => l.msg === 'master listening');
    const port = listening.port as number;
    const url = listening.url as string;
    const agent = spawnProcess(AGORA, ['agent', '--port=0', `--master=127.0.0.1:${port}`, `--work_dir=${agentWorkDir}`, '--resources=cpus:2;mem:1024']);
    processes.push(agent);
    const agentUrl = (await agent.waitForLog((l) => l.msg === 'agent listening')).url as string;
    const agentId = (await agent.waitForLog((l) => l.msg === 'agent registered', 15_000)).agent_id as string;

    const user = process.env.USER ?? 'root';
    const keeperInfo = { user, name: 'keeper', failover_timeout: 3600, checkpoint: true };
    const leaverInfo = { user, name: 'leaver', failover_timeout: 3, checkpoint: true };
    const keeper = await TestScheduler.subscribe(url, keeperInfo);
    const leaver = await TestScheduler.subscribe(url, leaverInfo);
    schedulers.push(keeper, leaver);
    await runSleeper(keeper, 'kept');
    await runSleeper(leaver, 'left');
    assert.equal(processesOf(agentWorkDir, 'left').length > 0, true, 'the leaver task runs before the restart');

    keeper.close();
    leaver.close();
    m1.child.kill('SIGKILL');
    await once(m1.child, 'exit');
    const m2 = startMaster(port);
    await m2.waitForLog((l) => l.msg === 'master listening');
    await m2.waitForLog((l) => l.msg === 'agent re-registered' && l.agentId === agentId, 30_000);

    const back = await TestScheduler.subscribe(url, { ...keeperInfo, id: { value: keeper.frameworkId } });
    schedulers.push(back);
    assert.equal(back.frameworkId, keeper.frameworkId);

    // The leaver's failover timeout runs out on the restarted master: its task is killed on the agent.
    await waitFor(async () => (await agentTaskState(agentUrl, 'left')) === 'TASK_KILLED', 30_000, 100);
    await waitFor(() => processesOf(agentWorkDir, 'left').length === 0, 15_000, 100);
    const leaverGone = await waitFor(async () => {
      const state = (await (await fetch(`${url}/state`)).json()) as Json;
      return ((state.completed_frameworks as Json[]) ?? []).find((f) => f.id === leaver.frameworkId);
    }, 15_000, 100);
    assert.ok(leaverGone, 'the leaver is a completed framework on the master');

    // The keeper's task survived all of it.
    await back.mustCall({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'kept' }, agent_id: { value: agentId } }] } });
    const reconciled = (await back.events.next('UPDATE', (e) => e.update.status.reason === 'REASON_RECONCILIATION')).update.status;
    assert.equal(reconciled.state, 'TASK_RUNNING');
    assert.equal(await agentTaskState(agentUrl, 'kept'), 'TASK_RUNNING');
    assert.ok(processesOf(agentWorkDir, 'kept').length > 0, 'the keeper task still runs');

    await back.mustCall({ type: 'TEARDOWN' });
    await waitFor(async () => (await agentTaskState(agentUrl, 'kept')) === 'TASK_KILLED', 30_000, 100);
  } finally {
    for (const s of schedulers) s.close();
    for (const p of processes.reverse()) await p.stop();
    killStrayProcesses(dir.path);
    dir.cleanup();
  }
});
