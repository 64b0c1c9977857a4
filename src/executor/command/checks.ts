// Where task health checks plug in. Health checks (TaskInfo.health_check, COMMAND/HTTP/TCP) are
// a later issue; the executor already asks a CheckerFactory for a checker when the task starts
// running, stops it when a kill starts or the task ends, and turns each reported result into a
// TASK_RUNNING update with `healthy` (REASON_TASK_HEALTH_CHECK_STATUS_UPDATED), killing the task
// when the checker says so (task-machine.ts, input `health`).
import type { LaunchedTask } from './wire.ts';

export type HealthResult = {
  healthy: boolean;
  /** The check failed `consecutive_failures` times after the grace period: kill the task. */
  killTask: boolean;
};

/** A running checker for one task. */
export type TaskChecker = { stop(): void };

export type CheckerContext = {
  task: LaunchedTask;
  /** The task's process (group leader) id, for checks that enter its namespaces. */
  pid: number;
  report(result: HealthResult): void;
};

/** Starts a checker for a task, or returns undefined when the task asks for none. */
export type CheckerFactory = (context: CheckerContext) => TaskChecker | undefined;

/** Until health checks land: no checker for any task. */
export const noCheckers: CheckerFactory = () => undefined;
