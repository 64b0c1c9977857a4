// Pure: what the agent tells the framework and the master when an executor is gone (Mesos
// `Slave::executorTerminated`). No I/O; executor-lifecycle.ts applies the decision.
//
//   executor terminated ──framework TERMINATING──> complete every task silently (nobody will
//        │                                         acknowledge), nothing to the master
//        └──framework RUNNING──> one agent-made update per unfinished task, then
//                                EXITED_EXECUTOR unless it was a command executor
//
// The state of each update, first match wins:
//   1. why the agent ended the executor itself (registration timeout, launch or fetch failure);
//   2. why the containerizer ended the container (a limitation);
//   3. TASK_KILLED for a task that was being killed, TASK_FAILED otherwise
//      (REASON_EXECUTOR_TERMINATED, "Executor exited with status N").
import type { TaskState, TaskStatusReason } from '../protocol/index.ts';
import type { ContainerTermination } from '../containerizer/index.ts';
import { describeWaitStatus } from './executor-launch.ts';
import type { PendingTermination } from './state.ts';

/** A task the executor held that has no terminal update yet. */
export type UnfinishedTask = { taskId: string; killing: boolean };

export type ExecutorTerminationInput = {
  /** The framework was shut down: no updates go out. */
  frameworkTerminating: boolean;
  isCommandExecutor: boolean;
  unfinishedTasks: readonly UnfinishedTask[];
  /** Why the agent ended the executor, if it did. */
  pending: PendingTermination | undefined;
  /** How the container ended; undefined when it never ran or is unknown. */
  termination: ContainerTermination | undefined;
};

export type TaskUpdateDecision = { taskId: string; state: TaskState; reason: TaskStatusReason; message: string };

export type ExecutorTerminationDecision = {
  /** Agent-made (SOURCE_AGENT) updates to send, in the order given. */
  taskUpdates: TaskUpdateDecision[];
  /** Complete every task without telling anyone (the framework is gone). */
  completeSilently: boolean;
  /** Send EXITED_EXECUTOR so the master frees the executor's resources. */
  reportExitedExecutor: boolean;
};

export function decideExecutorTermination(input: ExecutorTerminationInput): ExecutorTerminationDecision {
  if (input.frameworkTerminating) return { taskUpdates: [], completeSilently: true, reportExitedExecutor: false };
  const { pending, termination } = input;
  const taskUpdates = input.unfinishedTasks.map(({ taskId, killing }) => ({
    taskId,
    state: pending?.state ?? termination?.state ?? (killing ? 'TASK_KILLED' : 'TASK_FAILED'),
    reason: pending?.reason ?? termination?.reason ?? 'REASON_EXECUTOR_TERMINATED',
    message: pending?.message ?? termination?.message ?? `Executor ${describeWaitStatus(termination?.status)}`,
  }));
  return { taskUpdates, completeSilently: false, reportExitedExecutor: reportsExitedExecutor(input.isCommandExecutor) };
}

/**
 * Whether the master hears about an executor that ended or never started. The master adds a
 * custom executor's resources when it sends the first task for it, so it must learn of every
 * end, also one before any container existed. A command executor is the agent's own invention
 * that the master never tracked, so its tasks' updates say everything (Mesos semantics).
 */
export function reportsExitedExecutor(isCommandExecutor: boolean): boolean {
  return !isCommandExecutor;
}
