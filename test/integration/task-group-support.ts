// Shared plumbing of the task group suites (task-group-*.test.ts): a real `agora master` and
// `agora agent` (conformance-support.ts startCluster), a framework speaking the v1 scheduler API
// (TestScheduler) that acknowledges every update and keeps them per task, and LAUNCH_GROUP.
import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import type { FrameworkInfo, TaskStatus, ValidSchedulerEvent } from '../../src/protocol/index.ts';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';
import { waitFor } from '../helpers/process.ts';
import { getJson, startCluster, type Cluster, type Json } from './conformance-support.ts';

export const scalar = (name: string, value: number): Json => ({ name, type: 'SCALAR', scalar: { value } });

/** A DEFAULT executor with the minimum resources Mesos requires of a task group's executor. */
export function defaultExecutor(frameworkId: string, id = 'default'): Json {
  return { type: 'DEFAULT', executor_id: { value: id }, framework_id: { value: frameworkId }, resources: [scalar('cpus', 0.1), scalar('mem', 32), scalar('disk', 10)] };
}

export function shellTask(id: string, agentId: string, command: string, extra: Json = {}): Json {
  return { name: id, task_id: { value: id }, agent_id: { value: agentId }, resources: [scalar('cpus', 0.1), scalar('mem', 32)], command: { value: command }, ...extra };
}

/** The agent's record of an executor, running or completed. */
export async function agentExecutor(agentUrl: string, executorId: string): Promise<Json> {
  const state = (await getJson(`${agentUrl}/state`)).body as { frameworks: Json[]; completed_frameworks: Json[] };
  const executors = [...state.frameworks, ...state.completed_frameworks].flatMap((f) => [...(f.executors as Json[]), ...(f.completed_executors as Json[])]);
  const found = executors.find((e) => e.id === executorId);
  assert.ok(found, `executor ${executorId} on the agent`);
  return found;
}

export type GroupHarness = {
  cluster: Cluster;
  scheduler: TestScheduler;
  /** Every status received per task, in order (all acknowledged). */
  statuses: Map<string, TaskStatus[]>;
  states(taskId: string): string[];
  /** Resolves with the task's first status in `state`. */
  waitForState(taskId: string, state: string, timeoutMs?: number): Promise<TaskStatus>;
  /** ACCEPTs the outstanding offers with these LAUNCH_GROUP operations (each: executor + tasks). */
  launchGroups(groups: { executor: Json; tasks: Json[] }[]): Promise<void>;
  /** Resolves with the FAILURE event of the executor (sent when its process ended). */
  executorExit(executorId: string, timeoutMs?: number): Promise<Extract<ValidSchedulerEvent, { type: 'FAILURE' }>>;
  stop(): Promise<void>;
};

export async function startGroupHarness(framework: Partial<FrameworkInfo> = {}): Promise<GroupHarness> {
  const cluster = await startCluster();
  let scheduler: TestScheduler;
  try {
    scheduler = await TestScheduler.subscribe(cluster.masterUrl, { user: userInfo().username, name: 'task-groups', ...framework });
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  const statuses = new Map<string, TaskStatus[]>();
  let stopped = false;
  // Reads and acknowledges every update, as a framework must for the executor to finish.
  void (async () => {
    while (!stopped) {
      let event: Extract<ValidSchedulerEvent, { type: 'UPDATE' }>;
      try {
        event = await scheduler.events.next('UPDATE', () => true, 60_000);
      } catch {
        return;
      }
      const status = event.update.status;
      const list = statuses.get(status.task_id.value) ?? [];
      list.push(status);
      statuses.set(status.task_id.value, list);
      if (status.uuid !== undefined && status.agent_id !== undefined) {
        await scheduler
          .mustCall({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } })
          .catch(() => {});
      }
    }
  })();
  const states = (taskId: string): string[] => (statuses.get(taskId) ?? []).map((s) => s.state);
  return {
    cluster,
    scheduler,
    statuses,
    states,
    waitForState: (taskId, state, timeoutMs = 10_000) => waitFor(() => statuses.get(taskId)?.find((s) => s.state === state), timeoutMs),
    async launchGroups(groups) {
      // Every outstanding offer (there is one agent): resources freed by earlier tests come as
      // offers of their own.
      const offers = [...(await scheduler.events.next('OFFERS')).offers.offers!];
      while (scheduler.events.pending('OFFERS').length > 0) offers.push(...(await scheduler.events.next('OFFERS')).offers.offers!);
      for (const offer of offers) assert.equal(offer.agent_id.value, cluster.agentId);
      await scheduler.mustCall({
        type: 'ACCEPT',
        accept: {
          offer_ids: offers.map((o) => o.id),
          operations: groups.map((g) => ({ type: 'LAUNCH_GROUP', launch_group: { executor: g.executor, task_group: { tasks: g.tasks } } })),
          filters: { refuse_seconds: 0 },
        },
      });
    },
    executorExit: (executorId, timeoutMs = 15_000) => scheduler.events.next('FAILURE', (e) => e.failure.executor_id?.value === executorId, timeoutMs),
    async stop() {
      stopped = true;
      scheduler.close();
      await cluster.stop();
    },
  };
}
