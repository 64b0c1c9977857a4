// Where task checks plug into the command executor. When the task's process has started, the
// executor asks a CheckerFactory for a checker (checker.ts is the real one), stops it when a kill
// starts or the task ends, and feeds what it reports into the task machine (task-machine.ts,
// inputs `health` and `check`), which turns them into TASK_RUNNING updates with `healthy`
// (REASON_TASK_HEALTH_CHECK_STATUS_UPDATED) or `check_status` (REASON_TASK_CHECK_STATUS_UPDATED)
// and kills the task when the health checker says so.
import type { CheckStatusInfo } from '../../protocol/index.ts';
import type { TaskChecks } from './check-spec.ts';

export type HealthResult = {
  healthy: boolean;
  /** The check failed `consecutive_failures` times after the grace period: kill the task. */
  killTask: boolean;
};

/** A running checker for one task. `stop()` cancels timers and ends any probe in flight. */
export type TaskChecker = { stop(): void };

export type CheckerContext = {
  taskId: string;
  /** The task's process (group leader) id, for checks that enter its namespaces. */
  pid: number;
  checks: TaskChecks;
  reportHealth(result: HealthResult): void;
  /** A check status that differs from the last one reported. */
  reportCheck(status: CheckStatusInfo): void;
};

/** Starts a checker for a task, or returns undefined when the task asks for none. */
export type CheckerFactory = (context: CheckerContext) => TaskChecker | undefined;

/** No checker for any task (tests of the executor shell that do not exercise checks). */
export const noCheckers: CheckerFactory = () => undefined;
