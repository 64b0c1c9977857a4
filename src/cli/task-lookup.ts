// Finding the task an operator means from what they typed: an exact task id, else a unique id
// prefix, else a unique task name, optionally within one framework. Pure: state in, answer out.
import { NotFoundError } from '../common/errors.ts';
import { isTerminalTaskState, type MasterGetStateResponse, type Task } from '../protocol/index.ts';
import { UsageError } from './errors.ts';

export type TaskRef = {
  task: Task;
  /** Listed by the master among completed (terminal, acknowledged) tasks. */
  completed: boolean;
};

/** Every task the master reports: active, unreachable and completed. */
export function allTasks(state: MasterGetStateResponse): TaskRef[] {
  const t = state.get_tasks;
  return [
    ...(t?.tasks ?? []).map((task) => ({ task, completed: false })),
    ...(t?.unreachable_tasks ?? []).map((task) => ({ task, completed: false })),
    ...(t?.completed_tasks ?? []).map((task) => ({ task, completed: true })),
  ];
}

/** True if `framework` (an id or a name) names the task's framework. */
export function inFramework(state: MasterGetStateResponse, task: Task, framework: string | undefined): boolean {
  if (framework === undefined) return true;
  if (task.framework_id.value === framework) return true;
  const all = [...(state.get_frameworks?.frameworks ?? []), ...(state.get_frameworks?.completed_frameworks ?? [])];
  return all.some((f) => f.framework_info.id?.value === task.framework_id.value && f.framework_info.name === framework);
}

/**
 * The task `query` refers to. Throws NotFoundError when nothing matches and UsageError when the
 * query is ambiguous (naming the candidates). Among several tasks with the same id (task ids are
 * unique per framework only) a non-terminal one wins if it is the only one.
 */
export function findTask(state: MasterGetStateResponse, query: string, framework?: string): TaskRef {
  const candidates = allTasks(state).filter((r) => inFramework(state, r.task, framework));
  const tiers: ((r: TaskRef) => boolean)[] = [
    (r) => r.task.task_id.value === query,
    (r) => r.task.task_id.value.startsWith(query),
    (r) => r.task.name === query,
  ];
  for (const matches of tiers) {
    const found = candidates.filter(matches);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      const live = found.filter((r) => !isTerminalTaskState(r.task.state));
      if (live.length === 1) return live[0]!;
      const list = found
        .slice(0, 10)
        .map((r) => `  ${r.task.task_id.value} (${r.task.state}, framework ${r.task.framework_id.value})`)
        .join('\n');
      throw new UsageError(`'${query}' matches ${found.length} tasks; give a full task id, or --framework:\n${list}`);
    }
  }
  const where = framework === undefined ? '' : ` in framework '${framework}'`;
  throw new NotFoundError(`no task '${query}'${where}; 'agora task list --all' lists the tasks the master knows`);
}
