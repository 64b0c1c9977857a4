// An executor's life on the agent, from the first task that needs it to its container's end:
//
//   launch(): sandbox, Executor record (REGISTERING), registration timer
//     └─ start container: task user -> fetch URIs -> chown sandbox -> containerizer.launch
//           │ fails ───────────────────────────────────────────────┐
//           v                                                      │
//   subscribed(): SUBSCRIBED, queued tasks LAUNCHed (RUNNING)      │
//           │ shutdown(): SHUTDOWN, destroy after the grace period │
//           │ registration timeout: destroy                        │
//           v                                                      v
//   container ended -> terminated(): task updates + EXITED_EXECUTOR (executor-termination.ts)
//
// Everything here runs on the event loop; the only awaits are in the container start, and every
// step after one re-checks the executor's state (it may have been shut down meanwhile). Launches
// in flight are tracked so that stop() can wait for them and destroy what they produce.
import type { AgentToMasterCall } from '../protocol/agora/agent-master.ts';
import type { AgentInfo, CommandInfo, ExecutorEvent, ExecutorInfo, TaskInfo, TaskStatus } from '../protocol/index.ts';
import { encodeExecutorEvent } from '../protocol/index.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import { newUuid } from '../common/ids.ts';
import { formatDuration } from '../common/units.ts';
import type { Resources } from '../common/resources/index.ts';
import { resourcesFromWire } from '../common/resources/index.ts';
import type { Containerizer, ContainerTermination } from '../containerizer/index.ts';
import { describeWaitStatus, executorEnvironment, isPartitionAware, shutdownGracePeriodMs } from './executor-launch.ts';
import { lostInRestart, notRecovered, reregistrationTimedOut, tasksLostInRestart } from './recovery.ts';
import { decideExecutorTermination, reportsExitedExecutor } from './executor-termination.ts';
import type { AgentCheckpoint } from './agent-checkpoint.ts';
import type { FetchStep } from './fetch-step.ts';
import { detachSandbox } from './files.ts';
import type { SandboxGc } from './gc.ts';
import type { AgentFlags } from './flags.ts';
import type { AgentMetrics } from './metrics.ts';
import { executorLatestRunLink, executorRunDir } from './paths.ts';
import { chownSandbox, createSandbox } from './sandbox.ts';
import { allExecutors, completeTask, findTask, liveTaskIds, newExecutor, newTask, recordStatus, type AgentState, type Executor, type Framework } from './state.ts';
import type { StatusRelay } from './status-relay.ts';
import { containerUserName, lookupTaskUser, type TaskUser } from './task-user.ts';

/** Mesos's DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL. */
export const EXECUTOR_HEARTBEAT_INTERVAL_MS = 30 * 60_000;

export type ExecutorLifecycleOptions = {
  state: AgentState;
  flags: AgentFlags;
  clock: Clock;
  logger: Logger;
  metrics: AgentMetrics;
  containerizers: readonly Containerizer[];
  fetchStep: FetchStep;
  relay: StatusRelay;
  /** Environment every executor starts from. */
  executorEnvironmentBase: Record<string, string | undefined>;
  /** The agent's id (set once registered), address and AgentInfo (for SUBSCRIBED). */
  agentId: () => string | undefined;
  agentPort: () => number;
  agentInfo: () => AgentInfo;
  /** Posts a call to the master. */
  send: (call: Omit<AgentToMasterCall, 'agent_id'>) => Promise<boolean>;
  /** An executor may be done: let the agent move it (and maybe its framework) to completed. */
  maybeComplete: (framework: Framework, executor: Executor) => void;
  /** Removes the sandboxes of terminated executors after --gc_delay (absent: kept forever). */
  sandboxGc?: Pick<SandboxGc, 'schedule'>;
  /** The agent's effective uid (default: the process's); decides whether --switch_user applies. */
  agentUid?: number | undefined;
  /** Resolves a task user (default: `id(1)`); throws UnknownTaskUserError. */
  lookupUser?: (name: string) => Promise<TaskUser>;
  /** Writes checkpointing frameworks' executors and tasks (absent: nothing is written). */
  checkpoint?: AgentCheckpoint;
  /** argv of the default executor program (task groups); absent: DEFAULT executors fail to launch. */
  defaultExecutorArgv?: () => string[];
};

