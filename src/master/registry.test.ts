// One contract suite for both registries (house-style B7), plus what only the SQLite one does:
// surviving a reopen, refusing a corrupt or foreign file, and locking out a second opener.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InMemoryRegistry, type AgentWithId, type MasterRegistry, type RegistryTask } from './registry.ts';
import { RegistryUnreadableError, SqliteRegistry } from './sqlite-registry.ts';

const agent = (id: string, hostname = 'h1'): AgentWithId => ({ id: { value: id }, hostname, port: 5051 });
const framework = (id: string) => ({ info: { id: { value: id }, name: 'fw', user: 'u' }, state: 'active' as const, registeredTime: 1 });
const task = (frameworkId: string, taskId: string, state: RegistryTask['state'] = 'TASK_RUNNING'): RegistryTask => ({
  frameworkId,
  agentId: 'a1',
  taskId,
  info: { name: taskId, task_id: { value: taskId }, agent_id: { value: 'a1' } },
  state,
});

async function withTempDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agora-registry-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Subject = { name: string; run(fn: (open: () => MasterRegistry) => void): Promise<void> };
const subjects: Subject[] = [
  { name: 'in memory', run: async (fn) => fn(() => new InMemoryRegistry()) },
  {
    name: 'sqlite',
    run: (fn) => withTempDir(async (dir) => {
      const opened: MasterRegistry[] = [];
      try {
        fn(() => {
          const r = new SqliteRegistry(join(dir, `r${opened.length}.db`));
          opened.push(r);
          return r;
        });
      } finally {
        for (const r of opened) await r.close();
      }
    }),
  },
];

for (const subject of subjects) {
  test(`${subject.name}: agents go admitted -> unreachable -> reachable -> gone, and prune forgets only unreachable and gone ones`, () =>
    subject.run((open) => {
      const r = open();
      r.admitAgent(agent('a1'));
      r.admitAgent(agent('a2'));
      r.admitAgent(agent('a3'));
      r.markAgentUnreachable('a1', 100);
      assert.deepEqual(r.agents().get('a1'), { info: agent('a1'), state: 'unreachable', since: 100 });
      r.markAgentReachable(agent('a1', 'h1b'));
      assert.equal(r.agents().get('a1')?.state, 'admitted');
      assert.equal(r.agents().get('a1')?.info.hostname, 'h1b');
      r.updateAgent(agent('a2', 'h2b'));
      assert.equal(r.agents().get('a2')?.info.hostname, 'h2b');
      r.markAgentGone('a2', 200);
      r.markAgentUnreachable('a3', 300);
      r.pruneAgents(['a1', 'a2', 'a3']);
      assert.deepEqual([...r.agents().keys()], ['a1'], 'the admitted agent is kept');
      r.removeAgent('a1');
      assert.equal(r.agents().size, 0);
      r.markAgentUnreachable('nobody', 1);
      assert.equal(r.agents().size, 0, 'marking an unknown agent does nothing');
    }));

  test(`${subject.name}: frameworks and tasks are kept; a completed framework's tasks are forgotten`, () =>
    subject.run((open) => {
      const r = open();
      r.putFramework(framework('f1'));
      r.putFramework(framework('f2'));
      r.putTask(task('f1', 't1'));
      r.putTask(task('f1', 't2'));
      r.putTask(task('f2', 't3'));
      r.putTask({ ...task('f1', 't1', 'TASK_FINISHED'), statusUpdateState: 'TASK_FINISHED', statusUpdateUuid: 'u' });
      assert.equal(r.tasks().find((t) => t.taskId === 't1')?.state, 'TASK_FINISHED');
      r.removeTask('f1', 't1');
      assert.deepEqual(r.tasks().map((t) => t.taskId).sort(), ['t2', 't3']);
      r.putFramework({ ...framework('f1'), state: 'completed', removedTime: 5 });
      assert.equal(r.frameworks().get('f1')?.state, 'completed');
      assert.deepEqual(r.tasks().map((t) => t.taskId), ['t3']);
      r.removeFramework('f2');
      assert.deepEqual([...r.frameworks().keys()], ['f1']);
      assert.equal(r.tasks().length, 0);
    }));

  test(`${subject.name}: id counters are kept, and a batch is one unit`, () =>
    subject.run((open) => {
      const r = open();
      assert.equal(r.idCounters(), undefined);
      r.saveIdCounters({ frameworks: 2, agents: 3, offers: 4 });
      assert.deepEqual(r.idCounters(), { frameworks: 2, agents: 3, offers: 4 });
      const out = r.batch(() => {
        r.admitAgent(agent('a1'));
        r.batch(() => r.putFramework(framework('f1')));
        return 7;
      });
      assert.equal(out, 7);
      assert.equal(r.agents().size, 1);
      assert.equal(r.frameworks().size, 1);
    }));
}

test('sqlite: everything survives a reopen; a batch that throws keeps what it wrote before the throw, in memory and on disk', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'registry.db');
    let r = new SqliteRegistry(path);
    r.admitAgent(agent('a1'));
    r.markAgentUnreachable('a1', 42);
    r.admitAgent(agent('a2'));
    r.putFramework({ ...framework('f1'), disconnectedTime: 9 });
    r.putTask({ ...task('f1', 't1'), statusUpdateUuid: 'uuid', statusUpdateState: 'TASK_RUNNING', latestStatus: { task_id: { value: 't1' }, state: 'TASK_RUNNING', healthy: true } });
    r.saveIdCounters({ frameworks: 1, agents: 2, offers: 3 });
    assert.throws(() =>
      r.batch(() => {
        r.admitAgent(agent('a3'));
        throw new Error('boom');
      }),
    /boom/);
    assert.equal(r.agents().has('a3'), true, 'kept in memory, as the master keeps its own records');
    await r.committed();
    assert.equal(r.committed(), undefined, 'nothing left to commit');
    await r.close();
    r = new SqliteRegistry(path);
    try {
      assert.deepEqual(r.agents().get('a1'), { info: agent('a1'), state: 'unreachable', since: 42 });
      assert.equal(r.agents().get('a2')?.state, 'admitted');
      assert.equal(r.agents().has('a3'), true, 'and on disk');
      assert.equal(r.frameworks().get('f1')?.disconnectedTime, 9);
      assert.equal(r.tasks()[0]?.latestStatus?.healthy, true);
      assert.deepEqual(r.idCounters(), { frameworks: 1, agents: 2, offers: 3 });
    } finally {
      await r.close();
    }
  }));

