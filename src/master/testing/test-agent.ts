// TEST DOUBLE: an agent that speaks Agora's agent <-> master protocol over raw HTTP, for the
// master's in-process tests. It runs nothing: tests make it report status updates. It answers
// PING with PONG unless told not to.
import { newStatusUuid } from '../../common/ids.ts';
import {
  AGENT_PROTOCOL_PATH,
  AGENT_PROTOCOL_VERSION,
  AGENT_STREAM_ID_HEADER,
  decodeMasterToAgentEvent,
  type TaskReconciliation,
  type ValidMasterToAgentEvent,
} from '../../protocol/agora/agent-master.ts';
import { readJsonRecords, type Resource, type Task, type TaskState } from '../../protocol/index.ts';
import { EventQueue } from './event-queue.ts';

export type TestAgentOptions = {
  hostname?: string;
  port?: number;
  resources?: Resource[];
  /** Re-register with this id. */
  agentId?: string;
  tasks?: Task[];
  frameworks?: { framework_info: Record<string, unknown> }[];
  executors?: Record<string, unknown>[];
  answerPings?: boolean;
};

export function scalar(name: string, value: number): Resource {
  return { name, type: 'SCALAR', scalar: { value } };
}

export class TestAgent {
  readonly masterUrl: string;
  readonly agentId: string;
  readonly streamId: string;
  readonly events: EventQueue<ValidMasterToAgentEvent>;
  /** SUBSCRIBED.reconciliations: tasks the master knows on this agent that it did not report. */
  readonly reconciliations: readonly TaskReconciliation[];
  answerPings: boolean;
  readonly #abort: AbortController;

  private constructor(
    masterUrl: string,
    agentId: string,
    streamId: string,
    events: EventQueue<ValidMasterToAgentEvent>,
    abort: AbortController,
    answerPings: boolean,
    reconciliations: readonly TaskReconciliation[],
  ) {
    this.masterUrl = masterUrl;
    this.agentId = agentId;
    this.streamId = streamId;
    this.events = events;
    this.#abort = abort;
    this.answerPings = answerPings;
    this.reconciliations = reconciliations;
  }

  static async register(masterUrl: string, options: TestAgentOptions = {}): Promise<TestAgent> {
    const abort = new AbortController();
    const hostname = options.hostname ?? 'agent.test';
    const res = await fetch(`${masterUrl}${AGENT_PROTOCOL_PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: 'SUBSCRIBE',
        subscribe: {
          protocol_version: AGENT_PROTOCOL_VERSION,
          version: '0.1.0',
          ip: '127.0.0.1',
          agent_info: {
            hostname,
            port: options.port ?? 5051,
            resources: options.resources ?? [scalar('cpus', 4), scalar('mem', 4096)],
            ...(options.agentId !== undefined && { id: { value: options.agentId } }),
          },
          ...(options.tasks !== undefined && { tasks: options.tasks }),
          ...(options.frameworks !== undefined && { frameworks: options.frameworks }),
          ...(options.executors !== undefined && { executors: options.executors }),
        },
      }),
      signal: abort.signal,
    });
    if (res.status !== 200 || res.body === null) throw new Error(`agent SUBSCRIBE answered ${res.status}: ${await res.text()}`);
    const streamId = res.headers.get(AGENT_STREAM_ID_HEADER) ?? '';
    const events = new EventQueue<ValidMasterToAgentEvent>();
    const self: { agent?: TestAgent } = {};
    void (async () => {
      try {
        for await (const record of readJsonRecords(res.body!)) {
          const decoded = decodeMasterToAgentEvent(record);
          if (!decoded.ok) throw new Error(`undecodable event: ${JSON.stringify(record)}`);
          const event = decoded.value;
          events.push(event);
          if (event.type === 'PING' && self.agent !== undefined && self.agent.answerPings) {
            void self.agent.call({ type: 'PONG', pong: { sequence: event.ping.sequence } }).catch(() => undefined);
          }
        }
        events.end(new Error('stream closed by the master'));
      } catch (err) {
        events.end(err as Error);
      }
    })();
    const subscribed = await events.next('SUBSCRIBED');
    const agent = new TestAgent(masterUrl, subscribed.subscribed.agent_id.value, streamId, events, abort, options.answerPings ?? true, subscribed.subscribed.reconciliations ?? []);
    self.agent = agent;
    // A PING may have arrived before `agent` existed.
    if (agent.answerPings) for (const ping of events.pending('PING')) void agent.call({ type: 'PONG', pong: { sequence: ping.ping.sequence } }).catch(() => undefined);
    return agent;
  }

  async call(body: Record<string, unknown>): Promise<Response> {
    const res = await fetch(`${this.masterUrl}${AGENT_PROTOCOL_PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [AGENT_STREAM_ID_HEADER]: this.streamId },
      body: JSON.stringify({ agent_id: { value: this.agentId }, ...body }),
    });
    await res.arrayBuffer();
    return res;
  }

  /** Sends a STATUS_UPDATE as an executor would (or as the agent, with `source`); returns its uuid. */
  async statusUpdate(
    frameworkId: string,
    taskId: string,
    state: TaskState,
    extra: { executorId?: string; latestState?: TaskState; uuid?: string; source?: string; reason?: string; message?: string } = {},
  ): Promise<string> {
    const uuid = extra.uuid ?? newStatusUuid();
    const res = await this.call({
      type: 'STATUS_UPDATE',
      status_update: {
        framework_id: { value: frameworkId },
        ...(extra.executorId !== undefined && { executor_id: { value: extra.executorId } }),
        status: {
          task_id: { value: taskId },
          state,
          source: extra.source ?? 'SOURCE_EXECUTOR',
          uuid,
          ...(extra.reason !== undefined && { reason: extra.reason }),
          ...(extra.message !== undefined && { message: extra.message }),
        },
        ...(extra.latestState !== undefined && { latest_state: extra.latestState }),
      },
    });
    if (res.status !== 202) throw new Error(`STATUS_UPDATE answered ${res.status}`);
    return uuid;
  }

  /**
   * What an agent does with SUBSCRIBED.reconciliations for tasks it does not know: one terminal
   * update each, in the listed state, from the agent. Returns the uuids by task id.
   */
  async answerReconciliations(): Promise<Map<string, string>> {
    const uuids = new Map<string, string>();
    for (const r of this.reconciliations) {
      const uuid = await this.statusUpdate(r.framework_id.value, r.task_id.value, r.state, {
        source: 'SOURCE_AGENT',
        reason: 'REASON_RECONCILIATION',
        message: 'Reconciliation: task unknown to the agent',
      });
      uuids.set(r.task_id.value, uuid);
    }
    return uuids;
  }

  close(): void {
    this.#abort.abort();
  }
}
