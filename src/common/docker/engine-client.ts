// A Docker Engine API client over the daemon's unix socket (node:http with `socketPath`), used
// by the Docker containerizer and the Docker executor instead of shelling out to the docker CLI
// (reference containerizers.md §9.5): no CLI version coupling, no argv quoting, structured
// errors, and logs/stats as streams.
//
// Every non-2xx answer becomes a DockerEngineError carrying the daemon's own message (`{"message":
// ...}` body), the HTTP status and the request, so task failures can show operators what Docker
// said. Paths are unversioned: the daemon serves its own API version (1.41 for Debian's 20.10).
import { request, type IncomingMessage } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { ProgressDecoder, StreamDemuxer, type ProgressMessage } from './engine-stream.ts';
import type {
  ContainerCreateBody,
  ContainerInspect,
  ContainerStats,
  ContainerSummary,
  ContainerWaitResponse,
  EngineVersion,
  ExecResult,
  ImageInspect,
  RegistryAuth,
} from './engine-types.ts';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** A request the daemon refused or that could not reach it. */
export class DockerEngineError extends Error {
  /** HTTP status; undefined when the daemon could not be reached. */
  readonly status: number | undefined;
  readonly method: string;
  readonly path: string;
  constructor(method: string, path: string, status: number | undefined, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DockerEngineError';
    this.status = status;
    this.method = method;
    this.path = path;
  }
}

type RequestOptions = {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** A raw request body (image import tar) instead of JSON. */
  stream?: Readable | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Socket inactivity timeout; 0 = none (waits, log follows). */
  timeoutMs?: number;
  signal?: AbortSignal;
};

export type DockerEngineOptions = {
  socketPath?: string;
  /** Default inactivity timeout of short requests (default 30 s). */
  timeoutMs?: number;
};

export class DockerEngine {
  readonly socketPath: string;
  readonly #timeoutMs: number;

