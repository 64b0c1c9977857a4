// Shared plumbing for the raw-wire conformance suites (test/integration/conformance-*.test.ts)
// and the `launch` benchmark: real `agora master` / `agora agent` processes on 127.0.0.1, and a
// deliberately thin scheduler client built from `fetch` + RecordIO only. No SDK and no protocol
// codec on purpose: these suites check what goes over the wire against
// shared/reference/mesos-http-api.md, so they must not share code with what they check.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { readJsonRecords } from '../../src/protocol/recordio.ts';
import { spawnProcess, tempDir, type Spawned } from '../helpers/process.ts';

export const AGORA = join(import.meta.dirname, '../../bin/agora');
export const DEFAULT_AGENT_RESOURCES = 'cpus:2;mem:2048;disk:1024;ports:[31000-31100]';
/** A v4-style UUID string, as Mesos prints master ids and stream ids. */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Reference §1.5: FrameworkID is `<masterId>-<4-digit sequence>`. */
export const FRAMEWORK_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d{4}$/;

export type Json = Record<string, unknown>;

export type Cluster = {
  master: Spawned;
  agent: Spawned;
  masterUrl: string;
  masterPort: number;
  agentUrl: string;
  agentPort: number;
  agentId: string;
  workDir: string;
  /** Stops agent and master, kills any executor or task left behind, removes the work dir. */
  stop(): Promise<void>;
};

