// TEST DOUBLE: a minimal master that speaks the agent protocol (docs/protocol/agent-master.md),
// for agent tests that must not depend on src/master. It accepts SUBSCRIBE, hands out one agent
// id, records every call the agent posts, and lets a test push any event down the stream. It
// makes no decisions of its own: acknowledgements, kills and pings happen only when the test
// sends them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AGENT_PROTOCOL_PATH,
  AGENT_STREAM_ID_HEADER,
  decodeAgentToMasterCall,
  encodeMasterToAgentEvent,
  type MasterToAgentEvent,
  type ValidAgentToMasterCall,
} from '../../protocol/agora/agent-master.ts';
import { formatDecodeErrors } from '../../protocol/index.ts';
import { newUuid } from '../../common/ids.ts';
import { EventStream } from '../../common/http/event-stream.ts';
import { HttpServer, RESPONDED, sendText } from '../../common/http/server.ts';
import { silentLogger } from '../../common/log.ts';

export type TestMasterOptions = {
  /** Sent in SUBSCRIBED; the agent re-subscribes after interval × max without a PING. */
  pingIntervalSeconds?: number;
  maxPingTimeouts?: number;
  /** Agent id handed to the first agent that subscribes without one. */
  agentId?: string;
  /** Acknowledge every status update as soon as it arrives (default false: the test acks). */
  autoAcknowledge?: boolean;
};

type Waiter = { match: (c: ValidAgentToMasterCall) => boolean; from: number; resolve: (c: ValidAgentToMasterCall) => void };

export class TestMaster {
  readonly calls: ValidAgentToMasterCall[] = [];
  readonly agentId: string;
  /** Acknowledge every status update as soon as it arrives; may be switched at any time. */
  autoAcknowledge: boolean;
  #server: HttpServer;
  #stream: EventStream | undefined;
  #streamId: string | undefined;
  #waiters: Waiter[] = [];
  #port = 0;
  readonly #options: TestMasterOptions;

  private constructor(options: TestMasterOptions) {
    this.#options = options;
    this.agentId = options.agentId ?? `${newUuid()}-S0`;
    this.autoAcknowledge = options.autoAcknowledge ?? false;
    this.#server = new HttpServer({ processId: 'master', logger: silentLogger() });
    this.#server.route({ methods: ['POST'], path: AGENT_PROTOCOL_PATH, handler: (ctx) => this.#handle(ctx.req, ctx.res, ctx.body) });
  }

  static async start(options: TestMasterOptions = {}): Promise<TestMaster> {
    const master = new TestMaster(options);
    master.#port = (await master.#server.listen(0, '127.0.0.1')).port;
    return master;
  }

  /** `127.0.0.1:PORT`, the agent's `--master`. */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  get subscribed(): boolean {
    return this.#stream !== undefined && !this.#stream.closed;
  }

  /** Pushes one event down the current agent stream. */
  send(event: MasterToAgentEvent): void {
    if (!this.#stream || this.#stream.closed) throw new Error('no agent is subscribed');
    this.#stream.send(encodeMasterToAgentEvent(event));
  }

  /** Breaks the agent's stream, as a master crash or network cut would. */
  dropStream(): void {
    this.#stream?.close();
    this.#stream = undefined;
  }

  /**
   * Resolves with the first call (at index >= `from`) matching `match`, waiting for it if needed.
   * `from` lets a test wait for the *next* such call: pass `master.calls.length`.
   */
  waitForCall(match: (c: ValidAgentToMasterCall) => boolean, options: { from?: number; timeoutMs?: number } = {}): Promise<ValidAgentToMasterCall> {
    const from = options.from ?? 0;
    const found = this.calls.slice(from).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`test master: no matching call within ${options.timeoutMs ?? 15_000} ms; calls: ${this.calls.map((c) => c.type).join(', ')}`));
      }, options.timeoutMs ?? 15_000);
      const waiter: Waiter = {
        match,
        from,
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Status updates received so far, in order (retries included). */
  statusUpdates(taskId?: string): Extract<ValidAgentToMasterCall, { type: 'STATUS_UPDATE' }>['status_update'][] {
    return this.calls.flatMap((c) =>
      c.type === 'STATUS_UPDATE' && (taskId === undefined || c.status_update.status.task_id.value === taskId) ? [c.status_update] : [],
    );
  }

  /** Sends ACKNOWLEDGE_STATUS_UPDATE for a received update. */
  acknowledge(update: { framework_id: { value: string }; status: { task_id: { value: string }; uuid?: string } }): void {
    this.send({
      type: 'ACKNOWLEDGE_STATUS_UPDATE',
      acknowledge_status_update: { framework_id: update.framework_id, task_id: update.status.task_id, uuid: update.status.uuid! },
    });
  }

  async stop(): Promise<void> {
    this.#stream?.close();
    await this.#server.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse, body: () => Promise<Buffer>): Promise<typeof RESPONDED> {
    const decoded = decodeAgentToMasterCall(JSON.parse((await body()).toString('utf8')));
    if (!decoded.ok) {
      sendText(res, 400, formatDecodeErrors(decoded.errors));
      return RESPONDED;
    }
    const call = decoded.value;
    if (call.type === 'SUBSCRIBE') {
      const given = call.subscribe.agent_info.id?.value;
      if (given !== undefined && given !== this.agentId) {
        sendText(res, 400, `unknown agent id '${given}'`);
        return RESPONDED;
      }
      this.#record(call);
      this.#stream?.close();
      this.#streamId = newUuid();
      const stream = new EventStream(res, { headers: { [AGENT_STREAM_ID_HEADER]: this.#streamId } });
      this.#stream = stream;
      stream.send(
        encodeMasterToAgentEvent({
          type: 'SUBSCRIBED',
          subscribed: {
            agent_id: { value: this.agentId },
            master_info: { id: 'test-master', ip: 0, port: this.#port, hostname: '127.0.0.1' },
            ping_interval_seconds: this.#options.pingIntervalSeconds ?? 15,
            max_ping_timeouts: this.#options.maxPingTimeouts ?? 5,
          },
        }),
      );
      return RESPONDED;
    }
    if (req.headers[AGENT_STREAM_ID_HEADER.toLowerCase()] !== this.#streamId) {
      sendText(res, 400, 'Agent is not subscribed');
      return RESPONDED;
    }
    this.#record(call);
    res.writeHead(202, { 'Content-Length': 0 });
    res.end();
    if (call.type === 'STATUS_UPDATE' && this.autoAcknowledge && this.subscribed) this.acknowledge(call.status_update);
    return RESPONDED;
  }

  #record(call: ValidAgentToMasterCall): void {
    const index = this.calls.length;
    this.calls.push(call);
    for (const w of [...this.#waiters]) {
      if (index >= w.from && w.match(call)) {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        w.resolve(call);
      }
    }
  }
}
