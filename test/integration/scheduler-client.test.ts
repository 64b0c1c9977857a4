// The framework SDK (src/scheduler) against a TEST DOUBLE of the master's scheduler endpoint
// (`MasterSchedulerApiDouble` below): a small HTTP server on 127.0.0.1 that speaks the v1
// scheduler API, validates every call with the protocol module's decoder, answers with the
// status codes of reference §2.2, and lets each test script events, redirects and failures.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { ManualClock } from '../../src/common/clock.ts';
import { newStatusUuid } from '../../src/common/ids.ts';
import { decodeSchedulerCall, encodeRecord, encodeSchedulerEvent, formatDecodeErrors } from '../../src/protocol/index.ts';
import type { SchedulerEvent, ValidSchedulerCall, ValidSchedulerEvent } from '../../src/protocol/index.ts';
import { SchedulerCallError, SchedulerClient, SchedulerHttpError, SchedulerUnavailableError, SubscriptionError } from '../../src/scheduler/index.ts';
import { waitFor } from '../helpers/process.ts';

type RecordedCall = { call: ValidSchedulerCall; headers: IncomingHttpHeaders; path: string };

/** TEST DOUBLE of a master's `POST /api/v1/scheduler`. */
class MasterSchedulerApiDouble {
  readonly calls: RecordedCall[] = [];
  /** Bodies of calls that failed validation (answered 400). */
  readonly rejected: string[] = [];
  /** Answer every request with 307 to this master, as a non-leader does. */
  redirectTo: MasterSchedulerApiDouble | undefined;
  /** Answer this many requests with 503 "No leader elected" first. */
  unavailableFor = 0;
  heartbeatIntervalSeconds = 15;
  requests = 0;
  #server: Server;
  #stream: ServerResponse | undefined;
  #streamId: string | undefined;
  #frameworks = new Set<string>();
  #nextFramework = 1;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<MasterSchedulerApiDouble> {
    const server = createServer();
    const double = new MasterSchedulerApiDouble(server);
    server.on('request', (req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => double.#handle(req.url ?? '', req.headers, Buffer.concat(parts).toString('utf8'), res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return double;
  }

  get hostPort(): string {
    const address = this.#server.address();
    assert.ok(address !== null && typeof address === 'object');
    return `127.0.0.1:${address.port}`;
  }

  #handle(path: string, headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    this.requests++;
    if (this.redirectTo) {
      res.writeHead(307, { Location: `//${this.redirectTo.hostPort}${path}` }).end();
      return;
    }
    if (this.unavailableFor > 0) {
      this.unavailableFor--;
      res.writeHead(503).end('No leader elected');
      return;
    }
    const decoded = decodeSchedulerCall(JSON.parse(body));
    if (!decoded.ok) {
      this.rejected.push(body);
      res.writeHead(400).end(`Failed to validate scheduler::Call: ${formatDecodeErrors(decoded.errors)}`);
      return;
    }
    const call = decoded.value;
    this.calls.push({ call, headers, path });
    if (call.type === 'SUBSCRIBE') {
      if (headers['mesos-stream-id'] !== undefined) {
        res.writeHead(400).end('Subscribe calls should not include the \'Mesos-Stream-Id\' header');
        return;
      }
      const frameworkId = call.subscribe.framework_info.id?.value ?? `fw-${String(this.#nextFramework++).padStart(4, '0')}`;
      this.#frameworks.add(frameworkId);
      this.#stream?.destroy();
      this.#streamId = randomUUID();
      res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': this.#streamId });
      this.#stream = res;
      this.send({ type: 'SUBSCRIBED', subscribed: { framework_id: { value: frameworkId }, heartbeat_interval_seconds: this.heartbeatIntervalSeconds } });
      this.send({ type: 'HEARTBEAT' });
      return;
    }
    if (!this.#frameworks.has(call.framework_id.value)) {
      res.writeHead(400).end('Framework cannot be found');
      return;
    }
    if (headers['mesos-stream-id'] !== this.#streamId) {
      res.writeHead(400).end(`The stream ID '${String(headers['mesos-stream-id'])}' included in this request didn't match the stream ID currently associated with framework ID ${call.framework_id.value}`);
      return;
    }
    res.writeHead(call.type === 'UPDATE_FRAMEWORK' ? 200 : 202).end();
  }

  send(event: SchedulerEvent): void {
    this.#stream?.write(encodeRecord(JSON.stringify(encodeSchedulerEvent(event))));
  }

  dropStream(): void {
    this.#stream?.destroy();
    this.#stream = undefined;
  }

  callsOf<T extends ValidSchedulerCall['type']>(type: T): (RecordedCall & { call: Extract<ValidSchedulerCall, { type: T }> })[] {
    return this.calls.filter((c) => c.call.type === type) as (RecordedCall & { call: Extract<ValidSchedulerCall, { type: T }> })[];
  }

