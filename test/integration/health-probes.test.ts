// The check probes (src/executor/command/probes.ts) against real processes and sockets on
// 127.0.0.1: what each one reports, and that nothing is left behind when a probe ends or is
// aborted at its timeout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { runCommand, runHttp, runProbe, runTcp } from '../../src/executor/command/probes.ts';
import { tempDir, waitFor } from '../helpers/process.ts';

const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function listen<S extends HttpServer | TcpServer>(server: S): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

/** A port the OS just handed out and nothing listens on any more. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('COMMAND: the exit code, run in the given cwd with the given environment', async () => {
  const dir = tempDir('agora-probe-');
  cleanups.push(dir.cleanup);
  const spec = { file: '/bin/sh', args: ['-c', 'pwd > where; echo "$CHECK_VAR" > env; exit 7'], argv0: 'sh', env: { CHECK_VAR: 'hello', PATH: process.env.PATH ?? '' }, cwd: dir.path };
  assert.deepEqual(await runCommand(spec, new AbortController().signal), { type: 'COMMAND', exitCode: 7 });
  assert.equal(realpathSync(readFileSync(join(dir.path, 'where'), 'utf8').trim()), realpathSync(dir.path));
  assert.equal(readFileSync(join(dir.path, 'env'), 'utf8').trim(), 'hello');
  assert.deepEqual(await runCommand({ ...spec, args: ['-c', 'kill -9 $$'] }, new AbortController().signal), { type: 'error', message: 'command terminated with signal Killed' });
  const missing = await runCommand({ ...spec, file: '/nonexistent/check' }, new AbortController().signal);
  assert.equal(missing.type, 'error');
});

test('COMMAND: an aborted (timed-out) probe has its whole process group killed', async () => {
  const dir = tempDir('agora-probe-');
  cleanups.push(dir.cleanup);
  const pids = join(dir.path, 'pids');
  // The shell and a background child of it both hang.
  const spec = { file: '/bin/sh', args: ['-c', `sleep 30 & echo $! >> ${pids}; echo $$ >> ${pids}; wait`], argv0: 'sh', env: { PATH: process.env.PATH ?? '' }, cwd: dir.path };
  const controller = new AbortController();
  const result = runCommand(spec, controller.signal);
  const readPids = (): number[] => (existsSync(pids) ? readFileSync(pids, 'utf8').trim().split('\n').filter(Boolean).map(Number) : []);
  const started = await waitFor(() => (readPids().length === 2 ? readPids() : undefined));
  assert.ok(started.every(alive));
  controller.abort();
  assert.equal((await result).type, 'error');
  await waitFor(() => started.every((pid) => !alive(pid)), 5000);
});

test('COMMAND: background processes a finished check leaves behind are killed too', async () => {
  const dir = tempDir('agora-probe-');
  cleanups.push(dir.cleanup);
  const pidFile = join(dir.path, 'bg');
  const spec = { file: '/bin/sh', args: ['-c', `sleep 30 & echo $! > ${pidFile}; exit 0`], argv0: 'sh', env: { PATH: process.env.PATH ?? '' }, cwd: dir.path };
  assert.deepEqual(await runCommand(spec, new AbortController().signal), { type: 'COMMAND', exitCode: 0 });
  const bg = Number(readFileSync(pidFile, 'utf8'));
  await waitFor(() => !alive(bg), 5000);
});

test('HTTP: the final status code, following redirects; connection errors are errors', async () => {
  const server = createHttpServer((req, res) => {
    if (req.url === '/moved') res.writeHead(302, { Location: '/teapot' }).end();
    else if (req.url === '/teapot') res.writeHead(418).end('short and stout');
    else if (req.url === '/loop') res.writeHead(301, { Location: '/loop' }).end();
    else res.writeHead(200).end('ok');
  });
  const port = await listen(server);
  const signal = new AbortController().signal;
  assert.deepEqual(await runHttp(`http://127.0.0.1:${port}`, signal), { type: 'HTTP', statusCode: 200 });
  assert.deepEqual(await runHttp(`http://127.0.0.1:${port}/moved`, signal), { type: 'HTTP', statusCode: 418 });
  assert.deepEqual(await runHttp(`http://127.0.0.1:${port}/loop`, signal), { type: 'HTTP', statusCode: 301 }, 'redirects are bounded');
  const refused = await runHttp(`http://127.0.0.1:${await closedPort()}/`, signal);
  assert.equal(refused.type, 'error');
  assert.match(refused.type === 'error' ? refused.message : '', /ECONNREFUSED/);
});

test('HTTP: an aborted request closes its connection; no keep-alive connection stays open', async () => {
  let open = 0;
  const server = createHttpServer(() => {
    // Never answers.
  });
  server.on('connection', (socket) => {
    open++;
    socket.on('close', () => open--);
  });
  const port = await listen(server);
  const controller = new AbortController();
  const result = runProbe({ type: 'HTTP', scheme: 'http', host: '127.0.0.1', port, path: '/slow' }, controller.signal);
  await waitFor(() => open === 1);
  controller.abort();
  assert.equal((await result).type, 'error');
  await waitFor(() => open === 0, 5000);

  const answering = createHttpServer((_req, res) => res.end('ok'));
  let answeringOpen = 0;
  answering.on('connection', (socket) => {
    answeringOpen++;
    socket.on('close', () => answeringOpen--);
  });
  const port2 = await listen(answering);
  assert.deepEqual(await runHttp(`http://127.0.0.1:${port2}/`, new AbortController().signal), { type: 'HTTP', statusCode: 200 });
  await waitFor(() => answeringOpen === 0, 5000);
});

test('TCP: a connect succeeds against a listener and fails against a closed port', async () => {
  const server = createTcpServer((socket) => socket.destroy());
  const port = await listen(server);
  const signal = new AbortController().signal;
  assert.deepEqual(await runTcp('127.0.0.1', port, signal), { type: 'TCP', succeeded: true });
  assert.deepEqual(await runTcp('127.0.0.1', await closedPort(), signal), { type: 'TCP', succeeded: false });
  assert.deepEqual(await runTcp('127.0.0.1', 70_000, signal), { type: 'TCP', succeeded: false });
});
