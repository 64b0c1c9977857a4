// Group commit: calls queued together share one registry transaction; each is answered only after
// it committed; nothing a call makes (forwarded updates, relayed acknowledgements) leaves the
// master inside a transaction; one call's error is its own; a failed commit fails them all.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { commitGrouped, pendingCommits, SUBSCRIBE_GATHER_MS } from './group-commit.ts';
import { InMemoryRegistry, type RegistryTask } from './registry.ts';
import { startMaster } from './server.ts';
import { TestAgent } from './testing/test-agent.ts';
import { TestScheduler } from './testing/test-scheduler.ts';
import { commandTask } from './testing/scenario.ts';
import type { TaskState } from '../protocol/index.ts';

/** Records every commit (outermost batch) and the task writes in it. */
class RecordingRegistry extends InMemoryRegistry {
  depth = 0;
  commits = 0;
  failNextCommit = false;
  /** When set, commits stay pending (as on the SQLite writer thread) until `release` settles them. */
  holdCommits = false;
  readonly #held: { resolve: () => void; reject: (err: Error) => void }[] = [];
  #outstanding: Promise<void> | undefined;
  /** `taskId:state:uuid` of every task write, with the number of the commit it went out in. */
  readonly committedWrites = new Map<string, number>();
  #pending: string[] = [];

  override putTask(task: RegistryTask): void {
    super.putTask(task);
    this.#pending.push(`${task.taskId}:${task.state}:${task.statusUpdateUuid ?? ''}`);
  }

  override committed(): Promise<void> | undefined {
    return this.#outstanding;
  }

  get heldCommits(): number {
    return this.#held.length;
  }

