// The agent's side of the master stream's content (docs/protocol/agent-master.md): which handler
// each event goes to, what the agent reports when it (re-)subscribes, and which tasks the master
// asks about on SUBSCRIBED that the agent does not know. Pure: the Agent supplies the handlers.
import type {
  AgentApplyOperation,
  AgentRunTaskGroup,
  AgentSubscribe,
  AgentSubscribed,
  ValidMasterToAgentEvent,
} from '../protocol/agora/agent-master.ts';
import { AGENT_PROTOCOL_VERSION } from '../protocol/agora/agent-master.ts';
import type { Attribute, FrameworkInfo, KillPolicy, Resource, TaskInfo, TaskState } from '../protocol/index.ts';
import { droppedOrLost } from './executor-launch.ts';
import { findTask, newTask, type AgentState } from './state.ts';

/** What the agent does for each master event. */
export type MasterEventHandlers = {
  subscribed(subscribed: AgentSubscribed): void;
  runTask(frameworkInfo: FrameworkInfo, task: TaskInfo): void;
  runTaskGroup(group: AgentRunTaskGroup): void;
  killTask(frameworkId: string, taskId: string, killPolicy: KillPolicy | undefined): void;
  shutdownExecutor(frameworkId: string, executorId: string): void;
  shutdownFramework(frameworkId: string): void;
  acknowledge(frameworkId: string, taskId: string, uuid: string): void;
  updateFramework(info: FrameworkInfo): void;
  applyOperation(operation: AgentApplyOperation): void;
  frameworkMessage(frameworkId: string, executorId: string, data: string): void;
  ping(sequence: number): void;
  /** The master wants the agent gone (marked gone, unknown id). */
  shutdown(message: string): void;
  error(message: string): void;
};

export function dispatchMasterEvent(h: MasterEventHandlers, event: ValidMasterToAgentEvent): void {
  switch (event.type) {
    case 'SUBSCRIBED':
      return h.subscribed(event.subscribed);
    case 'RUN_TASK':
      return h.runTask(event.run_task.framework_info, event.run_task.task);
    case 'RUN_TASK_GROUP':
      return h.runTaskGroup(event.run_task_group);
    case 'KILL_TASK':
      return h.killTask(event.kill_task.framework_id.value, event.kill_task.task_id.value, event.kill_task.kill_policy);
    case 'SHUTDOWN_EXECUTOR':
      return h.shutdownExecutor(event.shutdown_executor.framework_id.value, event.shutdown_executor.executor_id.value);
    case 'SHUTDOWN_FRAMEWORK':
      return h.shutdownFramework(event.shutdown_framework.framework_id.value);
    case 'ACKNOWLEDGE_STATUS_UPDATE': {
      const a = event.acknowledge_status_update;
      return h.acknowledge(a.framework_id.value, a.task_id.value, a.uuid);
    }
    case 'UPDATE_FRAMEWORK':
      return h.updateFramework(event.update_framework.framework_info);
    case 'APPLY_OPERATION':
      return h.applyOperation(event.apply_operation);
    case 'FRAMEWORK_TO_EXECUTOR_MESSAGE': {
      const m = event.framework_to_executor_message;
      return h.frameworkMessage(m.framework_id.value, m.executor_id.value, m.data);
    }
    case 'PING':
      return h.ping(event.ping.sequence);
    case 'SHUTDOWN':
      return h.shutdown(event.shutdown.message);
    case 'ERROR':
      return h.error(event.error.message);
    case 'HEARTBEAT':
    case 'UNKNOWN':
      return;
  }
}

export type SubscribeParams = {
  state: AgentState;
  /** Absent on the first registration. */
  agentId: string | undefined;
  hostname: string;
  ip: string;
  port: number;
  resources: Resource[];
  attributes: Attribute[];
  checkpointedResources: Resource[];
  /** Absolute `--work_dir`. */
  workDir: string;
  version: string;
  bootId: string | undefined;
};

/**
 * The SUBSCRIBE payload: everything the agent runs, with the latest state of every task. Command
 * executors are the agent's own invention and are not reported (the master does not track them).
 */
export function subscribePayload(p: SubscribeParams): AgentSubscribe {
  const frameworks: AgentSubscribe['frameworks'] = [];
  const executors: AgentSubscribe['executors'] = [];
  const tasks: AgentSubscribe['tasks'] = [];
  for (const framework of p.state.frameworks.values()) {
    frameworks.push({ framework_info: framework.info });
    for (const executor of framework.executors.values()) {
      if (!executor.isCommandExecutor) executors.push(executor.info);
      for (const info of executor.queuedTasks.values()) {
        tasks.push(newTask(info, framework.id, p.agentId ?? '', executor.isCommandExecutor ? undefined : executor.id));
      }
      tasks.push(...executor.launchedTasks.values(), ...executor.terminatedTasks.values());
    }
  }
  const subscribe: AgentSubscribe = {
    protocol_version: AGENT_PROTOCOL_VERSION,
    version: p.version,
    agent_info: {
      hostname: p.hostname,
      port: p.port,
      resources: p.resources,
      attributes: p.attributes,
      ...(p.agentId !== undefined ? { id: { value: p.agentId } } : {}),
    },
    ip: p.ip,
    capabilities: [{ type: 'MULTI_ROLE' }, { type: 'HIERARCHICAL_ROLE' }, { type: 'RESERVATION_REFINEMENT' }],
    checkpointed_resources: p.checkpointedResources,
    work_dir: p.workDir,
    frameworks,
    executors,
    tasks,
  };
  if (p.bootId !== undefined) subscribe.boot_id = p.bootId;
  return subscribe;
}

/**
 * Tasks the master listed in SUBSCRIBED that the agent does not know: each gets the terminal
 * state the master put in the reconciliation (it knows the framework's capabilities even when
 * this agent has never seen the framework); failing that, TASK_LOST, or TASK_DROPPED for a
 * partition-aware framework. The master settles these tasks only through this update.
 */
export function unknownReconciledTasks(state: AgentState, reconciliations: AgentSubscribed['reconciliations']): { frameworkId: string; taskId: string; state: TaskState }[] {
  const out: { frameworkId: string; taskId: string; state: TaskState }[] = [];
  for (const r of reconciliations ?? []) {
    const framework = state.frameworks.get(r.framework_id.value);
    const known = framework && [...framework.executors.values()].some((e) => findTask(e, r.task_id.value));
    if (known) continue;
    const settled = r.state === 'TASK_LOST' || r.state === 'TASK_DROPPED' ? r.state : droppedOrLost(framework?.info);
    out.push({ frameworkId: r.framework_id.value, taskId: r.task_id.value, state: settled });
  }
  return out;
}
