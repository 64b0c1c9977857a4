// proxyToAgent against in-process HTTP servers on 127.0.0.1 (no child processes): status and
// headers pass through, bodies stream whole, and an agent that is down, silent or stalls gives a
// 503 or a cut transfer within the timeout, never a hang.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SystemClock } from '../../../common/clock.ts';
import { HttpServer, RESPONDED } from '../../../common/http/server.ts';
import { silentLogger } from '../../../common/log.ts';
import { proxyToAgent } from './proxy.ts';

const TIMEOUT_MS = 300;
const BIG = Buffer.alloc(3 * 1024 * 1024, 'x');

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return (server.address() as AddressInfo).port;
}

/** A fake agent; `seen` records each request's url and whether the client hung up early. */
const seen: { url: string; closedEarly: boolean }[] = [];
const agentPort = await listen(
  createServer((req, res: ServerResponse) => {
    const record = { url: req.url ?? '', closedEarly: false };
    seen.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.closedEarly = true;
    });
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/files/read') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Internal': 'secret', Connection: 'close' });
      res.end('File not found');
    } else if (path === '/files/download') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': BIG.length, 'Content-Disposition': 'attachment; filename="stdout"' });
      res.end(BIG);
    } else if (path === '/endless') {
      // A log that keeps growing: only the client hanging up ends this transfer.
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const timer = setInterval(() => res.write(Buffer.alloc(16 * 1024, 'y')), 5);
      res.on('close', () => clearInterval(timer));
    } else if (path === '/silent') {
      // Never answers.
    } else if (path === '/stall') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 100 });
      res.write('only part of it');
    }
  }),
);

const closedPort = await (async () => {
  const s = createServer();
  const port = await listen(s);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
})();

const master = new HttpServer({ processId: 'master', logger: silentLogger() });
master.route({
  methods: ['GET'],
  path: '/proxy',
  handler: async (ctx) => {
    const port = ctx.query.get('port') === 'closed' ? closedPort : agentPort;
    await proxyToAgent(ctx, { agentId: 'a1', host: '127.0.0.1', port, path: ctx.query.get('to') ?? '/' }, { clock: new SystemClock(), timeoutMs: TIMEOUT_MS, log: silentLogger() });
    return RESPONDED;
  },
});
const masterPort = (await master.listen(0)).port;
cleanups.push(() => master.close());

function via(to: string, extra = ''): string {
  return `http://127.0.0.1:${masterPort}/proxy?to=${encodeURIComponent(to)}${extra}`;
}

test("the agent's status, body-describing headers and body pass through; the query is kept", async () => {
  const res = await fetch(via('/files/read?path=%2Fa%20b&offset=-1&jsonp=cb'));
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(res.headers.get('x-internal'), null, 'only headers that describe the body are forwarded');
  assert.equal(await res.text(), 'File not found');
  assert.equal(seen.at(-1)!.url, '/files/read?path=%2Fa%20b&offset=-1&jsonp=cb', 'path and query reach the agent byte for byte');
});

test('a large body streams through whole, with its length and disposition', async () => {
  const res = await fetch(via('/files/download'));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-length'), String(BIG.length));
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="stdout"');
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(body.length, BIG.length);
  assert.ok(body.equals(BIG));
});

test('an agent that refuses connections is a 503 naming it', async () => {
  const res = await fetch(via('/files/read', '&port=closed'));
  assert.equal(res.status, 503);
  assert.match(await res.text(), /Agent 'a1' at 127\.0\.0\.1:\d+ is unreachable: ECONNREFUSED/);
});

test('an agent that does not answer is a 503 after the timeout, and the request to it is dropped', async () => {
  const started = performance.now();
  const res = await fetch(via('/silent'));
  const elapsed = performance.now() - started;
  assert.equal(res.status, 503);
  assert.match(await res.text(), new RegExp(`did not answer within ${TIMEOUT_MS} ms`));
  assert.ok(elapsed >= TIMEOUT_MS - 20 && elapsed < TIMEOUT_MS + 2000, `answered after ${Math.round(elapsed)} ms`);
});

test('a body that stops flowing is cut, so the client cannot take it for a whole one', async () => {
  const res = await fetch(via('/stall'));
  assert.equal(res.status, 200);
  await assert.rejects(res.text(), 'the truncated body ends in an error, not a clean end');
});

test('a client that hangs up stops the transfer from the agent', async () => {
  const before = seen.length;
  await new Promise<void>((resolve, reject) => {
    const req = get(via('/endless'), (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
  });
  const record = seen[before]!;
  const deadline = Date.now() + 5000;
  while (!record.closedEarly && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  assert.ok(record.closedEarly, 'the agent-side response was closed before it finished');
});
