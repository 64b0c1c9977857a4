// Group commit of agent (re-)registrations. After a master failover every agent re-registers at
// once, and each SUBSCRIBE writes the agent and every task it reports to the registry. One
// transaction per SUBSCRIBE costs one fsync each (sqlite-registry.ts: synchronous=FULL), which
// dominated a storm (~0.5 ms of a ~1.3 ms registration). SUBSCRIBEs that arrive together are
// queued for a few milliseconds and applied in one registry transaction, so one fsync covers
// many agents; every agent still gets SUBSCRIBED from inside that transaction,
// exactly as before. A turn stops taking SUBSCRIBEs after SLICE_MS and commits, so a storm
// cannot keep the event loop (and /health, and the schedulers) waiting.
import type { ServerResponse } from 'node:http';
import type { AgentSubscribe } from '../protocol/agora/agent-master.ts';
import { subscribeAgent } from './agents.ts';
import type { Master } from './master.ts';

/** Longest run of registrations in one transaction (and one event-loop turn). */
const SLICE_MS = 20;
/**
 * How long the first queued SUBSCRIBE waits for others. In a storm, request bodies finish a few
 * per event-loop turn, so flushing on the next turn committed ~2 agents per fsync; a few ms
 * gathers tens to hundreds.
 */
const GATHER_MS = 5;

type Pending = { call: AgentSubscribe; res: ServerResponse; resolve: () => void; reject: (err: unknown) => void };

const queues = new WeakMap<Master, { items: Pending[]; scheduled: boolean }>();

/**
 * Queues a SUBSCRIBE; resolves once it was applied and committed, or rejects with what
 * `subscribeAgent` threw (a malformed call: nothing of it was written, it throws before writing).
 */
export function subscribeAgentBatched(m: Master, call: AgentSubscribe, res: ServerResponse): Promise<void> {
  let queue = queues.get(m);
  if (queue === undefined) queues.set(m, (queue = { items: [], scheduled: false }));
  const q = queue;
  return new Promise<void>((resolve, reject) => {
    q.items.push({ call, res, resolve, reject });
    if (!q.scheduled) {
      q.scheduled = true;
      // Real time, not the master's Clock: this only groups work and must run under a ManualClock.
      setTimeout(() => flush(m, q), GATHER_MS);
    }
  });
}

function flush(m: Master, q: { items: Pending[]; scheduled: boolean }): void {
  const done: { item: Pending; error: unknown }[] = [];
  const started = performance.now();
  try {
    m.registry.batch(() => {
      while (q.items.length > 0 && (done.length === 0 || performance.now() - started < SLICE_MS)) {
        const item = q.items.shift()!;
        // A client that went away while queued gets nothing; the master never saw it.
        if (item.res.destroyed) {
          done.push({ item, error: new Error('the agent closed the connection before its SUBSCRIBE was applied') });
          continue;
        }
        try {
          subscribeAgent(m, item.call, item.res);
          done.push({ item, error: undefined });
        } catch (err) {
          done.push({ item, error: err });
        }
      }
    });
  } catch (err) {
    // The commit failed: none of this turn's registrations is durable.
    for (const d of done) d.error ??= err;
  }
  for (const { item, error } of done) {
    if (error === undefined) item.resolve();
    else item.reject(error);
  }
  if (q.items.length > 0) setImmediate(() => flush(m, q));
  else q.scheduled = false;
}
