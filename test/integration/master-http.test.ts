// Status codes and error bodies of POST /api/v1/scheduler and /agora/v1/agent (reference §2.2).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readJsonRecords } from '../../src/protocol/index.ts';
import { startMaster, type RunningMaster } from '../../src/master/index.ts';
import { until } from '../../src/master/testing/scenario.ts';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';

describe('master: scheduler API status codes', () => {
  let master: RunningMaster;
  let scheduler: TestScheduler;
  const post = (body: unknown, headers: Record<string, string> = {}, path = '/api/v1/scheduler', signal?: AbortSignal): Promise<Response> =>
    fetch(`${master.url}${path}`, {
      method: 'POST',
      ...(signal !== undefined && { signal }),
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const expect = async (res: Response, status: number, text?: RegExp): Promise<void> => {
    const body = await res.text();
    assert.equal(res.status, status, body);
    if (text !== undefined) assert.match(body, text);
  };

  before(async () => {
    master = await startMaster({ port: 0 });
    scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: 'http' });
  });
  after(async () => {
    scheduler.close();
    await master.stop();
  });

  test('SUBSCRIBE answers 200 with a Mesos-Stream-Id, SUBSCRIBED then HEARTBEAT at once', async () => {
    const abort = new AbortController();
    const res = await post({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'raw' } } }, {}, '/api/v1/scheduler', abort.signal);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('mesos-stream-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const types: string[] = [];
    for await (const event of readJsonRecords<{ type: string; subscribed?: { heartbeat_interval_seconds: number; master_info: { id: string } } }>(res.body!)) {
      types.push(event.type);
      if (event.type === 'SUBSCRIBED') {
        assert.equal(event.subscribed?.heartbeat_interval_seconds, 15);
        assert.equal(event.subscribed?.master_info.id, master.masterId);
      }
      if (types.length === 2) break;
    }
    abort.abort();
    assert.deepEqual(types, ['SUBSCRIBED', 'HEARTBEAT']);
  });

  test('a FrameworkInfo that fails validation: 200, ERROR event, end of stream', async () => {
    const res = await post({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'bad', roles: ['a'] } } });
    assert.equal(res.status, 200);
    // Mesos sets the stream id before it looks at the FrameworkInfo (master/http.cpp).
    assert.match(res.headers.get('mesos-stream-id') ?? '', /^[0-9a-f-]{36}$/);
    const events: { type: string; error?: { message: string } }[] = [];
    for await (const e of readJsonRecords<{ type: string; error?: { message: string } }>(res.body!)) events.push(e);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type, 'ERROR');
    assert.match(events[0]!.error!.message, /'FrameworkInfo.roles' must not be set/);
  });

  test('request-level errors', async () => {
    const fwId = { value: scheduler.frameworkId };
    await expect(await post({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } }, { 'Mesos-Stream-Id': scheduler.streamId }), 400, /should not include the 'Mesos-Stream-Id'/);
    await expect(await post({ type: 'REVIVE', framework_id: fwId }), 400, /should include the 'Mesos-Stream-Id'/);
    await expect(await post({ type: 'REVIVE', framework_id: fwId }, { 'Mesos-Stream-Id': 'not-it' }), 400, /didn't match the stream ID/);
    await expect(await post({ type: 'REVIVE', framework_id: { value: 'nope' } }, { 'Mesos-Stream-Id': scheduler.streamId }), 400, /^Framework cannot be found$/);
    await expect(await post('{not json'), 400, /^Failed to parse body into JSON/);
    await expect(
      await post({ type: 'ACCEPT', framework_id: fwId, accept: { offer_ids: [{ value: 3 }] } }),
      400,
      /^Failed to convert JSON into Call protobuf: accept\.offer_ids\[0\]\.value: /,
    );
    await expect(await post({ type: 'ACCEPT', framework_id: fwId }), 400, /^Failed to validate scheduler::Call: accept: required for type ACCEPT/);
    await expect(await post({ type: 'ACKNOWLEDGE', framework_id: fwId, acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'AAAA' } }), 400, /acknowledge\.uuid: expected a 16-byte UUID/);
    await expect(await fetch(`${master.url}/api/v1/scheduler`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: 'x' }), 415);
    await expect(await fetch(`${master.url}/api/v1/scheduler`, { method: 'POST', body: new TextEncoder().encode('{}') }), 400, /Content-Type/);
    const get = await fetch(`${master.url}/api/v1/scheduler`);
    await expect(get, 405);
    assert.match(get.headers.get('allow') ?? '', /POST/);
    await expect(await post({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } }, { Accept: 'text/html' }), 406);
    await expect(await post({ type: 'UNKNOWN', framework_id: fwId }, { 'Mesos-Stream-Id': scheduler.streamId }), 501);
    // The same endpoint under the libprocess process id.
    await expect(await post({ type: 'REVIVE', framework_id: fwId }, { 'Mesos-Stream-Id': scheduler.streamId }, '/master/api/v1/scheduler'), 202);
  });

  test('a disconnected framework gets 403 until it re-subscribes', async () => {
    const s = await TestScheduler.subscribe(master.url, { user: 'u', name: 'gone-for-now', failover_timeout: 60 });
    s.close();
    const fw = master.master.frameworks.get(s.frameworkId)!;
    await until(() => fw.status !== 'connected');
    await expect(await s.call({ type: 'REVIVE' }), 403, /Framework is not subscribed/);
  });

  test('agent API: malformed calls are 400 naming the field; unknown stream 400', async () => {
    await expect(await post({ type: 'SUBSCRIBE', subscribe: { protocol_version: 1 } }, {}, '/agora/v1/agent'), 400, /subscribe\.(version|agent_info|ip)/);
    await expect(await post({ type: 'PONG', agent_id: { value: 'x' }, pong: { sequence: 1 } }, {}, '/agora/v1/agent'), 400, /Agent is not subscribed/);
    await expect(
      await post(
        { type: 'SUBSCRIBE', subscribe: { protocol_version: 1, version: '0', ip: '127.0.0.1', agent_info: { hostname: 'h', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] } } },
        {},
        '/agora/v1/agent',
      ),
      400,
      /subscribe\.agent_info\.resources\[0\]/,
    );
  });
});
