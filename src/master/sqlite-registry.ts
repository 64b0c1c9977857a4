// The registry in one SQLite file (`<work_dir>/registry.db`) through node:sqlite.
//
// Durability: WAL journal with `synchronous=FULL`: a commit is fsynced, so whatever the master
// acknowledges after it survives a process crash *and* a power loss (`synchronous=NORMAL` with WAL
// may lose the last commits on power loss, which would break "committed before acknowledged").
//
// Where the commits happen: in a worker thread (registry-writer.ts), not on the master's event
// loop. An operation (or a `batch` of them: one call, one group commit, one timer tick) updates the
// in-memory copy at once and queues its rows for the writer; `committed()` says when all of it is
// on disk, and the master holds back everything that depends on it until then (Master.transaction).
// With the fsync (2–5 ms here) on the event loop, a failover storm of 1,300 group commits spent
// seconds blocked in it; now parsing and applying the next calls overlaps the previous commit, and
// commits queued meanwhile are written together.
//
// The file is locked for this process (`locking_mode=EXCLUSIVE`, taken by the writer at open), so a
// second master on the same work dir fails to start instead of corrupting it. A file that exists but is
// empty, truncated, corrupt or not an Agora registry fails the open with an error naming the file:
// the master never starts empty over a registry it could not read.
//
// Reads are served from the in-memory copy (the InMemoryRegistry), loaded at open. A batch whose
// function throws keeps the writes made before the throw (in memory and on disk), as the master's
// own records keep theirs. A commit that fails (disk full, I/O error) fails the registry for good:
// `committed()` rejects and every later write throws, and the master exits (master/main.ts) so that
// it restarts from what is durable, as Mesos' master aborts when its registrar fails.
import { existsSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
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
import {
  WRITER_FAILED,
  WRITER_SIGNAL_BYTES,
  WRITER_STARTING,
  type RegistryOp,
  type WriterData,
  type WriterMessage,
  type WriterReply,
} from './registry-writer.ts';

export const REGISTRY_FILE_NAME = 'registry.db';
// Format 2 keeps a task's TaskInfo (written once, when the task is stored) apart from the rest of
// its record (state, latest status, pending update: rewritten on every change), so the four or
// five writes of a task's life after the first carry ~200 bytes instead of the whole TaskInfo.
// Format 1 (one `record` column holding both) is converted when it is opened.
const FORMAT = 'agora-registry-2';
const FORMAT_1 = 'agora-registry-1';

const TASKS_TABLE = `
CREATE TABLE tasks (
  framework_id TEXT NOT NULL, task_id TEXT NOT NULL, agent_id TEXT NOT NULL, info TEXT NOT NULL, record TEXT NOT NULL,
  PRIMARY KEY (framework_id, task_id)
) STRICT;
`;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE agents (id TEXT PRIMARY KEY, state TEXT NOT NULL, since INTEGER, info TEXT NOT NULL) STRICT;
CREATE TABLE frameworks (id TEXT PRIMARY KEY, state TEXT NOT NULL, record TEXT NOT NULL) STRICT;
${TASKS_TABLE}`;

/** The registry file could not be opened or read; the message names the file. */
export class RegistryUnreadableError extends Error {
  readonly path: string;
  constructor(path: string, reason: string, cause?: unknown) {
    super(`registry ${path} cannot be used: ${reason}. Restore it from a backup, or move it away to start with an empty registry`, { cause });
    this.name = 'RegistryUnreadableError';
    this.path = path;
  }
}


function readMeta(db: DatabaseSync, key: string): string | undefined {
  try {
    const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  } catch (err) {
    if (/no such table/.test((err as Error).message)) return undefined;
    throw err;
  }
}

/** Reads the whole file into a fresh in-memory copy. */
function load(db: DatabaseSync): InMemoryRegistry {
  const cache = new InMemoryRegistry();
  const agents = db.prepare('SELECT id, state, since, info FROM agents').all() as { id: string; state: string; since: number | null; info: string }[];
  for (const row of agents) {
    const info = JSON.parse(row.info) as AgentWithId;
    cache.admitAgent(info);
    const state = row.state as RegistryAgentState;
    if (state === 'unreachable') cache.markAgentUnreachable(row.id, row.since ?? 0);
    else if (state === 'gone') cache.markAgentGone(row.id, row.since ?? 0);
  }
  for (const row of db.prepare('SELECT record FROM frameworks').all() as { record: string }[]) {
    cache.putFramework(JSON.parse(row.record) as RegistryFramework);
  }
  for (const row of db.prepare('SELECT info, record FROM tasks').all() as { info: string; record: string }[]) {
    cache.putTask({ ...(JSON.parse(row.record) as Omit<RegistryTask, 'info'>), info: JSON.parse(row.info) as RegistryTask['info'] });
  }
  const counters = readMeta(db, 'counters');
  if (counters !== undefined) cache.saveIdCounters(JSON.parse(counters) as IdCounters);
  return cache;
}

/** Converts a format-1 file in place, in one transaction: each task row's record is split in two. */
function upgradeFromFormat1(db: DatabaseSync): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const rows = db.prepare('SELECT framework_id, task_id, agent_id, record FROM tasks').all() as { framework_id: string; task_id: string; agent_id: string; record: string }[];
    db.exec(`DROP TABLE tasks; ${TASKS_TABLE}`);
    const insert = db.prepare('INSERT INTO tasks (framework_id, task_id, agent_id, info, record) VALUES (?, ?, ?, ?, ?)');
    for (const row of rows) {
      const { info, ...rest } = JSON.parse(row.record) as RegistryTask;
      insert.run(row.framework_id, row.task_id, row.agent_id, JSON.stringify(info), JSON.stringify(rest));
    }
    db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(FORMAT, 'format');
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw new Error(`converting the registry from ${FORMAT_1} to ${FORMAT} failed (the file is unchanged): ${(err as Error).message}`, { cause: err });
  }
}

/** Starts the writer thread and waits until it holds the file (or says why it cannot). */
function startWriter(path: string): Worker {
  const signal = new SharedArrayBuffer(WRITER_SIGNAL_BYTES);
  const words = new Int32Array(signal, 0, 2);
  // No execArgv of ours: a master started with `-e SCRIPT` would have the writer run SCRIPT.
  const worker = new Worker(new URL('./registry-writer.ts', import.meta.url), { workerData: { path, signal } satisfies WriterData, execArgv: [] });
  // Synchronous on purpose: an open that fails must fail the master's start, before it listens.
  const waited = Atomics.wait(words, 0, WRITER_STARTING, WRITER_START_TIMEOUT_MS);
  const state = Atomics.load(words, 0);
  if (state === WRITER_STARTING || waited === 'timed-out') {
    void worker.terminate();
    throw new RegistryUnreadableError(path, `the writer thread did not start within ${WRITER_START_TIMEOUT_MS} ms`);
  }
  if (state === WRITER_FAILED) {
    const message = new TextDecoder().decode(new Uint8Array(signal, 8, Atomics.load(words, 1)));
    void worker.terminate();
    throw new RegistryUnreadableError(path, message);
  }
  return worker;
}

/** How long the open waits for the writer thread to hold the file. */
const WRITER_START_TIMEOUT_MS = 30_000;

export class SqliteRegistry implements MasterRegistry {
  readonly path: string;
  #cache: InMemoryRegistry;
  #depth = 0;
  /** Rows of the open batch, handed to the writer when the outermost batch ends. */
  #ops: RegistryOp[] = [];
  readonly #writer: Worker;
  #lastSubmitted = 0;
  #lastCommitted = 0;
  readonly #waiters: { id: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  #failure: Error | undefined;
  readonly #failureListeners: ((err: Error) => void)[] = [];
  #closed: Promise<void> | undefined;

  /** Opens (or creates, when the file does not exist) the registry at `path`. */
  constructor(path: string) {
    this.path = path;
    const fresh = !existsSync(path);
    if (!fresh && statSync(path).size === 0) throw new RegistryUnreadableError(path, 'the file is empty (truncated?)');
    // Checked, created and read here; then closed and handed to the writer, which holds it from then on.
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path);
    } catch (err) {
      throw new RegistryUnreadableError(path, (err as Error).message, err);
    }
    try {
      db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;');
      if (fresh) {
        db.exec(`BEGIN IMMEDIATE; ${SCHEMA} COMMIT;`);
        db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('format', FORMAT);
      } else {
        // Fails here when another master holds the file.
        db.exec('BEGIN IMMEDIATE; COMMIT;');
        const check = db.prepare('PRAGMA quick_check').get() as { quick_check?: string } | undefined;
        if (check?.quick_check !== 'ok') throw new Error(`integrity check failed: ${check?.quick_check ?? 'no answer'}`);
        const format = readMeta(db, 'format');
        if (format === FORMAT_1) upgradeFromFormat1(db);
        else if (format !== FORMAT) throw new Error(format === undefined ? 'not an Agora registry' : `unknown format ${format}`);
      }
      this.#cache = load(db);
    } catch (err) {
      if (err instanceof RegistryUnreadableError) throw err;
      throw new RegistryUnreadableError(path, (err as Error).message, err);
    } finally {
      db.close();
    }
    this.#writer = startWriter(path);
    this.#writer.on('message', (reply: WriterReply) => this.#onReply(reply));
    this.#writer.on('error', (err) => this.#fail(`the writer thread failed: ${err.message}`));
    this.#writer.on('exit', () => {
      if (this.#closed === undefined) this.#fail('the writer thread exited');
    });
    this.#writer.unref();
  }

  /** Applies one operation to the memory copy and queues its rows, in the enclosing batch or a batch of its own. */
  #write(ops: readonly RegistryOp[], cacheWork: () => void): void {
    this.batch(() => {
      cacheWork();
      for (const op of ops) this.#ops.push(op);
    });
  }

  batch<T>(fn: () => T): T {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#closed !== undefined) throw new Error(`registry ${this.path} is closed`);
    if (this.#depth > 0) {
      this.#depth++;
      try {
        return fn();
      } finally {
        this.#depth--;
      }
    }
    this.#depth = 1;
    try {
      return fn();
    } finally {
      this.#depth = 0;
      this.#submit();
    }
  }

  committed(): Promise<void> | undefined {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#lastCommitted === this.#lastSubmitted) return undefined;
    const id = this.#lastSubmitted;
    return new Promise((resolve, reject) => this.#waiters.push({ id, resolve, reject }));
  }

  #submit(): void {
    if (this.#ops.length === 0) return;
    const ops = this.#ops;
    this.#ops = [];
    const id = ++this.#lastSubmitted;
    // Kept alive while anything is uncommitted: an exit now would lose acknowledged writes.
    if (this.#lastCommitted === id - 1) this.#writer.ref();
    this.#writer.postMessage({ type: 'commit', id, ops } satisfies WriterMessage);
  }

  #onReply(reply: WriterReply): void {
    if (reply.type === 'failed') {
      this.#fail(`a commit failed: ${reply.message}`);
      return;
    }
    this.#lastCommitted = reply.id;
    if (this.#lastCommitted === this.#lastSubmitted) this.#writer.unref();
    while (this.#waiters.length > 0 && this.#waiters[0]!.id <= reply.id) this.#waiters.shift()!.resolve();
  }

  #fail(reason: string): void {
    if (this.#failure !== undefined) return;
    this.#failure = new Error(`registry ${this.path}: ${reason}; nothing written since the last commit is durable`);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#failure);
    this.#writer.unref();
    for (const listener of this.#failureListeners.splice(0)) listener(this.#failure);
  }

  onFailure(listener: (err: Error) => void): void {
    if (this.#failure !== undefined) listener(this.#failure);
    else this.#failureListeners.push(listener);
  }

  /** Failed for good (see the top of this file); undefined while healthy. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  agents(): ReadonlyMap<string, RegistryAgent> {
    return this.#cache.agents();
  }

  admitAgent(info: AgentWithId): void {
    this.#write(
      [['putAgent', info.id.value, 'admitted', null, JSON.stringify(info)]],
      () => this.#cache.admitAgent(info),
    );
  }

  updateAgent(info: AgentWithId): void {
    const existing = this.#cache.agents().get(info.id.value);
    this.#write(
      [['putAgent', info.id.value, existing?.state ?? 'admitted', existing?.since ?? null, JSON.stringify(info)]],
      () => this.#cache.updateAgent(info),
    );
  }

  markAgentUnreachable(agentId: string, now: number): void {
    this.#write(
      [['setAgentState', 'unreachable', now, agentId]],
      () => this.#cache.markAgentUnreachable(agentId, now),
    );
  }

  markAgentReachable(info: AgentWithId): void {
    this.#write(
      [['putAgent', info.id.value, 'admitted', null, JSON.stringify(info)]],
      () => this.#cache.markAgentReachable(info),
    );
  }

  markAgentGone(agentId: string, now: number): void {
    this.#write(
      [['setAgentState', 'gone', now, agentId]],
      () => this.#cache.markAgentGone(agentId, now),
    );
  }

  removeAgent(agentId: string): void {
    this.#write(
      [['deleteAgent', agentId]],
      () => this.#cache.removeAgent(agentId),
    );
  }

  pruneAgents(agentIds: readonly string[]): void {
    const prunable = agentIds.filter((id) => {
      const state = this.#cache.agents().get(id)?.state;
      return state === 'unreachable' || state === 'gone';
    });
    this.#write(
      prunable.map((id) => ['deleteAgent', id] as const),
      () => this.#cache.pruneAgents(prunable),
    );
  }

  frameworks(): ReadonlyMap<string, RegistryFramework> {
    return this.#cache.frameworks();
  }

  putFramework(framework: RegistryFramework): void {
    const id = framework.info.id.value;
    this.#write(
      [['putFramework', id, framework.state, JSON.stringify(framework)], ...(framework.state === 'completed' ? [['deleteTasksOf', id] as const] : [])],
      () => this.#cache.putFramework(framework),
    );
  }

  removeFramework(frameworkId: string): void {
    this.#write(
      [
        ['deleteFramework', frameworkId],
        ['deleteTasksOf', frameworkId],
      ],
      () => this.#cache.removeFramework(frameworkId),
    );
  }

  tasks(): readonly RegistryTask[] {
    return this.#cache.tasks();
  }

  putTask(task: RegistryTask): void {
    const { info, ...rest } = task;
    const record = JSON.stringify(rest);
    const stored = this.#cache.task(task.frameworkId, task.taskId);
    // The same TaskInfo object on the same agent: only the changing part is written.
    const op: RegistryOp =
      stored !== undefined && stored.info === info && stored.agentId === task.agentId
        ? ['putTaskRecord', record, task.frameworkId, task.taskId]
        : ['putTask', task.frameworkId, task.taskId, task.agentId, JSON.stringify(info), record];
    this.#write([op], () => this.#cache.putTask(task));
  }

  removeTask(frameworkId: string, taskId: string): void {
    this.#write(
      [['deleteTask', frameworkId, taskId]],
      () => this.#cache.removeTask(frameworkId, taskId),
    );
  }

  idCounters(): IdCounters | undefined {
    return this.#cache.idCounters();
  }

  saveIdCounters(counters: IdCounters): void {
    this.#write(
      [['putMeta', 'counters', JSON.stringify(counters)]],
      () => this.#cache.saveIdCounters(counters),
    );
  }

  /** Commits what is queued, then closes the file and ends the writer thread. */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    const exited = new Promise<void>((resolve) => this.#writer.once('exit', () => resolve()));
    this.#writer.ref();
    this.#writer.postMessage({ type: 'close' } satisfies WriterMessage);
    this.#closed = exited;
    return exited;
  }

}
