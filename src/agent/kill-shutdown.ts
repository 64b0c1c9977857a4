// KILL_TASK and SHUTDOWN_FRAMEWORK from the master.
//
//   kill of a task  queued (never delivered) ──> TASK_KILLED by the agent (with the rest of its
//                   │                            task group); an executor left with nothing to
//                   │                            run is shut down
//                   launched, executor RUNNING ──> KILL to the executor (it reports the end)
//                   unknown framework / task ────> TASK_LOST (TASK_DROPPED if partition aware)
//   framework shutdown ──> framework TERMINATING, its updates dropped, every executor shut down
import type { KillPolicy } from '../protocol/index.ts';
import type { Logger } from '../common/log.ts';
import { droppedOrLost } from './executor-launch.ts';
import type { ExecutorLifecycle } from './executor-lifecycle.ts';
import { findTask, queuedGroupOf, type AgentState, type Framework } from './state.ts';
import type { StatusRelay } from './status-relay.ts';

export type KillShutdownDeps = {
  state: AgentState;
  log: Logger;
  relay: StatusRelay;
  lifecycle: ExecutorLifecycle;
  /** Removes the framework from the agent once nothing of it is left. */
  maybeRemoveFramework: (framework: Framework) => void;
};

export function killTask(d: KillShutdownDeps, frameworkId: string, taskId: string, killPolicy: KillPolicy | undefined): void {
  const { relay, lifecycle } = d;
  const framework = d.state.frameworks.get(frameworkId);
  if (!framework) {
    // Mesos ignores this; answering lets the master settle a task it believes is here.
    d.log.warn({ task_id: taskId, framework_id: frameworkId }, 'cannot kill task of unknown framework');
    relay.manager.update({ frameworkId, status: relay.agentStatus(taskId, 'TASK_LOST', 'REASON_EXECUTOR_TERMINATED', 'Cannot find framework') });
    return;
  }
  const executor = [...framework.executors.values()].find((e) => findTask(e, taskId));
  if (!executor) {
    relay.update(framework.id, undefined, relay.agentStatus(taskId, droppedOrLost(framework.info), 'REASON_EXECUTOR_TERMINATED', 'Cannot find executor'));
    return;
  }
  const found = findTask(executor, taskId)!;
  if (found.where === 'queued') {
    // Never delivered to the executor: the agent answers for it, and for the rest of its task
    // group, which is killed as a whole (Mesos `Slave::killTask`).
    const group = queuedGroupOf(executor, taskId);
    if (group) executor.queuedGroups = executor.queuedGroups.filter((g) => g !== group);
    for (const id of group ?? [taskId]) {
      if (!executor.queuedTasks.has(id)) continue;
      relay.update(framework.id, executor.id, relay.agentStatus(id, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'Killed before delivery to the executor', executor.id));
    }
    if (executor.queuedTasks.size === 0 && executor.launchedTasks.size === 0) lifecycle.shutdown(executor);
    return;
  }
  if (found.where === 'terminated') return;
  if (executor.state !== 'RUNNING') {
    d.log.warn({ task_id: taskId, executor_state: executor.state }, 'ignoring kill of a task whose executor is terminating');
    return;
  }
  lifecycle.send(executor, { type: 'KILL', kill: { task_id: { value: taskId }, ...(killPolicy ? { kill_policy: killPolicy } : {}) } });
}

export function shutdownFramework(d: KillShutdownDeps, frameworkId: string): void {
  const framework = d.state.frameworks.get(frameworkId);
  if (!framework) return;
  d.log.info({ framework_id: frameworkId }, 'shutting down framework');
  framework.state = 'TERMINATING';
  d.relay.manager.cleanup(frameworkId);
  for (const executor of framework.executors.values()) d.lifecycle.shutdown(executor);
  d.maybeRemoveFramework(framework);
}
