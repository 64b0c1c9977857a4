// SchedulerClient's failure modes: `reconnect: false` (fail instead of retrying) and
// `requestTimeoutMs`, against a minimal scripted master on 127.0.0.1. The full protocol is
// covered by test/integration/scheduler-client.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { ManualClock } from '../common/clock.ts';
import { encodeRecord, encodeSchedulerEvent } from '../protocol/index.ts';
import { SchedulerClient } from './client.ts';
import { SchedulerUnavailableError, SchedulerUnreachableError, SubscriptionError, SubscriptionLostError } from './errors.ts';

const FRAMEWORK = { user: 'root', name: 'client-test', roles: ['*'], failover_timeout: 0 };

type Handler = (call: { type: string }, req: IncomingMessage, res: ServerResponse) => void;

/** A master that hands every request's decoded body to `handler`. */
async function scriptedMaster(handler: Handler): Promise<{ hostPort: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const call = JSON.parse(body) as { type: string };
      requests.push(call.type);
      handler(call, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    hostPort: `127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers SUBSCRIBE with a stream that starts with SUBSCRIBED; returns the stream. */
function openStream(res: ServerResponse): ServerResponse {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'stream-1' });
  const subscribed = { type: 'SUBSCRIBED' as const, subscribed: { framework_id: { value: 'fw-1' }, heartbeat_interval_seconds: 15 } };
  res.write(encodeRecord(JSON.stringify(encodeSchedulerEvent(subscribed))));
  return res;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('reconnect: false and an unreachable master: subscribe() rejects with SchedulerUnreachableError naming the URL', { timeout: 10_000 }, async () => {
  const port = await closedPort();
  const client = new SchedulerClient({ master: `127.0.0.1:${port}`, reconnect: false });
  const events = client.events();
  const error = await client.subscribe(FRAMEWORK).then(
    () => assert.fail('subscribe() resolved'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof SchedulerUnreachableError, String(error));
  assert.ok(error instanceof SchedulerUnavailableError, 'an unreachable master is a kind of unavailable');
  assert.equal(error.code, 'SCHEDULER_UNREACHABLE');
  assert.equal(error.message, `cannot reach the master at http://127.0.0.1:${port}/api/v1/scheduler: connection refused`);
  assert.equal(client.state, 'closed');
  await assert.rejects(events.next(), (err: unknown) => err === error, 'iterators end with the same error');
});

test('reconnect: true (the default) tries the next master when one is unreachable', { timeout: 10_000 }, async () => {
  const port = await closedPort();
  const master = await scriptedMaster((_call, _req, res) => void openStream(res));
  const client = new SchedulerClient({ master: [`127.0.0.1:${port}`, master.hostPort], backoff: { initialMs: 1, maxMs: 1 } });
  try {
    const subscribed = await client.subscribe(FRAMEWORK);
    assert.equal(subscribed.framework_id.value, 'fw-1');
  } finally {
    client.close();
    await master.close();
  }
});

test('reconnect: false and a 503 on SUBSCRIBE: rejects with the master text, without a retry', { timeout: 10_000 }, async () => {
  const master = await scriptedMaster((_call, _req, res) => res.writeHead(503).end('No leader elected'));
  const client = new SchedulerClient({ master: master.hostPort, reconnect: false });
  try {
    await assert.rejects(client.subscribe(FRAMEWORK), (err: unknown) => err instanceof SchedulerUnavailableError && err.message === 'No leader elected');
    assert.deepEqual(master.requests, ['SUBSCRIBE']);
  } finally {
    await master.close();
  }
});

test('reconnect: false and a lost stream: events() throws SubscriptionLostError and nothing re-subscribes', { timeout: 10_000 }, async () => {
  let stream: ServerResponse | undefined;
  const master = await scriptedMaster((_call, _req, res) => (stream = openStream(res)));
  const client = new SchedulerClient({ master: master.hostPort, reconnect: false });
  const disconnects: string[] = [];
  client.onDisconnected((reason) => disconnects.push(reason));
  try {
    const events = client.events();
    await client.subscribe(FRAMEWORK);
    assert.equal((await events.next()).value?.type, 'SUBSCRIBED');
    stream?.destroy();
    await assert.rejects(events.next(), (err: unknown) => {
      assert.ok(err instanceof SubscriptionLostError, String(err));
      assert.equal(err.code, 'SUBSCRIPTION_LOST');
      assert.match(err.message, new RegExp(`^lost the subscription to the master at http://${master.hostPort}/api/v1/scheduler: `));
      return true;
    });
    assert.equal(client.state, 'closed');
    assert.equal(disconnects.length, 1, 'onDisconnected still reports the loss');
    assert.deepEqual(master.requests, ['SUBSCRIBE']);
  } finally {
    await master.close();
  }
});

test('requestTimeoutMs: a SUBSCRIBE or a call without an answer fails with SchedulerUnreachableError', { timeout: 10_000 }, async () => {
  const clock = new ManualClock();
  // Answers SUBSCRIBE on the second try only, and never answers KILL.
  let subscribes = 0;
  const master = await scriptedMaster((call, _req, res) => {
    if (call.type === 'SUBSCRIBE' && ++subscribes === 2) openStream(res);
  });
  try {
    const silent = new SchedulerClient({ master: master.hostPort, reconnect: false, requestTimeoutMs: 1000, clock });
    const first = silent.subscribe(FRAMEWORK);
    await until(() => master.requests.length === 1);
    clock.advance(999);
    assert.equal(silent.state, 'connecting', 'not before the limit');
    clock.advance(1);
    await assert.rejects(first, (err: unknown) => err instanceof SchedulerUnreachableError && /: no answer within 1000 ms$/.test(err.message));

    const client = new SchedulerClient({ master: master.hostPort, reconnect: false, requestTimeoutMs: 1000, clock });
    await client.subscribe(FRAMEWORK);
    clock.advance(5000);
    assert.equal(client.state, 'subscribed', 'the limit does not apply to the open event stream');
    const kill = client.kill('t1', 'a1');
    await until(() => master.requests.includes('KILL'));
    clock.advance(1000);
    await assert.rejects(kill, (err: unknown) => err instanceof SchedulerUnreachableError && /no answer within 1000 ms/.test(err.message));
    client.close();
  } finally {
    await master.close();
  }
});

test('a SUBSCRIBE refused with 200 and only an ERROR event (no stream id) rejects with SubscriptionError', { timeout: 10_000 }, async () => {
  const master = await scriptedMaster((_call, _req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(encodeRecord(JSON.stringify(encodeSchedulerEvent({ type: 'ERROR', error: { message: "Role 'bad role' is invalid" } }))));
  });
  // reconnect stays on: a refusal is final all the same.
  const client = new SchedulerClient({ master: master.hostPort, backoff: { initialMs: 1, maxMs: 1 } });
  try {
    await assert.rejects(client.subscribe(FRAMEWORK), (err: unknown) => err instanceof SubscriptionError && err.message === "Role 'bad role' is invalid");
    assert.equal(client.state, 'closed');
    assert.deepEqual(master.requests, ['SUBSCRIBE']);
  } finally {
    await master.close();
  }
});
