// What a simulated executor does with a task, decided from the task alone: no process runs. A
// task goes STARTING → RUNNING → its end state on a schedule; frameworks shape it with labels
// (the defaults come from `agora sim` flags):
//   agora.sim/duration_ms   how long it stays RUNNING; negative: until killed
//   agora.sim/end_state     TASK_FINISHED (default) or TASK_FAILED
import type { TaskInfo, TaskState } from '../protocol/index.ts';

export const DURATION_LABEL = 'agora.sim/duration_ms';
export const END_STATE_LABEL = 'agora.sim/end_state';

export type ExecutorTiming = {
  /** RUN_TASK → TASK_STARTING. */
  startingMs: number;
  /** TASK_STARTING → TASK_RUNNING. */
  runningMs: number;
  /** TASK_RUNNING → end state, when the task has no duration label; negative: until killed. */
  durationMs: number;
};

export type TaskPlan = {
  startingMs: number;
  runningMs: number;
  /** undefined: runs until killed. */
  durationMs: number | undefined;
  endState: TaskState;
};

const END_STATES: readonly TaskState[] = ['TASK_FINISHED', 'TASK_FAILED'];

export function planTask(task: TaskInfo, timing: ExecutorTiming): TaskPlan {
  let duration = timing.durationMs;
  let endState: TaskState = 'TASK_FINISHED';
  for (const label of task.labels?.labels ?? []) {
    if (label.key === DURATION_LABEL && label.value !== undefined && Number.isFinite(Number(label.value))) duration = Number(label.value);
    if (label.key === END_STATE_LABEL && END_STATES.includes(label.value as TaskState)) endState = label.value as TaskState;
  }
  return { startingMs: timing.startingMs, runningMs: timing.runningMs, durationMs: duration < 0 ? undefined : duration, endState };
}