  /** Settles the oldest held commit (rejected with `error` when given). */
  release(error?: Error): void {
    const commit = this.#held.shift();
    if (commit === undefined) throw new Error('no commit is held');
    if (error === undefined) commit.resolve();
    else commit.reject(error);
    if (this.#held.length === 0) this.#outstanding = undefined;
  }

  override batch<T>(fn: () => T): T {
    this.depth++;
    try {
      const result = fn();
      if (this.depth === 1 && this.failNextCommit) {
        this.failNextCommit = false;
        throw new Error('disk full');
      }
      return result;
    } finally {
      this.depth--;
      if (this.depth === 0) {
        this.commits++;
        for (const w of this.#pending.splice(0)) this.committedWrites.set(w, this.commits);
        if (this.holdCommits) {
          // Each commit settles after the ones before it, as the writer thread confirms them.
          const previous = this.#outstanding ?? Promise.resolve();
          const own = new Promise<void>((resolve, reject) => this.#held.push({ resolve, reject }));
          this.#outstanding = previous.then(() => own);
        }
      }
    }
  }
}

const registry = new RecordingRegistry();
const running = await startMaster({ port: 0, registry });
after(() => running.stop());
const url = `http://127.0.0.1:${running.port}`;

test('calls queued in one turn share one transaction and resolve after it, in order', async () => {
  const m = running.master;
  const before = registry.commits;
  const order: number[] = [];
  const calls = Array.from({ length: 10 }, (_, i) =>
    commitGrouped(m, () => {
      order.push(i);
      assert.equal(registry.depth, 1, 'inside the shared transaction');
      return i * 2;
    }),
  );
  assert.equal(pendingCommits(m), 10);
  assert.deepEqual(await Promise.all(calls), calls.map((_, i) => i * 2));
  assert.deepEqual(order, [...order.keys()]);
  assert.equal(registry.commits - before, 1);
});

test("a call's error rejects only that call; a failed commit rejects every call of it", async () => {
  const m = running.master;
  const results = await Promise.allSettled([
    commitGrouped(m, () => 'a'),
    commitGrouped(m, () => {
      throw new Error('bad call');
    }),
    commitGrouped(m, () => 'c'),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((results[1] as PromiseRejectedResult).reason), /bad call/);

  registry.failNextCommit = true;
  const failed = await Promise.allSettled([commitGrouped(m, () => 1), commitGrouped(m, () => 2)]);
  assert.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected']);
  assert.match(String((failed[0] as PromiseRejectedResult).reason), /disk full/);
});

test('while the registry writes a commit, the next calls are applied; each is answered only once its own commit is durable', async () => {
  const m = running.master;
  registry.holdCommits = true;
  try {
    const answered: string[] = [];
    const first = commitGrouped(m, () => 'first').then((r) => answered.push(r));
    await new Promise((r) => setImmediate(r));
    let secondApplied = false;
    const second = commitGrouped(m, () => {
      secondApplied = true;
      return 'second';
    }).then((r) => answered.push(r));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(secondApplied, true, 'applied while the first commit is still being written');
    assert.deepEqual(answered, [], 'nothing answered before its commit');
    registry.release();
    await first;
    assert.deepEqual(answered, ['first']);
    // All that is held (a timer tick may have made a commit of its own meanwhile).
    while (registry.heldCommits > 0) registry.release();
    await second;
    assert.deepEqual(answered, ['first', 'second']);

    const failing = commitGrouped(m, () => 'lost');
    await new Promise((r) => setImmediate(r));
    registry.release(new Error('I/O error'));
    await assert.rejects(failing, /I\/O error/);
  } finally {
    registry.holdCommits = false;
  }
});

test('a gathering SUBSCRIBE is committed with a call that cannot wait', async () => {
  const m = running.master;
  const before = registry.commits;
  const started = performance.now();
  const gathered = commitGrouped(m, () => 'subscribe', { gatherMs: 10 * SUBSCRIBE_GATHER_MS });
  const urgent = commitGrouped(m, () => 'update');
  assert.deepEqual(await Promise.all([gathered, urgent]), ['subscribe', 'update']);
  assert.equal(registry.commits - before, 1);
  assert.ok(performance.now() - started < 10 * SUBSCRIBE_GATHER_MS, 'the gather was cut short');
});

test('status updates and acknowledgements: written and committed before anything about them leaves the master', async () => {
  const agent = await TestAgent.register(url);
  const scheduler = await TestScheduler.subscribe(url, { user: 'u', name: 'group-commit', roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }] });
  try {
    const fw = running.master.frameworks.get(scheduler.frameworkId)!;
    const agentRecord = running.master.agents.get(agent.agentId)!;
    // Every event the master sends on these two streams: was a transaction open, which commit preceded it.
    const sends: { json: string; depth: number; commits: number }[] = [];
    for (const stream of [fw.connection!.stream, agentRecord.connection!.stream]) {
      const send = stream.send.bind(stream);
      stream.send = (event: unknown): boolean => {
        sends.push({ json: String(event), depth: registry.depth, commits: registry.commits });
        return send(event);
      };
    }
    const offers = await scheduler.events.next('OFFERS');
    const offer = offers.offers.offers![0]!;
    const ids = Array.from({ length: 8 }, (_, i) => `gc-${i}`);
    await scheduler.mustCall({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: ids.map((id) => commandTask(id, agent.agentId, 0.1, 16)) } }] },
    });
    for (const id of ids) await agent.events.next('RUN_TASK', (e) => e.run_task.task.task_id.value === id);
    const state: TaskState = 'TASK_RUNNING';
    const uuids = await Promise.all(ids.map((id) => agent.statusUpdate(scheduler.frameworkId, id, state, { executorId: id })));
    for (const [i, id] of ids.entries()) {
      const update = await scheduler.events.next('UPDATE', (e) => e.update.status.task_id.value === id && e.update.status.uuid === uuids[i]);
      assert.equal(update.update.status.state, state);
    }
    await Promise.all(ids.map((id, i) => scheduler.mustCall({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agent.agentId }, task_id: { value: id }, uuid: uuids[i]! } })));
    for (const [i, id] of ids.entries()) {
      await agent.events.next('ACKNOWLEDGE_STATUS_UPDATE', (e) => e.acknowledge_status_update.task_id.value === id && e.acknowledge_status_update.uuid === uuids[i]);
    }
    assert.ok(sends.length > 0);
    for (const s of sends) assert.equal(s.depth, 0, `sent inside a transaction: ${s.json}`);
    for (const [i, id] of ids.entries()) {
      const written = registry.committedWrites.get(`${id}:${state}:${uuids[i]}`);
      assert.ok(written !== undefined, `the update of ${id} was written`);
      const forwarded = sends.find((s) => s.json.includes('"UPDATE"') && s.json.includes(uuids[i]!));
      assert.ok(forwarded !== undefined && forwarded.commits >= written, `the update of ${id} was forwarded after its commit`);
      const acked = registry.committedWrites.get(`${id}:${state}:`);
      const relayed = sends.find((s) => s.json.includes('ACKNOWLEDGE_STATUS_UPDATE') && s.json.includes(uuids[i]!));
      assert.ok(acked !== undefined && relayed !== undefined && relayed.commits >= acked, `the ACK of ${id} was relayed after its commit`);
    }
  } finally {
    scheduler.close();
    agent.close();
  }
});

test('while a commit is pending, what the master says outside a transaction waits behind it: events leave in the order they were made', async () => {
  const scheduler = await TestScheduler.subscribe(url, { user: 'u', name: 'ordering', roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }] });
  const m = running.master;
  const fw = m.frameworks.get(scheduler.frameworkId)!;
  const message = (data: string) => ({ type: 'MESSAGE' as const, message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: Buffer.from(data).toString('base64') } });
  const said = (): string[] =>
    scheduler.events.all().flatMap((e) => (e.type === 'MESSAGE' ? [Buffer.from(e.message.data, 'base64').toString()] : []));
  registry.holdCommits = true;
  try {
    m.transaction(() => m.sendToFramework(fw, message('in the transaction')));
    assert.equal(m.sendToFramework(fw, message('after it, outside any transaction')), true);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(said(), [], 'nothing leaves before the commit is durable');
    // Timer ticks (heartbeats, allocation) meanwhile made commits of their own: all are released.
    registry.holdCommits = false;
    while (registry.heldCommits > 0) registry.release();
    await m.whenDurable();
    await scheduler.events.next('MESSAGE', (e) => Buffer.from(e.message.data, 'base64').toString().startsWith('after'));
    assert.deepEqual(said(), ['in the transaction', 'after it, outside any transaction']);
  } finally {
    registry.holdCommits = false;
    scheduler.close();
  }
});
