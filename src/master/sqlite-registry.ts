// The registry in one SQLite file (`<work_dir>/registry.db`) through node:sqlite.
//
// Durability: WAL journal with `synchronous=FULL`. Every operation (or `batch`) is one
// transaction, committed — the WAL fsynced — before the call returns, so whatever the master
// acknowledges afterwards survives a process crash *and* a power loss. `synchronous=NORMAL` with
// WAL is crash-safe for the process but may lose the last commits on power loss, which would break
// "committed before acknowledged"; the cost of FULL is one fsync per transaction, which `batch`
// amortises over all the writes of one call or timer tick (figures in the README).
//
// The file is locked for this process (`locking_mode=EXCLUSIVE`, taken at open), so a second
// master on the same work dir fails to start instead of corrupting it. A file that exists but is
// empty, truncated, corrupt or not an Agora registry fails the open with an error naming the file:
// the master never starts empty over a registry it could not read.
//
// Reads are served from an in-memory copy (the InMemoryRegistry) kept in step with the file; a
// failed commit reloads that copy from the file, so memory never claims what the disk does not hold.
import { existsSync, statSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { IdCounters } from '../common/ids.ts';
import {
  InMemoryRegistry,
  type AgentWithId,
  type MasterRegistry,
  type RegistryAgent,
  type RegistryAgentState,
  type RegistryFramework,
  type RegistryTask,
} from './registry.ts';

export const REGISTRY_FILE_NAME = 'registry.db';
const FORMAT = 'agora-registry-1';

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE agents (id TEXT PRIMARY KEY, state TEXT NOT NULL, since INTEGER, info TEXT NOT NULL) STRICT;
CREATE TABLE frameworks (id TEXT PRIMARY KEY, state TEXT NOT NULL, record TEXT NOT NULL) STRICT;
CREATE TABLE tasks (
  framework_id TEXT NOT NULL, task_id TEXT NOT NULL, agent_id TEXT NOT NULL, record TEXT NOT NULL,
  PRIMARY KEY (framework_id, task_id)
) STRICT;
`;

/** The registry file could not be opened or read; the message names the file. */
export class RegistryUnreadableError extends Error {
  readonly path: string;
  constructor(path: string, reason: string, cause?: unknown) {
    super(`registry ${path} cannot be used: ${reason}. Restore it from a backup, or move it away to start with an empty registry`, { cause });
    this.name = 'RegistryUnreadableError';
    this.path = path;
  }
}

type Statements = {
  putAgent: StatementSync;
  setAgentState: StatementSync;
  deleteAgent: StatementSync;
  putFramework: StatementSync;
  deleteFramework: StatementSync;
  putTask: StatementSync;
  deleteTask: StatementSync;
  deleteTasksOf: StatementSync;
  putMeta: StatementSync;
};

export class SqliteRegistry implements MasterRegistry {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #stmts: Statements;
  #cache: InMemoryRegistry;
  #depth = 0;
  #closed = false;

  /** Opens (or creates, when the file does not exist) the registry at `path`. */
  constructor(path: string) {
    this.path = path;
    const fresh = !existsSync(path);
    if (!fresh && statSync(path).size === 0) throw new RegistryUnreadableError(path, 'the file is empty (truncated?)');
    try {
      this.#db = new DatabaseSync(path);
    } catch (err) {
      throw new RegistryUnreadableError(path, (err as Error).message, err);
    }
    try {
      this.#db.exec('PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;');
      if (fresh) {
        this.#db.exec(`BEGIN IMMEDIATE; ${SCHEMA} COMMIT;`);
        this.#db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('format', FORMAT);
      } else {
        // Takes the exclusive lock now, so a second master on this file fails here.
        this.#db.exec('BEGIN IMMEDIATE; COMMIT;');
        const check = this.#db.prepare('PRAGMA quick_check').get() as { quick_check?: string } | undefined;
        if (check?.quick_check !== 'ok') throw new Error(`integrity check failed: ${check?.quick_check ?? 'no answer'}`);
        const format = this.#readMeta('format');
        if (format !== FORMAT) throw new Error(format === undefined ? 'not an Agora registry' : `unknown format ${format}`);
      }
      this.#stmts = this.#prepare();
      this.#cache = this.#load();
    } catch (err) {
      this.#db.close();
      if (err instanceof RegistryUnreadableError) throw err;
      throw new RegistryUnreadableError(path, (err as Error).message, err);
    }
  }

  #readMeta(key: string): string | undefined {
    try {
      const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
      return row?.value;
    } catch (err) {
      if (/no such table/.test((err as Error).message)) return undefined;
      throw err;
    }
  }

  #prepare(): Statements {
    const p = (sql: string): StatementSync => this.#db.prepare(sql);
    return {
      putAgent: p('INSERT OR REPLACE INTO agents (id, state, since, info) VALUES (?, ?, ?, ?)'),
      setAgentState: p('UPDATE agents SET state = ?, since = ? WHERE id = ?'),
      deleteAgent: p('DELETE FROM agents WHERE id = ?'),
      putFramework: p('INSERT OR REPLACE INTO frameworks (id, state, record) VALUES (?, ?, ?)'),
      deleteFramework: p('DELETE FROM frameworks WHERE id = ?'),
      putTask: p('INSERT OR REPLACE INTO tasks (framework_id, task_id, agent_id, record) VALUES (?, ?, ?, ?)'),
      deleteTask: p('DELETE FROM tasks WHERE framework_id = ? AND task_id = ?'),
      deleteTasksOf: p('DELETE FROM tasks WHERE framework_id = ?'),
      putMeta: p('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    };
  }

  /** Reads the whole file into a fresh in-memory copy. */
  #load(): InMemoryRegistry {
    const cache = new InMemoryRegistry();
    const agents = this.#db.prepare('SELECT id, state, since, info FROM agents').all() as { id: string; state: string; since: number | null; info: string }[];
    for (const row of agents) {
      const info = JSON.parse(row.info) as AgentWithId;
      cache.admitAgent(info);
      const state = row.state as RegistryAgentState;
      if (state === 'unreachable') cache.markAgentUnreachable(row.id, row.since ?? 0);
      else if (state === 'gone') cache.markAgentGone(row.id, row.since ?? 0);
    }
    for (const row of this.#db.prepare('SELECT record FROM frameworks').all() as { record: string }[]) {
      cache.putFramework(JSON.parse(row.record) as RegistryFramework);
    }
    for (const row of this.#db.prepare('SELECT record FROM tasks').all() as { record: string }[]) {
      cache.putTask(JSON.parse(row.record) as RegistryTask);
    }
    const counters = this.#readMeta('counters');
    if (counters !== undefined) cache.saveIdCounters(JSON.parse(counters) as IdCounters);
    return cache;
  }

  /** Runs one write in a transaction of its own, or in the enclosing batch. */
  #write(sqlWork: () => void, cacheWork: () => void): void {
    this.batch(() => {
      sqlWork();
      cacheWork();
    });
  }

  batch<T>(fn: () => T): T {
    if (this.#closed) throw new Error(`registry ${this.path} is closed`);
    if (this.#depth > 0) {
      this.#depth++;
      try {
        return fn();
      } finally {
        this.#depth--;
      }
    }
    this.#db.exec('BEGIN IMMEDIATE');
    this.#depth = 1;
    let result: T;
    try {
      result = fn();
      this.#db.exec('COMMIT');
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      this.#cache = this.#load();
      throw err;
    } finally {
      this.#depth = 0;
    }
    return result;
  }

  agents(): ReadonlyMap<string, RegistryAgent> {
    return this.#cache.agents();
  }

  admitAgent(info: AgentWithId): void {
    this.#write(
      () => this.#stmts.putAgent.run(info.id.value, 'admitted', null, JSON.stringify(info)),
      () => this.#cache.admitAgent(info),
    );
  }

  updateAgent(info: AgentWithId): void {
    const existing = this.#cache.agents().get(info.id.value);
    this.#write(
      () => this.#stmts.putAgent.run(info.id.value, existing?.state ?? 'admitted', existing?.since ?? null, JSON.stringify(info)),
      () => this.#cache.updateAgent(info),
    );
  }

  markAgentUnreachable(agentId: string, now: number): void {
    this.#write(
      () => this.#stmts.setAgentState.run('unreachable', now, agentId),
      () => this.#cache.markAgentUnreachable(agentId, now),
    );
  }

  markAgentReachable(info: AgentWithId): void {
    this.#write(
      () => this.#stmts.putAgent.run(info.id.value, 'admitted', null, JSON.stringify(info)),
      () => this.#cache.markAgentReachable(info),
    );
  }

  markAgentGone(agentId: string, now: number): void {
    this.#write(
      () => this.#stmts.setAgentState.run('gone', now, agentId),
      () => this.#cache.markAgentGone(agentId, now),
    );
  }

  removeAgent(agentId: string): void {
    this.#write(
      () => this.#stmts.deleteAgent.run(agentId),
      () => this.#cache.removeAgent(agentId),
    );
  }

  pruneAgents(agentIds: readonly string[]): void {
    const prunable = agentIds.filter((id) => {
      const state = this.#cache.agents().get(id)?.state;
      return state === 'unreachable' || state === 'gone';
    });
    this.#write(
      () => {
        for (const id of prunable) this.#stmts.deleteAgent.run(id);
      },
      () => this.#cache.pruneAgents(prunable),
    );
  }

  frameworks(): ReadonlyMap<string, RegistryFramework> {
    return this.#cache.frameworks();
  }

  putFramework(framework: RegistryFramework): void {
    const id = framework.info.id.value;
    this.#write(
      () => {
        this.#stmts.putFramework.run(id, framework.state, JSON.stringify(framework));
        if (framework.state === 'completed') this.#stmts.deleteTasksOf.run(id);
      },
      () => this.#cache.putFramework(framework),
    );
  }

  removeFramework(frameworkId: string): void {
    this.#write(
      () => {
        this.#stmts.deleteFramework.run(frameworkId);
        this.#stmts.deleteTasksOf.run(frameworkId);
      },
      () => this.#cache.removeFramework(frameworkId),
    );
  }

  tasks(): readonly RegistryTask[] {
    return this.#cache.tasks();
  }

  putTask(task: RegistryTask): void {
    this.#write(
      () => this.#stmts.putTask.run(task.frameworkId, task.taskId, task.agentId, JSON.stringify(task)),
      () => this.#cache.putTask(task),
    );
  }

  removeTask(frameworkId: string, taskId: string): void {
    this.#write(
      () => this.#stmts.deleteTask.run(frameworkId, taskId),
      () => this.#cache.removeTask(frameworkId, taskId),
    );
  }

  idCounters(): IdCounters | undefined {
    return this.#cache.idCounters();
  }

  saveIdCounters(counters: IdCounters): void {
    this.#write(
      () => this.#stmts.putMeta.run('counters', JSON.stringify(counters)),
      () => this.#cache.saveIdCounters(counters),
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
