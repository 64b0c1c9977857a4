// One simulated agent: registers with the master over the agent protocol (agent-link.ts), "runs"
// the tasks it is given with a simulated executor (sim-executor.ts: states on a schedule, no
// process), forwards each task's status updates one at a time until the framework acknowledges
// them (as a real agent does), answers PINGs, and on a new subscription (a restart, churn, a
// master failover) reports every task it knows, as docs/protocol/agent-master.md asks.
// Acknowledged terminal tasks move to a bounded completed-task history, which the protocol does
// not report.
import { newStatusUuid } from '../common/ids.ts';
import { backoffDelay } from '../common/backoff.ts';
import type { Attribute, FrameworkInfo, Resource, Task, TaskInfo, TaskState, TaskStatus } from '../protocol/index.ts';
import { isTerminalTaskState } from '../protocol/index.ts';
import type { JsonObject } from '../protocol/index.ts';
import { AGENT_PROTOCOL_VERSION, encodeAgentToMasterCall, type AgentSubscribe, type ValidMasterToAgentEvent } from '../protocol/agora/agent-master.ts';
import { AgentLink } from './agent-link.ts';
import { textBody, type BodySource, type Transport } from './transport.ts';
import { reportOfTasks, type PreloadedReport } from './report.ts';
import { planTask, type ExecutorTiming } from './sim-executor.ts';
import type { SimCounters } from './counters.ts';
import type { TimerWheel, WheelTimer } from './timer-wheel.ts';

export type SimAgentConfig = {
  hostname: string;
  port: number;
  resources: Resource[];
  attributes?: Attribute[];
  timing: ExecutorTiming;
  /** Acknowledged terminal tasks kept (not reported to the master). */
  completedHistory: number;
  /** First retry interval of an unacknowledged status update, doubling up to 10 min (a real agent: 10 s). */
  updateRetryMs: number;
};

/** The longest a real agent waits between re-sends of an unacknowledged update (src/agent/status-updates.ts). */
const UPDATE_RETRY_MAX_MS = 600_000;

type SimTask = {
  frameworkId: string;
  executorId: string;
  info: TaskInfo;
  state: TaskState;
  statuses: TaskStatus[];
  /** Updates not yet acknowledged, oldest first; the head is the one forwarded. */
  unacked: TaskStatus[];
  timer: WheelTimer | undefined;
};

export type CompletedTask = { frameworkId: string; taskId: string; state: TaskState };

/** A report to preload (a re-registration after a master failover, with made-up tasks), as values. */
export type AgentReport = { agentId: string; frameworks: FrameworkInfo[]; tasks: Task[] };

/** Where the preloaded tasks go in the SUBSCRIBE text (a string no encoder writes). */
const TASKS_MARKER = '\u0000agora-sim-preloaded-tasks\u0000';
/** Tasks are written to the socket in pieces of about this many characters. */
const BODY_CHUNK = 64 * 1024;

export class SimAgent {
  readonly config: SimAgentConfig;
  readonly #transport: Transport;
  readonly #master: URL;
  readonly #wheel: TimerWheel;
  readonly #counters: SimCounters;
  #agentId: string | undefined;
  #link: AgentLink | undefined;
  readonly #frameworks = new Map<string, FrameworkInfo>();
  /** `frameworkId/taskId` → task. */
  readonly #tasks = new Map<string, SimTask>();
  readonly #completed: CompletedTask[] = [];
  /** Reported tasks from a preloaded report (not simulated: they only sit in the report), rendered as the body is written. */
  #preloaded: PreloadedReport | undefined;
  #stopped = false;
  #reconnect: WheelTimer | undefined;

  constructor(config: SimAgentConfig, deps: { transport: Transport; master: URL; wheel: TimerWheel; counters: SimCounters }) {
    this.config = config;
    this.#transport = deps.transport;
    this.#master = deps.master;
    this.#wheel = deps.wheel;
    this.#counters = deps.counters;
  }

  get agentId(): string | undefined {
    return this.#agentId;
  }

  get connected(): boolean {
    return this.#link !== undefined && !this.#link.closed;
  }

