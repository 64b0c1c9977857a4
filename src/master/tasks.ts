// The task state machine as the master keeps it: pure functions of (task, event) -> decision.
// The master shell (task-book.ts, status-updates.ts, ...) applies the decisions: it changes the
// record, recovers resources, forwards updates and tells the agent.
//
//                 ACCEPT (valid)
//                      |
//                      v                 RUN_TASK to the agent
//                TASK_STAGING ───────────────────────────────────┐
//                 |    |  KILL before the agent has it           |
//                 |    └──────────────► TASK_KILLED (master)     v
//                 |                                    TASK_STARTING ─► TASK_RUNNING ─► TASK_KILLING
//                 |                                          |               |               |
//                 |    agent unreachable ◄───────────────────┴───────────────┴───────────────┤
//                 |          |                                                               |
//                 |          ├─ PARTITION_AWARE: TASK_UNREACHABLE ─(agent back)─► as reported |
//                 |          └─ otherwise:       TASK_LOST (terminal)                         |
//                 v                                                                          v
//   terminal: FINISHED FAILED KILLED ERROR LOST DROPPED GONE GONE_BY_OPERATOR  (from the agent/executor)
//
// Rules (Mesos master.cpp `updateTask`, `removeTask`, `_reconcileTasks`):
// - The task's state is the agent's `latest_state` when given, else the update's state. A task
//   that is terminal in the master never becomes non-terminal again (out-of-order updates).
// - Resources are recovered once, on the first transition to a terminal state.
// - An update with a uuid becomes the task's pending `status_update_{state,uuid}` until the
//   framework acknowledges that uuid; the task is removed (completed) when the acknowledged update
//   is terminal. Master-made updates carry no uuid; a task made terminal by the master is
//   completed at once (completesAfterMasterTransition).
import type { TaskState, TaskStatus } from '../protocol/index.ts';
import { isTerminalTaskState } from '../protocol/index.ts';

export { isTerminalTaskState };

/** The part of a task record the state machine decides on. */
export type TaskProgress = {
  readonly state: TaskState;
  /** State and uuid of the latest update forwarded to the framework and not yet acknowledged. */
  readonly statusUpdateState?: TaskState | undefined;
  readonly statusUpdateUuid?: string | undefined;
};

export type StatusUpdateDecision = {
  readonly next: TaskProgress;
  /** The task just became terminal: give its resources back to the allocator. */
  readonly recoverResources: boolean;
};

/** An update from the agent (with a uuid), to be forwarded to the framework. */
export function applyAgentUpdate(task: TaskProgress, status: Pick<TaskStatus, 'state' | 'uuid'>, latestState?: TaskState): StatusUpdateDecision {
  const reported = latestState ?? status.state;
  const wasTerminal = isTerminalTaskState(task.state);
  const state = wasTerminal ? task.state : reported;
  const next: TaskProgress =
    status.uuid === undefined
      ? { state, statusUpdateState: task.statusUpdateState, statusUpdateUuid: task.statusUpdateUuid }
      : { state, statusUpdateState: status.state, statusUpdateUuid: status.uuid };
  return { next, recoverResources: !wasTerminal && isTerminalTaskState(state) };
}

/** A state the master decides itself (kill before launch, unreachable agent, reconciliation). */
export function applyMasterTransition(task: TaskProgress, state: TaskState): StatusUpdateDecision {
  const wasTerminal = isTerminalTaskState(task.state);
  if (wasTerminal) return { next: task, recoverResources: false };
  // The framework is told `state` now, without a uuid: nothing is pending any more.
  return { next: { state }, recoverResources: isTerminalTaskState(state) };
}

export type AcknowledgeDecision =
  /** The uuid is not the pending update's: a duplicate or stale ACK; forward it to the agent anyway. */
  | { readonly kind: 'stale' }
  /** The pending update is acknowledged; `complete` when it was terminal (remove the task). */
  | { readonly kind: 'acknowledged'; readonly next: TaskProgress; readonly complete: boolean };

export function applyAcknowledge(task: TaskProgress, uuid: string): AcknowledgeDecision {
  if (task.statusUpdateUuid !== uuid) return { kind: 'stale' };
  const complete = task.statusUpdateState !== undefined && isTerminalTaskState(task.statusUpdateState) && isTerminalTaskState(task.state);
  return { kind: 'acknowledged', next: { state: task.state }, complete };
}

/**
 * Whether a task the master has just transitioned is done with: master-made updates carry no
 * uuid, so nothing will acknowledge them, and an agent update still pending is superseded (Mesos
 * removes such tasks at once, e.g. when their agent becomes unreachable).
 */
export function completesAfterMasterTransition(task: TaskProgress): boolean {
  return isTerminalTaskState(task.state);
}

// ---------------------------------------------------------------------------------------------
// What frameworks may see.

/** States only PARTITION_AWARE frameworks receive; the others get TASK_LOST instead. */
const PARTITION_AWARE_ONLY: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_UNREACHABLE',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
]);

/** The state a framework is told, given whether it is PARTITION_AWARE. */
export function stateForFramework(state: TaskState, partitionAware: boolean): TaskState {
  return !partitionAware && PARTITION_AWARE_ONLY.has(state) ? 'TASK_LOST' : state;
}

/** The state for tasks on an agent that became unreachable. */
export function unreachableState(partitionAware: boolean): TaskState {
  return partitionAware ? 'TASK_UNREACHABLE' : 'TASK_LOST';
}

/** The state for tasks launched with invalid offers. */
export function invalidOfferState(partitionAware: boolean): TaskState {
  return partitionAware ? 'TASK_DROPPED' : 'TASK_LOST';
}

// ---------------------------------------------------------------------------------------------
// Reconciliation (Mesos `_reconcileTasks`, reference §2.3 and master-features §6.5).

/** What the master knows about the agent named in an explicit reconciliation of an unknown task. */
export type AgentStanding = 'registered' | 'recovering' | 'unreachable' | 'gone' | 'unknown';

export type UnknownTaskReply = { readonly state: TaskState; readonly message: string } | undefined;

/**
 * The answer to an explicit RECONCILE of a task the master does not know, or undefined for no
 * answer (the agent is still expected to re-register after a master failover).
 */
export function reconcileUnknownTask(standing: AgentStanding, partitionAware: boolean): UnknownTaskReply {
  const reply = (state: TaskState, message: string): UnknownTaskReply => ({
    state: stateForFramework(state, partitionAware),
    message,
  });
  switch (standing) {
    case 'recovering':
      return undefined;
    case 'registered':
      return reply('TASK_GONE', 'Reconciliation: Task is unknown to the agent');
    case 'unreachable':
      return reply('TASK_UNREACHABLE', 'Reconciliation: Task is unreachable');
    case 'gone':
      return reply('TASK_GONE_BY_OPERATOR', 'Reconciliation: Task is gone');
    case 'unknown':
      return reply('TASK_UNKNOWN', 'Reconciliation: Task is unknown');
  }
}

export const RECONCILIATION_MESSAGE = 'Reconciliation: Latest task state';

/**
 * The state a reconciliation reports for a known task (Mesos `status_update_state`): that of the
 * update the framework has been sent and not acknowledged yet, so that reconciliation never runs
 * ahead of updates the framework will still receive; else the latest state.
 */
export function reconciledState(task: TaskProgress): TaskState {
  return task.statusUpdateState ?? task.state;
}
