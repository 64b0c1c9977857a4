import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { HttpServer, negotiateJson, RESPONDED, acceptsJson } from './server.ts';
import { EventStream } from './event-stream.ts';
import { NotFoundError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import { readJsonRecords } from '../../protocol/recordio.ts';

let base = '';
let port = 0;
const server = new HttpServer({ processId: 'master', logger: silentLogger(), maxBodyBytes: 1024 });
const streams: EventStream[] = [];

before(async () => {
  server
    .route({ methods: ['GET'], path: '/state', jsonp: true, handler: () => ({ ok: true }) })
    .route({ methods: ['GET'], path: '/missing', handler: () => { throw new NotFoundError("framework 'x' not found"); } })
    .route({ methods: ['GET'], path: '/boom', handler: () => { throw new Error('bug'); } })
    .route({
      methods: ['POST'],
      path: '/api/v1',
      handler: async (ctx) => {
        negotiateJson(ctx.req, true);
        return { echo: JSON.parse((await ctx.body()).toString()) as unknown };
      },
    })
    .route({
      methods: ['POST'],
      path: '/stream',
      handler: (ctx) => {
        const s = new EventStream(ctx.res, { headers: { 'Mesos-Stream-Id': 'abc' } });
        streams.push(s);
        s.send({ type: 'SUBSCRIBED' });
        s.send('{"type":"HEARTBEAT"}');
        return RESPONDED;
      },
    });
  const addr = await server.listen(0);
  port = addr.port;
  base = `http://127.0.0.1:${port}`;
});

after(() => server.close());

test('a route answers under its own path and under the process prefix, with jsonp', async () => {
  for (const p of ['/state', '/master/state']) {
    const r = await fetch(base + p);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { ok: true });
  }
  const j = await fetch(base + '/state?jsonp=angular.callbacks._0');
  assert.equal(j.headers.get('content-type'), 'text/javascript');
  assert.equal(await j.text(), 'angular.callbacks._0({"ok":true});');
  assert.equal((await fetch(base + '/state?jsonp=alert(1)')).status, 400);
});

test('unknown path 404, wrong method 405 with Allow', async () => {
  assert.equal((await fetch(base + '/nope')).status, 404);
  const r = await fetch(base + '/state', { method: 'POST' });
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'GET');
});

test('errors map by class; unexpected errors are 500 without details', async () => {
  const r = await fetch(base + '/missing');
  assert.equal(r.status, 404);
  assert.equal(await r.text(), "framework 'x' not found");
  const b = await fetch(base + '/boom');
  assert.equal(b.status, 500);
  assert.equal(await b.text(), 'Internal server error');
});

test('content negotiation: 400 without Content-Type, 415 for other types, 406 for Accept', async () => {
  const post = (headers: Record<string, string>, body = '{"a":1}'): Promise<Response> => fetch(base + '/api/v1', { method: 'POST', headers, body });
  const noType = await fetch(base + '/api/v1', { method: 'POST', body: new Uint8Array([123, 125]) });
  assert.equal(noType.status, 400);
  assert.match(await noType.text(), /Expecting 'Content-Type' to be present/);
  assert.equal((await post({ 'Content-Type': 'text/plain' })).status, 415);
  assert.equal((await post({ 'Content-Type': 'application/x-protobuf' })).status, 415);
  assert.equal((await post({ 'Content-Type': 'application/json', Accept: 'application/x-protobuf' })).status, 406);
  const ok = await post({ 'Content-Type': 'application/json; charset=utf-8', Accept: 'application/json' });
  assert.deepEqual(await ok.json(), { echo: { a: 1 } });
  assert.equal((await post({ 'Content-Type': 'application/json' }, 'x'.repeat(2000))).status, 413);
  assert.equal(acceptsJson('text/html, application/*;q=0.9'), true);
  assert.equal(acceptsJson('application/json;q=0'), false);
});

test('event streams are RecordIO with the given headers; client close is noticed', async () => {
  const r = await fetch(base + '/stream', { method: 'POST' });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('mesos-stream-id'), 'abc');
  const events: unknown[] = [];
  const reader = readJsonRecords(r.body!);
  for await (const e of reader) {
    events.push(e);
    if (events.length === 2) break;
  }
  assert.deepEqual(events, [{ type: 'SUBSCRIBED' }, { type: 'HEARTBEAT' }]);
  const s = streams.at(-1)!;
  await new Promise<void>((resolve) => s.onClose((reason) => (assert.equal(reason, 'client'), resolve())));
  assert.equal(s.send({ type: 'HEARTBEAT' }), false);
});

test('a malformed percent-escape in the path is a 400, not a crash', async () => {
  for (const p of ['/%ff', '/master/%E0%A4%A', '/state%']) {
    const r = await fetch(base + p);
    assert.equal(r.status, 400, p);
    assert.equal(await r.text(), 'Malformed request URL');
  }
  assert.equal((await fetch(base + '/state')).status, 200);
});

test('a malformed client gets 400 and the server keeps serving', async () => {
  const reply = await new Promise<string>((resolve) => {
    const sock = connect(port, '127.0.0.1', () => sock.write('THIS IS NOT HTTP\r\n\r\n'));
    let data = '';
    sock.on('data', (d) => (data += d.toString()));
    sock.on('close', () => resolve(data));
  });
  assert.match(reply, /^HTTP\/1.1 400/);
  assert.equal((await fetch(base + '/state')).status, 200);
});
