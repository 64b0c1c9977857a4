// Fault injection ("Nothing lost"): `kill -9` of the master in the middle of a burst of launches
// by a checkpointing, PARTITION_AWARE framework. The master restarts on the same work dir and
// port, the real agent re-registers, the framework re-subscribes with its id, and then:
//   - every task the framework sent converges, by explicit reconciliation, to the state the agent
//     reports in its /state (a task the agent never got must not be reported as live);
//   - no task runs on the agent (in /state or as an executor process) that the master does not
//     know about, in the same state.
// The burst is 500 launches (25 ACCEPTs of 20). Each ACCEPT's 20 tasks share one custom executor
// (examples/custom-executor, counting slowly), so the burst costs 25 executor processes rather
// than 500 command executors, which 2 cores could not start within this suite's budget; the
// master sees the same 500 launches, updates and acknowledgements. The master is killed with the
// 6th ACCEPT in flight.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';
import type { TaskStatus } from '../../src/protocol/index.ts';
import { spawnProcess, tempDir, waitFor, type Spawned } from '../helpers/process.ts';
import { killStrayProcesses, processesUnder, restartableMaster } from './conformance-support.ts';

const AGORA = join(import.meta.dirname, '../../bin/agora');
const TASKS = 500;
const PER_ACCEPT = 20;
const KILL_AFTER_ACCEPTS = 5;
const EXECUTOR_PROGRAM = join(import.meta.dirname, '../../examples/custom-executor/executor.ts');
const TERMINAL = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN']);

type Json = Record<string, unknown>;

/** Every task the agent's legacy /state lists, by id, with its state. */
async function agentTasks(agentUrl: string): Promise<Map<string, string>> {
  const state = (await (await fetch(`${agentUrl}/state`)).json()) as Json;
  const tasks = new Map<string, string>();
  const frameworks = [...((state.frameworks as Json[]) ?? []), ...((state.completed_frameworks as Json[]) ?? [])];
  for (const fw of frameworks) {
    for (const ex of [...((fw.executors as Json[]) ?? []), ...((fw.completed_executors as Json[]) ?? [])]) {
      for (const list of ['queued_tasks', 'tasks', 'completed_tasks']) {
        for (const t of (ex[list] as Json[]) ?? []) tasks.set(t.id as string, (t.state as string | undefined) ?? 'TASK_STAGING');
      }
    }
  }
  return tasks;
}

/** The tasks the master's /tasks lists, by id, with their state and executor. */
async function masterTasks(masterUrl: string): Promise<Map<string, { state: string; executor: string }>> {
  const body = (await (await fetch(`${masterUrl}/tasks?limit=100000`)).json()) as { tasks: Json[] };
  return new Map(body.tasks.map((t) => [t.id as string, { state: t.state as string, executor: t.executor_id as string }]));
}

/** Acknowledges every agent update as it arrives, and remembers the latest state of each task. */
function acknowledgeAll(fw: TestScheduler, latest: Map<string, string>): void {
  void (async () => {
    for (;;) {
      const event = await fw.events.next('UPDATE', (e) => e.update.status.reason !== 'REASON_RECONCILIATION', 3_600_000).catch(() => undefined);
      if (event === undefined) return; // stream gone (master killed, or test over)
      const status = event.update.status;
      latest.set(status.task_id.value, status.state);
      if (status.uuid !== undefined && status.agent_id !== undefined) {
        await fw.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } }).then((r) => r.arrayBuffer()).catch(() => undefined);
      }
    }
  })();
}

/** A task of the batch's executor that runs until killed (counts one step an hour). */
function countingTask(id: string, agentId: string, executorId: string): Json {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: agentId },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.01 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 8 } }],
    executor: {
      executor_id: { value: executorId },
      type: 'CUSTOM',
      command: { shell: false, value: process.execPath, arguments: [process.execPath, EXECUTOR_PROGRAM] },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.05 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }],
    },
    data: Buffer.from(JSON.stringify({ job: 'count', to: 10, step_ms: 60_000 })).toString('base64'),
  };
}

/** One explicit RECONCILE of `ids`; resolves with the master's answer for each. */
async function reconcile(fw: TestScheduler, ids: string[], agentId: string): Promise<Map<string, TaskStatus>> {
  await fw.mustCall({ type: 'RECONCILE', reconcile: { tasks: ids.map((value) => ({ task_id: { value }, agent_id: { value: agentId } })) } });
  const answers = new Map<string, TaskStatus>();
  while (answers.size < ids.length) {
    const status = (await fw.events.next('UPDATE', (e) => e.update.status.reason === 'REASON_RECONCILIATION', 15_000)).update.status;
    answers.set(status.task_id.value, status);
  }
  return answers;
}