  /** Tasks by state (live and unacknowledged terminal ones). */
  tasksByState(into: Map<TaskState, number> = new Map()): Map<TaskState, number> {
    for (const t of this.#tasks.values()) into.set(t.state, (into.get(t.state) ?? 0) + 1);
    return into;
  }

  get completed(): readonly CompletedTask[] {
    return this.#completed;
  }

  /**
   * Makes the next SUBSCRIBE a re-registration carrying this report. Its tasks are rendered
   * while the body is written (report.ts), never held encoded: tens of thousands of agents'
   * reports do not fit the heap at once. Rendering is string concatenation of pre-encoded
   * pieces, cheap next to the master's work (a real agent's report is its checkpointed state).
   * Tasks given as values (AgentReport) are encoded here, once.
   */
  preload(report: PreloadedReport | AgentReport): void {
    const preloaded = 'tasks' in report ? reportOfTasks(report.agentId, report.frameworks, report.tasks) : report;
    this.#agentId = preloaded.agentId;
    for (const fw of preloaded.frameworks) if (fw.id !== undefined) this.#frameworks.set(fw.id.value, fw);
    this.#preloaded = preloaded;
  }

  /** The SUBSCRIBE payload: a registration, or a re-registration reporting everything. */
  subscribePayload(): AgentSubscribe {
    const c = this.config;
    const tasks: Task[] = [];
    for (const t of this.#tasks.values()) tasks.push(this.#taskReport(t));
    return {
      protocol_version: AGENT_PROTOCOL_VERSION,
      version: 'sim',
      ip: '127.0.0.1',
      agent_info: {
        hostname: c.hostname,
        port: c.port,
        resources: c.resources,
        ...(c.attributes !== undefined && c.attributes.length > 0 && { attributes: c.attributes }),
        ...(this.#agentId !== undefined && { id: { value: this.#agentId } }),
      },
      ...(this.#agentId !== undefined && {
        frameworks: [...this.#frameworks.values()].map((info) => ({ framework_info: info })),
        ...(tasks.length > 0 && { tasks }),
      }),
    };
  }

  /**
   * The SUBSCRIBE call as a real agent encodes it (canonical Mesos JSON): the payload through
   * the codec, with the preloaded tasks rendered in front of the live ones in its `tasks`, the
   * last field of the message (so the field order stays canonical). The text is produced in
   * pieces as the socket takes them; only its length is computed up front.
   */
  subscribeBody(): BodySource {
    const call = encodeAgentToMasterCall({ type: 'SUBSCRIBE', subscribe: this.subscribePayload() });
    const pre = this.#preloaded;
    if (pre === undefined || pre.taskCount === 0) return textBody(JSON.stringify(call));
    const subscribe = call['subscribe'] as JsonObject;
    const live = ((subscribe['tasks'] as JsonObject[] | undefined) ?? []).map((t) => JSON.stringify(t));
    delete subscribe['tasks'];
    subscribe['tasks'] = TASKS_MARKER;
    const [head, tail, ...rest] = JSON.stringify(call).split(JSON.stringify(TASKS_MARKER));
    if (head === undefined || tail === undefined || rest.length > 0) throw new Error('sim: the SUBSCRIBE text has no single place for the tasks');
    const count = pre.taskCount + live.length;
    const byteLength =
      Buffer.byteLength(head) + Buffer.byteLength(tail) + 2 + (count - 1) + pre.tasksBytes + live.reduce((n, t) => n + Buffer.byteLength(t), 0);
    return {
      byteLength,
      *chunks() {
        let piece = head + '[';
        for (let i = 0; i < count; i++) {
          piece += (i > 0 ? ',' : '') + (i < pre.taskCount ? pre.taskJson(i) : live[i - pre.taskCount]!);
          if (piece.length >= BODY_CHUNK) {
            yield piece;
            piece = '';
          }
        }
        yield piece + ']' + tail;
      },
    };
  }

  /** (Re-)subscribes; resolves once SUBSCRIBED arrived. Unacknowledged updates are sent again. */
  async subscribe(): Promise<void> {
    this.#stopped = false;
    const again = this.#agentId !== undefined;
    const link = await AgentLink.subscribe(this.#transport, this.#master, this.subscribeBody(), {
      onEvent: (event) => this.#onEvent(event),
      onClosed: () => this.#onLinkLost(),
    });
    this.#link = link;
    this.#agentId = link.agentId;
    this.#preloaded = undefined;
    if (again) this.#counters.reregistrations++;
    else this.#counters.registrations++;
    for (const r of link.subscribed.reconciliations ?? []) {
      // The master knows a task we do not: answer with the listed terminal state, from the agent.
      const key = `${r.framework_id.value}/${r.task_id.value}`;
      if (!this.#tasks.has(key)) {
        const task: SimTask = {
          frameworkId: r.framework_id.value, executorId: r.task_id.value, info: { name: '', task_id: r.task_id, agent_id: { value: link.agentId } },
          state: r.state, statuses: [], unacked: [], timer: undefined,
        };
        this.#tasks.set(key, task);
        this.#update(task, r.state, 'SOURCE_AGENT', 'REASON_RECONCILIATION');
      }
    }
    for (const t of this.#tasks.values()) if (t.unacked.length > 0) this.#forward(t);
  }

  /** Drops the connection as a crashed agent would, and comes back after `downMs`. */
  restart(downMs: number): void {
    this.#link?.close();
    this.#link = undefined;
    this.#scheduleReconnect(downMs);
  }

  /** Closes the connection for good (no reconnect); timers stop. */
  stop(): void {
    this.#stopped = true;
    this.#reconnect?.cancel();
    for (const t of this.#tasks.values()) t.timer?.cancel();
    this.#link?.close();
    this.#link = undefined;
  }

  #onLinkLost(): void {
    this.#link = undefined;
    if (this.#stopped) return;
    this.#counters.streamsLost++;
    this.#scheduleReconnect(1000 + Math.floor(Math.random() * 1000));
  }

  #scheduleReconnect(delayMs: number): void {
    this.#reconnect?.cancel();
    this.#reconnect = this.#wheel.schedule(delayMs, () => {
      this.#reconnect = undefined;
      if (this.#stopped || this.connected) return;
      this.subscribe().catch(() => {
        this.#counters.subscribeFailures++;
        if (!this.#stopped) this.#scheduleReconnect(2000 + Math.floor(Math.random() * 2000));
      });
    });
  }

  #onEvent(event: ValidMasterToAgentEvent): void {
    switch (event.type) {
      case 'PING':
        void this.#link?.call({ type: 'PONG', pong: { sequence: event.ping.sequence } }).catch(() => undefined);
        return;
      case 'RUN_TASK':
        this.#frameworks.set(event.run_task.framework_info.id!.value, event.run_task.framework_info);
        this.#run(event.run_task.framework_info.id!.value, event.run_task.task, event.run_task.task.executor?.executor_id.value ?? event.run_task.task.task_id.value);
        return;
      case 'RUN_TASK_GROUP': {
        const g = event.run_task_group;
        this.#frameworks.set(g.framework_info.id!.value, g.framework_info);
        for (const task of g.task_group.tasks ?? []) this.#run(g.framework_info.id!.value, task, g.executor.executor_id.value);
        return;
      }
      case 'KILL_TASK': {
        const t = this.#tasks.get(`${event.kill_task.framework_id.value}/${event.kill_task.task_id.value}`);
        if (t !== undefined) this.#kill(t);
        return;
      }
      case 'SHUTDOWN_EXECUTOR':
        for (const t of this.#tasks.values()) {
          if (t.frameworkId === event.shutdown_executor.framework_id.value && t.executorId === event.shutdown_executor.executor_id.value) this.#kill(t);
        }
        return;
      case 'SHUTDOWN_FRAMEWORK': {
        const id = event.shutdown_framework.framework_id.value;
        // The framework is gone: nobody will acknowledge, so its tasks are dropped.
        for (const [key, t] of this.#tasks) {
          if (t.frameworkId !== id) continue;
          t.timer?.cancel();
          this.#tasks.delete(key);
          this.#remember({ frameworkId: id, taskId: t.info.task_id.value, state: 'TASK_KILLED' });
        }
        this.#frameworks.delete(id);
        return;
      }
      case 'ACKNOWLEDGE_STATUS_UPDATE': {
        const ack = event.acknowledge_status_update;
        const key = `${ack.framework_id.value}/${ack.task_id.value}`;
        const t = this.#tasks.get(key);
        if (t === undefined || t.unacked[0]?.uuid !== ack.uuid) return;
        t.unacked.shift();
        this.#counters.acknowledged++;
        if (t.unacked.length > 0) this.#forward(t);
        else if (isTerminalTaskState(t.state)) {
          this.#tasks.delete(key);
          this.#remember({ frameworkId: t.frameworkId, taskId: t.info.task_id.value, state: t.state });
        }
        return;
      }
      case 'UPDATE_FRAMEWORK':
        if (event.update_framework.framework_info.id !== undefined) this.#frameworks.set(event.update_framework.framework_info.id.value, event.update_framework.framework_info);
        return;
      case 'SHUTDOWN':
        this.#counters.shutdowns++;
        this.stop();
        return;
      default:
        return;
    }
  }

  #run(frameworkId: string, info: TaskInfo, executorId: string): void {
    this.#counters.tasksReceived++;
    const task: SimTask = { frameworkId, executorId, info, state: 'TASK_STAGING', statuses: [], unacked: [], timer: undefined };
    this.#tasks.set(`${frameworkId}/${info.task_id.value}`, task);
    const plan = planTask(info, this.config.timing);
    task.timer = this.#wheel.schedule(plan.startingMs, () => {
      this.#update(task, 'TASK_STARTING');
      task.timer = this.#wheel.schedule(plan.runningMs, () => {
        this.#update(task, 'TASK_RUNNING');
        if (plan.durationMs === undefined) {
          task.timer = undefined;
          return;
        }
        task.timer = this.#wheel.schedule(plan.durationMs, () => {
          task.timer = undefined;
          this.#update(task, plan.endState, 'SOURCE_EXECUTOR', plan.endState === 'TASK_FINISHED' ? undefined : 'REASON_COMMAND_EXECUTOR_FAILED');
        });
      });
    });
  }

  #kill(t: SimTask): void {
    if (isTerminalTaskState(t.state)) return;
    t.timer?.cancel();
    t.timer = undefined;
    this.#update(t, 'TASK_KILLED', 'SOURCE_EXECUTOR', 'REASON_TASK_KILLED_DURING_LAUNCH');
  }

  #update(t: SimTask, state: TaskState, source = 'SOURCE_EXECUTOR', reason?: string): void {
    t.state = state;
    const status: TaskStatus = {
      task_id: t.info.task_id,
      state,
      source: source as TaskStatus['source'],
      uuid: newStatusUuid(),
      timestamp: this.#wheel.now() / 1000,
      ...(reason !== undefined && { reason: reason as TaskStatus['reason'] }),
      ...(this.#agentId !== undefined && { agent_id: { value: this.#agentId } }),
    };
    t.statuses.push(status);
    t.unacked.push(status);
    this.#counters.updates[state] = (this.#counters.updates[state] ?? 0) + 1;
    if (t.unacked.length === 1) this.#forward(t);
  }

  /**
   * Sends the oldest unacknowledged update; re-sent while unacknowledged after `updateRetryMs`,
   * doubling up to 10 min, as a real agent (src/agent/status-updates.ts): a flat interval would
   * answer an overloaded master with more load than real agents give it.
   */
  #forward(t: SimTask, attempt = 0): void {
    const head = t.unacked[0];
    const link = this.#link;
    if (head === undefined || link === undefined || link.closed) return;
    link.call({
      type: 'STATUS_UPDATE',
      status_update: { framework_id: { value: t.frameworkId }, executor_id: { value: t.executorId }, status: head, latest_state: t.state },
    }).then(
      (status) => {
        if (status !== 202) this.#counters.updateErrors++;
      },
      () => this.#counters.updateErrors++,
    );
    const retryMs = backoffDelay(attempt, { initialMs: this.config.updateRetryMs, maxMs: UPDATE_RETRY_MAX_MS, jitter: 'none' }, 0);
    this.#wheel.schedule(retryMs, () => {
      if (t.unacked[0] === head && this.#link === link && !link.closed) this.#forward(t, attempt + 1);
    });
  }

  #remember(c: CompletedTask): void {
    this.#counters.completed++;
    if (this.config.completedHistory <= 0) return;
    this.#completed.push(c);
    if (this.#completed.length > this.config.completedHistory) this.#completed.shift();
  }

  #taskReport(t: SimTask): Task {
    const head = t.unacked[0];
    return {
      name: t.info.name,
      task_id: t.info.task_id,
      framework_id: { value: t.frameworkId },
      executor_id: { value: t.executorId },
      agent_id: { value: this.#agentId ?? '' },
      state: t.state,
      resources: t.info.resources ?? [],
      statuses: t.statuses,
      ...(head !== undefined && { status_update_state: head.state, status_update_uuid: head.uuid }),
      ...(t.info.labels !== undefined && { labels: t.info.labels }),
      limits: {},
    } as Task;
  }
}
