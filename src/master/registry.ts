// The master's durable state, behind one small interface so that the SQLite registry (a later
// issue) and the etcd registry can replace the in-memory one without touching the rest of the
// master. What is kept follows Mesos' registry (src/master/registry.proto): admitted agents,
// unreachable agents (with the time they became unreachable) and agents marked gone, plus the id
// counters so that ids never repeat after a failover. Frameworks and tasks are not kept yet.
//
// Operations are named after Mesos' registrar operations and are synchronous (node:sqlite is);
// an asynchronous store would queue them behind this interface.
import type { AgentInfo } from '../protocol/index.ts';

export type RegistryAgentState = 'admitted' | 'unreachable' | 'gone';

export type RegistryAgent = {
  readonly info: AgentInfo;
  readonly state: RegistryAgentState;
  /** When it became unreachable or gone (ms since the epoch). */
  readonly since?: number;
};

export interface MasterRegistry {
  /** Every agent the registry knows, by id. */
  agents(): ReadonlyMap<string, RegistryAgent>;
  admitAgent(info: AgentInfo & { id: { value: string } }): void;
  /** New AgentInfo of a known agent (re-registration with other resources or attributes). */
  updateAgent(info: AgentInfo & { id: { value: string } }): void;
  markAgentUnreachable(agentId: string, now: number): void;
  markAgentReachable(info: AgentInfo & { id: { value: string } }): void;
  markAgentGone(agentId: string, now: number): void;
  /** Forgets an agent entirely (UNREGISTER). */
  removeAgent(agentId: string): void;
  /** Forgets unreachable and gone agents in one operation (Mesos `Prune`, the registry GC). */
  pruneAgents(agentIds: readonly string[]): void;
}

/** The registry for tests and for a master started without `--work_dir`. */
export class InMemoryRegistry implements MasterRegistry {
  readonly #agents = new Map<string, RegistryAgent>();

  agents(): ReadonlyMap<string, RegistryAgent> {
    return this.#agents;
  }

  admitAgent(info: AgentInfo & { id: { value: string } }): void {
    this.#agents.set(info.id.value, { info, state: 'admitted' });
  }

  updateAgent(info: AgentInfo & { id: { value: string } }): void {
    const existing = this.#agents.get(info.id.value);
    this.#agents.set(info.id.value, { ...existing, info, state: existing?.state ?? 'admitted' });
  }

  markAgentUnreachable(agentId: string, now: number): void {
    const existing = this.#agents.get(agentId);
    if (existing !== undefined) this.#agents.set(agentId, { info: existing.info, state: 'unreachable', since: now });
  }

  markAgentReachable(info: AgentInfo & { id: { value: string } }): void {
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
}
