// The master's durable state, behind one interface with two implementations: in memory (tests,
// `--registry=in_memory`) and SQLite (sqlite-registry.ts, the default). What is kept follows
// Mesos' registry (src/master/registry.proto) — admitted agents, unreachable agents (with the
// time they became unreachable), agents marked gone, the id counters so that ids never repeat —
// and, where Mesos kept nothing, frameworks (with their failover deadline) and the latest known
// state of every task, so that a restarted master answers reconciliation at once and tears down
// frameworks whose failover_timeout ran out while it was down (MESOS-4659).
//
// Operations are named after Mesos' registrar operations. Each applies at once to what the
// registry reads back; `batch` groups the operations of one call, group commit or timer tick into
// one transaction, and `committed()` says when everything written so far is durable (the SQLite
// registry commits on a writer thread): nothing that depends on a write may be acknowledged before
// (Master.transaction holds events until then).
import type { IdCounters } from '../common/ids.ts';
import { taskKey } from './model.ts';
import type { AgentInfo, FrameworkInfo, TaskInfo, TaskState, TaskStatus } from '../protocol/index.ts';

export type RegistryAgentState = 'admitted' | 'unreachable' | 'gone';

export type RegistryAgent = {
  readonly info: AgentInfo;
  readonly state: RegistryAgentState;
  /** When it became unreachable or gone (ms since the epoch). */
  readonly since?: number;
};

/**
 * active: subscribed (or known from agents) and not failed over for too long. completed: removed;
 * kept so that a re-subscription is refused and agents' reports of its tasks get them killed.
 */
export type RegistryFrameworkState = 'active' | 'completed';

export type RegistryFramework = {
  readonly info: FrameworkInfo & { id: { value: string } };
  readonly state: RegistryFrameworkState;
  /** ms since the epoch. */
  readonly registeredTime: number;
  /** When its scheduler disconnected (ms since the epoch); undefined while connected. */
  readonly disconnectedTime?: number | undefined;
  /** When it was removed (completed frameworks). */
  readonly removedTime?: number | undefined;
};

/** The latest known state of a non-completed task: what reconciliation and re-registration need. */
export type RegistryTask = {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly taskId: string;
  readonly info: TaskInfo;
  readonly executorId?: string | undefined;
  readonly state: TaskState;
  /** The latest status (health, labels, check and container status for reconciliation answers). */
  readonly latestStatus?: TaskStatus | undefined;
  readonly statusUpdateState?: TaskState | undefined;
  readonly statusUpdateUuid?: string | undefined;
  readonly user?: string | undefined;
  readonly unreachableTime?: number | undefined;
};

export type AgentWithId = AgentInfo & { id: { value: string } };

export interface MasterRegistry {
  /** Every agent the registry knows, by id. */
  agents(): ReadonlyMap<string, RegistryAgent>;
  admitAgent(info: AgentWithId): void;
  /** New AgentInfo of a known agent (re-registration with other resources or attributes). */
  updateAgent(info: AgentWithId): void;
  markAgentUnreachable(agentId: string, now: number): void;
  markAgentReachable(info: AgentWithId): void;
  markAgentGone(agentId: string, now: number): void;
  /** Forgets an agent entirely (UNREGISTER). */
  removeAgent(agentId: string): void;
  /** Forgets unreachable and gone agents in one operation (Mesos `Prune`, the registry GC). */
  pruneAgents(agentIds: readonly string[]): void;

  /** Every framework the registry knows (active and completed), by id. */
  frameworks(): ReadonlyMap<string, RegistryFramework>;
  /** Adds or replaces a framework. A completed framework's tasks are forgotten with it. */
  putFramework(framework: RegistryFramework): void;
  /** Forgets a framework and its tasks (bounding the completed ones). */
  removeFramework(frameworkId: string): void;

  /** Every task the registry knows. */
  tasks(): readonly RegistryTask[];
  putTask(task: RegistryTask): void;
  /** Forgets a task (completed: its terminal update was acknowledged, or it was pruned). */
  removeTask(frameworkId: string, taskId: string): void;

