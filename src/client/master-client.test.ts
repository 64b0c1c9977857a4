import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecord } from '../protocol/index.ts';
import { ApiError, MasterUnreachableError, ProtocolError } from './errors.ts';
import { MAX_REDIRECTS } from './http.ts';
import { MasterClient } from './master-client.ts';
import { getStateResponse, taskJson } from './testing/fixtures.ts';
import { closedPort, json, TestDoubleServer } from './testing/test-double-server.ts';

async function withDouble(fn: (double: TestDoubleServer) => Promise<void>): Promise<void> {
  const double = await new TestDoubleServer().start();
  try {
    await fn(double);
  } finally {
    await double.close();
  }
}

test('GET_STATE posts the call as JSON and returns the decoded snapshot', () =>
  withDouble(async (double) => {
    double.operatorApi({ GET_STATE: getStateResponse({ tasks: [taskJson('t.1', 'TASK_RUNNING')] }) });
    const state = await new MasterClient(double.address).getState();
    assert.equal(state.get_tasks?.tasks?.[0]?.task_id.value, 't.1');
    assert.equal(state.get_agents?.agents?.[0]?.agent_info.hostname, 'a1');
    const req = double.requests[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/api/v1');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), { type: 'GET_STATE' });
  }));

test('a 307 with a protocol-relative Location is followed to the leader, which is then used directly', () =>
  withDouble((leader) =>
    withDouble(async (follower) => {
      leader.operatorApi({ GET_HEALTH: { type: 'GET_HEALTH', get_health: { healthy: true } } });
      follower.handle((req, res) => {
        res.statusCode = 307;
        res.setHeader('Location', `//127.0.0.1:${leader.port}${req.path}`);
        res.end();
      });
      const client = new MasterClient(follower.address);
      assert.equal(await client.getHealth(), true);
      assert.equal(client.baseUrl, leader.url);
      assert.equal(await client.getHealth(), true);
      assert.equal(follower.requests.length, 1, 'the second call went straight to the leader');
      assert.equal(leader.requests.length, 2);
      assert.deepEqual(JSON.parse(leader.requests[0]!.body), { type: 'GET_HEALTH' }, 'the POST body is re-sent');
    }),
  ));

test('a redirect loop ends in a ProtocolError', () =>
  withDouble(async (double) => {
    double.handle((req, res) => {
      res.statusCode = 307;
      res.setHeader('Location', `//127.0.0.1:${double.port}${req.path}`);
      res.end();
    });
    await assert.rejects(new MasterClient(double.address).getHealth(), (err: unknown) => {
      assert.ok(err instanceof ProtocolError);
      assert.match(err.message, /more than 5 redirects/);
      return true;
    });
    assert.equal(double.requests.length, MAX_REDIRECTS + 1);
  }));

test('a master nobody listens on is a MasterUnreachableError naming the URL and the cause', async () => {
  const port = await closedPort();
  await assert.rejects(new MasterClient(`127.0.0.1:${port}`).getState(), (err: unknown) => {
    assert.ok(err instanceof MasterUnreachableError);
    assert.equal(err.url, `http://127.0.0.1:${port}/api/v1`);
    assert.match(err.message, /cannot reach the master at .*: connection refused/);
    assert.ok(err.cause, 'the underlying error is kept');
    return true;
  });
});

test('a master that does not answer in time is unreachable, with the timeout in the message', () =>
  withDouble(async (double) => {
    double.handle(() => {
      // Never answer.
    });
    await assert.rejects(new MasterClient(double.address, { timeoutMs: 150 }).getState(), (err: unknown) => {
      assert.ok(err instanceof MasterUnreachableError);
      assert.match(err.message, /no answer within 0\.1s|no answer within 0\.2s/);
      return true;
    });
  }));

test('4xx answers become ApiErrors carrying the status and the master text or JSON message', () =>
  withDouble(async (double) => {
    double.handle((_req, res) => {
      res.statusCode = 400;
      res.end('Failed to validate master::Call: Expecting \'teardown\' to be present');
    });
    await assert.rejects(new MasterClient(double.address).teardown('f1'), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 400);
      assert.equal(err.message, "Failed to validate master::Call: Expecting 'teardown' to be present");
      return true;
    });
    double.handle((_req, res) => json(res, 404, { code: 'NOT_FOUND', message: "framework 'f1' not found" }));
    await assert.rejects(new MasterClient(double.address).teardown('f1'), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 404);
      assert.equal(err.code, 'NOT_FOUND');
      assert.equal(err.message, "framework 'f1' not found");
      return true;
    });
  }));

test('a response that does not decode is a ProtocolError, not a crash', () =>
  withDouble(async (double) => {
    double.operatorApi({ GET_STATE: { type: 'GET_STATE', get_state: { get_tasks: { tasks: [{ name: 7 }] } } } });
    await assert.rejects(new MasterClient(double.address).getState(), ProtocolError);
    double.handle((_req, res) => void res.end("<html>"));
    await assert.rejects(new MasterClient(double.address).getState(), /not JSON/);
  }));

test('SUBSCRIBE yields decoded events from the RecordIO stream until closed', () =>
  withDouble(async (double) => {
    double.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(encodeRecord(JSON.stringify({ type: 'SUBSCRIBED', subscribed: { get_state: {}, heartbeat_interval_seconds: 15 } })));
      // One record split over two writes, then two records in one write.
      const added = encodeRecord(JSON.stringify({ type: 'TASK_ADDED', task_added: { task: taskJson('t.1', 'TASK_STAGING') } }));
      res.write(added.subarray(0, 7));
      res.write(Buffer.concat([added.subarray(7), encodeRecord('{"type":"HEARTBEAT"}')]));
    });
    const stream = new MasterClient(double.address).subscribe();
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'TASK_ADDED') assert.equal(event.task_added.task.task_id.value, 't.1');
      if (types.length === 3) stream.close();
    }
    assert.deepEqual(types, ['SUBSCRIBED', 'TASK_ADDED', 'HEARTBEAT']);
  }));

test('a silent event stream ends in MasterUnreachableError', () =>
  withDouble(async (double) => {
    double.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(encodeRecord(JSON.stringify({ type: 'SUBSCRIBED', subscribed: { heartbeat_interval_seconds: 15 } })));
    });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const event of new MasterClient(double.address).subscribe({ idleTimeoutMs: 100 })) seen.push(event.type);
      })(),
      (err: unknown) => err instanceof MasterUnreachableError && /no event or heartbeat/.test(err.message),
    );
    assert.deepEqual(seen, ['SUBSCRIBED']);
  }));