  constructor(options: DockerEngineOptions = {}) {
    this.socketPath = options.socketPath ?? DEFAULT_DOCKER_SOCKET;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  // -------------------------------------------------------------------------------------------
  // System.

  async ping(): Promise<void> {
    const res = await this.#send('GET', '/_ping', { timeoutMs: 5_000 });
    await readBody(res);
  }

  async version(): Promise<EngineVersion> {
    return this.#json<EngineVersion>('GET', '/version');
  }

  // -------------------------------------------------------------------------------------------
  // Images.

  /** The image, or undefined when the daemon does not have it. */
  async inspectImage(ref: string): Promise<ImageInspect | undefined> {
    return this.#orUndefined(() => this.#json<ImageInspect>('GET', `/images/${encodeURIComponent(ref)}/json`));
  }

  /**
   * Pulls `ref` (`name[:tag|@digest]`). Progress messages go to `onProgress`; an error reported
   * inside the 200 stream rejects with the daemon's message.
   */
  async pullImage(ref: string, options: { auth?: RegistryAuth | undefined; onProgress?: (m: ProgressMessage) => void; signal?: AbortSignal } = {}): Promise<void> {
    const { name, tag } = splitTag(ref);
    const headers: Record<string, string> = {};
    if (options.auth) headers['X-Registry-Auth'] = encodeRegistryAuth(options.auth);
    const path = '/images/create';
    const res = await this.#send('POST', path, { query: { fromImage: name, tag }, headers, timeoutMs: 0, signal: options.signal });
    await this.#progress(res, 'POST', path, options.onProgress);
  }

  /** Imports a root filesystem tar as `repo:tag` (`docker import`), with Dockerfile `changes` (CMD, ENTRYPOINT, ENV...). */
  async importImage(tar: Readable | Buffer, repo: string, tag: string, changes: string[] = []): Promise<void> {
    const path = '/images/create';
    const query: Record<string, string> = { fromSrc: '-', repo, tag };
    const search = new URLSearchParams(query);
    for (const change of changes) search.append('changes', change);
    const res = await this.#send('POST', `${path}?${search.toString()}`, { stream: tar, contentType: 'application/x-tar', timeoutMs: 0 });
    await this.#progress(res, 'POST', path);
  }

  /** Loads a `docker save` tarball (`docker load`): the very image another runtime reads from the same file. */
  async loadImage(tar: Readable | Buffer): Promise<void> {
    const path = '/images/load';
    const res = await this.#send('POST', `${path}?quiet=1`, { stream: tar, contentType: 'application/x-tar', timeoutMs: 0 });
    await this.#progress(res, 'POST', path);
  }

  async removeImage(ref: string, force = false): Promise<void> {
    await this.#json('DELETE', `/images/${encodeURIComponent(ref)}`, { query: { force } });
  }

  async tagImage(ref: string, repo: string, tag: string): Promise<void> {
    await this.#json('POST', `/images/${encodeURIComponent(ref)}/tag`, { query: { repo, tag } });
  }

  /** Pushes `repo:tag` to its registry (tests use it to fill a local registry). */
  async pushImage(repo: string, tag: string, auth?: RegistryAuth): Promise<void> {
    const path = `/images/${encodeURIComponent(repo)}/push`;
    const headers: Record<string, string> = { 'X-Registry-Auth': encodeRegistryAuth(auth ?? {}) };
    const res = await this.#send('POST', path, { query: { tag }, headers, timeoutMs: 0 });
    await this.#progress(res, 'POST', path);
  }

  // -------------------------------------------------------------------------------------------
  // Containers.

  async createContainer(name: string, body: ContainerCreateBody): Promise<{ Id: string; Warnings?: string[] | null }> {
    return this.#json('POST', '/containers/create', { query: { name }, body });
  }

  async startContainer(id: string): Promise<void> {
    await this.#json('POST', `/containers/${encodeURIComponent(id)}/start`, { okStatuses: [304] });
  }

  /** Resolves when the container is not running (any more): its exit code. */
  async waitContainer(id: string, signal?: AbortSignal): Promise<ContainerWaitResponse> {
    return this.#json<ContainerWaitResponse>('POST', `/containers/${encodeURIComponent(id)}/wait`, { query: { condition: 'not-running' }, timeoutMs: 0, signal });
  }

  async inspectContainer(id: string): Promise<ContainerInspect | undefined> {
    return this.#orUndefined(() => this.#json<ContainerInspect>('GET', `/containers/${encodeURIComponent(id)}/json`));
  }

  /** `docker stop -t`: the stop signal, then SIGKILL after `timeoutSecs`. Not running is fine. */
  async stopContainer(id: string, timeoutSecs: number): Promise<void> {
    await this.#json('POST', `/containers/${encodeURIComponent(id)}/stop`, {
      query: { t: Math.max(0, Math.ceil(timeoutSecs)) },
      okStatuses: [304],
      timeoutMs: 0,
    });
  }

  /** Changes resource limits of a (running) container (`docker update`). */
  async updateContainer(id: string, limits: { CpuShares?: number; Memory?: number; MemorySwap?: number }): Promise<void> {
    await this.#json('POST', `/containers/${encodeURIComponent(id)}/update`, { body: limits });
  }

  /** Sends a signal; a container that is not running is fine (409 ignored). */
  async killContainer(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.#json('POST', `/containers/${encodeURIComponent(id)}/kill`, { query: { signal }, okStatuses: [409] });
  }

  /** Removes the container; an unknown one is fine. */
  async removeContainer(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.#json('DELETE', `/containers/${encodeURIComponent(id)}`, { query: { force: options.force ?? false, v: options.volumes ?? false }, okStatuses: [404] });
  }

  /** Containers (also stopped ones with `all`) whose name starts with `namePrefix`, optionally with a label. */
  async listContainers(options: { all?: boolean; namePrefix?: string; label?: string } = {}): Promise<ContainerSummary[]> {
    const filters: Record<string, string[]> = {};
    if (options.namePrefix !== undefined) filters.name = [`^/${escapeRegExp(options.namePrefix)}`];
    if (options.label !== undefined) filters.label = [options.label];
    return this.#json<ContainerSummary[]>('GET', '/containers/json', { query: { all: options.all ?? false, filters: JSON.stringify(filters) } });
  }

  /** One statistics sample (`stream=false`, which waits one sampling period, about 1-2 s). */
  async stats(id: string, oneShot = false): Promise<ContainerStats> {
    return this.#json<ContainerStats>('GET', `/containers/${encodeURIComponent(id)}/stats`, { query: { stream: false, 'one-shot': oneShot } });
  }

  /**
   * Follows the container's output, demultiplexed into `stdout` and `stderr` (not closed).
   * Resolves when the container's output ends (it stopped) or `signal` aborts.
   */
  async followLogs(id: string, sinks: { stdout: Writable; stderr: Writable }, options: { since?: number; signal?: AbortSignal } = {}): Promise<void> {
    const res = await this.#send('GET', `/containers/${encodeURIComponent(id)}/logs`, {
      query: { follow: true, stdout: true, stderr: true, since: options.since },
      timeoutMs: 0,
      signal: options.signal,
    });
    const demuxer = new StreamDemuxer((kind, payload) => sinks[kind].write(payload));
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => demuxer.push(chunk));
      res.once('end', resolve);
      res.once('close', resolve);
      res.once('error', (err) => (options.signal?.aborted ? resolve() : reject(err)));
    });
  }

  /** Runs `cmd` in the running container (`docker exec`) and collects its output and exit code. */
  async exec(id: string, cmd: string[], options: { env?: string[]; signal?: AbortSignal } = {}): Promise<ExecResult> {
    const created = await this.#json<{ Id: string }>('POST', `/containers/${encodeURIComponent(id)}/exec`, {
      body: { Cmd: cmd, Env: options.env, AttachStdout: true, AttachStderr: true },
    });
    const path = `/exec/${created.Id}/start`;
    const res = await this.#send('POST', path, { body: { Detach: false, Tty: false }, timeoutMs: 0, signal: options.signal });
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const demuxer = new StreamDemuxer((kind, payload) => out[kind].push(payload));
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => demuxer.push(chunk));
      res.once('end', resolve);
      res.once('error', reject);
    });
    const inspect = await this.#json<{ ExitCode: number | null }>('GET', `/exec/${created.Id}/json`);
    return { exitCode: inspect.ExitCode ?? -1, stdout: Buffer.concat(out.stdout).toString(), stderr: Buffer.concat(out.stderr).toString() };
  }

  // -------------------------------------------------------------------------------------------

  async #orUndefined<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DockerEngineError && err.status === 404) return undefined;
      throw err;
    }
  }

  async #progress(res: IncomingMessage, method: string, path: string, onProgress?: (m: ProgressMessage) => void): Promise<void> {
    const decoder = new ProgressDecoder(onProgress);
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => decoder.push(chunk));
      res.once('end', resolve);
      res.once('error', reject);
    });
    decoder.end();
    if (decoder.error !== undefined) throw new DockerEngineError(method, path, res.statusCode, decoder.error);
  }

  async #json<T = unknown>(method: string, path: string, options: RequestOptions & { okStatuses?: number[] } = {}): Promise<T> {
    const res = await this.#send(method, path, options);
    const body = await readBody(res);
    if (body.length === 0) return undefined as T;
    try {
      return JSON.parse(body.toString()) as T;
    } catch {
      return body.toString() as T;
    }
  }

  /** Sends a request; resolves with the response of a 2xx (or an `okStatuses`) answer, else rejects with the daemon's message. */
  #send(method: string, path: string, options: RequestOptions & { okStatuses?: number[] } = {}): Promise<IncomingMessage> {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) search.set(k, String(v));
    const fullPath = search.size > 0 ? `${path}${path.includes('?') ? '&' : '?'}${search.toString()}` : path;
    const headers: Record<string, string> = { Host: 'docker', ...options.headers };
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['Content-Type'] = 'application/json';
    } else if (options.stream !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/octet-stream';
      if (Buffer.isBuffer(options.stream)) payload = options.stream;
    }
    if (payload !== undefined) headers['Content-Length'] = String(payload.length);
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, method, path: fullPath, headers, signal: options.signal }, (res) => {
        const status = res.statusCode ?? 0;
        if ((status >= 200 && status < 300) || options.okStatuses?.includes(status)) {
          resolve(res);
          return;
        }
        void readBody(res).then(
          (body) => reject(new DockerEngineError(method, path, status, daemonMessage(body, status))),
          (err: unknown) => reject(new DockerEngineError(method, path, status, `HTTP ${status}: ${(err as Error).message}`)),
        );
      });
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from the Docker daemon within ${timeoutMs} ms`)));
      }
      req.once('error', (err) => reject(new DockerEngineError(method, path, undefined, `cannot reach the Docker daemon at ${this.socketPath}: ${err.message}`, { cause: err })));
      if (payload !== undefined) req.end(payload);
      else if (options.stream !== undefined && !Buffer.isBuffer(options.stream)) options.stream.pipe(req);
      else req.end();
    });
  }
}

function readBody(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(Buffer.concat(chunks)));
    res.once('error', reject);
  });
}

/** The daemon's `{"message": ...}`, or the raw body. */
export function daemonMessage(body: Buffer, status: number): string {
  const text = body.toString().trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: use the text as is.
  }
  return text === '' ? `HTTP ${status}` : text;
}

/**
 * `X-Registry-Auth`: the AuthConfig JSON in base64url *with* `=` padding. Docker 20.10 (Debian
 * 12's docker.io) decodes it with Go's padded URL encoding and, when that fails, silently pulls
 * without credentials ("no basic auth credentials"); Node's 'base64url' drops the padding.
 */
export function encodeRegistryAuth(auth: RegistryAuth): string {
  return Buffer.from(JSON.stringify(auth)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** `name:tag` → {name, tag}; a digest (`@sha256:...`) stays in the name; no tag → `latest`. */
export function splitTag(ref: string): { name: string; tag: string | undefined } {
  if (ref.includes('@')) return { name: ref, tag: undefined };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { name: ref, tag: 'latest' };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