  /** The id counters, as last saved (undefined for a new registry). */
  idCounters(): IdCounters | undefined;
  saveIdCounters(counters: IdCounters): void;

  /** Runs `fn` with every operation in it in one transaction (nested calls join the outer one). */
  batch<T>(fn: () => T): T;
  /**
   * Undefined when everything written so far is durable; otherwise resolves once it is, or
   * rejects when the registry failed to commit it (it then stays failed).
   */
  committed(): Promise<void> | undefined;
  /** Calls `listener` once if the registry fails for good (a commit could not be written). */
  onFailure(listener: (err: Error) => void): void;
  /** Commits what is pending and closes. */
  close(): Promise<void>;
}


/** The registry for tests and for `--registry=in_memory`. */
export class InMemoryRegistry implements MasterRegistry {
  readonly #agents = new Map<string, RegistryAgent>();
  readonly #frameworks = new Map<string, RegistryFramework>();
  readonly #tasks = new Map<string, RegistryTask>();
  #counters: IdCounters | undefined;

  agents(): ReadonlyMap<string, RegistryAgent> {
    return this.#agents;
  }

  admitAgent(info: AgentWithId): void {
    this.#agents.set(info.id.value, { info, state: 'admitted' });
  }

  updateAgent(info: AgentWithId): void {
    const existing = this.#agents.get(info.id.value);
    this.#agents.set(info.id.value, { ...existing, info, state: existing?.state ?? 'admitted' });
  }

  markAgentUnreachable(agentId: string, now: number): void {
    const existing = this.#agents.get(agentId);
    if (existing !== undefined) this.#agents.set(agentId, { info: existing.info, state: 'unreachable', since: now });
  }

  markAgentReachable(info: AgentWithId): void {
    this.#agents.set(info.id.value, { info, state: 'admitted' });
  }

  markAgentGone(agentId: string, now: number): void {
    const existing = this.#agents.get(agentId);
    if (existing !== undefined) this.#agents.set(agentId, { info: existing.info, state: 'gone', since: now });
  }

  removeAgent(agentId: string): void {
    this.#agents.delete(agentId);
  }

  pruneAgents(agentIds: readonly string[]): void {
    for (const id of agentIds) {
      const state = this.#agents.get(id)?.state;
      // An agent that re-registered since the GC chose it is kept (Mesos skips those too).
      if (state === 'unreachable' || state === 'gone') this.#agents.delete(id);
    }
  }

  frameworks(): ReadonlyMap<string, RegistryFramework> {
    return this.#frameworks;
  }

  putFramework(framework: RegistryFramework): void {
    this.#frameworks.set(framework.info.id.value, framework);
    if (framework.state === 'completed') this.#removeTasksOf(framework.info.id.value);
  }

  removeFramework(frameworkId: string): void {
    this.#frameworks.delete(frameworkId);
    this.#removeTasksOf(frameworkId);
  }

  #removeTasksOf(frameworkId: string): void {
    for (const [key, task] of this.#tasks) if (task.frameworkId === frameworkId) this.#tasks.delete(key);
  }

  tasks(): readonly RegistryTask[] {
    return [...this.#tasks.values()];
  }

  /** One task's stored record, if any. */
  task(frameworkId: string, taskId: string): RegistryTask | undefined {
    return this.#tasks.get(taskKey(frameworkId, taskId));
  }

  putTask(task: RegistryTask): void {
    this.#tasks.set(taskKey(task.frameworkId, task.taskId), task);
  }

  removeTask(frameworkId: string, taskId: string): void {
    this.#tasks.delete(taskKey(frameworkId, taskId));
  }

  idCounters(): IdCounters | undefined {
    return this.#counters === undefined ? undefined : { ...this.#counters };
  }

  saveIdCounters(counters: IdCounters): void {
    this.#counters = { ...counters };
  }

  batch<T>(fn: () => T): T {
    return fn();
  }

  committed(): Promise<void> | undefined {
    // Memory is as durable as it gets the moment it is written.
    return undefined;
  }

  onFailure(): void {
    // Memory does not fail.
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