  async stop(): Promise<void> {
    this.#stream?.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function master(): Promise<MasterSchedulerApiDouble> {
  const m = await MasterSchedulerApiDouble.start();
  cleanups.push(() => m.stop());
  return m;
}

function client(options: ConstructorParameters<typeof SchedulerClient>[0]): SchedulerClient {
  const c = new SchedulerClient({ backoff: { initialMs: 20, maxMs: 100 }, ...options });
  cleanups.push(() => c.close());
  return c;
}

const FRAMEWORK = { user: 'root', name: 'sdk-test', roles: ['*'], failover_timeout: 60, capabilities: [{ type: 'MULTI_ROLE' as const }] };
const OFFER = {
  id: { value: 'm-O1' },
  framework_id: { value: 'fw-0001' },
  agent_id: { value: 'm-S0' },
  hostname: 'a1',
  resources: [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 4 }, allocation_info: { role: '*' } }],
};

test('subscribe, typed events, calls with the stream id, automatic acknowledgement, typed 400s', async () => {
  const m = await master();
  const c = client({ master: m.hostPort });
  const events = c.events();
  const subscribed = await c.subscribe(FRAMEWORK);
  assert.equal(subscribed.framework_id.value, 'fw-0001');
  assert.equal(c.frameworkId, 'fw-0001');
  assert.equal(c.state, 'subscribed');
  assert.ok(c.streamId);

  const offers: ValidSchedulerEvent[] = [];
  c.on('OFFERS', (e) => offers.push(e));
  m.send({ type: 'OFFERS', offers: { offers: [OFFER] } });
  const seen: string[] = [];
  for await (const event of events) {
    seen.push(event.type);
    if (event.type === 'OFFERS') {
      assert.equal(event.offers.offers?.[0]?.id.value, 'm-O1');
      break;
    }
  }
  assert.deepEqual(seen, ['SUBSCRIBED', 'HEARTBEAT', 'OFFERS']);
  assert.equal(offers.length, 1);

  await c.launch(['m-O1'], [{ name: 't', task_id: { value: 't1' }, agent_id: { value: 'm-S0' }, resources: [], command: { value: 'echo hi' } }], { refuseSeconds: 30 });
  await c.decline(['m-O2']);
  await c.revive(['*']);
  await c.reconcile();
  await c.updateFramework({ ...FRAMEWORK, name: 'renamed' });
  const [accept] = m.callsOf('ACCEPT');
  assert.ok(accept);
  assert.equal(accept.headers['mesos-stream-id'], c.streamId);
  assert.equal(accept.call.framework_id.value, 'fw-0001');
  assert.equal(accept.call.accept.operations?.[0]?.type, 'LAUNCH');
  assert.equal(accept.call.accept.filters?.refuse_seconds, 30);
  assert.deepEqual(m.callsOf('DECLINE')[0]?.call.decline.offer_ids, [{ value: 'm-O2' }]);
  assert.equal(m.callsOf('UPDATE_FRAMEWORK')[0]?.call.update_framework.framework_info.name, 'renamed');

  // An executor's update (with a uuid) is acknowledged; a master-made one (no uuid) is not.
  const uuid = newStatusUuid();
  m.send({ type: 'UPDATE', update: { status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', agent_id: { value: 'm-S0' }, uuid, source: 'SOURCE_EXECUTOR' } } });
  m.send({ type: 'UPDATE', update: { status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', agent_id: { value: 'm-S0' }, reason: 'REASON_RECONCILIATION' } } });
  const ack = await waitFor(() => m.callsOf('ACKNOWLEDGE')[0]);
  assert.deepEqual(ack.call.acknowledge, { agent_id: { value: 'm-S0' }, task_id: { value: 't1' }, uuid });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(m.callsOf('ACKNOWLEDGE').length, 1);
  assert.deepEqual(m.rejected, [], 'no call was sent for the update without a uuid');

  // The master's 400 text comes back in a SchedulerCallError.
  const rejected = await c.acknowledge('m-S0', 't1', 'bm90LTE2LWJ5dGVz').then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(rejected instanceof SchedulerCallError, String(rejected));
  assert.equal(rejected.status, 400);
  assert.match(rejected.message, /^Failed to validate scheduler::Call: acknowledge\.uuid/);
});

test('follows a 307 with a protocol-relative Location and remembers the leader', async () => {
  const leader = await master();
  const follower = await master();
  follower.redirectTo = leader;
  const c = client({ master: `http://${follower.hostPort}` });
  await c.subscribe(FRAMEWORK);
  assert.equal(c.leader?.href, `http://${leader.hostPort}/api/v1/scheduler`);
  const redirectsBefore = follower.requests;
  await c.suppress();
  assert.equal(follower.requests, redirectsBefore, 'later calls go straight to the leader');
  assert.equal(leader.callsOf('SUPPRESS').length, 1);
});

test('503 "No leader elected" is retried with backoff until a leader answers', async () => {
  const m = await master();
  m.unavailableFor = 2;
  const c = client({ master: m.hostPort });
  await c.subscribe(FRAMEWORK);
  assert.equal(m.requests, 3);
});

test('calls: a 503 is retried callRetries times, then fails with the master text', async () => {
  const m = await master();
  const c = client({ master: m.hostPort, callRetries: 1 });
  await c.subscribe(FRAMEWORK);
  m.unavailableFor = 1;
  await c.revive();
  assert.equal(m.callsOf('REVIVE').length, 1, 'the retry got through');
  m.unavailableFor = 2;
  const before = m.requests;
  await assert.rejects(c.suppress(), (err: unknown) => err instanceof SchedulerUnavailableError && err.message === 'No leader elected' && err.details['call'] === 'SUPPRESS');
  assert.equal(m.requests - before, 2, 'one try and one retry');
});

test('calls follow a 307 to a new leader, and give up after maxRedirects', async () => {
  const m = await master();
  const other = await master();
  const c = client({ master: m.hostPort, maxRedirects: 2 });
  await c.subscribe(FRAMEWORK);
  // The leader moved: the call is redirected there (which does not know the framework: 400).
  m.redirectTo = other;
  await assert.rejects(c.revive(), (err: unknown) => err instanceof SchedulerCallError && err.message === 'Framework cannot be found');
  assert.equal(c.leader?.href, `http://${other.hostPort}/api/v1/scheduler`);
  assert.equal(other.requests, 1);
  // A redirect loop ends after maxRedirects hops.
  other.redirectTo = other;
  const before = other.requests;
  await assert.rejects(c.revive(), (err: unknown) => err instanceof SchedulerHttpError && err.message === 'more than 2 redirects');
  assert.equal(other.requests - before, 3);
});

test('after the stream breaks the client re-subscribes with the framework id it got', async () => {
  const m = await master();
  const c = client({ master: m.hostPort });
  const disconnects: string[] = [];
  c.onDisconnected((reason) => disconnects.push(reason));
  const subscribed = await c.subscribe(FRAMEWORK);
  const firstStream = c.streamId;
  m.dropStream();
  const again = await waitFor(() => m.callsOf('SUBSCRIBE')[1]);
  assert.equal(again.call.subscribe.framework_info.id?.value, subscribed.framework_id.value);
  assert.equal(again.call.framework_id?.value, subscribed.framework_id.value);
  assert.equal(again.headers['mesos-stream-id'], undefined);
  await waitFor(() => c.state === 'subscribed' && c.streamId !== firstStream);
  assert.equal(disconnects.length, 1);
  await c.kill('t1', 'm-S0');
  assert.equal(m.callsOf('KILL')[0]?.headers['mesos-stream-id'], c.streamId, 'calls use the new stream id');
});

test('missed heartbeats (5 x heartbeat_interval_seconds of silence) make the client reconnect', async () => {
  const m = await master();
  const clock = new ManualClock();
  const c = client({ master: m.hostPort, clock, random: () => 0 });
  await c.subscribe(FRAMEWORK);
  await waitFor(() => m.callsOf('SUBSCRIBE').length === 1);
  clock.advance(4 * 15_000);
  assert.equal(c.state, 'subscribed', 'four silent intervals are tolerated');
  clock.advance(15_000);
  assert.equal(c.state, 'reconnecting');
  clock.advance(100); // the reconnect backoff
  await waitFor(() => m.callsOf('SUBSCRIBE').length === 2);
  await waitFor(() => c.state === 'subscribed');
  assert.equal(m.callsOf('SUBSCRIBE')[1]?.call.subscribe.framework_info.id?.value, 'fw-0001');
});

test('an ERROR event ends the subscription for good: no reconnect, iterators throw', async () => {
  const m = await master();
  const c = client({ master: m.hostPort });
  const events = c.events();
  await c.subscribe(FRAMEWORK);
  m.send({ type: 'ERROR', error: { message: 'Framework failed over' } });
  await assert.rejects(
    (async () => {
      for await (const _ of events) {
        // drain until the error
      }
    })(),
    (err: unknown) => err instanceof SubscriptionError && err.message === 'Framework failed over',
  );
  assert.equal(c.state, 'closed');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(m.callsOf('SUBSCRIBE').length, 1);
});

test('a SUBSCRIBE the master refuses (400) rejects subscribe() with the master message', async () => {
  const m = await master();
  const c = client({ master: m.hostPort });
  await assert.rejects(c.subscribe({ ...FRAMEWORK, user: undefined as unknown as string }), (err: unknown) => {
    assert.ok(err instanceof SchedulerCallError);
    assert.match(err.message, /subscribe\.framework_info\.user/);
    return true;
  });
  assert.equal(c.state, 'closed');
});
