// Bounds on what the master remembers about things out of reach, so that a long-lived master
// with flapping agents does not grow without limit (Mesos `--max_unreachable_tasks_per_framework`
// and the registry GC):
//
// - A framework keeps at most `--max_unreachable_tasks_per_framework` TASK_UNREACHABLE tasks
//   (default 1000); beyond that the ones unreachable the longest are forgotten. If their agent
//   comes back and reports them, they are adopted like any task the master does not know.
// - Every `--registry_gc_interval` (15 mins) the registry forgets unreachable and gone agents
//   beyond `--registry_max_agent_count` (102400, oldest first) or older than
//   `--registry_max_agent_age` (2 weeks), and the master forgets them with their unreachable
//   tasks. A framework reconciling such a task then gets TASK_UNKNOWN (TASK_LOST if it is not
//   PARTITION_AWARE), as in Mesos; such an agent may still re-register, as an unknown id.
//
// Only tasks whose resources the allocator no longer counts are forgotten, so pruning never leaves
// resources booked to a task nobody tracks.
import type { Master } from './master.ts';
import { forgetPersistedTask } from './persistence.ts';
import { taskKey, tasksByKey, type FrameworkRecord, type TaskRecord } from './model.ts';

/** Something that became unreachable (or gone) at `since` (ms since the epoch). */
export type Aged = { readonly id: string; readonly since: number };

/**
 * Which entries to forget (Mesos `doRegistryGc`): going from the oldest, each one while more than
 * `maxCount` would remain, and any older than `maxAgeMs`. Pure.
 */
export function entriesToForget(entries: readonly Aged[], now: number, maxAgeMs: number, maxCount: number): string[] {
  const oldestFirst = [...entries].sort((a, b) => a.since - b.since);
  const forget: string[] = [];
  for (const entry of oldestFirst) {
    if (oldestFirst.length - forget.length > maxCount || now - entry.since > maxAgeMs) forget.push(entry.id);
  }
  return forget;
}

/** A framework's unreachable tasks beyond `--max_unreachable_tasks_per_framework` are forgotten, oldest first. */
export function pruneUnreachableTasks(m: Master, fw: FrameworkRecord): void {
  const max = m.options.maxUnreachableTasksPerFramework;
  const unreachable: Aged[] = [];
  for (const task of fw.tasks.values()) {
    if (task.state === 'TASK_UNREACHABLE' && task.resourcesRecovered) unreachable.push({ id: task.taskId, since: task.unreachableTime ?? 0 });
  }
  if (unreachable.length <= max) return;
  const forget = entriesToForget(unreachable, 0, Number.POSITIVE_INFINITY, max);
  for (const taskId of forget) forgetTask(m, fw, fw.tasks.get(taskId)!);
  m.log.info({ frameworkId: fw.id, forgotten: forget.length, max }, 'forgot the oldest unreachable tasks of a framework');
}

function forgetTask(m: Master, fw: FrameworkRecord, task: TaskRecord): void {
  fw.tasks.delete(task.taskId);
  forgetPersistedTask(m, task);
  m.agents.get(task.agentId)?.tasks.delete(taskKey(fw.id, task.taskId));
}

/** Runs the registry GC every `--registry_gc_interval` (timers are the master's, cleared on stop). */
export function startRegistryGc(m: Master): void {
  // Node timers fire at once beyond 2^31-1 ms; a longer interval runs every ~24.8 days.
  m.setRepeating(() => collectRegistryGarbage(m), Math.min(m.options.registryGcIntervalMs, 2_147_483_647));
}

/** One registry GC pass (see the top of the file). */
export function collectRegistryGarbage(m: Master): void {
  const unreachable: Aged[] = [];
  const gone: Aged[] = [];
  for (const [id, entry] of m.registry.agents()) {
    if (entry.state === 'unreachable') unreachable.push({ id, since: entry.since ?? 0 });
    else if (entry.state === 'gone') gone.push({ id, since: entry.since ?? 0 });
  }
  const now = m.clock.now();
  const { registryMaxAgentAgeMs: maxAge, registryMaxAgentCount: maxCount } = m.options;
  const forgetUnreachable = entriesToForget(unreachable, now, maxAge, maxCount);
  const forgetGone = entriesToForget(gone, now, maxAge, maxCount);
  if (forgetUnreachable.length === 0 && forgetGone.length === 0) return;
  m.registry.pruneAgents([...forgetUnreachable, ...forgetGone]);
  for (const id of [...forgetUnreachable, ...forgetGone]) {
    const agent = m.agents.get(id);
    if (agent === undefined || (agent.status !== 'unreachable' && agent.status !== 'removed')) continue;
    for (const { fw, task } of tasksByKey(m.frameworks, agent.tasks)) {
      if (task.agentId === id) forgetTask(m, fw, task);
    }
    m.agents.delete(id);
  }
  m.log.info({ unreachable: forgetUnreachable.length, gone: forgetGone.length }, 'garbage collected agents from the registry');
}
