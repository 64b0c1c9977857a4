// Shared by the agent-recovery-*.test.ts files: running checkpointed tasks on a real cluster
// (conformance-support.ts), stopping the agent, and starting another on its work dir and port.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnProcess, type Spawned } from '../helpers/process.ts';
import {
  AGORA,
  DEFAULT_AGENT_RESOURCES,
  acknowledge,
  commandTask,
  firstOffer,
  idOf,
  launch,
  nextUpdate,
  releaseOffers,
  TERMINAL_STATES,
  type Cluster,
  type Framework,
  type Json,
} from './conformance-support.ts';

/** Every file named `name` under `dir`, recursively. */
export function findFiles(dir: string, name: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findFiles(path, name));
    else if (entry.name === name) found.push(path);
  }
  return found;
}

/** The executors' pids the agent checkpointed (`forked.pid`), sorted. */
export function checkpointedPids(cluster: Cluster): number[] {
  return findFiles(join(cluster.workDir, 'agent', 'meta'), 'forked.pid')
    .map((f) => Number(readFileSync(f, 'utf8').trim()))
    .sort((a, b) => a - b);
}

export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Launches `tasks` (each acknowledged up to TASK_RUNNING) on the cluster's agent. */
export async function runTasks(fw: Framework, tasks: Json[]): Promise<void> {
  const offer = await firstOffer(fw);
  await launch(fw, [idOf(offer.id)], tasks);
  for (const task of tasks) {
    const taskId = (task.task_id as Json).value as string;
    for (;;) {
      const status = await nextUpdate(fw, taskId);
      await acknowledge(fw, status);
      assert.ok(!TERMINAL_STATES.has(status.state as string), `task ${taskId} ended early: ${JSON.stringify(status)}`);
      if (status.state === 'TASK_RUNNING') break;
    }
  }
  // The next framework's tasks must find the rest of the agent free.
  await releaseOffers(fw);
}

/** `count` command tasks `task-<i>` running `command`. */
export function commandTasks(cluster: Cluster, count: number, command: string): Json[] {
  return Array.from({ length: count }, (_, i) => commandTask(`task-${i}`, cluster.agentId, command, { cpus: 0.1, mem: 32 }));
}

export function exitCode(process: Spawned): Promise<number | null> {
  const { child } = process;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Stops the cluster's agent with `signal` and waits for it to exit. */
export async function signalAgent(cluster: Cluster, signal: NodeJS.Signals): Promise<number | null> {
  const exited = exitCode(cluster.agent);
  cluster.agent.child.kill(signal);
  return exited;
}

/** Starts another agent on the stopped agent's work dir and port. */
export function restartAgent(cluster: Cluster, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Spawned {
  return spawnProcess(
    AGORA,
    [
      'agent',
      `--port=${cluster.agentPort}`,
      `--master=127.0.0.1:${cluster.masterPort}`,
      `--work_dir=${join(cluster.workDir, 'agent')}`,
      `--resources=${DEFAULT_AGENT_RESOURCES}`,
      ...extraArgs,
    ],
    env,
  );
}

/** Follows a task's updates (acknowledging each) to its terminal one. */
export async function followToEnd(fw: Framework, taskId: string, timeoutMs = 20_000): Promise<Json[]> {
  const statuses: Json[] = [];
  for (;;) {
    const status = await nextUpdate(fw, taskId, timeoutMs);
    statuses.push(status);
    await acknowledge(fw, status);
    if (TERMINAL_STATES.has(status.state as string)) return statuses;
  }
}


