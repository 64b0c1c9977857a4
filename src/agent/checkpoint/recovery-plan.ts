// Pure: what an agent restart does with what the checkpoint holds (Mesos slave recovery, the
// decision part; the agent wiring executes it). Steps, as in Mesos:
//
//   nothing checkpointed (no meta/slaves/latest)  -> register as a new agent
//   host rebooted (meta/boot_id differs)          -> keep the agent id, but every checkpointed pid
//                                                    is discarded: those executors died with the host
//   otherwise                                     -> keep the agent id; the latest, uncompleted run of
//                                                    each executor is handed to the containerizer to
//                                                    re-adopt; unacknowledged updates are re-sent
//   --recover=cleanup                             -> the same containers are adopted only to be
//                                                    destroyed, and the agent forgets its id
import type { ExecutorInfo, FrameworkInfo, TaskInfo } from '../../protocol/index.ts';
import type { RecoverableContainer } from '../../containerizer/index.ts';
import type { StatusUpdate } from '../status-updates.ts';
import { executorRunDir } from '../paths.ts';
import type { RecoveredAgent, RecoveredTask } from './store.ts';

export type RecoverMode = 'reconnect' | 'cleanup';

export type PlannedExecutor = {
  frameworkId: string;
  executorId: string;
  info: ExecutorInfo;
  container: RecoverableContainer;
  /** Tasks of this run with their info; those without task.info cannot be reported and are left out. */
  tasks: Array<{ info: TaskInfo; updates: StatusUpdate[]; pending: StatusUpdate[]; completed: boolean }>;
};

export type RecoveryPlan =
  | { kind: 'fresh' }
  | {
      kind: 'recover';
      mode: RecoverMode;
      agentId: string;
      rebooted: boolean;
      frameworks: Array<{ frameworkId: string; info: FrameworkInfo }>;
      executors: PlannedExecutor[];
      /** What the checkpoint had that cannot be used (no info file, no run), for the log. */
      skipped: Array<{ what: string; why: string }>;
    };

export function planRecovery(state: RecoveredAgent, workDir: string, currentBootId: string | undefined, mode: RecoverMode): RecoveryPlan {
  if (state.agentId === undefined) return { kind: 'fresh' };
  const agentId = state.agentId;
  const rebooted = state.bootId !== undefined && currentBootId !== undefined && state.bootId !== currentBootId;
  const skipped: Array<{ what: string; why: string }> = [];
  const frameworks: Array<{ frameworkId: string; info: FrameworkInfo }> = [];
  const executors: PlannedExecutor[] = [];
  for (const framework of state.frameworks) {
    if (!framework.info) {
      skipped.push({ what: `framework ${framework.frameworkId}`, why: 'framework.info missing or unreadable' });
      continue;
    }
    frameworks.push({ frameworkId: framework.frameworkId, info: framework.info });
    for (const executor of framework.executors) {
      const what = `executor ${executor.executorId} of framework ${framework.frameworkId}`;
      const run = executor.runs.find((r) => r.containerId === executor.latestRun);
      if (!executor.info) {
        skipped.push({ what, why: 'executor.info missing or unreadable' });
        continue;
      }
      if (!run) {
        skipped.push({ what, why: 'no latest run' });
        continue;
      }
      if (run.completed) continue; // ended while the agent watched: nothing to adopt
      const container: RecoverableContainer = {
        containerId: run.containerId,
        directory: executorRunDir(workDir, agentId, framework.frameworkId, executor.executorId, run.containerId),
        pid: rebooted ? undefined : run.forkedPid,
      };
      executors.push({
        frameworkId: framework.frameworkId,
        executorId: executor.executorId,
        info: executor.info,
        container,
        tasks: run.tasks.flatMap((task) => plannedTask(task, what, skipped)),
      });
    }
  }
  return { kind: 'recover', mode, agentId, rebooted, frameworks, executors, skipped };
}

function plannedTask(task: RecoveredTask, executor: string, skipped: Array<{ what: string; why: string }>): PlannedExecutor['tasks'] {
  if (!task.info) {
    skipped.push({ what: `task ${task.taskId} of ${executor}`, why: 'task.info missing or unreadable' });
    return [];
  }
  return [{ info: task.info, updates: task.stream.updates, pending: task.stream.pending, completed: task.stream.terminated }];
}

/** Every unacknowledged update, per task in order: what the status update manager re-sends. */
export function pendingUpdates(plan: RecoveryPlan): StatusUpdate[] {
  if (plan.kind === 'fresh') return [];
  return plan.executors.flatMap((e) => e.tasks.flatMap((t) => t.pending));
}