export class ExecutorLifecycle {
  readonly #o: ExecutorLifecycleOptions;
  readonly #log: Logger;
  readonly #agentUid: number | undefined;
  /** Container starts in flight (user lookup, fetch, containerizer launch). */
  readonly #launching = new Set<Promise<unknown>>();
  /** Recovered executors that have not subscribed again since the agent restarted. */
  readonly #recovering = new WeakSet<Executor>();
  /** stop() began: container ends are no longer acted on (except those stop() caused). */
  #stopping = false;

  constructor(options: ExecutorLifecycleOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'agent' });
    this.#agentUid = 'agentUid' in options ? options.agentUid : process.geteuid?.();
  }

  /**
   * Creates the executor for its first task and starts its container. Problems before the
   * Executor record exists end the task at once; the master still hears EXITED_EXECUTOR.
   */
  launch(framework: Framework, info: ExecutorInfo, task: TaskInfo, taskResources: Resources, isCommandExecutor: boolean): void {
    this.#create(framework, info, [task], taskResources, isCommandExecutor, false);
  }

  /**
   * Creates the executor for its first task group (delivered as one LAUNCH_GROUP once it
   * subscribes) and starts its container; as `launch`.
   */
  launchGroup(framework: Framework, info: ExecutorInfo, tasks: readonly TaskInfo[], taskResources: Resources): void {
    this.#create(framework, info, tasks, taskResources, false, true);
  }

  #create(framework: Framework, info: ExecutorInfo, tasks: readonly TaskInfo[], taskResources: Resources, isCommandExecutor: boolean, asGroup: boolean): void {
    const agentId = this.#o.agentId()!;
    const { relay, flags } = this.#o;
    const executorId = info.executor_id.value;
    const containerId = newUuid();
    const failAll = (state: 'TASK_FAILED' | 'TASK_ERROR', reason: 'REASON_CONTAINER_LAUNCH_FAILED' | 'REASON_TASK_INVALID', message: string): void => {
      for (const task of tasks) relay.update(framework.id, undefined, relay.agentStatus(task.task_id.value, state, reason, message));
      this.reportNeverStarted(framework.id, executorId, isCommandExecutor);
    };
    let directory: string;
    try {
      directory = executorRunDir(flags.work_dir, agentId, framework.id, executorId, containerId);
      createSandbox(directory, executorLatestRunLink(flags.work_dir, agentId, framework.id, executorId));
    } catch (err) {
      this.#log.error({ err: (err as Error).message, executor_id: executorId }, 'cannot create sandbox');
      failAll('TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', `Failed to create sandbox: ${(err as Error).message}`);
      return;
    }
    let resources: Resources;
    try {
      resources = resourcesFromWire(info.resources ?? []).add(taskResources);
    } catch (err) {
      failAll('TASK_ERROR', 'REASON_TASK_INVALID', `Invalid executor resources: ${(err as Error).message}`);
      return;
    }
    const executor = newExecutor({ id: executorId, frameworkId: framework.id, info, isCommandExecutor, containerId, directory, resources });
    for (const task of tasks) executor.queuedTasks.set(task.task_id.value, task);
    if (asGroup) executor.queuedGroups.push(tasks.map((t) => t.task_id.value));
    framework.executors.set(executor.id, executor);
    const [first, ...rest] = tasks;
    if (first) this.#o.checkpoint?.executorLaunched(framework, executor, first);
    for (const task of rest) this.#o.checkpoint?.taskAdded(framework, executor, task);
    const timeoutMs = flags.executor_registration_timeout;
    executor.timers.registration = this.#o.clock.setTimeout(() => this.#registrationTimedOut(executor, timeoutMs), timeoutMs);
    this.#log.info({ executor_id: executor.id, framework_id: framework.id, container_id: containerId, directory, type: info.type }, 'launching executor');
    this.#startContainer(framework, executor);
  }

  /**
   * An executor the framework asked for will never run (its task was refused before a container
   * existed): tell the master, which counted its resources when it sent the task. Command
   * executors and executors the agent already runs are not reported.
   */
  reportNeverStarted(frameworkId: string, executorId: string, isCommandExecutor: boolean): void {
    if (!reportsExitedExecutor(isCommandExecutor)) return;
    if (this.#o.state.frameworks.get(frameworkId)?.executors.has(executorId)) return;
    this.#log.info({ framework_id: frameworkId, executor_id: executorId }, 'executor never started');
    void this.#o.send({ type: 'EXITED_EXECUTOR', exited_executor: { framework_id: { value: frameworkId }, executor_id: { value: executorId } } });
  }

  /** The executor subscribed: deliver SUBSCRIBED and its queued tasks. */
  subscribed(framework: Framework, executor: Executor, stream: Executor['stream'] & object, unacknowledged: { updates: TaskStatus[]; tasks: TaskInfo[] }): void {
    const { clock } = this.#o;
    if (executor.stream && executor.stream !== stream) executor.stream.close();
    executor.stream = stream;
    stream.onClose(() => {
      if (executor.stream !== stream) return;
      executor.stream = undefined;
      if (executor.timers.heartbeat) clock.clearInterval(executor.timers.heartbeat);
      this.#log.info({ executor_id: executor.id }, 'executor disconnected');
    });
    if (executor.state === 'TERMINATING') {
      this.send(executor, { type: 'SHUTDOWN' });
      return;
    }
    if (executor.timers.registration) clock.clearTimeout(executor.timers.registration);
    executor.timers.registration = undefined;
    const resubscribed = executor.state === 'RUNNING';
    executor.state = 'RUNNING';
    const agentId = this.#o.agentId()!;
    // Tasks the executor already has (it got LAUNCH before a reconnect) are no longer queued.
    for (const info of unacknowledged.tasks) {
      const queued = executor.queuedTasks.get(info.task_id.value);
      if (!queued) continue;
      executor.queuedTasks.delete(info.task_id.value);
      executor.launchedTasks.set(info.task_id.value, newTask(queued, framework.id, agentId, executor.isCommandExecutor ? undefined : executor.id));
    }
    // An update the framework acknowledged while the executor never heard of it (the agent went
    // down between checkpointing the ACK and passing it on): the executor re-sends it, and is
    // answered ACKNOWLEDGED below, as Mesos's agent does, or it would wait for it forever.
    const acknowledged: TaskStatus[] = [];
    for (const status of unacknowledged.updates) {
      const result = this.#o.relay.fromExecutor(framework.id, executor, status);
      if (result.kind === 'duplicate' && status.uuid !== undefined && this.#o.relay.manager.wasAcknowledged(framework.id, status.task_id.value, status.uuid)) {
        acknowledged.push(status);
      }
    }
    if (this.#recovering.delete(executor)) this.#endTasksLostInRestart(framework, executor, unacknowledged.tasks);
    this.#log.info({ executor_id: executor.id, framework_id: framework.id, resubscribed }, 'executor subscribed');
    this.send(executor, {
      type: 'SUBSCRIBED',
      subscribed: {
        executor_info: executor.info,
        framework_info: framework.info,
        agent_info: this.#o.agentInfo(),
        container_id: { value: executor.containerId },
      },
    });
    for (const status of acknowledged) this.send(executor, { type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid! } });
    if (executor.timers.heartbeat) clock.clearInterval(executor.timers.heartbeat);
    executor.timers.heartbeat = clock.setInterval(() => this.send(executor, { type: 'HEARTBEAT' }), EXECUTOR_HEARTBEAT_INTERVAL_MS);
    if (executor.queuedTasks.size === 0 && executor.launchedTasks.size === 0 && executor.terminatedTasks.size === 0) {
      // Every task was killed while the executor was starting.
      this.shutdown(executor);
      return;
    }
    this.launchQueuedTasks(executor);
  }

  /** Tasks a recovered executor never received (recovery.ts tasksLostInRestart) end now. */
  #endTasksLostInRestart(framework: Framework, executor: Executor, knownTasks: TaskInfo[]): void {
    const lost = tasksLostInRestart(executor, knownTasks.map((t) => t.task_id.value));
    if (lost.length === 0) return;
    const end = lostInRestart(isPartitionAware(framework.info));
    this.#log.warn({ executor_id: executor.id, task_ids: lost, state: end.state }, 'tasks launched during the agent restart never reached the executor');
    const { relay } = this.#o;
    for (const taskId of lost) relay.update(framework.id, executor.id, relay.agentStatus(taskId, end.state, end.reason, end.message, executor.id));
  }

  /**
   * Delivers every queued task of a subscribed executor: each queued task group as one
   * LAUNCH_GROUP (with those of its tasks still queued), every other task as LAUNCH.
   */
  launchQueuedTasks(executor: Executor): void {
    const agentId = this.#o.agentId()!;
    const deliver = (info: TaskInfo): void => {
      executor.queuedTasks.delete(info.task_id.value);
      executor.launchedTasks.set(info.task_id.value, newTask(info, executor.frameworkId, agentId, executor.isCommandExecutor ? undefined : executor.id));
    };
    const groups = executor.queuedGroups;
    executor.queuedGroups = [];
    for (const ids of groups) {
      const tasks = ids.flatMap((id) => {
        const info = executor.queuedTasks.get(id);
        return info ? [info] : [];
      });
      if (tasks.length === 0) continue;
      tasks.forEach(deliver);
      this.send(executor, { type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks } } });
    }
    for (const info of [...executor.queuedTasks.values()]) {
      deliver(info);
      this.send(executor, { type: 'LAUNCH', launch: { task: info } });
    }
  }

  send(executor: Executor, event: ExecutorEvent): void {
    executor.stream?.send(encodeExecutorEvent(event));
  }

  /** SHUTDOWN to a subscribed executor, destroy after the grace period; destroy at once otherwise. */
  shutdown(executor: Executor): void {
    if (executor.state === 'TERMINATING' || executor.state === 'TERMINATED') return;
    if (executor.state === 'REGISTERING' || !executor.stream) {
      this.#destroy(executor);
      return;
    }
    executor.state = 'TERMINATING';
    this.send(executor, { type: 'SHUTDOWN' });
    const graceMs = shutdownGracePeriodMs(executor.info, this.#o.flags.executor_shutdown_grace_period);
    executor.timers.shutdown = this.#o.clock.setTimeout(() => {
      executor.timers.shutdown = undefined;
      this.#log.info({ executor_id: executor.id }, 'executor did not exit within its shutdown grace period');
      this.#destroy(executor);
    }, graceMs);
  }

  /**
   * An executor rebuilt from the checkpoint after an agent restart (recovery.ts): `containerizer`
   * re-adopted its container, or undefined when its process did not survive. It must SUBSCRIBE
   * again within `--executor_reregistration_timeout`, or it is destroyed.
   */
  recovered(executor: Executor, containerizer: Containerizer | undefined, rebooted = false): void {
    const framework = this.#o.state.frameworks.get(executor.frameworkId);
    if (!containerizer || !framework) {
      executor.pendingTermination ??= notRecovered(isPartitionAware(framework?.info), rebooted);
      this.#terminated(executor, undefined);
      return;
    }
    executor.containerizer = containerizer;
    this.#recovering.add(executor);
    const timeoutMs = this.#o.flags.executor_reregistration_timeout;
    executor.timers.registration = this.#o.clock.setTimeout(() => {
      executor.timers.registration = undefined;
      if (executor.state !== 'REGISTERING') return;
      this.#log.warn({ executor_id: executor.id, timeout: formatDuration(timeoutMs) }, 'recovered executor did not re-subscribe in time');
      executor.pendingTermination = reregistrationTimedOut(isPartitionAware(framework.info), formatDuration(timeoutMs));
      this.#destroy(executor);
    }, timeoutMs);
    this.#watch(executor, containerizer);
  }

  /**
   * Agent shutdown (Mesos Slave::finalize): every executor's stream is closed and its timers
   * stopped. Executors of checkpointing frameworks keep running for the next agent to recover,
   * unless `destroyAll` (the agent leaves for good: the master shut it down). The others are
   * marked TERMINATING (fetches stop, a launch that completes from now on is destroyed at once),
   * launches in flight are awaited, and their containers destroyed. Resolves when they are gone.
   */
  async stop(destroyAll: boolean): Promise<void> {
    const survives = (executor: Executor): boolean =>
      !destroyAll && this.#o.checkpoint !== undefined && this.#o.state.frameworks.get(executor.frameworkId)?.info.checkpoint === true;
    for (const executor of allExecutors(this.#o.state)) {
      this.#clearTimers(executor);
      executor.stream?.close();
      if (executor.state !== 'TERMINATED' && !survives(executor)) executor.state = 'TERMINATING';
    }
    this.#stopping = true;
    while (this.#launching.size > 0) await Promise.allSettled([...this.#launching]);
    const destroying: Promise<unknown>[] = [];
    for (const executor of allExecutors(this.#o.state)) {
      if (executor.containerizer && !survives(executor)) destroying.push(executor.containerizer.destroy(executor.containerId));
    }
    await Promise.allSettled(destroying);
  }

  #startContainer(framework: Framework, executor: Executor): void {
    const launching = this.#launchContainer(framework, executor);
    this.#launching.add(launching);
    void launching.then(async (containerizer) => {
      this.#launching.delete(launching);
      if (containerizer) this.#watch(executor, containerizer);
    });
  }

  /** Waits for the container's end; then the executor is terminated. */
  #watch(executor: Executor, containerizer: Containerizer): void {
    void (async () => {
      let termination: ContainerTermination | undefined;
      try {
        termination = await containerizer.wait(executor.containerId);
      } catch (err) {
        // The container is beyond reach either way: its tasks end as for an unknown exit status.
        this.#log.error({ executor_id: executor.id, err: (err as Error).message }, 'cannot wait for container');
      }
      // An agent that is stopping leaves surviving executors' ends to the next agent.
      if (this.#stopping && executor.state !== 'TERMINATING') return;
      this.#terminated(executor, termination);
    })();
  }

  /**
   * Resolves the task user, fetches the URIs, hands the sandbox to the user and launches the
   * container. Resolves with the containerizer that runs it, or undefined after a failure (the
   * executor is then terminated here). Never rejects.
   */
  async #launchContainer(framework: Framework, executor: Executor): Promise<Containerizer | undefined> {
    const { flags, containerizers } = this.#o;
    const env = executorEnvironment({
      base: this.#o.executorEnvironmentBase,
      frameworkId: framework.id,
      executorId: executor.id,
      agentId: this.#o.agentId()!,
      agentIp: flags.ip,
      agentPort: this.#o.agentPort(),
      directory: executor.directory,
      checkpoint: framework.info.checkpoint === true,
      shutdownGracePeriodMs: shutdownGracePeriodMs(executor.info, flags.executor_shutdown_grace_period),
      recoveryTimeoutMs: flags.recovery_timeout,
      subscriptionBackoffMaxMs: flags.executor_reregistration_timeout,
      command: executor.info.command,
    });
    const commandUser = executor.info.command?.user;
    const switchTo = containerUserName({ switchUser: flags.switch_user, agentUid: this.#agentUid, commandUser, frameworkUser: framework.info.user });
    try {
      const user = switchTo === undefined ? undefined : await (this.#o.lookupUser ?? lookupTaskUser)(switchTo);
      const config = {
        containerId: executor.containerId,
        command: this.#executorCommand(executor),
        container: executor.info.container,
        directory: executor.directory,
        resources: executor.resources,
        environment: env,
        user: commandUser ?? framework.info.user,
        runAs: user ? { uid: user.uid, gid: user.gid, groups: user.groups } : undefined,
      };
      await this.#o.fetchStep.run(executor, config.user);
      if (user) await chownSandbox(executor.directory, user.uid, user.gid);
      for (const containerizer of containerizers) {
        if ((await containerizer.launch(config)) === 'launched') {
          executor.containerizer = containerizer;
          break;
        }
      }
      if (executor.containerizer && this.#o.checkpoint) {
        const pid = (await executor.containerizer.status(executor.containerId).catch(() => undefined))?.executor_pid;
        if (pid !== undefined) this.#o.checkpoint.containerStarted(framework, executor, pid);
      }
      if (!executor.containerizer) {
        const names = containerizers.map((c) => c.name).join(', ');
        throw new Error(`None of the enabled containerizers (${names}) could create a container for the provided TaskInfo/ExecutorInfo message`);
      }
    } catch (err) {
      this.#o.metrics.containerLaunchErrors.inc();
      this.#log.error({ executor_id: executor.id, err: (err as Error).message }, 'container launch failed');
      executor.pendingTermination ??= {
        state: 'TASK_FAILED',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        message: `Failed to launch container: ${(err as Error).message}`,
      };
      this.#terminated(executor, undefined);
      return undefined;
    }
    // Shut down, timed out or the agent stopping while the launch was in progress.
    if (executor.state === 'TERMINATING') void executor.containerizer.destroy(executor.containerId);
    return executor.containerizer;
  }

  /**
   * What the executor's container runs: the framework's command, or for a DEFAULT executor
   * (which has none) Agora's default executor program, as Mesos's agent fills in
   * `mesos-default-executor`. The ExecutorInfo itself is kept as the framework sent it.
   */
  #executorCommand(executor: Executor): CommandInfo {
    if (executor.info.type !== 'DEFAULT' || executor.info.command !== undefined) return executor.info.command ?? {};
    const argv = this.#o.defaultExecutorArgv?.();
    if (argv === undefined || argv.length === 0) throw new Error('this agent has no default executor program');
    return { shell: false, value: argv[0]!, arguments: argv };
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

  /** The container is gone (or never started): tell the framework and the master. */
  #terminated(executor: Executor, termination: ContainerTermination | undefined): void {
    if (executor.state === 'TERMINATED') return;
    const framework = this.#o.state.frameworks.get(executor.frameworkId);
    this.#clearTimers(executor);
    executor.stream?.close();
    executor.stream = undefined;
    executor.state = 'TERMINATED';
    executor.exitStatus = termination?.status;
    this.#log.info({ executor_id: executor.id, status: describeWaitStatus(termination?.status) }, 'executor terminated');
    if (framework) this.#o.checkpoint?.containerEnded(framework, executor);
    this.#o.sandboxGc?.schedule(executor.directory, () => detachSandbox(executor));
    if (!framework) return;
    const decision = decideExecutorTermination({
      frameworkTerminating: framework.state === 'TERMINATING',
      isCommandExecutor: executor.isCommandExecutor,
      unfinishedTasks: liveTaskIds(executor).map((taskId) => {
        const found = findTask(executor, taskId);
        return { taskId, killing: found?.where === 'launched' && found.task.state === 'TASK_KILLING' };
      }),
      pending: executor.pendingTermination,
      termination,
    });
    if (decision.completeSilently) {
      // Nobody will acknowledge updates of a removed framework: complete its tasks silently.
      for (const id of [...executor.queuedTasks.keys()]) executor.queuedTasks.delete(id);
      for (const [id, task] of [...executor.launchedTasks]) {
        executor.launchedTasks.delete(id);
        // Ended with its framework: its record says so (`/state` would show it running forever).
        recordStatus(task, this.#o.relay.agentStatus(id, 'TASK_KILLED', 'REASON_EXECUTOR_TERMINATED', 'The framework was removed', executor.id));
        executor.terminatedTasks.set(id, task);
      }
      for (const id of [...executor.terminatedTasks.keys()]) completeTask(executor, id);
    }
    const { relay } = this.#o;
    for (const u of decision.taskUpdates) {
      relay.update(framework.id, executor.id, relay.agentStatus(u.taskId, u.state, u.reason, u.message, executor.id));
    }
    if (decision.reportExitedExecutor) {
      void this.#o.send({
        type: 'EXITED_EXECUTOR',
        exited_executor: {
          framework_id: { value: framework.id },
          executor_id: { value: executor.id },
          ...(termination?.status !== undefined ? { status: termination.status } : {}),
        },
      });
    }
    this.#o.maybeComplete(framework, executor);
  }

  #clearTimers(executor: Executor): void {
    const { clock } = this.#o;
    const { registration, shutdown, heartbeat } = executor.timers;
    if (registration) clock.clearTimeout(registration);
    if (shutdown) clock.clearTimeout(shutdown);
    if (heartbeat) clock.clearInterval(heartbeat);
    executor.timers = {};
  }
}
