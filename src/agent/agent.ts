// The agent: registers with the master, runs executors in containers, and relays between the
// master (agent protocol), the executors (v1 executor API) and the status update manager. It
// owns the AgentState (state.ts); everything here runs on the event loop, so a handler never
// awaits between reading and changing that state except where noted.
import { mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import type {
  AgentSubscribe,
  AgentSubscribed,
  ValidMasterToAgentEvent,
} from '../protocol/agora/agent-master.ts';
import { AGENT_PROTOCOL_VERSION } from '../protocol/agora/agent-master.ts';
import type { Attribute, ExecutorEvent, FrameworkInfo, KillPolicy, Resource, TaskInfo, TaskStatus } from '../protocol/index.ts';
import { encodeExecutorEvent, isTerminalTaskState } from '../protocol/index.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import { newStatusUuid, newUuid, validateUserId } from '../common/ids.ts';
import { resourcesFromWire, resourcesToWire, type Resources } from '../common/resources/index.ts';
import { AGORA_VERSION } from '../common/version.ts';
import { formatDuration } from '../common/units.ts';
import type { Containerizer, ContainerTermination } from '../containerizer/index.ts';
import {
  agentStatus,
  commandExecutorInfo,
  describeWaitStatus,
  droppedOrLost,
  executorEnvironment,
  shutdownGracePeriodMs,
} from './executor-launch.ts';
import type { AgentFlags } from './flags.ts';
import { FetchStep } from './fetch-step.ts';
import { MasterLink } from './master-link.ts';
import { executorLatestRunLink, executorRunDir } from './paths.ts';
import { AgentMetrics } from './metrics.ts';
import {
  allExecutors,
  completeTask,
  executorIsIdle,
  findTask,
  liveTaskIds,
  MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK,
  MAX_COMPLETED_FRAMEWORKS,
  newTask,
  pushBounded,
  updateTaskState,
  type AgentState,
  type Executor,
  type Framework,
} from './state.ts';
import { StatusUpdateManager, type StatusUpdate, type UpdateResult } from './status-updates.ts';

/** Mesos's DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL. */
export const EXECUTOR_HEARTBEAT_INTERVAL_MS = 30 * 60_000;

export type AgentOptions = {
  flags: AgentFlags;
  /** The master's base URL (`http://host:port`). */
  masterUrl: string;
  logger: Logger;
  clock: Clock;
  random: () => number;
  containerizers: Containerizer[];
  resources: Resources;
  attributes: Attribute[];
  /** argv of the command executor program. */
  commandExecutorArgv: string[];
  /** Environment every executor starts from. */
  executorEnvironmentBase: Record<string, string | undefined>;
  statusUpdateRetryMinMs?: number;
  statusUpdateRetryMaxMs?: number;
  /** The master told the agent to shut down (marked gone), or its id changed. */
  onShutdownRequested: (reason: string) => void;
  bootId?: string;
};

export class Agent {
  readonly state: AgentState = { frameworks: new Map(), completedFrameworks: [] };
  readonly metrics: AgentMetrics;
  readonly #fetchStep: FetchStep;
  readonly statusUpdates: StatusUpdateManager;
  readonly startTimeMs: number;
  readonly #o: AgentOptions;
  readonly #log: Logger;
  readonly #link: MasterLink;
  #agentId: string | undefined;
  #registered = false;
  #masterHostname: string | undefined;
  #port = 0;
  #checkpointedResources: Resource[] = [];
  #stopped = false;

  constructor(options: AgentOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'agent' });
    this.startTimeMs = options.clock.now();
    this.metrics = new AgentMetrics(this, options.clock);
    this.#fetchStep = new FetchStep({ flags: options.flags, logger: options.logger, clock: options.clock, metrics: this.metrics.registry });
    this.statusUpdates = new StatusUpdateManager({
      clock: options.clock,
      logger: options.logger,
      forward: (update) => this.#forwardStatusUpdate(update),
      retryMinMs: options.statusUpdateRetryMinMs,
      retryMaxMs: options.statusUpdateRetryMaxMs,
    });
    this.#link = new MasterLink({
      masterUrl: options.masterUrl,
      clock: options.clock,
      logger: options.logger,
      random: options.random,
      backoffFactorMs: options.flags.registration_backoff_factor,
      subscribe: () => this.#subscribePayload(),
      onSubscribed: (s) => this.#onSubscribed(s),
      onEvent: (e) => this.#onMasterEvent(e),
      onDisconnected: () => this.#onDisconnected(),
    });
  }

  get agentId(): string | undefined {
    return this.#agentId;
  }
  get registered(): boolean {
    return this.#registered;
  }
  get masterHostname(): string | undefined {
    return this.#masterHostname;
  }
  get flags(): AgentFlags {
    return this.#o.flags;
  }
  get resources(): Resources {
    return this.#o.resources;
  }
  get attributes(): Attribute[] {
    return this.#o.attributes;
  }
  get checkpointedResources(): Resource[] {
    return this.#checkpointedResources;
  }
  get ip(): string {
    return this.#o.flags.ip;
  }
  get port(): number {
    return this.#port;
  }
  get hostname(): string {
    return this.#o.flags.hostname ?? this.#o.flags.ip;
  }
  get pid(): string {
    return `slave(1)@${this.ip}:${this.#port}`;
  }

  /** Recovers agent-side components, then starts talking to the master. */
  async start(port: number): Promise<void> {
    this.#port = port;
    await this.statusUpdates.recover();
    for (const containerizer of this.#o.containerizers) await containerizer.recover([]);
    this.#link.start();
  }

  /** Stops talking to the master and destroys every container (recovery comes later). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#link.stop();
    this.statusUpdates.stop();
    const destroying: Promise<unknown>[] = [];
    for (const executor of allExecutors(this.state)) {
      this.#clearExecutorTimers(executor);
      executor.stream?.close();
      if (executor.containerizer) destroying.push(executor.containerizer.destroy(executor.containerId));
    }
    await Promise.allSettled(destroying);
  }

  // -------------------------------------------------------------------------------------------
  // Master connection.

  #subscribePayload(): AgentSubscribe {
    const frameworks: AgentSubscribe['frameworks'] = [];
    const executors: AgentSubscribe['executors'] = [];
    const tasks: AgentSubscribe['tasks'] = [];
    for (const framework of this.state.frameworks.values()) {
      frameworks.push({ framework_info: framework.info });
      for (const executor of framework.executors.values()) {
        // Command executors are the agent's own invention; the master does not track them.
        if (!executor.isCommandExecutor) executors.push(executor.info);
        for (const info of executor.queuedTasks.values()) {
          tasks.push(newTask(info, framework.id, this.#agentId ?? '', executor.isCommandExecutor ? undefined : executor.id));
        }
        tasks.push(...executor.launchedTasks.values(), ...executor.terminatedTasks.values());
      }
    }
    const subscribe: AgentSubscribe = {
      protocol_version: AGENT_PROTOCOL_VERSION,
      version: AGORA_VERSION,
      agent_info: {
        hostname: this.hostname,
        port: this.#port,
        resources: resourcesToWire(this.#o.resources),
        attributes: this.#o.attributes,
        ...(this.#agentId !== undefined ? { id: { value: this.#agentId } } : {}),
      },
      ip: this.ip,
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'HIERARCHICAL_ROLE' }, { type: 'RESERVATION_REFINEMENT' }],
      checkpointed_resources: this.#checkpointedResources,
      work_dir: resolve(this.#o.flags.work_dir),
      frameworks,
      executors,
      tasks,
    };
    if (this.#o.bootId !== undefined) subscribe.boot_id = this.#o.bootId;
    return subscribe;
  }

  #onSubscribed(subscribed: AgentSubscribed): void {
    const id = subscribed.agent_id.value;
    if (this.#agentId !== undefined && this.#agentId !== id) {
      this.#log.error({ agent_id: this.#agentId, new_agent_id: id }, 'master assigned a different agent id; shutting down');
      this.#o.onShutdownRequested(`master assigned agent id '${id}' instead of '${this.#agentId}'`);
      return;
    }
    const first = this.#agentId === undefined;
    this.#agentId = id;
    this.#registered = true;
    this.#masterHostname = subscribed.master_info.hostname ?? subscribed.master_info.address?.hostname;
    this.#log.info({ agent_id: id, master: this.#link.masterUrl, reregistered: !first }, 'agent registered');
    this.statusUpdates.resume();
    for (const r of subscribed.reconciliations ?? []) {
      const framework = this.state.frameworks.get(r.framework_id.value);
      const known = framework && [...framework.executors.values()].some((e) => findTask(e, r.task_id.value));
      if (known) continue;
      // Not through #statusUpdate: that one drops updates of frameworks the agent does not know.
      this.statusUpdates.update({
        frameworkId: r.framework_id.value,
        status: this.#agentStatus(r.task_id.value, droppedOrLost(framework?.info), 'REASON_RECONCILIATION', 'Reconciliation: task unknown to the agent'),
      });
    }
  }

  #onDisconnected(): void {
    this.#registered = false;
    this.statusUpdates.pause();
  }

  #onMasterEvent(event: ValidMasterToAgentEvent): void {
    switch (event.type) {
      case 'SUBSCRIBED':
        return this.#onSubscribed(event.subscribed);
      case 'RUN_TASK':
        return this.runTask(event.run_task.framework_info, event.run_task.task);
      case 'RUN_TASK_GROUP': {
        // TODO(default-executor): launch task groups once the default executor exists.
        const { framework_info: info, task_group: group } = event.run_task_group;
        const framework = this.#ensureFramework(info);
        if (!framework) return;
        for (const task of group.tasks ?? []) {
          this.#statusUpdate(framework.id, undefined, this.#agentStatus(task.task_id.value, 'TASK_FAILED', 'REASON_TASK_GROUP_INVALID', 'task groups need the default executor, not built yet'));
        }
        return;
      }
      case 'KILL_TASK':
        return this.killTask(event.kill_task.framework_id.value, event.kill_task.task_id.value, event.kill_task.kill_policy);
      case 'SHUTDOWN_EXECUTOR': {
        const executor = this.state.frameworks.get(event.shutdown_executor.framework_id.value)?.executors.get(event.shutdown_executor.executor_id.value);
        if (executor) this.shutdownExecutor(executor);
        else this.#log.warn({ executor_id: event.shutdown_executor.executor_id.value }, 'cannot shut down unknown executor');
        return;
      }
      case 'SHUTDOWN_FRAMEWORK':
        return this.shutdownFramework(event.shutdown_framework.framework_id.value);
      case 'ACKNOWLEDGE_STATUS_UPDATE': {
        const a = event.acknowledge_status_update;
        return this.acknowledge(a.framework_id.value, a.task_id.value, a.uuid);
      }
      case 'UPDATE_FRAMEWORK': {
        const info = event.update_framework.framework_info;
        const framework = info.id ? this.state.frameworks.get(info.id.value) : undefined;
        if (framework) framework.info = info;
        return;
      }
      case 'APPLY_OPERATION': {
        const op = event.apply_operation;
        // TODO(agent-checkpoint): make these durable with the rest of the agent's checkpoint.
        this.#checkpointedResources = op.checkpointed_resources ?? [];
        void this.#link.send({
          type: 'UPDATE_OPERATION_STATUS',
          update_operation_status: {
            ...(op.framework_id ? { framework_id: op.framework_id } : {}),
            ...(op.operation.id ? { operation_id: op.operation.id } : {}),
            operation_uuid: op.operation_uuid,
            state: 'OPERATION_FINISHED',
          },
        });
        return;
      }
      case 'FRAMEWORK_TO_EXECUTOR_MESSAGE': {
        const m = event.framework_to_executor_message;
        const executor = this.state.frameworks.get(m.framework_id.value)?.executors.get(m.executor_id.value);
        if (executor?.stream) this.#sendToExecutor(executor, { type: 'MESSAGE', message: { data: m.data } });
        else this.#log.warn({ executor_id: m.executor_id.value }, 'dropping framework message for an executor that is not subscribed');
        return;
      }
      case 'PING':
        void this.#link.send({ type: 'PONG', pong: { sequence: event.ping.sequence } });
        return;
      case 'SHUTDOWN':
        this.#log.warn({ message: event.shutdown.message }, 'master asked the agent to shut down');
        this.#o.onShutdownRequested(event.shutdown.message);
        return;
      case 'ERROR':
        this.#log.error({ message: event.error.message }, 'master reported an error');
        return;
      case 'HEARTBEAT':
      case 'UNKNOWN':
        return;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Tasks and executors.

  #ensureFramework(info: FrameworkInfo): Framework | undefined {
    const id = info.id?.value;
    if (id === undefined || validateUserId(id) !== undefined) {
      this.#log.error({ framework: info.name }, 'ignoring task of a framework without a valid id');
      return undefined;
    }
    let framework = this.state.frameworks.get(id);
    if (!framework) {
      framework = { id, info, state: 'RUNNING', executors: new Map(), completedExecutors: [] };
      this.state.frameworks.set(id, framework);
    } else {
      framework.info = info;
    }
    return framework;
  }

  runTask(frameworkInfo: FrameworkInfo, task: TaskInfo): void {
    const framework = this.#ensureFramework(frameworkInfo);
    if (!framework || this.#agentId === undefined) return;
    const taskId = task.task_id.value;
    if (framework.state === 'TERMINATING') {
      this.#log.warn({ task_id: taskId, framework_id: framework.id }, 'ignoring task of a terminating framework');
      return;
    }
    const invalid = (message: string): void => {
      this.#statusUpdate(framework.id, undefined, this.#agentStatus(taskId, 'TASK_ERROR', 'REASON_TASK_INVALID', message));
    };
    if ((task.command === undefined) === (task.executor === undefined)) {
      return invalid('Task should have at least one (but not both) of CommandInfo or ExecutorInfo present');
    }
    const idProblem = validateUserId(taskId) ?? (task.executor ? validateUserId(task.executor.executor_id.value) : undefined);
    if (idProblem !== undefined) return invalid(`Invalid id: ${idProblem}`);
    for (const executor of framework.executors.values()) {
      if (findTask(executor, taskId)) {
        this.#log.warn({ task_id: taskId }, 'ignoring a task whose id is already running');
        return;
      }
    }
    let taskResources: Resources;
    try {
      taskResources = resourcesFromWire(task.resources ?? []);
    } catch (err) {
      return invalid(`Invalid resources: ${(err as Error).message}`);
    }

    const info = task.executor
      ? { ...task.executor, framework_id: { value: framework.id } }
      : commandExecutorInfo(task, framework.id, this.#o.commandExecutorArgv);
    const existing = framework.executors.get(info.executor_id.value);
    if (!existing) return this.#launchExecutor(framework, info, task, taskResources);
    if (existing.state === 'TERMINATING' || existing.state === 'TERMINATED') {
      this.#statusUpdate(framework.id, existing.id, this.#agentStatus(taskId, droppedOrLost(framework.info), 'REASON_EXECUTOR_TERMINATED', 'Executor terminating', existing.id));
      return;
    }
    existing.resources = existing.resources.add(taskResources);
    if (existing.containerizer) void existing.containerizer.update(existing.containerId, existing.resources).catch(() => {});
    existing.queuedTasks.set(taskId, task);
    if (existing.state === 'RUNNING') this.#launchQueuedTasks(existing);
  }

  #launchExecutor(framework: Framework, info: Executor['info'], task: TaskInfo, taskResources: Resources): void {
    const agentId = this.#agentId!;
    const containerId = newUuid();
    let directory: string;
    try {
      directory = executorRunDir(this.#o.flags.work_dir, agentId, framework.id, info.executor_id.value, containerId);
      createSandbox(directory, executorLatestRunLink(this.#o.flags.work_dir, agentId, framework.id, info.executor_id.value));
    } catch (err) {
      this.#log.error({ err: (err as Error).message, task_id: task.task_id.value }, 'cannot create sandbox');
      this.#statusUpdate(framework.id, undefined, this.#agentStatus(task.task_id.value, 'TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', `Failed to create sandbox: ${(err as Error).message}`));
      return;
    }
    let resources: Resources;
    try {
      resources = resourcesFromWire(info.resources ?? []).add(taskResources);
    } catch (err) {
      this.#statusUpdate(framework.id, undefined, this.#agentStatus(task.task_id.value, 'TASK_ERROR', 'REASON_TASK_INVALID', `Invalid executor resources: ${(err as Error).message}`));
      return;
    }
    const executor: Executor = {
      id: info.executor_id.value,
      frameworkId: framework.id,
      info,
      isCommandExecutor: task.executor === undefined,
      containerId,
      directory,
      state: 'REGISTERING',
      containerizer: undefined,
      resources,
      queuedTasks: new Map([[task.task_id.value, task]]),
      launchedTasks: new Map(),
      terminatedTasks: new Map(),
      completedTasks: [],
      stream: undefined,
      timers: {},
      pendingTermination: undefined,
      exitStatus: undefined,
    };
    framework.executors.set(executor.id, executor);
    const timeoutMs = this.#o.flags.executor_registration_timeout;
    executor.timers.registration = this.#o.clock.setTimeout(() => this.#registrationTimedOut(executor, timeoutMs), timeoutMs);
    this.#log.info({ executor_id: executor.id, framework_id: framework.id, container_id: containerId, directory }, 'launching executor');
    void this.#runContainer(framework, executor);
  }

  /** Launches the executor's container and, once it ends, turns that into task updates. */
  async #runContainer(framework: Framework, executor: Executor): Promise<void> {
    const env = executorEnvironment({
      base: this.#o.executorEnvironmentBase,
      frameworkId: framework.id,
      executorId: executor.id,
      agentId: this.#agentId!,
      agentIp: this.ip,
      agentPort: this.#port,
      directory: executor.directory,
      checkpoint: framework.info.checkpoint === true,
      shutdownGracePeriodMs: shutdownGracePeriodMs(executor.info, this.#o.flags.executor_shutdown_grace_period),
      recoveryTimeoutMs: this.#o.flags.recovery_timeout,
      subscriptionBackoffMaxMs: this.#o.flags.executor_reregistration_timeout,
      command: executor.info.command,
    });
    const config = {
      containerId: executor.containerId,
      command: executor.info.command ?? {},
      container: executor.info.container,
      directory: executor.directory,
      resources: executor.resources,
      environment: env,
      user: executor.info.command?.user ?? framework.info.user,
    };
    try {
      await this.#fetchStep.run(executor, config.user);
      for (const containerizer of this.#o.containerizers) {
        if ((await containerizer.launch(config)) === 'launched') {
          executor.containerizer = containerizer;
          break;
        }
      }
      if (!executor.containerizer) {
        const names = this.#o.containerizers.map((c) => c.name).join(', ');
        throw new Error(`None of the enabled containerizers (${names}) could create a container for the provided TaskInfo/ExecutorInfo message`);
      }
    } catch (err) {
      this.metrics.containerLaunchErrors.inc();
      this.#log.error({ executor_id: executor.id, err: (err as Error).message }, 'container launch failed');
      executor.pendingTermination ??= {
        state: 'TASK_FAILED',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        message: `Failed to launch container: ${(err as Error).message}`,
      };
      return this.#executorTerminated(executor, undefined);
    }
    // Shut down (or timed out) while the launch was in progress.
    if (executor.state === 'TERMINATING') void executor.containerizer.destroy(executor.containerId);
    const termination = await executor.containerizer.wait(executor.containerId);
    this.#executorTerminated(executor, termination);
  }

  #registrationTimedOut(executor: Executor, timeoutMs: number): void {
    executor.timers.registration = undefined;
    if (executor.state !== 'REGISTERING') return;
    this.#log.warn({ executor_id: executor.id, timeout: formatDuration(timeoutMs) }, 'executor did not subscribe in time');
    executor.pendingTermination = {
      state: 'TASK_FAILED',
      reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
      message: `Executor did not register within ${formatDuration(timeoutMs)}`,
    };
    this.#destroy(executor);
  }

  /** Marks the executor TERMINATING and destroys its container (now, or once launched). */
  #destroy(executor: Executor): void {
    executor.state = 'TERMINATING';
    if (executor.containerizer) void executor.containerizer.destroy(executor.containerId);
  }

  #executorTerminated(executor: Executor, termination: ContainerTermination | undefined): void {
    if (executor.state === 'TERMINATED') return;
    const framework = this.state.frameworks.get(executor.frameworkId);
    this.#clearExecutorTimers(executor);
    executor.stream?.close();
    executor.stream = undefined;
    executor.state = 'TERMINATED';
    executor.exitStatus = termination?.status;
    this.#log.info({ executor_id: executor.id, status: describeWaitStatus(termination?.status) }, 'executor terminated');
    if (!framework) return;
    if (framework.state === 'TERMINATING') {
      // Nobody will acknowledge updates of a removed framework: complete its tasks silently.
      for (const id of [...executor.queuedTasks.keys()]) executor.queuedTasks.delete(id);
      for (const [id, task] of [...executor.launchedTasks]) {
        executor.launchedTasks.delete(id);
        executor.terminatedTasks.set(id, task);
      }
      for (const id of [...executor.terminatedTasks.keys()]) completeTask(executor, id);
    } else {
      const pending = executor.pendingTermination;
      for (const taskId of liveTaskIds(executor)) {
        const found = findTask(executor, taskId);
        const killing = found?.where === 'launched' && found.task.state === 'TASK_KILLING';
        const state = pending?.state ?? termination?.state ?? (killing ? 'TASK_KILLED' : 'TASK_FAILED');
        const reason = pending?.reason ?? termination?.reason ?? 'REASON_EXECUTOR_TERMINATED';
        const message = pending?.message ?? termination?.message ?? `Executor ${describeWaitStatus(termination?.status)}`;
        this.#statusUpdate(framework.id, executor.id, this.#agentStatus(taskId, state, reason, message, executor.id));
      }
      // As Mesos: the master knows only executors the framework asked for, so a command
      // executor's exit is reported through its task's update alone, never as a FAILURE event.
      if (!executor.isCommandExecutor) {
        void this.#link.send({
          type: 'EXITED_EXECUTOR',
          exited_executor: {
            framework_id: { value: framework.id },
            executor_id: { value: executor.id },
            ...(termination?.status !== undefined ? { status: termination.status } : {}),
          },
        });
      }
    }
    this.#maybeCompleteExecutor(framework, executor);
  }

  #maybeCompleteExecutor(framework: Framework, executor: Executor): void {
    if (executor.state !== 'TERMINATED' || !executorIsIdle(executor)) return;
    if (framework.executors.get(executor.id) !== executor) return;
    framework.executors.delete(executor.id);
    pushBounded(framework.completedExecutors, executor, MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK);
    this.#maybeRemoveFramework(framework);
  }

  /**
   * A framework with no executors and no unacknowledged update left is done on this agent
   * (a terminating one goes as soon as its executors are gone: nobody will acknowledge).
   */
  #maybeRemoveFramework(framework: Framework): void {
    if (framework.executors.size > 0 || this.state.frameworks.get(framework.id) !== framework) return;
    if (framework.state !== 'TERMINATING' && this.statusUpdates.hasPending(framework.id)) return;
    this.state.frameworks.delete(framework.id);
    this.statusUpdates.cleanup(framework.id);
    pushBounded(this.state.completedFrameworks, framework, MAX_COMPLETED_FRAMEWORKS);
    this.#log.info({ framework_id: framework.id }, 'framework completed on this agent');
  }

  killTask(frameworkId: string, taskId: string, killPolicy: KillPolicy | undefined): void {
    const framework = this.state.frameworks.get(frameworkId);
    if (!framework) {
      // Mesos ignores this; answering lets the master settle a task it believes is here.
      this.#log.warn({ task_id: taskId, framework_id: frameworkId }, 'cannot kill task of unknown framework');
      this.statusUpdates.update({ frameworkId, status: this.#agentStatus(taskId, 'TASK_LOST', 'REASON_EXECUTOR_TERMINATED', 'Cannot find framework') });
      return;
    }
    const executor = [...framework.executors.values()].find((e) => findTask(e, taskId));
    if (!executor) {
      this.#statusUpdate(framework.id, undefined, this.#agentStatus(taskId, droppedOrLost(framework.info), 'REASON_EXECUTOR_TERMINATED', 'Cannot find executor'));
      return;
    }
    const found = findTask(executor, taskId)!;
    if (found.where === 'queued') {
      // Never delivered to the executor: the agent answers for it.
      this.#statusUpdate(framework.id, executor.id, this.#agentStatus(taskId, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'Killed before delivery to the executor', executor.id));
      if (executor.queuedTasks.size === 0 && executor.launchedTasks.size === 0) this.shutdownExecutor(executor);
      return;
    }
    if (found.where === 'terminated') return;
    if (executor.state !== 'RUNNING') {
      this.#log.warn({ task_id: taskId, executor_state: executor.state }, 'ignoring kill of a task whose executor is terminating');
      return;
    }
    this.#sendToExecutor(executor, { type: 'KILL', kill: { task_id: { value: taskId }, ...(killPolicy ? { kill_policy: killPolicy } : {}) } });
  }

  /** SHUTDOWN to a subscribed executor, destroy after the grace period; destroy at once otherwise. */
  shutdownExecutor(executor: Executor): void {
    if (executor.state === 'TERMINATING' || executor.state === 'TERMINATED') return;
    if (executor.state === 'REGISTERING' || !executor.stream) {
      this.#destroy(executor);
      return;
    }
    executor.state = 'TERMINATING';
    this.#sendToExecutor(executor, { type: 'SHUTDOWN' });
    const graceMs = shutdownGracePeriodMs(executor.info, this.#o.flags.executor_shutdown_grace_period);
    executor.timers.shutdown = this.#o.clock.setTimeout(() => {
      executor.timers.shutdown = undefined;
      this.#log.info({ executor_id: executor.id }, 'executor did not exit within its shutdown grace period');
      this.#destroy(executor);
    }, graceMs);
  }

  shutdownFramework(frameworkId: string): void {
    const framework = this.state.frameworks.get(frameworkId);
    if (!framework) return;
    this.#log.info({ framework_id: frameworkId }, 'shutting down framework');
    framework.state = 'TERMINATING';
    this.statusUpdates.cleanup(frameworkId);
    for (const executor of framework.executors.values()) this.shutdownExecutor(executor);
    this.#maybeRemoveFramework(framework);
  }

  acknowledge(frameworkId: string, taskId: string, uuid: string): void {
    const result = this.statusUpdates.acknowledge(frameworkId, taskId, uuid);
    if (result.kind !== 'acknowledged') {
      if (result.kind === 'error') this.#log.warn({ task_id: taskId, uuid, problem: result.message }, 'ignoring acknowledgement');
      return;
    }
    const framework = this.state.frameworks.get(frameworkId);
    const executorId = result.update.executorId;
    const executor = executorId !== undefined ? framework?.executors.get(executorId) : undefined;
    if (framework && !executor) this.#maybeRemoveFramework(framework);
    if (!framework || !executor) return;
    if (result.update.status.source === 'SOURCE_EXECUTOR' && executor.stream) {
      this.#sendToExecutor(executor, { type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: taskId }, uuid } });
    }
    if (isTerminalTaskState(result.update.status.state)) {
      completeTask(executor, taskId);
      this.#maybeCompleteExecutor(framework, executor);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Executor API (called by executor-api.ts after the HTTP-level checks).

  findExecutor(frameworkId: string, executorId: string): { framework?: Framework; executor?: Executor } {
    const framework = this.state.frameworks.get(frameworkId);
    return { framework, executor: framework?.executors.get(executorId) };
  }

  /** The executor subscribed: deliver SUBSCRIBED and its queued tasks. */
  executorSubscribed(framework: Framework, executor: Executor, stream: Executor['stream'] & object, unacknowledged: { updates: TaskStatus[]; tasks: TaskInfo[] }): void {
    if (executor.stream && executor.stream !== stream) executor.stream.close();
    executor.stream = stream;
    stream.onClose(() => {
      if (executor.stream !== stream) return;
      executor.stream = undefined;
      if (executor.timers.heartbeat) this.#o.clock.clearInterval(executor.timers.heartbeat);
      this.#log.info({ executor_id: executor.id }, 'executor disconnected');
    });
    if (executor.state === 'TERMINATING') {
      this.#sendToExecutor(executor, { type: 'SHUTDOWN' });
      return;
    }
    if (executor.timers.registration) this.#o.clock.clearTimeout(executor.timers.registration);
    executor.timers.registration = undefined;
    const resubscribed = executor.state === 'RUNNING';
    executor.state = 'RUNNING';
    // Tasks the executor already has (it got LAUNCH before a reconnect) are no longer queued.
    for (const info of unacknowledged.tasks) {
      const queued = executor.queuedTasks.get(info.task_id.value);
      if (!queued) continue;
      executor.queuedTasks.delete(info.task_id.value);
      executor.launchedTasks.set(info.task_id.value, newTask(queued, framework.id, this.#agentId!, executor.isCommandExecutor ? undefined : executor.id));
    }
    for (const status of unacknowledged.updates) this.executorUpdate(framework, executor, status);
    this.#log.info({ executor_id: executor.id, framework_id: framework.id, resubscribed }, 'executor subscribed');
    this.#sendToExecutor(executor, {
      type: 'SUBSCRIBED',
      subscribed: {
        executor_info: executor.info,
        framework_info: framework.info,
        agent_info: {
          hostname: this.hostname,
          port: this.#port,
          resources: resourcesToWire(this.#o.resources),
          attributes: this.#o.attributes,
          id: { value: this.#agentId! },
        },
        container_id: { value: executor.containerId },
      },
    });
    if (executor.timers.heartbeat) this.#o.clock.clearInterval(executor.timers.heartbeat);
    executor.timers.heartbeat = this.#o.clock.setInterval(() => this.#sendToExecutor(executor, { type: 'HEARTBEAT' }), EXECUTOR_HEARTBEAT_INTERVAL_MS);
    if (executor.queuedTasks.size === 0 && executor.launchedTasks.size === 0 && executor.terminatedTasks.size === 0) {
      // Every task was killed while the executor was starting.
      this.shutdownExecutor(executor);
      return;
    }
    this.#launchQueuedTasks(executor);
  }

  /** A status update from the executor (already validated by the API layer). */
  executorUpdate(framework: Framework, executor: Executor, status: TaskStatus): UpdateResult {
    const full: TaskStatus = {
      ...status,
      agent_id: { value: this.#agentId! },
      executor_id: { value: executor.id },
      timestamp: status.timestamp ?? this.#o.clock.now() / 1000,
    };
    return this.#statusUpdate(framework.id, executor.id, full);
  }

  executorMessage(framework: Framework, executor: Executor, data: string): void {
    void this.#link.send({
      type: 'EXECUTOR_MESSAGE',
      executor_message: { framework_id: { value: framework.id }, executor_id: { value: executor.id }, data },
    });
  }

  #launchQueuedTasks(executor: Executor): void {
    for (const [taskId, info] of [...executor.queuedTasks]) {
      executor.queuedTasks.delete(taskId);
      executor.launchedTasks.set(taskId, newTask(info, executor.frameworkId, this.#agentId!, executor.isCommandExecutor ? undefined : executor.id));
      this.#sendToExecutor(executor, { type: 'LAUNCH', launch: { task: info } });
    }
  }

  #sendToExecutor(executor: Executor, event: ExecutorEvent): void {
    executor.stream?.send(encodeExecutorEvent(event));
  }

  #clearExecutorTimers(executor: Executor): void {
    const { registration, shutdown, heartbeat } = executor.timers;
    if (registration) this.#o.clock.clearTimeout(registration);
    if (shutdown) this.#o.clock.clearTimeout(shutdown);
    if (heartbeat) this.#o.clock.clearInterval(heartbeat);
    executor.timers = {};
  }

  // -------------------------------------------------------------------------------------------
  // Status updates.

  #agentStatus(taskId: string, state: TaskStatus['state'], reason: TaskStatus['reason'], message: string, executorId?: string): TaskStatus {
    return agentStatus({ taskId, state, reason, message, agentId: this.#agentId, executorId, nowMs: this.#o.clock.now(), uuid: newStatusUuid() });
  }

  /** Records a status in the executor's task and hands it to the status update manager. */
  #statusUpdate(frameworkId: string, executorId: string | undefined, status: TaskStatus): UpdateResult {
    const framework = this.state.frameworks.get(frameworkId);
    if (!framework) {
      this.metrics.invalidStatusUpdates.inc();
      this.#log.warn({ task_id: status.task_id.value, framework_id: frameworkId }, 'dropping status update of unknown framework');
      return { kind: 'error', message: `unknown framework '${frameworkId}'` };
    }
    const executor = executorId !== undefined ? framework.executors.get(executorId) : undefined;
    if (executor) {
      const changed = updateTaskState(executor, status, this.#agentId ?? '');
      if (changed?.becameTerminal) this.metrics.taskTerminated(status.state);
    }
    const result = this.statusUpdates.update({ frameworkId, executorId, status });
    if (result.kind === 'error') this.metrics.invalidStatusUpdates.inc();
    else this.metrics.validStatusUpdates.inc();
    return result;
  }

  #forwardStatusUpdate(update: StatusUpdate): void {
    const framework = this.state.frameworks.get(update.frameworkId);
    const executor = update.executorId !== undefined ? framework?.executors.get(update.executorId) : undefined;
    const found = executor ? findTask(executor, update.status.task_id.value) : undefined;
    const latest = found && found.where !== 'queued' ? found.task.state : update.status.state;
    void this.#link.send({
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

/** Creates the sandbox and points `runs/latest` at it (replaced atomically with a rename). */
function createSandbox(directory: string, latestLink: string): void {
  mkdirSync(directory, { recursive: true });
  const tmp = `${latestLink}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  symlinkSync(directory, tmp);
  renameSync(tmp, latestLink);
}
