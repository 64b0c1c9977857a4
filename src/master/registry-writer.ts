// The registry's writer: a worker thread that owns the SQLite connection and commits what the
// master's thread hands it (sqlite-registry.ts). The master's thread applies every change to its
// in-memory copy at once and goes on serving; the COMMIT and its fsync (`synchronous=FULL`, 2–5 ms
// on these disks) happen here, off the event loop, and the master sends what depends on a change
// only once this thread says it is committed.
//
// Messages in: { type: 'commit', id, ops } (ids increase), { type: 'close' }. Out:
// { type: 'committed', id } (everything up to id is durable) or { type: 'failed', message } (no
// later commit is attempted: the registry has failed, as Mesos' registrar aborts the master).
// Commits queued while one is running are written together: one transaction, one fsync.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

/** One write: a statement name and its parameters. */
export type RegistryOp = readonly [statement: RegistryStatement, ...params: (string | number | null)[]];

export type WriterMessage = { type: 'commit'; id: number; ops: readonly RegistryOp[] } | { type: 'close' };
export type WriterReply = { type: 'committed'; id: number } | { type: 'failed'; message: string };

/** What the worker gets: the file, and a shared word it sets to READY or FAILED once it holds the file (the message after it). */
export type WriterData = { path: string; signal: SharedArrayBuffer };
export const WRITER_STARTING = 0;
export const WRITER_READY = 1;
export const WRITER_FAILED = 2;
/** Bytes of the shared buffer: the state word, the message length, then the message (UTF-8). */
export const WRITER_SIGNAL_BYTES = 8 + 4096;

const STATEMENTS = {
  putAgent: 'INSERT OR REPLACE INTO agents (id, state, since, info) VALUES (?, ?, ?, ?)',
  setAgentState: 'UPDATE agents SET state = ?, since = ? WHERE id = ?',
  deleteAgent: 'DELETE FROM agents WHERE id = ?',
  putFramework: 'INSERT OR REPLACE INTO frameworks (id, state, record) VALUES (?, ?, ?)',
  deleteFramework: 'DELETE FROM frameworks WHERE id = ?',
  putTask: 'INSERT OR REPLACE INTO tasks (framework_id, task_id, agent_id, info, record) VALUES (?, ?, ?, ?, ?)',
  putTaskRecord: 'UPDATE tasks SET record = ? WHERE framework_id = ? AND task_id = ?',
  deleteTask: 'DELETE FROM tasks WHERE framework_id = ? AND task_id = ?',
  deleteTasksOf: 'DELETE FROM tasks WHERE framework_id = ?',
  putMeta: 'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)',
} as const;

export type RegistryStatement = keyof typeof STATEMENTS;

/** Sets the shared state word (and the message), and wakes the master's thread waiting on it. */
function signal(buffer: SharedArrayBuffer, state: number, message = ''): void {
  const bytes = new TextEncoder().encode(message).subarray(0, WRITER_SIGNAL_BYTES - 8);
  new Uint8Array(buffer, 8).set(bytes);
  const words = new Int32Array(buffer, 0, 2);
  Atomics.store(words, 1, bytes.length);
  Atomics.store(words, 0, state);
  Atomics.notify(words, 0);
}

function run(port: NonNullable<typeof parentPort>, data: WriterData): void {
  let db: DatabaseSync;
  let statements: Record<RegistryStatement, StatementSync>;
  try {
    db = new DatabaseSync(data.path);
    // The exclusive lock is taken by the first transaction and kept: no other master can open it.
    db.exec('PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; BEGIN IMMEDIATE; COMMIT;');
    statements = Object.fromEntries(Object.entries(STATEMENTS).map(([name, sql]) => [name, db.prepare(sql)])) as Record<RegistryStatement, StatementSync>;
  } catch (err) {
    signal(data.signal, WRITER_FAILED, (err as Error).message);
    return;
  }
  signal(data.signal, WRITER_READY);

  const queue: { id: number; ops: readonly RegistryOp[] }[] = [];
  let scheduled = false;
  let failed = false;
  const commitQueued = (): void => {
    scheduled = false;
    if (failed || queue.length === 0) return;
    const commits = queue.splice(0);
    try {
      db.exec('BEGIN IMMEDIATE');
      for (const { ops } of commits) {
        for (const [statement, ...params] of ops) statements[statement].run(...params);
      }
      db.exec('COMMIT');
      port.postMessage({ type: 'committed', id: commits.at(-1)!.id } satisfies WriterReply);
    } catch (err) {
      failed = true;
      try {
        if (db.isTransaction) db.exec('ROLLBACK');
      } catch {
        // The failure is reported below; a rollback that fails too changes nothing for it.
      }
      port.postMessage({ type: 'failed', message: (err as Error).message } satisfies WriterReply);
    }
  };
  port.on('message', (message: WriterMessage) => {
    if (message.type === 'close') {
      commitQueued();
      db.close();
      port.close();
      return;
    }
    queue.push(message);
    // Commits that arrive while this one waits for its turn go with it.
    if (!scheduled) {
      scheduled = true;
      setImmediate(commitQueued);
    }
  });
}

if (!isMainThread && parentPort !== null) run(parentPort, workerData as WriterData);
