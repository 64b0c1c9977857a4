// The glue between task status updates and everything that cares about them: every update the
// agent makes or receives from an executor is recorded in the executor's task (state.ts), counted
// (metrics), and handed to the StatusUpdateManager, which forwards it to the master
// (STATUS_UPDATE with the task's latest state) until the framework acknowledges it.
import type { AgentToMasterCall } from '../protocol/agora/agent-master.ts';
import type { TaskStatus } from '../protocol/index.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import { newStatusUuid } from '../common/ids.ts';
import { agentStatus } from './executor-launch.ts';
import type { AgentMetrics } from './metrics.ts';
import { findTask, updateTaskState, type AgentState, type Executor } from './state.ts';
import { StatusUpdateManager, type StatusUpdate, type StatusUpdateStore, type UpdateResult } from './status-updates.ts';

export type StatusRelayOptions = {
  state: AgentState;
  clock: Clock;
  logger: Logger;
  metrics: AgentMetrics;
  /** The agent's id once registered. */
  agentId: () => string | undefined;
  /** Posts a call to the master (false when not connected; the manager retries). */
  send: (call: Omit<AgentToMasterCall, 'agent_id'>) => Promise<boolean>;
  retryMinMs?: number | undefined;
  retryMaxMs?: number | undefined;
  /** Where updates and acknowledgements are made durable before they are acted on. */
  store?: StatusUpdateStore | undefined;
};

export class StatusRelay {
  readonly manager: StatusUpdateManager;
  readonly #o: StatusRelayOptions;
  readonly #log: Logger;

  constructor(options: StatusRelayOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'agent' });
    this.manager = new StatusUpdateManager({
      clock: options.clock,
      logger: options.logger,
      forward: (update) => this.#forward(update),
      retryMinMs: options.retryMinMs,
      retryMaxMs: options.retryMaxMs,
      ...(options.store ? { store: options.store } : {}),
    });
  }

  /** A status the agent makes itself (SOURCE_AGENT, fresh uuid, now). */
  agentStatus(taskId: string, state: TaskStatus['state'], reason: TaskStatus['reason'], message: string, executorId?: string): TaskStatus {
    return agentStatus({ taskId, state, reason, message, agentId: this.#o.agentId(), executorId, nowMs: this.#o.clock.now(), uuid: newStatusUuid() });
  }

  /**
   * An update from an executor (an UPDATE call, or one it re-sends in SUBSCRIBE). As Mesos's
   * agent, the source is forced to SOURCE_EXECUTOR whatever the executor put there: that is what
   * makes the framework's acknowledgement come back to the executor as ACKNOWLEDGED.
   */
  fromExecutor(frameworkId: string, executor: Executor, status: TaskStatus): UpdateResult {
    const full: TaskStatus = {
      ...status,
      source: 'SOURCE_EXECUTOR',
      agent_id: { value: this.#o.agentId()! },
      executor_id: { value: executor.id },
      timestamp: status.timestamp ?? this.#o.clock.now() / 1000,
    };
    return this.update(frameworkId, executor.id, full);
  }

  /** Records a status in the executor's task and hands it to the status update manager. */
  update(frameworkId: string, executorId: string | undefined, status: TaskStatus): UpdateResult {
    const framework = this.#o.state.frameworks.get(frameworkId);
    const { metrics } = this.#o;
    if (!framework) {
      metrics.invalidStatusUpdates.inc();
      this.#log.warn({ task_id: status.task_id.value, framework_id: frameworkId }, 'dropping status update of unknown framework');
      return { kind: 'error', message: `unknown framework '${frameworkId}'` };
    }
    const executor = executorId !== undefined ? framework.executors.get(executorId) : undefined;
    if (executor) {
      const changed = updateTaskState(executor, status, this.#o.agentId() ?? '');
      if (changed?.becameTerminal) metrics.taskTerminated(status.state);
    }
    const result = this.manager.update({ frameworkId, executorId, status });
    if (result.kind === 'error') metrics.invalidStatusUpdates.inc();
    else metrics.validStatusUpdates.inc();
    return result;
  }

  #forward(update: StatusUpdate): void {
    const framework = this.#o.state.frameworks.get(update.frameworkId);
    const executor = update.executorId !== undefined ? framework?.executors.get(update.executorId) : undefined;
    const found = executor ? findTask(executor, update.status.task_id.value) : undefined;
    const latest = found && found.where !== 'queued' ? found.task.state : update.status.state;
    void this.#o.send({
      type: 'STATUS_UPDATE',
      status_update: {
        framework_id: { value: update.frameworkId },
        ...(update.executorId !== undefined ? { executor_id: { value: update.executorId } } : {}),
        status: update.status,
        latest_state: latest,
      },
    });
  }
}
