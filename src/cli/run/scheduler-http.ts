// A minimal framework connection over the v1 scheduler HTTP API (reference §2): SUBSCRIBE opens
// the RecordIO event stream and yields SUBSCRIBED; every other call is a POST with the
// `Mesos-Stream-Id` of that stream. It covers what `agora run` needs and nothing more.
import { Endpoint, MasterUnreachableError, ProtocolError } from '../../client/index.ts';
import {
  decodeSchedulerEvent,
  encodeSchedulerCall,
  formatDecodeErrors,
  RecordIODecoder,
  type Filters,
  type FrameworkInfo,
  type SchedulerCall,
  type TaskInfo,
  type TaskStatus,
  type ValidSchedulerEvent,
} from '../../protocol/index.ts';
import type { FrameworkConnection } from './framework.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Five missed heartbeats (15 s each) and the master is presumed gone. */
const IDLE_LIMIT_MS = 75_000;

/** Subscribes `info` at the master `baseUrl` and resolves once SUBSCRIBED arrives. */
export async function subscribeFramework(baseUrl: string, info: FrameworkInfo, timeoutMs: number): Promise<FrameworkConnection> {
  const endpoint = new Endpoint(baseUrl, { kind: 'master', timeoutMs });
  const abort = new AbortController();
  const { response, url } = await endpoint.stream({
    path: '/api/v1/scheduler',
    json: encodeSchedulerCall({ type: 'SUBSCRIBE', subscribe: { framework_info: info } }),
    signal: abort.signal,
  });
  const streamId = response.headers.get('mesos-stream-id');
  if (!response.body || !streamId) {
    abort.abort();
    throw new ProtocolError('the master answered SUBSCRIBE without an event stream or a Mesos-Stream-Id', url);
  }
  const events = readEvents(response.body, url, abort);
  const first = await events.next();
  if (first.done) throw new ProtocolError('the master closed the event stream before SUBSCRIBED', url);
  const event = first.value;
  if (event.type === 'ERROR') {
    abort.abort();
    throw new ProtocolError(`the master refused the framework: ${event.error.message}`, url);
  }
  if (event.type !== 'SUBSCRIBED') throw new ProtocolError(`expected SUBSCRIBED first, got ${event.type}`, url);
  return new HttpFrameworkConnection(endpoint, streamId, event.subscribed.framework_id.value, events, abort);
}

async function* readEvents(body: ReadableStream<Uint8Array>, url: string, abort: AbortController): AsyncGenerator<ValidSchedulerEvent> {
  const decoder = new RecordIODecoder();
  let idle = false;
  let timer = setTimeout(() => ((idle = true), abort.abort()), IDLE_LIMIT_MS);
  try {
    for await (const chunk of body) {
      clearTimeout(timer);
      timer = setTimeout(() => ((idle = true), abort.abort()), IDLE_LIMIT_MS);
      for (const record of decoder.push(chunk)) {
        const decoded = decodeSchedulerEvent(JSON.parse(utf8.decode(record)));
        if (!decoded.ok) throw new ProtocolError(`the master sent an event that does not decode: ${formatDecodeErrors(decoded.errors)}`, url);
        yield decoded.value;
      }
    }
  } catch (err) {
    if (idle) throw new MasterUnreachableError(url, 'no event or heartbeat for 75s', err);
    if (abort.signal.aborted) return;
    throw new MasterUnreachableError(url, 'the event stream broke', err);
  } finally {
    clearTimeout(timer);
  }
}

class HttpFrameworkConnection implements FrameworkConnection {
  readonly frameworkId: string;
  readonly #endpoint: Endpoint;
  readonly #streamId: string;
  readonly #events: AsyncGenerator<ValidSchedulerEvent>;
  readonly #abort: AbortController;

  constructor(endpoint: Endpoint, streamId: string, frameworkId: string, events: AsyncGenerator<ValidSchedulerEvent>, abort: AbortController) {
    this.#endpoint = endpoint;
    this.#streamId = streamId;
    this.frameworkId = frameworkId;
    this.#events = events;
    this.#abort = abort;
  }

  events(): AsyncIterable<ValidSchedulerEvent> {
    return { [Symbol.asyncIterator]: () => this.#events };
  }

  launch(offerId: string, task: TaskInfo, filters?: Filters): Promise<void> {
    return this.#post({
      type: 'ACCEPT',
      accept: { offer_ids: [{ value: offerId }], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }], filters },
    });
  }

  decline(offerIds: string[], filters?: Filters): Promise<void> {
    return this.#post({ type: 'DECLINE', decline: { offer_ids: offerIds.map((value) => ({ value })), filters } });
  }

  acknowledge(status: TaskStatus): Promise<void> {
    if (!status.uuid || !status.agent_id) return Promise.resolve();
    return this.#post({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } });
  }

  kill(taskId: string, agentId: string): Promise<void> {
    return this.#post({ type: 'KILL', kill: { task_id: { value: taskId }, agent_id: { value: agentId } } });
  }

  async teardown(): Promise<void> {
    try {
      await this.#post({ type: 'TEARDOWN' });
    } finally {
      this.close();
    }
  }

  close(): void {
    this.#abort.abort();
  }

  async #post(call: Omit<SchedulerCall, 'framework_id'>): Promise<void> {
    await this.#endpoint.send({
      path: '/api/v1/scheduler',
      json: encodeSchedulerCall({ ...call, framework_id: { value: this.frameworkId } } as SchedulerCall),
      headers: { 'Mesos-Stream-Id': this.#streamId },
    });
  }
}
