// CallTransport (the calls' node:http transport) against small local servers: what it sends, what
// it reads back, its deadline on the Clock, and that https URLs go over TLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, SystemClock } from '../common/clock.ts';
import { SchedulerUnreachableError } from './errors.ts';
import { CallTransport } from './http.ts';

type Seen = { method: string | undefined; headers: IncomingMessage['headers']; body: string };

async function listen(server: Server): Promise<URL> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return new URL(`http://127.0.0.1:${port}/api/v1/scheduler`);
}

/** Collects each request, then lets `answer` respond. */
function recording(seen: Seen[], answer: (res: ServerResponse) => void): RequestListener {
  return (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, headers: req.headers, body });
      answer(res);
    });
  };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

test('post() sends the JSON body with its headers and returns status, Location and the whole body', async () => {
  const seen: Seen[] = [];
  const server = createServer(recording(seen, (res) => res.writeHead(307, { Location: '//10.0.0.1:5050' }).end('moved ' + 'x'.repeat(100_000))));
  const url = await listen(server);
  const transport = new CallTransport();
  try {
    const answer = await transport.post(url, '{"type":"REVIVE"}', { headers: { 'Mesos-Stream-Id': 's-1' }, clock: new SystemClock() });
    assert.equal(answer.status, 307);
    assert.equal(answer.location, '//10.0.0.1:5050');
    assert.equal(answer.body.length, 'moved '.length + 100_000, 'a body of many chunks is read to its end');
    assert.equal(seen[0]?.method, 'POST');
    assert.equal(seen[0]?.body, '{"type":"REVIVE"}');
    assert.equal(seen[0]?.headers['content-type'], 'application/json');
    assert.equal(seen[0]?.headers['accept'], 'application/json');
    assert.equal(seen[0]?.headers['content-length'], '17');
    assert.equal(seen[0]?.headers['mesos-stream-id'], 's-1');
    assert.equal(seen[0]?.headers['connection'], 'keep-alive');
  } finally {
    transport.destroy();
    await close(server);
  }
});

test('post() fails after timeoutMs on the given clock, naming the deadline; an answer cut short is unreachable too', async () => {
  const seen: Seen[] = [];
  let answerHalf = false;
  const server = createServer(
    recording(seen, (res) => {
      if (!answerHalf) return; // never answers
      res.writeHead(202, { 'Content-Length': '100' }).write('partial');
      res.socket?.destroy();
    }),
  );
  const url = await listen(server);
  const transport = new CallTransport();
  const clock = new ManualClock();
  try {
    const pending = transport.post(url, '{}', { headers: {}, timeoutMs: 500, clock });
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    clock.advance(499);
    clock.advance(1);
    await assert.rejects(pending, (err: unknown) => err instanceof SchedulerUnreachableError && err.message === `cannot reach the master at ${url.href}: no answer within 500 ms`);

    answerHalf = true;
    await assert.rejects(transport.post(url, '{}', { headers: {}, clock }), (err: unknown) => err instanceof SchedulerUnreachableError && err.message.startsWith(`cannot reach the master at ${url.href}: `));
  } finally {
    transport.destroy();
    await close(server);
  }
});

/** A self-signed certificate for 127.0.0.1, made with openssl (part of Debian's base system). */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'scheduler-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an https URL is called over TLS (an untrusted certificate is refused, naming why)', async () => {
  const tls = selfSignedCertificate();
  const server = createHttpsServer(tls, (_req, res) => res.writeHead(202).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(`https://127.0.0.1:${port}/api/v1/scheduler`);
  const transport = new CallTransport();
  try {
    await assert.rejects(transport.post(url, '{}', { headers: {}, clock: new SystemClock() }), (err: unknown) => err instanceof SchedulerUnreachableError && err.message.startsWith(`cannot reach the master at ${url.href}: self-signed certificate`));
  } finally {
    transport.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
