// The agent: registers with the master, runs executors in containers, and relays between the
// master (agent protocol), the executors (v1 executor API) and the status update manager. It
// owns the AgentState (state.ts) and wires the parts that act on it, one concern each:
//
//   master-link.ts        the SUBSCRIBE stream and calls to the master
//   master-events.ts      which master event goes where; the SUBSCRIBE report
//   task-intake.ts        RUN_TASK / RUN_TASK_GROUP checks and routing to an executor
//   kill-shutdown.ts      KILL_TASK, SHUTDOWN_FRAMEWORK
//   executor-lifecycle.ts launch, registration, shutdown, termination of executors
//   status-relay.ts       task updates: record, count, forward until acknowledged
//
// Everything runs on the event loop; a handler never awaits between reading and changing that
// state except in the container start (executor-lifecycle.ts), which re-checks after each await.
import { resolve } from 'node:path';
import type { AgentApplyOperation, AgentSubscribed } from '../protocol/agora/agent-master.ts';
import type { AgentInfo, Attribute, FrameworkInfo, KillPolicy, Resource, TaskInfo, TaskStatus } from '../protocol/index.ts';
import { isTerminalTaskState } from '../protocol/index.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import { resourcesToWire, type Resources } from '../common/resources/index.ts';
import { AGORA_VERSION } from '../common/version.ts';
import type { Containerizer } from '../containerizer/index.ts';
import { AgentCheckpoint } from './agent-checkpoint.ts';
import { planRecovery, type RecoverMode } from './checkpoint/index.ts';
import { defaultExecutorArgv } from './default-executor.ts';
import { ExecutorLifecycle } from './executor-lifecycle.ts';
import { rebuildState, type RecoveredPlan } from './recovery.ts';
import { FetchStep } from './fetch-step.ts';
import { SandboxGc, findSandboxes } from './gc.ts';
import type { AgentFlags } from './flags.ts';
import { killTask, shutdownFramework, type KillShutdownDeps } from './kill-shutdown.ts';
import { MasterLink } from './master-link.ts';
import { dispatchMasterEvent, subscribePayload, unknownReconciledTasks, type MasterEventHandlers } from './master-events.ts';
import { AgentMetrics } from './metrics.ts';
import type { Metrics } from '../common/metrics.ts';
import {
  allExecutors,
  completeTask,
  executorIsIdle,
  MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK,
  MAX_COMPLETED_FRAMEWORKS,
  pushBounded,
  type AgentState,
  type Executor,
  type Framework,
} from './state.ts';
import { StatusRelay } from './status-relay.ts';
import type { StatusUpdateManager, UpdateResult } from './status-updates.ts';
import { runTask, runTaskGroup, type TaskIntakeDeps } from './task-intake.ts';
import type { TaskUser } from './task-user.ts';

export { EXECUTOR_HEARTBEAT_INTERVAL_MS } from './executor-lifecycle.ts';

export type AgentOptions = {
  flags: AgentFlags;
  /** The `/metrics/snapshot` registry, when parts built before the agent count into it too. */
  metricsRegistry?: Metrics | undefined;
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
  /** argv of the default executor program (default: built under the work dir on first use). */
  defaultExecutorArgv?: (() => string[]) | undefined;
  /** Environment every executor starts from. */
  executorEnvironmentBase: Record<string, string | undefined>;
  statusUpdateRetryMinMs?: number | undefined;
  statusUpdateRetryMaxMs?: number | undefined;
  /** The master told the agent to shut down (marked gone), or its id changed. */
  onShutdownRequested: (reason: string) => void;
  bootId?: string | undefined;
  /** Resolves task users for --switch_user (default: `id(1)`). */
  lookupUser?: (name: string) => Promise<TaskUser>;
};

