// How SchedulerClient's calls use the network, against a real master (startMaster, in process)
// seen through a counting TCP relay: calls share one keep-alive connection, a call without an
// answer within requestTimeoutMs fails (and its connection is not reused), and a refused
// connection is named.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { ManualClock } from '../../src/common/clock.ts';
import { startMaster } from '../../src/master/index.ts';
import { ClientClosedError, SchedulerClient, SchedulerUnreachableError } from '../../src/scheduler/index.ts';
import { waitFor } from '../helpers/process.ts';

const FRAMEWORK = { user: 'root', name: 'transport-test', roles: ['*'], failover_timeout: 0, capabilities: [{ type: 'MULTI_ROLE' as const }] };

const running = await startMaster({ port: 0 });
after(() => running.stop());

/**
 * A TCP relay in front of the master that counts the connections it accepts and, while
 * `swallow` is set, drops what clients send (the master never sees it, so never answers).
 */
class CountingRelay {
  connections = 0;
  /** Bytes dropped while swallowing. */
  swallowed = 0;
  swallow = false;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #closed: Promise<void> | undefined;
  #port = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(targetPort: number): Promise<CountingRelay> {
    const server = createServer();
    const relay = new CountingRelay(server);
    server.on('connection', (client) => {
      relay.connections++;
      const upstream = connect(targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        relay.#sockets.add(s);
        s.on('close', () => relay.#sockets.delete(s));
        s.on('error', () => {});
      }
      client.on('data', (chunk: Buffer) => {
        if (relay.swallow) relay.swallowed += chunk.length;
        else upstream.write(chunk);
      });
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    relay.#port = (server.address() as { port: number }).port;
    return relay;
  }

  /** Open sockets, both sides of every relayed connection. */
  get openSockets(): number {
    return this.#sockets.size;
  }

  /** The listening port (kept after stopListening()). */
  get port(): number {
    return this.#port;
  }

  /**
   * Stops accepting connections at once; the open ones stay. The promise is the server's end,
   * once those have closed too.
   */
  stopListening(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => this.#server.close(() => resolve()));
    return this.#closed;
  }

  async stop(): Promise<void> {
    const closed = this.stopListening();
    for (const s of this.#sockets) s.destroy();
    await closed;
  }
}

async function relay(): Promise<CountingRelay> {
  const r = await CountingRelay.start(running.port);
  after(() => r.stop());
  return r;
}

test('calls reuse one keep-alive connection: N calls, one connection besides the event stream', async () => {
  const r = await relay();
  const client = new SchedulerClient({ master: `127.0.0.1:${r.port}`, reconnect: false });
  try {
    await client.subscribe(FRAMEWORK);
    assert.equal(r.connections, 1, 'the event stream');
    for (let i = 0; i < 50; i++) await client.decline([]);
    await client.reconcile();
    assert.equal(r.connections, 2, 'every sequential call went over the same connection');
    // Concurrent calls open at most one connection each, and those are kept for the next ones.
    await Promise.all(Array.from({ length: 4 }, () => client.decline([])));
    const afterBurst = r.connections;
    assert.ok(afterBurst <= 2 + 3, `${afterBurst} connections`);
    await Promise.all(Array.from({ length: 4 }, () => client.decline([])));
    assert.equal(r.connections, afterBurst, 'the burst connections were kept and reused');
  } finally {
    client.close();
  }
});

test('a call with no answer within requestTimeoutMs fails naming the deadline, and its connection is dropped', async () => {
  const r = await relay();
  const clock = new ManualClock();
  const client = new SchedulerClient({ master: `127.0.0.1:${r.port}`, reconnect: false, requestTimeoutMs: 2000, clock });
  try {
    await client.subscribe(FRAMEWORK);
    await client.decline([]);
    const before = r.connections;
    r.swallow = true;
    const kill = client.kill('t1', 'a1');
    await waitFor(() => r.swallowed > 0);
    clock.advance(1999);
    assert.equal(await Promise.race([kill.then(() => 'settled', () => 'settled'), new Promise((resolve) => setImmediate(() => resolve('pending')))]), 'pending', 'not before the deadline');
    clock.advance(1);
    await assert.rejects(kill, (err: unknown) => {
      assert.ok(err instanceof SchedulerUnreachableError, String(err));
      assert.equal(err.message, `cannot reach the master at http://127.0.0.1:${r.port}/api/v1/scheduler: no answer within 2000 ms`);
      return true;
    });
    // A late answer on that connection must not be taken for the next call's: it gets a new one.
    r.swallow = false;
    await client.decline([]);
    assert.equal(r.connections, before + 1);
  } finally {
    client.close();
  }
});

test('a call to a master that refuses connections fails with SchedulerUnreachableError naming the refusal', async () => {
  const r = await relay();
  const client = new SchedulerClient({ master: `127.0.0.1:${r.port}`, reconnect: false });
  try {
    await client.subscribe(FRAMEWORK);
    // The event stream stays open; the call needs a connection of its own, which is refused.
    void r.stopListening();
    await assert.rejects(client.decline([]), (err: unknown) => {
      assert.ok(err instanceof SchedulerUnreachableError, String(err));
      assert.equal(err.message, `cannot reach the master at http://127.0.0.1:${r.port}/api/v1/scheduler: connection refused`);
      return true;
    });
    assert.equal(client.state, 'subscribed', 'a failed call does not end the subscription');
  } finally {
    client.close();
  }
});

test('close() ends calls in flight with ClientClosedError and closes their connections', async () => {
  const r = await relay();
  const client = new SchedulerClient({ master: `127.0.0.1:${r.port}`, reconnect: false });
  await client.subscribe(FRAMEWORK);
  await client.decline([]);
  r.swallow = true;
  const swallowedBefore = r.swallowed;
  const call = client.revive();
  await waitFor(() => r.swallowed > swallowedBefore);
  client.close();
  await assert.rejects(call, ClientClosedError);
  // Nothing is left open: neither the call's socket, the idle pool, nor the event stream.
  await waitFor(() => r.openSockets === 0);
});

test('TEARDOWN resolves although the master ends the subscription before it answers; the framework is gone', async () => {
  // The master closes the framework's stream in the same transaction as the teardown, and that
  // close leaves before the 202: the client must not cut off the call it is waiting for.
  for (const reconnect of [false, true]) {
    const client = new SchedulerClient({ master: `127.0.0.1:${running.port}`, reconnect });
    try {
      await client.subscribe(FRAMEWORK);
      const id = client.frameworkId!;
      await client.teardown();
      assert.equal(running.master.frameworks.has(id), false, 'removed');
      assert.ok(running.master.completedFrameworks.some((f) => f.id === id));
    } finally {
      client.close();
    }
  }
});
