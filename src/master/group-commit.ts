// Group commit of the master's durable mutations. Every agent call (SUBSCRIBE, STATUS_UPDATE,
// PONG, ...) and every scheduler call goes through one FIFO queue per master; the calls that are
// queued when it is flushed are applied one after the other in one registry transaction, so one
// fsync (sqlite-registry.ts: synchronous=FULL) covers all of them. Before this, each call was a
// transaction of its own: a burst of 3,000 task launches made ~18k fsynced commits (3 updates and
// 3 acknowledgements per task), and that was most of the master's CPU.
//
// "Every mutation is committed before it is acknowledged" still holds: the events the calls make
// (updates forwarded to frameworks, acknowledgements relayed to agents, SUBSCRIBED) are held by
// `Master.transaction` until the commit, and a call's promise (its 202) resolves only after it.
// The SQLite registry commits on a thread of its own, so the next flush may apply its calls while
// the previous commit is still being written; commits complete, and are answered, in order.
//
// When: the first queued call schedules a flush on the next event-loop turn (setImmediate), which takes
// whatever arrived in the meantime — during a commit, requests pile up in the socket buffers and
// are read in the next turns. A SUBSCRIBE storm after a failover is different: bodies are
// large and finish a few per turn, so SUBSCRIBEs wait up to GATHER_MS for company (tens to hundreds
// of agents per commit instead of ~2). A flush stops taking calls after SLICE_MS and commits, so a
// storm cannot keep the event loop (`/health`, schedulers) waiting; the rest goes in the next turn.
//
// Calls run in arrival order, so a call queued after another sees its effects, as before. Checks
// that depend on the master's state (is the framework subscribed, on this stream?) belong inside
// `work`, which runs at flush time.
import type { ServerResponse } from 'node:http';
import type { Master } from './master.ts';

/** Longest run of calls in one transaction (and one event-loop turn). */
const SLICE_MS = 20;
/** How long a queued SUBSCRIBE waits for others (see above). */
export const SUBSCRIBE_GATHER_MS = 5;
/** How long other calls wait: 0, the next event-loop turn (a 1 ms timer measured no better). */
const CALL_GATHER_MS = 0;

export type GroupCommitOptions = {
  /** The call's response: a call whose client went away while queued is not applied. */
  readonly res?: ServerResponse;
  /** Wait up to this long for more calls before committing (default CALL_GATHER_MS). */
  readonly gatherMs?: number;
  /** False for calls that change nothing the read endpoints show (PONG); default true. */
  readonly changesState?: boolean;
};

type Pending = {
  readonly work: () => unknown;
  readonly options: GroupCommitOptions;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
};

type Queue = {
  readonly items: Pending[];
  /** Cancels the scheduled flush, when one is scheduled; `deadline`: when it runs (performance.now()). */
  cancel: (() => void) | undefined;
  deadline: number;
};

const queues = new WeakMap<Master, Queue>();

/**
 * Queues `work` (a master mutation, run synchronously inside the shared transaction); resolves
 * with its result once that transaction committed and the events it made were sent, or rejects
 * with what `work` threw. A call that throws keeps the writes it made before throwing (committed
 * with the others), as the master's in-memory records keep its changes too; every call that
 * validates does so before it changes anything.
 */
export function commitGrouped<T>(m: Master, work: () => T, options: GroupCommitOptions = {}): Promise<T> {
  let queue = queues.get(m);
  if (queue === undefined) queues.set(m, (queue = { items: [], cancel: undefined, deadline: 0 }));
  const q = queue;
  return new Promise<T>((resolve, reject) => {
    q.items.push({ work, options, resolve: resolve as (value: unknown) => void, reject });
    schedule(m, q, options.gatherMs ?? CALL_GATHER_MS);
  });
}

/** Calls waiting for a commit (for tests and metrics). */
export function pendingCommits(m: Master): number {
  return queues.get(m)?.items.length ?? 0;
}

function schedule(m: Master, q: Queue, gatherMs: number): void {
  const deadline = performance.now() + gatherMs;
  // A call that cannot wait as long cuts a gather short: everything queued goes with it.
  if (q.cancel !== undefined && q.deadline <= deadline) return;
  q.cancel?.();
  q.deadline = deadline;
  // Real time, not the master's Clock: this only groups work and must run under a ManualClock.
  // No wait: the next event-loop turn, after the I/O that arrived meanwhile has been read.
  if (gatherMs > 0) {
    const timer = setTimeout(() => flush(m, q), gatherMs);
    q.cancel = () => clearTimeout(timer);
  } else {
    const immediate = setImmediate(() => flush(m, q));
    q.cancel = () => clearImmediate(immediate);
  }
}

function flush(m: Master, q: Queue): void {
  q.cancel = undefined;
  if (q.items.length === 0) return;
  const done: { item: Pending; result: unknown; error: unknown; failed: boolean }[] = [];
  const started = performance.now();
  try {
    m.transaction(() => {
      while (q.items.length > 0 && (done.length === 0 || performance.now() - started < SLICE_MS)) {
        const item = q.items.shift()!;
        // A client that went away while queued gets nothing; the master never saw its call.
        if (item.options.res?.destroyed === true) {
          done.push({ item, result: undefined, error: new Error('the client closed the connection before its call was applied'), failed: true });
          continue;
        }
        if (item.options.changesState !== false) m.stateChanged();
        try {
          done.push({ item, result: item.work(), error: undefined, failed: false });
        } catch (err) {
          done.push({ item, result: undefined, error: err, failed: true });
        }
      }
    });
  } catch (err) {
    // The commit failed: none of this transaction's calls is durable, and nothing was sent.
    m.log.error({ err, calls: done.length }, 'registry commit failed');
    for (const d of done) {
      if (!d.failed) d.error = err;
      d.failed = true;
    }
  }
  m.metrics.counter('master/agora/group_commits').inc();
  m.metrics.counter('master/agora/group_committed_calls').inc(done.length);
  const settle = (commitError?: unknown): void => {
    for (const { item, result, error, failed } of done) {
      if (failed) item.reject(error);
      else if (commitError !== undefined) item.reject(commitError);
      else item.resolve(result);
    }
  };
  // The registry may still be writing this transaction (on its own thread): the calls are
  // answered once it is durable, after the events it held were sent.
  const durable = m.whenDurable();
  if (durable === undefined) settle();
  else durable.then(() => settle(), (err: unknown) => settle(err));
  // The next calls are applied meanwhile; their commit follows this one.
  if (q.items.length > 0) schedule(m, q, 0);
}
