// TEST DOUBLE: a scheduler that speaks the v1 scheduler API over raw HTTP (fetch + RecordIO), for
// the master's in-process tests. Not a framework SDK (that is src/scheduler).
import { decodeSchedulerEvent, readJsonRecords, type FrameworkInfo, type ValidSchedulerEvent } from '../../protocol/index.ts';
import { EventQueue } from './event-queue.ts';

export type SchedulerCallBody = Record<string, unknown>;

export class TestScheduler {
  readonly url: string;
  readonly frameworkId: string;
  readonly streamId: string;
  readonly events: EventQueue<ValidSchedulerEvent>;
  readonly #abort: AbortController;

  private constructor(url: string, frameworkId: string, streamId: string, events: EventQueue<ValidSchedulerEvent>, abort: AbortController) {
    this.url = url;
    this.frameworkId = frameworkId;
    this.streamId = streamId;
    this.events = events;
    this.#abort = abort;
  }

  /** SUBSCRIBE and wait for SUBSCRIBED. */
  static async subscribe(masterUrl: string, info: FrameworkInfo, extra: Record<string, unknown> = {}): Promise<TestScheduler> {
    const abort = new AbortController();
    const res = await fetch(`${masterUrl}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        type: 'SUBSCRIBE',
        ...(info.id !== undefined && { framework_id: info.id }),
        subscribe: { framework_info: info, ...extra },
      }),
      signal: abort.signal,
    });
    if (res.status !== 200 || res.body === null) throw new Error(`SUBSCRIBE answered ${res.status}: ${await res.text()}`);
    const streamId = res.headers.get('mesos-stream-id') ?? '';
    const events = new EventQueue<ValidSchedulerEvent>();
    void (async () => {
      try {
        for await (const record of readJsonRecords(res.body!)) {
          const decoded = decodeSchedulerEvent(record);
          if (!decoded.ok) throw new Error(`undecodable event: ${JSON.stringify(record)}`);
          events.push(decoded.value);
        }
        events.end(new Error('stream closed by the master'));
      } catch (err) {
        events.end(err as Error);
      }
    })();
    const first = await events.next('SUBSCRIBED').catch(async (err: Error) => {
      const error = events.pending('ERROR')[0];
      throw new Error(error === undefined ? err.message : `subscription refused: ${error.error.message}`);
    });
    return new TestScheduler(masterUrl, first.subscribed.framework_id.value, streamId, events, abort);
  }

  /** POSTs a call with this framework's id and stream id; returns the response. */
  async call(body: SchedulerCallBody, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.url}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': this.streamId, ...headers },
      body: JSON.stringify({ framework_id: { value: this.frameworkId }, ...body }),
    });
  }

  /** A call that must be accepted (202, or 200 for UPDATE_FRAMEWORK). */
  async mustCall(body: SchedulerCallBody): Promise<void> {
    const res = await this.call(body);
    const text = await res.text();
    if (res.status !== 202 && res.status !== 200) throw new Error(`${String(body.type)} answered ${res.status}: ${text}`);
  }

  /** Closes the SUBSCRIBE connection (the framework "disconnects"). */
  close(): void {
    this.#abort.abort();
  }
}