export class Agent {
  readonly state: AgentState = { frameworks: new Map(), completedFrameworks: [] };
  readonly metrics: AgentMetrics;
  readonly statusUpdates: StatusUpdateManager;
  readonly startTimeMs: number;
  /** Removes terminated executors' sandboxes after --gc_delay (gc.ts). */
  readonly gc: SandboxGc;
  readonly #o: AgentOptions;
  readonly #log: Logger;
  readonly #link: MasterLink;
  readonly #relay: StatusRelay;
  readonly #lifecycle: ExecutorLifecycle;
  readonly #intake: TaskIntakeDeps;
  readonly #control: KillShutdownDeps;
  readonly #checkpoint: AgentCheckpoint;
  /** Recovered executors still expected to SUBSCRIBE again, and who waits for them. */
  #reregistering: { executors: Set<Executor>; done: () => void } | undefined;
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
    this.metrics = new AgentMetrics(this, options.clock, options.metricsRegistry);
    const agentId = (): string | undefined => this.#agentId;
    const send = this.#send.bind(this);
    this.#checkpoint = new AgentCheckpoint({ workDir: options.flags.work_dir, state: this.state, logger: options.logger, agentId });
    this.#relay = new StatusRelay({
      store: this.#checkpoint.statusUpdateStore(),
      state: this.state,
      clock: options.clock,
      logger: options.logger,
      metrics: this.metrics,
      agentId,
      send,
      retryMinMs: options.statusUpdateRetryMinMs,
      retryMaxMs: options.statusUpdateRetryMaxMs,
    });
    this.statusUpdates = this.#relay.manager;
    this.gc = new SandboxGc({
      workDir: options.flags.work_dir,
      clock: options.clock,
      logger: options.logger,
      metrics: this.metrics.registry,
      policy: { gcDelayMs: options.flags.gc_delay, diskHeadroom: options.flags.gc_disk_headroom },
      diskWatchIntervalMs: options.flags.disk_watch_interval,
      liveSandboxes: () => [...allExecutors(this.state)].filter((e) => e.state !== 'TERMINATED').map((e) => e.directory),
    });
    this.#lifecycle = new ExecutorLifecycle({
      sandboxGc: this.gc,
      state: this.state,
      flags: options.flags,
      clock: options.clock,
      logger: options.logger,
      metrics: this.metrics,
      containerizers: options.containerizers,
      fetchStep: new FetchStep({ flags: options.flags, logger: options.logger, clock: options.clock, metrics: this.metrics.registry }),
      relay: this.#relay,
      executorEnvironmentBase: options.executorEnvironmentBase,
      agentId,
      agentPort: () => this.#port,
      agentInfo: () => this.#agentInfo(),
      send,
      maybeComplete: (framework, executor) => {
        this.#reregistered(executor);
        this.#maybeCompleteExecutor(framework, executor);
      },
      checkpoint: this.#checkpoint,
      defaultExecutorArgv: options.defaultExecutorArgv ?? defaultExecutorArgv(options.flags.work_dir),
      ...(options.lookupUser ? { lookupUser: options.lookupUser } : {}),
    });
    const parts = { state: this.state, log: this.#log, relay: this.#relay, lifecycle: this.#lifecycle };
    this.#intake = { ...parts, agentId, commandExecutorArgv: options.commandExecutorArgv, checkpoint: this.#checkpoint };
    this.#control = { ...parts, maybeRemoveFramework: (framework) => this.#maybeRemoveFramework(framework) };
    const handlers = this.#masterEventHandlers();
    this.#link = new MasterLink({
      masterUrl: options.masterUrl,
      clock: options.clock,
      logger: options.logger,
      random: options.random,
      backoffFactorMs: options.flags.registration_backoff_factor,
      subscribe: () => this.#subscribePayload(),
      onSubscribed: (s) => this.#onSubscribed(s),
      onEvent: (e) => dispatchMasterEvent(handlers, e),
      onDisconnected: () => this.#onDisconnected(),
      onShutdown: (message) => this.#shutDownByMaster(message),
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
  /** The containerizers in `--containerizers` order (operator calls such as PRUNE_IMAGES). */
  get containerizers(): readonly Containerizer[] {
    return this.#o.containerizers;
  }
  get pid(): string {
    return `slave(1)@${this.ip}:${this.#port}`;
  }

  /**
   * Recovers from the checkpoint (`--recover`), waits for recovered executors to re-subscribe
   * (at most `--executor_reregistration_timeout`), then starts talking to the master: as Mesos,
   * the agent re-registers only once its executors are settled, so its report is complete.
   */
  async start(port: number): Promise<void> {
    this.#port = port;
    // Synchronous up to the first await: the state is rebuilt before any executor API request
    // (the server already listens) can look for it.
    const recovering = this.#recover();
    await this.statusUpdates.recover();
    await recovering;
    if (this.#stopped) return;
    this.#scheduleFoundSandboxes();
    this.gc.start();
    this.#link.start();
  }

  /**
   * Stops talking to the master. Executors of checkpointing frameworks keep running for the next
   * agent to recover (Mesos Slave::finalize); every other container is destroyed, including those
   * whose launch is still in flight. `destroyAll` (the agent leaves for good: the master shut it
   * down) destroys them all. Resolves once the destroyed ones are gone.
   */
  async stop(options: { destroyAll?: boolean } = {}): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#reregistering?.done();
    this.#link.stop();
    this.statusUpdates.stop();
    await this.#lifecycle.stop(options.destroyAll === true);
    await this.gc.stop();
  }

  // -------------------------------------------------------------------------------------------
  // Recovery (checkpoint/recovery-plan.ts decides, recovery.ts rebuilds the state).

  async #recover(): Promise<void> {
    const { flags, containerizers } = this.#o;
    const checkpointed = this.#checkpoint.store.read();
    this.#checkpointedResources = this.#checkpoint.store.readCheckpointedResources(checkpointed.problems);
    for (const problem of checkpointed.problems) {
      this.#log.warn({ path: problem.path, problem: problem.message }, 'damaged checkpoint file skipped');
    }
    const plan = planRecovery(checkpointed, flags.work_dir, this.#o.bootId, flags.recover as RecoverMode);
    if (plan.kind === 'fresh') {
      for (const containerizer of containerizers) await containerizer.recover([]);
      return;
    }
    for (const skipped of plan.skipped) this.#log.warn({ what: skipped.what, why: skipped.why }, 'checkpointed item not recovered');
    if (plan.rebooted) this.#log.info({ agent_id: plan.agentId }, 'host rebooted since the checkpoint: no executor survived');
    if (plan.mode === 'cleanup') return this.#cleanup(plan);
    this.#agentId = plan.agentId;
    const executors = rebuildState(plan, this.state);
    for (const planned of plan.executors) for (const task of planned.tasks) this.statusUpdates.restore(task.updates, task.pending);
    // Posix containers are plain processes: the first containerizer (`mesos`) adopts them all.
    const [adopter, ...others] = containerizers;
    const resources = new Map(executors.map((e) => [e.containerId, e.resources]));
    if (adopter) await adopter.recover(plan.executors.map((e) => ({ ...e.container, resources: resources.get(e.container.containerId) })));
    for (const containerizer of others) await containerizer.recover([]);
    const adopted = new Set(adopter?.containers() ?? []);
    const waiting = new Set<Executor>();
    for (const executor of executors) {
      const survived = adopted.has(executor.containerId);
      this.#lifecycle.recovered(executor, survived ? adopter : undefined, plan.rebooted);
      if (executor.state === 'REGISTERING') waiting.add(executor);
    }
    this.#log.info({ agent_id: plan.agentId, frameworks: plan.frameworks.length, executors: executors.length, adopted: adopted.size }, 'agent state recovered');
    if (waiting.size === 0) return;
    // Each recovered executor has its own timer (lifecycle.recovered); this only waits for them.
    await new Promise<void>((done) => (this.#reregistering = { executors: waiting, done }));
    this.#reregistering = undefined;
  }

  /**
   * Sandboxes on disk that no live executor uses (executors that ended before this agent process
   * started, earlier agent ids, `--recover=cleanup`) go to the garbage collector, aged by their
   * mtime: the GC schedule itself is not checkpointed, the directories are.
   */
  #scheduleFoundSandboxes(): void {
    const live = new Set<string>();
    for (const framework of this.state.frameworks.values()) {
      for (const executor of framework.executors.values()) if (executor.state !== 'TERMINATED') live.add(resolve(executor.directory));
    }
    for (const found of findSandboxes(this.#o.flags.work_dir)) {
      if (!live.has(resolve(found.path))) this.gc.scheduleFound(found.path, found.mtimeMs);
    }
  }

  /** A recovered executor subscribed again or ended: the agent may re-register once none is left. */
  #reregistered(executor: Executor): void {
    const waiting = this.#reregistering;
    if (!waiting || !waiting.executors.delete(executor)) return;
    if (waiting.executors.size === 0) waiting.done();
  }

  /** `--recover=cleanup`: adopt what survived only to destroy it, forget the agent id, start fresh. */
  async #cleanup(plan: RecoveredPlan): Promise<void> {
    const [adopter, ...others] = this.#o.containerizers;
    if (adopter) {
      await adopter.recover(plan.executors.map((e) => e.container));
      await Promise.allSettled(adopter.containers().map((id) => adopter.destroy(id)));
    }
    for (const containerizer of others) await containerizer.recover([]);
    this.#checkpoint.store.forgetAgent();
    this.#log.info({ agent_id: plan.agentId, executors: plan.executors.length }, 'recovery cleanup: old executors destroyed, registering as a new agent');
  }

  // -------------------------------------------------------------------------------------------
  // Master connection.

  #send(call: Parameters<MasterLink['send']>[0]): Promise<boolean> {
    return this.#link.send(call);
  }

  #subscribePayload(): ReturnType<typeof subscribePayload> {
    return subscribePayload({
      state: this.state,
      agentId: this.#agentId,
      hostname: this.hostname,
      ip: this.ip,
      port: this.#port,
      resources: resourcesToWire(this.#o.resources),
      attributes: this.#o.attributes,
      checkpointedResources: this.#checkpointedResources,
      workDir: resolve(this.#o.flags.work_dir),
      version: AGORA_VERSION,
      bootId: this.#o.bootId,
    });
  }

  #agentInfo(): AgentInfo {
    return {
      hostname: this.hostname,
      port: this.#port,
      resources: resourcesToWire(this.#o.resources),
      attributes: this.#o.attributes,
      id: { value: this.#agentId! },
    };
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
    this.#checkpoint.registered({ ...this.#agentInfo(), id: { value: id } }, this.#o.bootId);
    this.#masterHostname = subscribed.master_info.hostname ?? subscribed.master_info.address?.hostname;
    this.#log.info({ agent_id: id, master: this.#link.masterUrl, reregistered: !first }, 'agent registered');
    this.statusUpdates.resume();
    for (const r of unknownReconciledTasks(this.state, subscribed.reconciliations)) {
      // Not through the relay: that one drops updates of frameworks the agent does not know.
      this.statusUpdates.update({ frameworkId: r.frameworkId, status: this.#relay.agentStatus(r.taskId, r.state, 'REASON_RECONCILIATION', 'Reconciliation: task unknown to the agent') });
    }
  }

  /**
   * The master shut this agent down (SHUTDOWN on the stream, or a 403 SUBSCRIBE refusal): it will
   * never take this agent id back, so the checkpoint forgets it (Mesos removes meta/slaves/latest)
   * and a restart on this work dir registers as a new agent instead of being refused forever.
   */
  #shutDownByMaster(message: string): void {
    this.#log.error({ agent_id: this.#agentId, message }, 'master shut the agent down');
    this.#checkpoint.store.forgetAgent();
    this.#o.onShutdownRequested(message);
  }

  #onDisconnected(): void {
    this.#registered = false;
    this.statusUpdates.pause();
  }

  #masterEventHandlers(): MasterEventHandlers {
    return {
      subscribed: (s) => this.#onSubscribed(s),
      runTask: (info, task) => this.runTask(info, task),
      runTaskGroup: (group) => runTaskGroup(this.#intake, group),
      killTask: (frameworkId, taskId, policy) => this.killTask(frameworkId, taskId, policy),
      shutdownExecutor: (frameworkId, executorId) => {
        const executor = this.state.frameworks.get(frameworkId)?.executors.get(executorId);
        if (executor) this.shutdownExecutor(executor);
        else this.#log.warn({ executor_id: executorId }, 'cannot shut down unknown executor');
      },
      shutdownFramework: (frameworkId) => this.shutdownFramework(frameworkId),
      acknowledge: (frameworkId, taskId, uuid) => this.acknowledge(frameworkId, taskId, uuid),
      updateFramework: (info) => {
        const framework = info.id ? this.state.frameworks.get(info.id.value) : undefined;
        if (framework) framework.info = info;
      },
      applyOperation: (op) => this.#applyOperation(op),
      frameworkMessage: (frameworkId, executorId, data) => {
        const executor = this.state.frameworks.get(frameworkId)?.executors.get(executorId);
        if (executor?.stream) this.#lifecycle.send(executor, { type: 'MESSAGE', message: { data } });
        else this.#log.warn({ executor_id: executorId }, 'dropping framework message for an executor that is not subscribed');
      },
      ping: (sequence) => void this.#send({ type: 'PONG', pong: { sequence } }),
      shutdown: (message) => this.#shutDownByMaster(message),
      error: (message) => this.#log.error({ message }, 'master reported an error'),
    };
  }

  #applyOperation(op: AgentApplyOperation): void {
    // Durable before it is reported done (meta/resources/resources.info), as Mesos checkpoints
    // resources before applying them: a reservation or volume survives any restart or reboot.
    const resources = op.checkpointed_resources ?? [];
    let failure: string | undefined;
    try {
      this.#checkpoint.store.writeCheckpointedResources(resources);
      this.#checkpointedResources = resources;
    } catch (err) {
      failure = `cannot checkpoint the agent's resources: ${(err as Error).message}`;
      this.#log.error({ err: (err as Error).message }, 'checkpoint write failed');
    }
    void this.#send({
      type: 'UPDATE_OPERATION_STATUS',
      update_operation_status: {
        ...(op.framework_id ? { framework_id: op.framework_id } : {}),
        ...(op.operation.id ? { operation_id: op.operation.id } : {}),
        operation_uuid: op.operation_uuid,
        state: failure === undefined ? 'OPERATION_FINISHED' : 'OPERATION_FAILED',
        ...(failure !== undefined ? { message: failure } : {}),
      },
    });
  }

  // -------------------------------------------------------------------------------------------
  // Tasks, executors and frameworks.

  runTask(frameworkInfo: FrameworkInfo, task: TaskInfo): void {
    runTask(this.#intake, frameworkInfo, task);
  }

  killTask(frameworkId: string, taskId: string, killPolicy: KillPolicy | undefined): void {
    killTask(this.#control, frameworkId, taskId, killPolicy);
  }

  /** SHUTDOWN to a subscribed executor, destroy after the grace period; destroy at once otherwise. */
  shutdownExecutor(executor: Executor): void {
    this.#lifecycle.shutdown(executor);
  }

  shutdownFramework(frameworkId: string): void {
    shutdownFramework(this.#control, frameworkId);
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
      this.#lifecycle.send(executor, { type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: taskId }, uuid } });
    }
    if (isTerminalTaskState(result.update.status.state)) {
      completeTask(executor, taskId);
      this.#maybeCompleteExecutor(framework, executor);
    }
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

  // -------------------------------------------------------------------------------------------
  // Executor API (called by executor-api.ts after the HTTP-level checks).

  findExecutor(frameworkId: string, executorId: string): { framework?: Framework; executor?: Executor } {
    const framework = this.state.frameworks.get(frameworkId);
    return { framework, executor: framework?.executors.get(executorId) };
  }

  /** The executor subscribed: deliver SUBSCRIBED and its queued tasks. */
  executorSubscribed(framework: Framework, executor: Executor, stream: Executor['stream'] & object, unacknowledged: { updates: TaskStatus[]; tasks: TaskInfo[] }): void {
    this.#lifecycle.subscribed(framework, executor, stream, unacknowledged);
    if (executor.state === 'RUNNING') this.#reregistered(executor);
  }

  /** A status update from the executor (already validated by the API layer). */
  executorUpdate(framework: Framework, executor: Executor, status: TaskStatus): UpdateResult {
    return this.#relay.fromExecutor(framework.id, executor, status);
  }

  executorMessage(framework: Framework, executor: Executor, data: string): void {
    void this.#send({
      type: 'EXECUTOR_MESSAGE',
      executor_message: { framework_id: { value: framework.id }, executor_id: { value: executor.id }, data },
    });
  }
}
