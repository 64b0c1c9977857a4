import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../common/clock.ts';
import { decode, isCanonical } from '../protocol/index.ts';
import type { Task } from '../protocol/index.ts';
import { AgentToMasterCall } from '../protocol/agora/agent-master.ts';
import { newCounters } from './counters.ts';
import { bodyText, createTransport } from './transport.ts';
import { SimAgent } from './sim-agent.ts';
import { TimerWheel } from './timer-wheel.ts';
import type { Transport } from './transport.ts';

/** A simulated agent that is never connected: what it would send is read from it directly. */
function idleAgent(transport: Transport, hostname: string): SimAgent {
  return new SimAgent(
    { hostname, port: 5051, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 } }], timing: { startingMs: 1, runningMs: 1, durationMs: -1 }, completedHistory: 0, updateRetryMs: 10_000 },
    { transport, master: new URL('http://127.0.0.1:1'), wheel: new TimerWheel(new ManualClock(0)), counters: newCounters() },
  );
}

test("a re-registering simulated agent's SUBSCRIBE is canonical JSON, as a real agent writes it", () => {
  const transport = createTransport();
  try {
    const agent = idleAgent(transport, 'sim-0');
    const fw = { user: 'u', name: 'fw', id: { value: 'fw-1' }, roles: ['*'], failover_timeout: 3600 };
    const task = (id: string, state: Task['state']): Task => ({
      name: 't', task_id: { value: id }, framework_id: fw.id, agent_id: { value: 'a-1' }, state,
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: '*' } }],
      statuses: [{ task_id: { value: id }, state, source: 'SOURCE_EXECUTOR', timestamp: 1_700_000_000 }],
      labels: { labels: [{ key: 'k', value: 'v' }] }, limits: {},
    });
    agent.preload({ agentId: 'a-1', frameworks: [fw], tasks: [task('t-1', 'TASK_RUNNING'), task('t-2', 'TASK_FINISHED')] });
    const source = agent.subscribeBody();
    const text = bodyText(source);
    assert.equal(source.byteLength, Buffer.byteLength(text), 'Content-Length is the length of what is written');
    const body: unknown = JSON.parse(text);
    // The master's fast path (codec.ts decodeParsed) takes it as it is.
    assert.equal(isCanonical(AgentToMasterCall, body), true);
    const decoded = decode(AgentToMasterCall, body);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value.subscribe?.tasks?.map((t) => [t.task_id.value, t.state]), [['t-1', 'TASK_RUNNING'], ['t-2', 'TASK_FINISHED']]);
    assert.equal(decoded.value.subscribe?.agent_info.id?.value, 'a-1');
  } finally {
    transport.destroy();
  }
});

test('a large preloaded report is written in pieces whose total is the announced Content-Length', () => {
  const transport = createTransport();
  try {
    const agent = idleAgent(transport, 'sim-1');
    const fw = { user: 'u', name: 'fw', id: { value: 'fw-1' }, roles: ['*'] };
    const one = JSON.stringify({ name: 'x'.repeat(900) });
    agent.preload({ agentId: 'a-2', frameworks: [fw], taskCount: 300, taskJson: () => one, tasksBytes: 300 * one.length });
    const source = agent.subscribeBody();
    const pieces = [...source.chunks()];
    assert.ok(pieces.length > 2, `expected several pieces, got ${pieces.length}`);
    const text = pieces.join('');
    assert.equal(source.byteLength, Buffer.byteLength(text));
    const body = JSON.parse(text) as { subscribe: { tasks: unknown[] } };
    assert.equal(body.subscribe.tasks.length, 300);
  } finally {
    transport.destroy();
  }
});
