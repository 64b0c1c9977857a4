// The wire side of one simulated agent: Agora's agent <-> master protocol
// (docs/protocol/agent-master.md) over the shared loopback transport. SUBSCRIBE opens the event
// stream (RecordIO), every other call is a short POST with the agent id and the stream id. What
// the events mean is the simulated agent's business (sim-agent.ts); this file only moves them.
import {
  AGENT_PROTOCOL_PATH,
  AGENT_STREAM_ID_HEADER,
  decodeMasterToAgentEvent,
  encodeAgentToMasterCall,
  type AgentToMasterCall,
  type ValidMasterToAgentEvent,
} from '../protocol/agora/agent-master.ts';
import { RecordIODecoder } from '../protocol/recordio.ts';
import { readText, type BodySource, type StreamResponse, type Transport } from './transport.ts';

export type SubscribedEvent = Extract<ValidMasterToAgentEvent, { type: 'SUBSCRIBED' }>;

export type LinkHandlers = {
  /** Every event after SUBSCRIBED, in stream order. */
  onEvent(event: ValidMasterToAgentEvent): void;
  /** The stream ended (closed by the master, a broken connection, or `close()`). */
  onClosed(reason: string): void;
};

/** The master refused the SUBSCRIBE (status and body), or the stream broke before SUBSCRIBED. */
export class SubscribeRefusedError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'SubscribeRefusedError';
    this.status = status;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class AgentLink {
  readonly agentId: string;
  readonly streamId: string;
  readonly subscribed: SubscribedEvent['subscribed'];
  readonly #transport: Transport;
  readonly #url: URL;
  readonly #abort: () => void;
  #closed = false;

  private constructor(transport: Transport, url: URL, subscribed: SubscribedEvent['subscribed'], streamId: string, abort: () => void) {
    this.#transport = transport;
    this.#url = url;
    this.subscribed = subscribed;
    this.agentId = subscribed.agent_id.value;
    this.streamId = streamId;
    this.#abort = abort;
  }

  /**
   * Sends the SUBSCRIBE call `body` (its JSON text, encoded as a real agent encodes it and
   * produced as the socket takes it: sim-agent.ts `subscribeBody`) and resolves once SUBSCRIBED arrived; later events go to `handlers`.
   */
  static async subscribe(transport: Transport, masterUrl: URL, body: BodySource, handlers: LinkHandlers): Promise<AgentLink> {
    const url = new URL(AGENT_PROTOCOL_PATH, masterUrl);
    const stream = transport.openStream(url, body);
    let head: StreamResponse;
    try {
      head = await stream.response;
    } catch (err) {
      throw new SubscribeRefusedError(0, `agent SUBSCRIBE failed: ${(err as Error).message}`);
    }
    const res = head.body;
    if (head.status !== 200) throw new SubscribeRefusedError(head.status, `agent SUBSCRIBE answered ${head.status}: ${(await readText(res)).slice(0, 300)}`);
    const streamId = head.header(AGENT_STREAM_ID_HEADER) ?? '';
    return new Promise<AgentLink>((resolve, reject) => {
      let link: AgentLink | undefined;
      const decoder = new RecordIODecoder();
      const fail = (reason: string): void => {
        if (link === undefined) {
          reject(new SubscribeRefusedError(200, `agent stream ended before SUBSCRIBED: ${reason}`));
          return;
        }
        if (link.#closed) return;
        link.#closed = true;
        handlers.onClosed(reason);
      };
      res.on('data', (chunk: Buffer) => {
        let records: Uint8Array[];
        try {
          records = decoder.push(chunk);
        } catch (err) {
          stream.abort();
          fail((err as Error).message);
          return;
        }
        for (const record of records) {
          const decoded = decodeMasterToAgentEvent(JSON.parse(utf8.decode(record)));
          if (!decoded.ok) {
            stream.abort();
            fail(`undecodable event from the master: ${JSON.stringify(decoded.errors).slice(0, 200)}`);
            return;
          }
          const event = decoded.value;
          if (link === undefined) {
            if (event.type !== 'SUBSCRIBED') {
              stream.abort();
              fail(`first event was ${event.type}`);
              return;
            }
            link = new AgentLink(transport, masterUrl, event.subscribed, streamId, stream.abort);
            resolve(link);
            continue;
          }
          if (!link.#closed) handlers.onEvent(event);
        }
      });
      res.on('end', () => fail('stream closed by the master'));
      res.on('error', (err) => fail(err.message));
      res.on('close', () => fail('connection closed'));
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * One call on the agent's current stream, encoded as a real agent encodes it (canonical Mesos
   * JSON, src/agent/master-link.ts); resolves with the HTTP status (202 when accepted).
   */
  async call(call: Omit<AgentToMasterCall, 'agent_id'>): Promise<number> {
    const url = new URL(AGENT_PROTOCOL_PATH, this.#url);
    const body = JSON.stringify(encodeAgentToMasterCall({ ...call, agent_id: { value: this.agentId } }));
    const res = await this.#transport.post(url, body, {
      [AGENT_STREAM_ID_HEADER]: this.streamId,
    });
    return res.status;
  }

  /** Closes the event stream (the master sees the agent disconnect). No handler is called. */
  close(): void {
    this.#closed = true;
    this.#abort();
  }
}