test('fault: master kill -9 during a 500-task burst: every task converges by reconciliation, and nothing runs unknown to the master', { timeout: 300_000 }, async () => {
  const dir = tempDir('agora-fault-master-kill-');
  const processes: Spawned[] = [];
  const schedulers: TestScheduler[] = [];
  const startMaster = restartableMaster(dir.path, processes);
  try {
    const m1 = startMaster(0);
    const listening = await m1.waitForLog((l) => l.msg === 'master listening');
    const port = listening.port as number;
    const url = listening.url as string;
    const agent = spawnProcess(AGORA, ['agent', '--port=0', `--master=127.0.0.1:${port}`, `--work_dir=${join(dir.path, 'agent')}`, '--resources=cpus:16;mem:16384']);
    processes.push(agent);
    const agentUrl = (await agent.waitForLog((l) => l.msg === 'agent listening')).url as string;
    const agentId = (await agent.waitForLog((l) => l.msg === 'agent registered', 15_000)).agent_id as string;

    const info = {
      user: process.env.USER ?? 'root',
      name: 'fault-master-kill',
      failover_timeout: 3600,
      checkpoint: true,
      capabilities: [{ type: 'PARTITION_AWARE' as const }],
    };
    const fw = await TestScheduler.subscribe(url, info);
    schedulers.push(fw);
    const latest = new Map<string, string>();
    acknowledgeAll(fw, latest);

    // The burst: one ACCEPT per offer; the master dies with the next ACCEPT in flight.
    const sent: string[] = [];
    let current = fw;
    const launch = (offer: { id: unknown; agent_id: unknown }, batch: number): Promise<Response> => {
      const ids = Array.from({ length: PER_ACCEPT }, (_, i) => `burst-${batch}-${i}`);
      sent.push(...ids);
      return current.call({
        type: 'ACCEPT',
        accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: ids.map((id) => countingTask(id, agentId, `burst-executor-${batch}`)) } }], filters: { refuse_seconds: 0 } },
      });
    };
    const nextOffer = async (): Promise<{ id: unknown; agent_id: unknown }> => (await current.events.next('OFFERS', undefined, 15_000)).offers.offers![0]!;
    const accept = async (batch: number): Promise<Response> => launch(await nextOffer(), batch);
    for (let batch = 0; batch < KILL_AFTER_ACCEPTS; batch++) {
      const res = await accept(batch);
      assert.equal(res.status, 202, await res.text());
    }
    // Let the agent start on some of them, so the kill lands among launches, updates and ACKs.
    await waitFor(() => latest.size >= PER_ACCEPT, 30_000);
    const inFlight = launch(await nextOffer(), KILL_AFTER_ACCEPTS).catch(() => undefined);
    m1.child.kill('SIGKILL');
    await once(m1.child, 'exit');
    await inFlight;
    fw.close();

    const m2 = startMaster(port);
    await m2.waitForLog((l) => l.msg === 'master listening');
    await m2.waitForLog((l) => l.msg === 'agent re-registered' && l.agentId === agentId, 30_000);
    const back = await TestScheduler.subscribe(url, { ...info, id: { value: fw.frameworkId } });
    schedulers.push(back);
    assert.equal(back.frameworkId, fw.frameworkId);
    acknowledgeAll(back, latest);
    current = back;

    // The rest of the burst, on the restarted master.
    for (let batch = KILL_AFTER_ACCEPTS + 1; batch < TASKS / PER_ACCEPT; batch++) {
      const res = await accept(batch);
      assert.equal(res.status, 202, await res.text());
    }
    assert.equal(sent.length, TASKS);

    // Converge: reconciliation answers must equal the agent's own view of every task. Tasks
    // still starting move on, so compare repeatedly until both sides agree and are settled.
    let mismatches: string[] = [];
    await waitFor(
      async () => {
        const answers = await reconcile(back, sent, agentId);
        const onAgent = await agentTasks(agentUrl);
        mismatches = [];
        for (const id of sent) {
          const master = answers.get(id)!.state;
          const truth = onAgent.get(id);
          if (truth === undefined ? !TERMINAL.has(master) : truth !== master || truth === 'TASK_STAGING' || truth === 'TASK_STARTING') {
            mismatches.push(`${id}: master ${master}, agent ${truth ?? '(unknown)'}`);
          }
        }
        return mismatches.length === 0;
      },
      90_000,
      200,
    ).catch((err: Error) => assert.fail(`${err.message}; not converged: ${mismatches.slice(0, 10).join('; ')} (${mismatches.length} in all)`));

    // Nothing runs that the master does not know, in the same state: neither in /state ...
    const known = await masterTasks(url);
    const onAgent = await agentTasks(agentUrl);
    const live = [...onAgent].filter(([, state]) => !TERMINAL.has(state));
    assert.ok(live.length >= TASKS - PER_ACCEPT, `expected nearly every task running, got ${live.length}`);
    for (const [id, state] of live) assert.equal(known.get(id)?.state, state, `task ${id} is ${state} on the agent, ${known.get(id)?.state ?? 'unknown'} on the master`);
    // ... nor as an executor process: each one serves live tasks the master knows.
    const liveExecutors = new Set([...known.values()].filter((t) => !TERMINAL.has(t.state)).map((t) => t.executor));
    for (const pid of processesUnder(join(dir.path, 'agent'))) {
      let environ: string;
      try {
        environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      } catch {
        continue;
      }
      const executorId = environ.split('\0').find((v) => v.startsWith('MESOS_EXECUTOR_ID='))?.slice('MESOS_EXECUTOR_ID='.length);
      if (executorId === undefined) continue;
      assert.ok(liveExecutors.has(executorId), `executor ${executorId} (pid ${pid}) runs, but the master knows no live task of it`);
    }

    await back.mustCall({ type: 'TEARDOWN' });
    let leftover: string[] = [];
    await waitFor(
      async () => {
        leftover = [...(await agentTasks(agentUrl))].filter(([, state]) => !TERMINAL.has(state)).map(([id, state]) => `${id} ${state}`);
        return leftover.length === 0;
      },
      120_000,
      200,
    ).catch((err: Error) => assert.fail(`${err.message}; after TEARDOWN still live on the agent: ${leftover.slice(0, 10).join(', ')} (${leftover.length} in all)`));
  } finally {
    for (const s of schedulers) s.close();
    for (const p of processes.reverse()) await p.stop();
    killStrayProcesses(dir.path);
    dir.cleanup();
  }
});
