import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as connectTcp } from 'node:net';
import { connect as connectH2, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { HttpServer, RESPONDED } from './server.ts';
import { EventStream } from './event-stream.ts';
import { startsWithH2Preface } from './dual-protocol.ts';
import { silentLogger } from '../log.ts';
import { RecordIODecoder } from '../../protocol/recordio.ts';

let base = '';
let port = 0;
const server = new HttpServer({ processId: 'master', logger: silentLogger(), maxBodyBytes: 1024 });

before(async () => {
  server
    .route({ methods: ['GET'], path: '/state', jsonp: true, handler: () => ({ ok: true }) })
    .route({ methods: ['POST'], path: '/echo', handler: async (ctx) => ({ echo: JSON.parse((await ctx.body()).toString()) as unknown}) })
    .route({
      methods: ['POST'],
      path: '/stream',
      handler: (ctx) => {
        const s = new EventStream(ctx.res, { headers: { 'Mesos-Stream-Id': 'abc' } });
        s.send({ type: 'SUBSCRIBED' });
        s.send({ type: 'PING' });
        s.close();
        return RESPONDED;
      },
    });
  port = (await server.listen(0)).port;
  base = `http://127.0.0.1:${port}`;
});

after(() => server.close());

type H2Answer = { headers: IncomingHttpHeaders; body: Buffer };

function h2Request(session: ClientHttp2Session, headers: Record<string, string | number>, body?: string): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    const parts: Buffer[] = [];
    let answer: IncomingHttpHeaders = {};
    stream.on('response', (h) => (answer = h));
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => resolve({ headers: answer, body: Buffer.concat(parts) }));
    stream.on('error', reject);
    stream.end(body);
  });
}

test('the HTTP/2 preface is told apart from every HTTP/1.1 request line', () => {
  assert.equal(startsWithH2Preface(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00')), true);
  assert.equal(startsWithH2Preface(Buffer.from('PRI *')), true, 'a prefix long enough to tell');
  assert.equal(startsWithH2Preface(Buffer.from('PR')), false, 'too short to tell: HTTP/1.1 answers it');
  for (const line of ['GET / HTTP/1.1\r\n', 'POST /api/v1 HTTP/1.1\r\n', 'PRIX / HTTP/1.1\r\n']) assert.equal(startsWithH2Preface(Buffer.from(line)), false, line);
});

test('an h2c client reaches the same routes on the same port, many streams on one connection', async () => {
  const session = connectH2(base);
  try {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h2Request(session, { ':method': 'POST', ':path': '/master/echo', 'content-type': 'application/json' }, JSON.stringify({ i })),
      ),
    );
    answers.forEach((a, i) => {
      assert.equal(a.headers[':status'], 200);
      assert.deepEqual(JSON.parse(a.body.toString()), { echo: { i } });
    });
    const state = await h2Request(session, { ':method': 'GET', ':path': '/state?jsonp=cb' });
    assert.equal(state.body.toString(), 'cb({"ok":true});');
    const big = await h2Request(session, { ':method': 'POST', ':path': '/echo' }, JSON.stringify({ pad: 'x'.repeat(2000) }));
    assert.equal(big.headers[':status'], 413, 'the body limit holds over HTTP/2 too');
    const missing = await h2Request(session, { ':method': 'GET', ':path': '/nope' });
    assert.equal(missing.headers[':status'], 404);
  } finally {
    session.close();
  }
  // HTTP/1.1 on the same port is unaffected.
  assert.deepEqual(await (await fetch(`${base}/state`)).json(), { ok: true });
});

test('an event stream over HTTP/2 carries its headers and RecordIO records and ends', async () => {
  const session = connectH2(base);
  try {
    const answer = await h2Request(session, { ':method': 'POST', ':path': '/stream' });
    assert.equal(answer.headers[':status'], 200);
    assert.equal(answer.headers['mesos-stream-id'], 'abc');
    const records = new RecordIODecoder().push(answer.body).map((r) => JSON.parse(Buffer.from(r).toString()) as { type: string });
    assert.deepEqual(records.map((r) => r.type), ['SUBSCRIBED', 'PING']);
  } finally {
    session.close();
  }
});

test('garbage after the HTTP/2 preface, or a half preface, costs only that connection', async () => {
  for (const bytes of ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + '\xff'.repeat(64), 'PRI * HTTP/2.0\r\n']) {
    await new Promise<void>((resolve) => {
      const socket = connectTcp(port, '127.0.0.1', () => socket.end(Buffer.from(bytes, 'latin1')));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.resume();
    });
  }
  assert.deepEqual(await (await fetch(`${base}/state`)).json(), { ok: true });
});

test('close() ends open HTTP/1.1 keep-alive and HTTP/2 connections', async () => {
  const other = new HttpServer({ processId: 'master', logger: silentLogger() });
  other.route({ methods: ['GET'], path: '/state', handler: () => ({ ok: true }) });
  const url = `http://127.0.0.1:${(await other.listen(0)).port}`;
  const session = connectH2(url);
  await h2Request(session, { ':method': 'GET', ':path': '/state' });
  await (await fetch(`${url}/state`)).json();
  const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
  await other.close();
  await closed;
});