test('sqlite: batches become durable in order on the writer thread; close() commits what is queued first', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'registry.db');
    let r = new SqliteRegistry(path);
    const commits: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      r.batch(() => {
        for (let j = 0; j < 20; j++) r.putTask(task('f1', `t-${i}-${j}`));
      });
      commits.push(r.committed()!);
    }
    const order: number[] = [];
    await Promise.all(commits.map((c, i) => c.then(() => order.push(i))));
    assert.deepEqual(order, [...order.keys()], 'commits are confirmed in the order they were made');
    r.removeTask('f1', 't-0-0');
    await r.close();
    r = new SqliteRegistry(path);
    try {
      assert.equal(r.tasks().length, 50 * 20 - 1, 'the write queued just before close() was committed');
    } finally {
      await r.close();
    }
  }));

test('sqlite: an empty, truncated, foreign or locked file fails the open with a message naming it', () =>
  withTempDir(async (dir) => {
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    assert.throws(() => new SqliteRegistry(empty), (err: Error) => err instanceof RegistryUnreadableError && err.message.includes(empty) && /empty/.test(err.message));

    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, 'this is not a database at all, not even close '.repeat(200));
    assert.throws(() => new SqliteRegistry(garbage), (err: Error) => err instanceof RegistryUnreadableError && err.message.includes(garbage));

    const truncated = join(dir, 'truncated.db');
    const r = new SqliteRegistry(truncated);
    for (let i = 0; i < 300; i++) r.putTask(task('f1', `task-${i}-${'x'.repeat(200)}`));
    await r.close();
    truncateSync(truncated, 6000);
    assert.throws(() => new SqliteRegistry(truncated), (err: Error) => err instanceof RegistryUnreadableError && err.message.includes(truncated));

    const held = new SqliteRegistry(join(dir, 'held.db'));
    try {
      assert.throws(() => new SqliteRegistry(join(dir, 'held.db')), (err: Error) => err instanceof RegistryUnreadableError && /locked/.test(err.message));
    } finally {
      await held.close();
    }
  }));

test('sqlite: a task\'s later writes update its record only and survive a reopen; a format-1 file is converted at open', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'registry.db');
    let r = new SqliteRegistry(path);
    const first = task('f1', 't1');
    r.putTask(first);
    // Later states of the same task share its TaskInfo object: the info column is not rewritten.
    r.putTask({ ...first, state: 'TASK_RUNNING', statusUpdateUuid: 'u1', statusUpdateState: 'TASK_RUNNING' });
    r.putTask({ ...first, state: 'TASK_FINISHED', statusUpdateUuid: 'u2', statusUpdateState: 'TASK_FINISHED' });
    // A new TaskInfo (or another agent) writes the whole row.
    r.putTask({ ...task('f1', 't2'), agentId: 'a1' });
    r.putTask({ ...task('f1', 't2'), agentId: 'a2' });
    await r.close();
    r = new SqliteRegistry(path);
    try {
      const byId = new Map(r.tasks().map((t) => [t.taskId, t]));
      assert.deepEqual(byId.get('t1'), { ...first, state: 'TASK_FINISHED', statusUpdateUuid: 'u2', statusUpdateState: 'TASK_FINISHED' });
      assert.equal(byId.get('t2')?.agentId, 'a2');
      assert.deepEqual(byId.get('t2')?.info, task('f1', 't2').info);
    } finally {
      await r.close();
    }

    // A registry written by the first format: one JSON record per task.
    const old = join(dir, 'format1.db');
    const db = new DatabaseSync(old);
    db.exec(`PRAGMA journal_mode=WAL;
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      CREATE TABLE agents (id TEXT PRIMARY KEY, state TEXT NOT NULL, since INTEGER, info TEXT NOT NULL) STRICT;
      CREATE TABLE frameworks (id TEXT PRIMARY KEY, state TEXT NOT NULL, record TEXT NOT NULL) STRICT;
      CREATE TABLE tasks (framework_id TEXT NOT NULL, task_id TEXT NOT NULL, agent_id TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (framework_id, task_id)) STRICT;`);
    db.prepare('INSERT INTO meta VALUES (?, ?)').run('format', 'agora-registry-1');
    const legacy = { ...task('f9', 'old'), state: 'TASK_RUNNING' as const, statusUpdateUuid: 'x' };
    db.prepare('INSERT INTO tasks VALUES (?, ?, ?, ?)').run('f9', 'old', 'a1', JSON.stringify(legacy));
    db.close();
    r = new SqliteRegistry(old);
    try {
      assert.deepEqual(r.tasks(), [legacy]);
      r.putTask({ ...r.tasks()[0]!, state: 'TASK_KILLED' });
    } finally {
      await r.close();
    }
    r = new SqliteRegistry(old);
    try {
      assert.equal(r.tasks()[0]?.state, 'TASK_KILLED', 'converted once, and written in the new format since');
    } finally {
      await r.close();
    }
  }));
