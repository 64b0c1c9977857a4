// Streamed JSON must be byte for byte what JSON.stringify gives, and `/state` streamed must be
// byte for byte the materialized document.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { lazyArray, streamJson } from './json-stream.ts';
import { startMaster } from '../server.ts';
import { TestAgent } from '../testing/test-agent.ts';
import { TestScheduler } from '../testing/test-scheduler.ts';
import { launchTask } from '../testing/scenario.ts';
import { legacyState } from './legacy-state.ts';
import { getState, getTasks } from './views.ts';
import { encodeMasterResponse } from '../../protocol/index.ts';

async function serve(value: () => unknown, jsonp?: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => void streamJson(res, value(), jsonp));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

test('a streamed document equals JSON.stringify of the same document materialized', async () => {
  const frozen = Object.freeze({ id: 't', labels: [{ key: 'k', value: 'v"\u2028' }] });
  const big = Array.from({ length: 5000 }, (_, i) => ({ i, name: `task-${i}`, pad: 'x'.repeat(100) }));
  const make = (lazy: boolean): unknown => {
    const list = <T>(items: T[]): unknown => (lazy ? lazyArray(() => items) : items);
    return {
      a: 1,
      skipped: undefined,
      fn: () => 1,
      nested: { tasks: list([frozen, frozen, { x: undefined, y: null }]), empty: list([]) },
      holes: [undefined, 2],
      big: list(big),
      frameworks: list([{ name: 'f', tasks: list(big.slice(0, 10)), completed: list([]) }]),
      last: 'é',
    };
  };
  const { server, url } = await serve(() => make(true));
  try {
    const text = await (await fetch(url)).text();
    assert.ok(text.length > 256 * 1024, 'several chunks');
    assert.equal(text, JSON.stringify(make(false)));
  } finally {
    server.close();
  }
  const p = await serve(() => make(true), 'cb.x');
  try {
    const res = await fetch(p.url);
    assert.equal(res.headers.get('content-type'), 'text/javascript');
    assert.equal(await res.text(), `cb.x(${JSON.stringify(make(false))});`);
  } finally {
    p.server.close();
  }
});

test('a client that goes away mid-document stops the writer without an error', async () => {
  let finished: Promise<void> | undefined;
  const rows = Array.from({ length: 200_000 }, (_, i) => ({ i, pad: 'y'.repeat(200) }));
  const server = createServer((_req, res) => {
    finished = streamJson(res, { rows: lazyArray(() => rows) });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/`, { signal: abort.signal });
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    await finished;
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

const running = await startMaster({ port: 0 });
after(() => running.stop());

test('/master/state streamed is byte for byte the materialized state', async () => {
  const url = `http://127.0.0.1:${running.port}`;
  const agent = await TestAgent.register(url);
  const scheduler = await TestScheduler.subscribe(url, { user: 'u', name: 'streamed', roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }] });
  try {
    await launchTask(scheduler, agent, 'one');
    await launchTask(scheduler, agent, 'two', 'TASK_FINISHED');
    const streamed = await (await fetch(`${url}/master/state`)).text();
    assert.equal(streamed, JSON.stringify(legacyState(running.master)));
    // Concurrent readers (sharing one serialization or not) all get the same bytes.
    const concurrent = await Promise.all(Array.from({ length: 6 }, async () => (await fetch(`${url}/master/state`)).text()));
    for (const body of concurrent) assert.equal(body, streamed);
    const jsonp = await (await fetch(`${url}/state.json?jsonp=cb`)).text();
    assert.equal(jsonp, `cb(${streamed});`);
    assert.equal((await fetch(`${url}/state?jsonp=1bad`)).status, 400);
    for (const type of ['GET_STATE', 'GET_TASKS'] as const) {
      const res = await fetch(`${url}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ type }) });
      assert.equal(res.status, 200);
      const expected = type === 'GET_STATE' ? { type, get_state: getState(running.master) } : { type, get_tasks: getTasks(running.master) };
      assert.equal(await res.text(), JSON.stringify(encodeMasterResponse(expected)), type);
    }
  } finally {
    scheduler.close();
    agent.close();
  }
});
