// Steps shared by the master's in-process tests: launch a command task through the test doubles.
import { Resources, resourcesFromWire } from '../../common/resources/index.ts';
import { isTerminalTaskState, type TaskState } from '../../protocol/index.ts';
import type { Master } from '../master.ts';
import { parseTaskKey } from '../model.ts';
import { scalar, type TestAgent } from './test-agent.ts';
import type { TestScheduler } from './test-scheduler.ts';

export function commandTask(taskId: string, agentId: string, cpus = 0.5, mem = 64): Record<string, unknown> {
  return {
    name: taskId,
    task_id: { value: taskId },
    agent_id: { value: agentId },
    resources: [scalar('cpus', cpus), scalar('mem', mem)],
    command: { value: 'sleep 1' },
  };
}

/**
 * Waits for an offer from `agent`, launches one command task on it, waits for RUN_TASK, and has
 * the agent report `state` (default TASK_RUNNING). Returns the update's uuid (not acknowledged).
 */
export async function launchTask(scheduler: TestScheduler, agent: TestAgent, taskId: string, state: TaskState = 'TASK_RUNNING'): Promise<string> {
  const offers = await scheduler.events.next('OFFERS', (e) => (e.offers.offers ?? []).some((o) => o.agent_id.value === agent.agentId));
  const offer = offers.offers.offers!.find((o) => o.agent_id.value === agent.agentId)!;
  await scheduler.mustCall({
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask(taskId, agent.agentId)] } }],
      // No refuse filter: the rest of the agent is offered again at the next cycle.
      filters: { refuse_seconds: 0 },
    },
  });
  await agent.events.next('RUN_TASK', (e) => e.run_task.task.task_id.value === taskId && e.run_task.framework_info.id?.value === scheduler.frameworkId);
  const uuid = await agent.statusUpdate(scheduler.frameworkId, taskId, state, { executorId: taskId });
  await scheduler.events.next('UPDATE', (e) => e.update.status.task_id.value === taskId && e.update.status.uuid === uuid);
  return uuid;
}

/** Polls `fn` every few ms until it is true (for master-internal state reached asynchronously). */
export async function until(fn: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Where the allocator's books for an agent differ from the master's records (its non-terminal
 * tasks, its executors and its outstanding offers, per framework), or undefined when they agree.
 */
export function allocatorMismatch(master: Master, agentId: string): string | undefined {
  const agent = master.agents.get(agentId);
  const booked = master.allocation.agentAllocation(agentId);
  if (agent === undefined || booked === undefined) return agent === undefined && booked === undefined ? undefined : `agent known to only one side`;
  const expected = new Map<string, Resources>();
  const add = (frameworkId: string, r: Resources): void => {
    expected.set(frameworkId, (expected.get(frameworkId) ?? Resources.EMPTY).add(r));
  };
  for (const key of agent.tasks) {
    const [frameworkId, taskId] = parseTaskKey(key);
    const task = master.findTask(frameworkId, taskId);
    if (task !== undefined && !isTerminalTaskState(task.state)) add(frameworkId, task.resources);
  }
  for (const [frameworkId, executors] of agent.executors) for (const e of executors.values()) add(frameworkId, resourcesFromWire(e.resources ?? []));
  for (const id of agent.offers) {
    const offer = master.offers.get(id);
    if (offer !== undefined) add(offer.frameworkId, offer.resources);
  }
  const problems: string[] = [];
  for (const frameworkId of new Set([...expected.keys(), ...booked.keys()])) {
    const mine = expected.get(frameworkId) ?? Resources.EMPTY;
    const theirs = booked.get(frameworkId) ?? Resources.EMPTY;
    if (!mine.equals(theirs)) problems.push(`framework ${frameworkId}: master ${mine.toString() || 'nothing'}, allocator ${theirs.toString() || 'nothing'}`);
  }
  return problems.length === 0 ? undefined : problems.join('; ');
}
