// Agent restart with checkpointing (Mesos "slave recovery"), real processes: a master, an agent,
// a checkpointing framework over raw HTTP. The agent is SIGKILLed while tasks run and restarted
// on the same work dir and port: the executors it finds are the same processes, they re-subscribe,
// and every task's updates reach the framework.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnProcess, type Spawned } from '../helpers/process.ts';
import {
  AGORA,
  DEFAULT_AGENT_RESOURCES,
  acknowledge,
  commandTask,
  firstOffer,
  frameworkInfo,
  idOf,
  launch,
  nextUpdate,
  startCluster,
  subscribe,
  teardown,
  TERMINAL_STATES,
  type Cluster,
  type Framework,
  type Json,
} from './conformance-support.ts';

/** Every file named `name` under `dir`, recursively. */
function findFiles(dir: string, name: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findFiles(path, name));
    else if (entry.name === name) found.push(path);
  }
  return found;
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}/stat`) && !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** Launches `count` checkpointing command tasks and waits until each is TASK_RUNNING (acknowledged). */
async function runTasks(cluster: Cluster, fw: Framework, count: number, command: string): Promise<string[]> {
  const offer = await firstOffer(fw);
  const taskIds = Array.from({ length: count }, (_, i) => `task-${i}`);
  await launch(fw, [idOf(offer.id)], taskIds.map((id) => commandTask(id, cluster.agentId, command, { cpus: 0.1, mem: 32 })));
  for (const taskId of taskIds) {
    for (;;) {
      const status = await nextUpdate(fw, taskId);
      await acknowledge(fw, status);
      assert.ok(!TERMINAL_STATES.has(status.state as string), `task ${taskId} ended before the agent was killed: ${JSON.stringify(status)}`);
      if (status.state === 'TASK_RUNNING') break;
    }
  }
  return taskIds;
}

async function killAgent(cluster: Cluster): Promise<void> {
  const exited = new Promise((resolve) => cluster.agent.child.once('exit', resolve));
  cluster.agent.child.kill('SIGKILL');
  await exited;
}

/** Starts another agent on the (killed) agent's work dir and port. */
function restartAgent(cluster: Cluster): Spawned {
  return spawnProcess(AGORA, [
    'agent',
    `--port=${cluster.agentPort}`,
    `--master=127.0.0.1:${cluster.masterPort}`,
    `--work_dir=${join(cluster.workDir, 'agent')}`,
    `--resources=${DEFAULT_AGENT_RESOURCES}`,
  ]);
}

/** Follows a task's updates (acknowledging each) to its terminal one. */
async function followToEnd(fw: Framework, taskId: string): Promise<Json[]> {
  const statuses: Json[] = [];
  for (;;) {
    const status = await nextUpdate(fw, taskId, 20_000);
    statuses.push(status);
    await acknowledge(fw, status);
    if (TERMINAL_STATES.has(status.state as string)) return statuses;
  }
}

test('a SIGKILLed agent restarted on its work dir re-adopts the running executors and loses no update', async () => {
  const cluster = await startCluster();
  let agent: Spawned | undefined;
  let fw: Framework | undefined;
  try {
    fw = await subscribe(cluster.masterUrl, frameworkInfo('recovery', ['PARTITION_AWARE'], { checkpoint: true }));
    const taskIds = await runTasks(cluster, fw, 5, 'sleep 3; exit 0');
    const pidFiles = findFiles(join(cluster.workDir, 'agent', 'meta'), 'forked.pid');
    const pids = pidFiles.map((f) => Number(readFileSync(f, 'utf8').trim())).sort((a, b) => a - b);
    assert.equal(pids.length, 5);
    for (const pid of pids) assert.ok(alive(pid), `executor ${pid} runs before the restart`);

    await killAgent(cluster);
    agent = restartAgent(cluster);
    const recovered = await agent.waitForLog((l) => l.msg === 'agent state recovered');
    assert.equal(recovered.agent_id, cluster.agentId);
    assert.equal(recovered.adopted, 5);
    for (const pid of pids) assert.ok(alive(pid), `executor ${pid} survived the agent's SIGKILL`);
    const registered = await agent.waitForLog((l) => l.msg === 'agent registered');
    assert.equal(registered.agent_id, cluster.agentId, 'the agent keeps its id');

    for (const taskId of taskIds) {
      const statuses = await followToEnd(fw, taskId);
      assert.equal(statuses.at(-1)!.state, 'TASK_FINISHED', `${taskId}: ${JSON.stringify(statuses)}`);
    }
    // The same processes, not new ones: each adopted container is one of the checkpointed pids.
    const adoptedPids: number[] = [];
    for (const line of agent.output) {
      const parsed = JSON.parse(line) as Json;
      if (parsed.msg === 'container recovered') adoptedPids.push(parsed.pid as number);
    }
    assert.deepEqual(adoptedPids.sort((a, b) => a - b), pids);
    assert.ok(!agent.output.some((l) => l.includes('damaged checkpoint file')), 'nothing was damaged');
  } finally {
    if (fw) await teardown(fw);
    await agent?.stop();
    await cluster.stop();
  }
});

test('a truncated checkpoint file is logged with its path and the rest is recovered', async () => {
  const cluster = await startCluster();
  let agent: Spawned | undefined;
  let fw: Framework | undefined;
  try {
    fw = await subscribe(cluster.masterUrl, frameworkInfo('recovery-damaged', ['PARTITION_AWARE'], { checkpoint: true }));
    await runTasks(cluster, fw, 2, 'sleep 3; exit 0');
    const taskInfos = findFiles(join(cluster.workDir, 'agent', 'meta'), 'task.info');
    const damaged = taskInfos.find((p) => p.includes('/tasks/task-0/'))!;
    assert.ok(damaged, `task.info of task-0 in ${taskInfos.join(', ')}`);

    await killAgent(cluster);
    truncateSync(damaged, Math.floor(statSync(damaged).size / 2));
    agent = restartAgent(cluster);

    const problem = await agent.waitForLog((l) => l.msg === 'damaged checkpoint file skipped');
    assert.equal(problem.path, damaged);
    const recovered = await agent.waitForLog((l) => l.msg === 'agent state recovered');
    assert.equal(recovered.executors, 2);
    await agent.waitForLog((l) => l.msg === 'agent registered');
    const statuses = await followToEnd(fw, 'task-1');
    assert.equal(statuses.at(-1)!.state, 'TASK_FINISHED', JSON.stringify(statuses));
  } finally {
    if (fw) await teardown(fw);
    await agent?.stop();
    await cluster.stop();
  }
});
