// A real Docker registry for tests (Debian's `docker-registry`, distribution 2.8) on 127.0.0.1,
// without auth, with htpasswd Basic auth, or with token auth (a tiny token server here issues
// RS256 JWTs the registry verifies against a throw-away certificate). Plus a counting (and
// optionally corrupting) HTTP proxy to put in front of it, and a static file server (ACIs).
//
//   const reg = await startRegistry({ auth: 'htpasswd', username: 'u', password: 'p' });
//   ... reg.url (http://127.0.0.1:PORT), reg.host (127.0.0.1:PORT) ...
//   await reg.stop();
import { execFileSync } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { spawnProcess, tempDir, waitFor, type Spawned } from './process.ts';

export const DOCKER_REGISTRY_BIN = '/usr/bin/docker-registry';

/** A free TCP port on 127.0.0.1 (for servers that cannot bind port 0 themselves). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

export type RegistryOptions = { auth?: 'none' | 'htpasswd' | 'token'; username?: string; password?: string };

export type Registry = {
  url: string;
  host: string;
  /** Token requests seen by the token server (auth 'token'): their `scope` values. */
  tokenRequests: string[];
  process: Spawned;
  stop(): Promise<void>;
};

type TokenServer = { url: string; certFile: string; requests: string[]; close(): Promise<void> };

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Issues registry JWTs for `user:password` (any granted scope), refuses anything else with 401. */
async function startTokenServer(dir: string, service: string, issuer: string, username: string, password: string): Promise<TokenServer> {
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=agora-test-token-issuer'], { stdio: 'ignore' });
  const key = readFileSync(keyFile, 'utf8');
  const certDer = Buffer.from(readFileSync(certFile, 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64').toString('base64');
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scope = url.searchParams.get('scope') ?? '';
    requests.push(scope);
    const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
      return;
    }
    const access = scope
      .split(' ')
      .filter(Boolean)
      .map((s) => {
        const parts = s.split(':');
        return { type: parts[0], name: parts.slice(1, -1).join(':'), actions: (parts.at(-1) ?? '').split(',') };
      });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer] };
    const claims = { iss: issuer, sub: username, aud: url.searchParams.get('service') ?? service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: `${signingInput}.${b64url(signature)}`, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/token`, certFile, requests, close: () => close(server) };
}

/** Starts docker-registry with a generated config; resolves once `GET /v2/` answers. */
export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  if (!existsSync(DOCKER_REGISTRY_BIN)) throw new Error(`${DOCKER_REGISTRY_BIN} is missing: bash scripts/system-deps.sh docker-registry`);
  const dir = tempDir('agora-registry-');
  const username = opts.username ?? 'agora';
  const password = opts.password ?? 'secret';
  let token: TokenServer | undefined;
  let authYaml = '';
  if (opts.auth === 'htpasswd') {
    const line = execFileSync('htpasswd', ['-Bbn', username, password], { encoding: 'utf8' }).trim();
    writeFileSync(join(dir.path, 'htpasswd'), `${line}\n`);
    authYaml = `auth:\n  htpasswd:\n    realm: agora-test\n    path: ${join(dir.path, 'htpasswd')}\n`;
  } else if (opts.auth === 'token') {
    token = await startTokenServer(dir.path, 'agora-test-registry', 'agora-test-issuer', username, password);
    authYaml = `auth:\n  token:\n    realm: ${token.url}\n    service: agora-test-registry\n    issuer: agora-test-issuer\n    rootcertbundle: ${token.certFile}\n`;
  }
  mkdirSync(join(dir.path, 'data'));
  // The registry cannot listen on port 0: take a free port and retry if someone else grabbed it.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir.path, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: agora-test-secret\n${authYaml}`;
    writeFileSync(join(dir.path, 'config.yml'), config);
    const proc = spawnProcess(DOCKER_REGISTRY_BIN, ['serve', join(dir.path, 'config.yml')], { OTEL_TRACES_EXPORTER: 'none' });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(async () => {
        if (proc.child.exitCode !== null) throw new Error(`docker-registry exited: ${proc.output.join('\n')}`);
        const res = await fetch(`${url}/v2/`).catch(() => undefined);
        return res && (res.status === 200 || res.status === 401);
      }, 15_000);
    } catch (err) {
      await proc.stop();
      if (attempt < 2 && proc.output.join('\n').includes('address already in use')) continue;
      dir.cleanup();
      await token?.close();
      throw err;
    }
    return {
      url,
      host: `127.0.0.1:${port}`,
      tokenRequests: token?.requests ?? [],
      process: proc,
      async stop() {
        await proc.stop();
        await token?.close();
        dir.cleanup();
      },
    };
  }
}

export type Proxy = {
  url: string;
  host: string;
  /** `METHOD path` of every request, in order. */
  requests: string[];
  /** How many requests had this path (e.g. `/v2/busybox/blobs/sha256:...`). */
  count(path: string, method?: string): number;
  close(): Promise<void>;
};

/**
 * An HTTP proxy to `target` that records requests. `corrupt(path)` true makes it flip one byte
 * of that response's body (length unchanged): a registry serving a corrupted blob.
 */
export async function startCountingProxy(target: string, opts: { corrupt?: (path: string) => boolean } = {}): Promise<Proxy> {
  const requests: string[] = [];
  const t = new URL(target);
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(`${req.method} ${path}`);
    const upstream = httpRequest(
      { host: t.hostname, port: t.port, method: req.method, path, headers: { ...req.headers, host: t.host } },
      (up: IncomingMessage) => {
        const headers = { ...up.headers };
        if (!opts.corrupt?.(path.split('?')[0]!) || up.statusCode !== 200) {
          res.writeHead(up.statusCode ?? 502, headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.concat(chunks);
          if (body.length > 0) body[Math.floor(body.length / 2)]! ^= 0xff;
          res.writeHead(200, headers).end(body);
        });
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    count: (p, method = 'GET') => requests.filter((r) => r === `${method} ${p}`).length,
    close: () => close(server),
  };
}

/** Serves files under `root` over HTTP on 127.0.0.1; records request paths. */
export async function startFileServer(root: string): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const base = resolve(root);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = resolve(base, `.${path}`);
    if (!file.startsWith(base + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, requests, close: () => close(server) };
}