/** Starts one master and one agent registered with it. Everything is cleaned up on failure. */
export async function startCluster(options: { agentResources?: string; agentArgs?: string[] } = {}): Promise<Cluster> {
  const dir = tempDir('agora-conformance-');
  const started: Spawned[] = [];
  const stop = async (): Promise<void> => {
    for (const p of started.reverse()) await p.stop();
    killStrayProcesses(dir.path);
    dir.cleanup();
  };
  try {
    const master = spawnProcess(AGORA, ['master', '--port=0', `--work_dir=${join(dir.path, 'master')}`]);
    started.push(master);
    const listening = await master.waitForLog((l) => l.msg === 'master listening');
    const masterPort = listening.port as number;
    const agent = spawnProcess(AGORA, [
      'agent',
      '--port=0',
      `--master=127.0.0.1:${masterPort}`,
      `--work_dir=${join(dir.path, 'agent')}`,
      `--resources=${options.agentResources ?? DEFAULT_AGENT_RESOURCES}`,
      ...(options.agentArgs ?? []),
    ]);
    started.push(agent);
    const agentListening = await agent.waitForLog((l) => l.msg === 'agent listening');
    const registered = await agent.waitForLog((l) => l.msg === 'agent registered');
    return {
      master,
      agent,
      masterUrl: `http://127.0.0.1:${masterPort}`,
      masterPort,
      agentUrl: `http://127.0.0.1:${agentListening.port as number}`,
      agentPort: agentListening.port as number,
      agentId: registered.agent_id as string,
      workDir: dir.path,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Pids of live processes whose environment points into `workDir` (executors and their tasks get
 * MESOS_DIRECTORY / MESOS_SANDBOX under the agent's work dir). Only processes this suite caused
 * to exist can match, since every cluster has its own fresh temp dir.
 */
export function processesUnder(workDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (env.includes(`MESOS_DIRECTORY=${workDir}`) || env.includes(`MESOS_SANDBOX=${workDir}`)) pids.push(Number(entry));
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return pids;
}

/** The agent owns executor lifetimes; this is only the safety net so a failed test leaks nothing. */
export function killStrayProcesses(workDir: string): void {
  for (const pid of processesUnder(workDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already exited.
    }
  }
}

export type HttpReply = { status: number; headers: Headers; text: string };

/** POSTs a JSON call. `body` may be a string (sent verbatim) or an object (JSON-encoded). */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpReply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export async function getJson(url: string): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await fetch(url);
  const text = await res.text();
  assert.equal(res.status, 200, `GET ${url}: expected 200, got ${res.status}: ${text}`);
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as Json };
}

/**
 * A RecordIO event stream read in the background. `next(match)` hands out events in arrival
 * order, each at most once, so a test can wait for "the next UPDATE" without losing the OFFERS
 * that arrived meanwhile.
 */
export class EventStreamReader {
  readonly received: Json[] = [];
  /** `performance.now()` when each event was decoded, for latency measurements. */
  readonly #arrivals = new WeakMap<Json, number>();
  #pending: Json[] = [];
  #waiters: { match: (e: Json) => boolean; resolve: (e: Json) => void }[] = [];
  #ended: Error | undefined;
  readonly #abort: AbortController;
  /** Resolves when the peer ends the stream (or it breaks); never rejects. */
  readonly ended: Promise<void>;

  constructor(body: ReadableStream<Uint8Array>, abort: AbortController) {
    this.#abort = abort;
    this.ended = this.#pump(body);
  }

  async #pump(body: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const event of readJsonRecords<Json>(body)) {
        this.#arrivals.set(event, performance.now());
        this.received.push(event);
        const i = this.#waiters.findIndex((w) => w.match(event));
        if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(event);
        else this.#pending.push(event);
      }
      this.#ended = new Error('event stream ended');
    } catch (err) {
      this.#ended = err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Resolves when the stream has ended; fails after `timeoutMs`. */
  endsWithin(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the stream was still open after ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([this.ended, timeout]).finally(() => clearTimeout(timer));
  }

  /** The next not-yet-taken event matching `match`; fails after `timeoutMs`. */
  next(match: (e: Json) => boolean = () => true, timeoutMs = 10_000, what = 'a matching event'): Promise<Json> {
    const i = this.#pending.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#pending.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (e: Json) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        const types = this.received.map((e) => e.type).join(', ');
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${this.#ended ? ` (${this.#ended.message})` : ''}; events so far: ${types}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** When `event` (an object this reader handed out) was decoded, in `performance.now()` time. */
  arrivalOf(event: Json): number {
    const at = this.#arrivals.get(event);
    if (at === undefined) throw new Error('event did not come from this stream');
    return at;
  }

  /** Takes an already received event matching `match`, without waiting. */
  tryTake(match: (e: Json) => boolean): Json | undefined {
    const i = this.#pending.findIndex(match);
    return i >= 0 ? this.#pending.splice(i, 1)[0] : undefined;
  }

  /** Next event of `type` (e.g. 'OFFERS', 'UPDATE'). */
  nextOfType(type: string, timeoutMs = 10_000): Promise<Json> {
    return this.next((e) => e.type === type, timeoutMs, `a ${type} event`);
  }

  close(): void {
    this.#abort.abort();
  }
}

export function currentUser(): string {
  return userInfo().username;
}

/** A FrameworkInfo as a modern framework sends it; `capabilities` are type names. */
export function frameworkInfo(name: string, capabilities: string[] = [], extra: Json = {}): Json {
  return {
    user: currentUser(),
    name,
    roles: ['*'],
    capabilities: ['MULTI_ROLE', ...capabilities].map((type) => ({ type })),
    ...extra,
  };
}

export type Framework = {
  id: string;
  streamId: string;
  status: number;
  headers: Headers;
  events: EventStreamReader;
  /** POSTs a scheduler call with this framework's id and stream id filled in. */
  call(type: string, payload?: Json): Promise<HttpReply>;
  close(): void;
};

/** SUBSCRIBEs a new framework and waits for SUBSCRIBED. */
export async function subscribe(masterUrl: string, info: Json): Promise<Framework> {
  const abort = new AbortController();
  const res = await fetch(`${masterUrl}/api/v1/scheduler`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    // Upstream validation requires the top-level framework_id to equal framework_info.id
    // (both absent for a new framework).
    body: JSON.stringify({ type: 'SUBSCRIBE', ...(info.id ? { framework_id: info.id } : {}), subscribe: { framework_info: info } }),
    signal: abort.signal,
  });
  if (res.status !== 200 || !res.body) {
    throw new Error(`SUBSCRIBE: expected 200 with a stream, got ${res.status}: ${await res.text()}`);
  }
  const events = new EventStreamReader(res.body, abort);
  const subscribed = await events.nextOfType('SUBSCRIBED');
  const id = ((subscribed.subscribed as Json).framework_id as Json).value as string;
  const streamId = res.headers.get('mesos-stream-id') ?? '';
  return {
    id,
    streamId,
    status: res.status,
    headers: res.headers,
    events,
    call: (type, payload) =>
      post(
        `${masterUrl}/api/v1/scheduler`,
        { framework_id: { value: id }, type, ...(payload ? { [type.toLowerCase()]: payload } : {}) },
        { 'Mesos-Stream-Id': streamId },
      ),
    close: () => events.close(),
  };
}

/** TEARDOWN (best effort: a disconnected framework gets 403) and close the stream. */
export async function teardown(fw: Framework): Promise<void> {
  await fw.call('TEARDOWN').catch(() => undefined);
  fw.close();
}

export function offersOf(event: Json): Json[] {
  return ((event.offers as Json).offers as Json[]) ?? [];
}

/** A command TaskInfo for `agentId` with small resources in the pre-refinement form. */
export function commandTask(taskId: string, agentId: string, command: string, resources: { cpus?: number; mem?: number } = {}): Json {
  return {
    name: taskId,
    task_id: { value: taskId },
    agent_id: { value: agentId },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: resources.cpus ?? 0.1 }, allocation_info: { role: '*' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: resources.mem ?? 32 }, allocation_info: { role: '*' } },
    ],
    command: { shell: true, value: command },
  };
}

