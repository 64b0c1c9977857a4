// The probes of health checks and checks: thin I/O, one run each, never rejecting, and leaving
// nothing behind. Loaded by checker.ts on the first probe run only.
//
//   COMMAND  the check's command in its own session/process group (like the task), stdin from
//            /dev/null, stdout and stderr to the executor's stderr (the sandbox `stderr` file, as
//            Mesos does); the result is the exit code, a signal is an error. When it exits or is
//            aborted, whatever is left in its process group is SIGKILLed.
//   HTTP     GET scheme://host:port/path without keep-alive, certificates not verified (curl -k),
//            3xx redirects followed (curl -L); the result is the final status code, read from the
//            headers (the body is not waited for).
//   TCP      a connect to host:port; the result is whether it succeeded.
import { spawn } from 'node:child_process';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { connect } from 'node:net';
import { executorStderr } from './executor-stdio.ts';
import type { ProbeResult } from './check-logic.ts';
import type { LaunchSpec } from './launch-spec.ts';
import type { ProbeSpec } from './check-spec.ts';
import { describeSignal } from './termination.ts';

// Not `import from 'node:http'`: that costs every executor ~20 ms at start (see agent-client.ts).
const { request: httpRequest } = process.getBuiltinModule('node:http');

/** curl's own default is 50; a health endpoint that redirects more than this is broken. */
export const MAX_REDIRECTS = 10;

const ABORTED: ProbeResult = { type: 'error', message: 'the probe was aborted' };

export function runProbe(probe: ProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  switch (probe.type) {
    case 'COMMAND':
      return runCommand(probe.spawn, signal);
    case 'HTTP':
      return runHttp(`${probe.scheme}://${probe.host.includes(':') ? `[${probe.host}]` : probe.host}:${probe.port}${probe.path}`, signal);
    case 'TCP':
      return runTcp(probe.host, probe.port, signal);
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already.
  }
}

export function runCommand(spec: LaunchSpec, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const child = spawn(spec.file, spec.args, { argv0: spec.argv0, env: spec.env, cwd: spec.cwd, detached: true, stdio: ['ignore', executorStderr(), executorStderr()] });
    const pid = child.pid;
    if (pid === undefined) {
      child.once('error', (err) => resolve({ type: 'error', message: `failed to run the command: ${err.message}` }));
      return;
    }
    const onAbort = (): void => {
      killGroup(pid);
      resolve(ABORTED);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', () => {
      // A failed signal delivery; 'exit' still comes.
    });
    child.once('exit', (code, exitSignal) => {
      signal.removeEventListener('abort', onAbort);
      // Whatever the command started in the background goes with it.
      killGroup(pid);
      if (code !== null) resolve({ type: 'COMMAND', exitCode: code });
      else resolve({ type: 'error', message: `command terminated with signal ${describeSignal(exitSignal ?? 'unknown')}` });
    });
  });
}

type HttpResponse = { type: 'response'; statusCode: number; location: string | undefined };

async function requestFor(url: URL): Promise<typeof httpRequest> {
  if (url.protocol === 'http:') return httpRequest;
  // TLS is loaded only for HTTPS health checks.
  const https = await import('node:https');
  return https.request;
}

export async function runHttp(target: string, signal: AbortSignal, redirects = 0): Promise<ProbeResult> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { type: 'error', message: `invalid URL '${target}'` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { type: 'error', message: `unsupported redirect to '${target}'` };
  const request = await requestFor(url);
  if (signal.aborted) return ABORTED;
  const response = await new Promise<HttpResponse | ProbeResult>((resolve) => {
    const options: RequestOptions & { rejectUnauthorized: boolean } = {
      method: 'GET',
      // No keep-alive: every probe opens and closes its own connection, so none is left open.
      agent: false,
      headers: { Accept: '*/*', Connection: 'close', 'User-Agent': 'agora-health-check' },
      rejectUnauthorized: false,
    };
    let req: ClientRequest;
    try {
      req = request(url, options);
    } catch (err) {
      resolve({ type: 'error', message: (err as Error).message });
      return;
    }
    const onAbort = (): void => {
      req.destroy();
      resolve(ABORTED);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    req.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      resolve({ type: 'error', message: `HTTP request to ${url.href} failed: ${err.message}` });
    });
    req.once('response', (res: IncomingMessage) => {
      signal.removeEventListener('abort', onAbort);
      // Only the status matters; close the connection instead of reading the body.
      res.on('error', () => {});
      res.destroy();
      req.destroy();
      resolve({ type: 'response', statusCode: res.statusCode ?? 0, location: res.headers.location });
    });
    req.end();
  });
  if (response.type !== 'response') return response;
  const { statusCode, location } = response;
  if (statusCode >= 300 && statusCode < 400 && location !== undefined && redirects < MAX_REDIRECTS) {
    return runHttp(new URL(location, url).href, signal, redirects + 1);
  }
  return { type: 'HTTP', statusCode };
}

export function runTcp(host: string, port: number, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let socket: ReturnType<typeof connect>;
    try {
      socket = connect({ host, port });
    } catch {
      // An out-of-range port throws synchronously; it cannot connect, as Mesos reports it.
      resolve({ type: 'TCP', succeeded: false });
      return;
    }
    const onAbort = (): void => {
      socket.destroy();
      resolve(ABORTED);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ type: 'TCP', succeeded: true });
    });
    socket.once('error', () => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ type: 'TCP', succeeded: false });
    });
  });
}