let releaseBarriers = 0;

/**
 * SUPPRESS, then DECLINE (for an hour) every offer the framework was sent: afterwards it holds
 * nothing but its tasks, so a framework that subscribes next gets the rest of the cluster (an
 * ACCEPT with refuse_seconds 0 has the rest of an agent re-offered to whoever holds least, which
 * is this framework when it is alone). Offers already used or rescinded are ignored by the master.
 * The framework gets no offers afterwards until it REVIVEs.
 */
export async function releaseOffers(fw: Framework): Promise<void> {
  assert.equal((await fw.call('SUPPRESS')).status, 202);
  // An OFFERS sent just before the SUPPRESS may still be on its way over the event stream (the
  // 202 above comes on another connection). The stream is ordered: once the answer to this
  // RECONCILE has arrived, so has every offer the master sent before it.
  const barrier = `release-offers-barrier-${++releaseBarriers}`;
  assert.equal((await fw.call('RECONCILE', { tasks: [{ task_id: { value: barrier } }] })).status, 202);
  await nextUpdate(fw, barrier);
  const offerIds = fw.events.received.filter((e) => e.type === 'OFFERS').flatMap((e) => offersOf(e).map((o) => o.id));
  // None of them can be used any more: a later firstOffer must not hand one out.
  while (fw.events.tryTake((e) => e.type === 'OFFERS') !== undefined);
  if (offerIds.length === 0) return;
  const reply = await fw.call('DECLINE', { offer_ids: offerIds, filters: { refuse_seconds: 3600 } });
  assert.equal(reply.status, 202, reply.text);
}

/** ACCEPTs `offerIds` with one LAUNCH of `tasks`; asserts the 202 the reference requires. */
export async function launch(fw: Framework, offerIds: string[], tasks: Json[]): Promise<void> {
  const reply = await fw.call('ACCEPT', {
    offer_ids: offerIds.map((value) => ({ value })),
    operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
    filters: { refuse_seconds: 0 },
  });
  assert.equal(reply.status, 202, `ACCEPT: reference §0.7 expects 202 Accepted, got ${reply.status}: ${reply.text}`);
}

export function statusOf(update: Json): Json {
  return (update.update as Json).status as Json;
}

/** Waits for the next UPDATE of `taskId`. */
export function nextUpdate(fw: Framework, taskId: string, timeoutMs = 15_000): Promise<Json> {
  return fw.events
    .next((e) => e.type === 'UPDATE' && ((statusOf(e).task_id as Json).value as string) === taskId, timeoutMs, `an UPDATE for task '${taskId}'`)
    .then(statusOf);
}

/** ACKNOWLEDGEs a status that carries a uuid; returns the raw reply. */
export function acknowledge(fw: Framework, status: Json): Promise<HttpReply> {
  return fw.call('ACKNOWLEDGE', { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid });
}

/**
 * Follows a task's updates, acknowledging each one (the agent forwards the next update only
 * after the latest one is acknowledged, reference §2.4), until a terminal state arrives.
 */
export async function followToTerminal(fw: Framework, taskId: string, timeoutMs = 20_000): Promise<Json[]> {
  const statuses: Json[] = [];
  for (;;) {
    const status = await nextUpdate(fw, taskId, timeoutMs);
    statuses.push(status);
    if (typeof status.uuid === 'string') await acknowledge(fw, status);
    if (TERMINAL_STATES.has(status.state as string)) return statuses;
  }
}

export const TERMINAL_STATES = new Set([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

/** True when `s` is standard padded base64 of exactly 16 bytes (a TaskStatus uuid). */
export function isUuidBytes(s: unknown): boolean {
  return typeof s === 'string' && /^[A-Za-z0-9+/]{22}==$/.test(s) && Buffer.from(s, 'base64').length === 16;
}

/** Takes the first offer that arrives and returns it. */
export async function firstOffer(fw: Framework, timeoutMs = 10_000): Promise<Json> {
  const event = await fw.events.nextOfType('OFFERS', timeoutMs);
  const offer = offersOf(event)[0];
  assert.ok(offer, `OFFERS event with no offer: ${JSON.stringify(event)}`);
  return offer;
}

export function idOf(x: unknown): string {
  return (x as Json).value as string;
}

/**
 * A master process on `<dir>/master` that a fault test can kill and start again on the same port
 * and work dir (its SQLite registry carries over); every process started is added to `processes`
 * for the test's clean-up.
 */
export function restartableMaster(dir: string, processes: Spawned[]): (port: number) => Spawned {
  return (port) => {
    const p = spawnProcess(AGORA, ['master', `--port=${port}`, `--work_dir=${join(dir, 'master')}`, '--agent_reregister_timeout=1mins']);
    processes.push(p);
    return p;
  };
}
