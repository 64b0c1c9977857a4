// POST /api/v1 (also /master/api/v1): the v1 operator API's read calls, SUBSCRIBE and
// MARK_AGENT_GONE (agent-gone.ts) (reference §5). Other write calls (reservations, quota,
// maintenance, ...) are later issues and answer 501.
import { AgoraError, InvalidArgumentError } from '../../common/errors.ts';
import { formatFlags } from '../../common/flags.ts';
import { negotiateJson, RESPONDED, sendJson, type Route } from '../../common/http/server.ts';
import { AGORA_VERSION, MESOS_API_VERSION } from '../../common/version.ts';
import { decodeMasterCall, encode, encodeMasterResponse, formatDecodeErrors, Task, type MasterResponse } from '../../protocol/index.ts';
import type { TaskRecord } from '../model.ts';
import { markAgentGone } from '../agent-gone.ts';
import { MASTER_FLAGS } from '../flags.ts';
import type { Master } from '../master.ts';
import { subscribeOperator } from './operator-events.ts';
import { readJsonBody } from './scheduler-api.ts';
import { getRoles } from './role-usage.ts';
import { lazyArray } from './json-stream.ts';
import { sharedJsonOf } from './shared-json.ts';
import { executorsToV1, getState, getTasks, taskToV1 } from './views.ts';

export function flagList(m: Master): { name: string; value: string }[] {
  return Object.entries(formatFlags(MASTER_FLAGS, m.options.flags)).map(([name, value]) => ({ name, value }));
}

function respond(m: Master, type: MasterResponse['type']): MasterResponse | undefined {
  switch (type) {
    case 'GET_HEALTH':
      return { type, get_health: { healthy: true } };
    case 'GET_FLAGS':
      return { type, get_flags: { flags: flagList(m) } };
    case 'GET_VERSION':
      return { type, get_version: { version_info: { version: MESOS_API_VERSION, git_tag: `agora-${AGORA_VERSION}` } } };
    case 'GET_METRICS':
      return { type, get_metrics: { metrics: Object.entries(m.metrics.snapshot()).map(([name, value]) => ({ name, value })) } };
    case 'GET_STATE':
      return { type, get_state: getState(m) };
    case 'GET_AGENTS':
      return { type, get_agents: getState(m).get_agents! };
    case 'GET_FRAMEWORKS':
      return { type, get_frameworks: getState(m).get_frameworks! };
    case 'GET_EXECUTORS':
      return { type, get_executors: { executors: executorsToV1(m) } };
    case 'GET_TASKS':
      return { type, get_tasks: getTasks(m) };
    case 'GET_ROLES':
      return { type, get_roles: { roles: getRoles(m) } };
    case 'GET_MASTER':
      return { type, get_master: { master_info: m.info, start_time: m.startTime / 1000, elected_time: m.startTime / 1000 } };
    default:
      return undefined;
  }
}

export function operatorApiRoute(m: Master): Route {
  return {
    methods: ['POST'],
    path: '/api/v1',
    handler: async (ctx) => {
      negotiateJson(ctx.req, true);
      const decoded = decodeMasterCall(await readJsonBody(ctx));
      if (!decoded.ok) {
        const what = decoded.stage === 'decode' ? 'Failed to convert JSON into Call protobuf' : 'Failed to validate master::Call';
        throw new InvalidArgumentError(`${what}: ${formatDecodeErrors(decoded.errors)}`);
      }
      const call = decoded.value;
      if (call.type === 'SUBSCRIBE') {
        subscribeOperator(m, ctx.res);
        return RESPONDED;
      }
      if (call.type === 'MARK_AGENT_GONE') {
        const agentId = call.mark_agent_gone?.agent_id.value;
        if (agentId === undefined) throw new InvalidArgumentError("Expecting 'mark_agent_gone' to be present");
        m.transaction(() => markAgentGone(m, agentId));
        // Answered once it is durable: an agent marked gone must stay gone after a restart.
        await m.whenDurable();
        ctx.res.writeHead(200, { 'Content-Length': 0 });
        ctx.res.end();
        return RESPONDED;
      }
      if (call.type === 'GET_STATE' || call.type === 'GET_TASKS') {
        // Concurrent requests at the same state version share one serialization (shared-json.ts).
        await sharedJsonOf(m).serve(ctx.res, { key: call.type, version: m.stateVersion, build: () => streamedTasksResponse(m, call.type) });
        return RESPONDED;
      }
      const response = respond(m, call.type as MasterResponse['type']);
      if (response === undefined) throw new AgoraError('NOT_IMPLEMENTED', 501, `Call ${call.type} is not implemented by this master yet`);
      sendJson(ctx.res, 200, encodeMasterResponse(response));
      return RESPONDED;
    },
  };
}

/**
 * GET_STATE and GET_TASKS, streamed (json-stream.ts): everything but the task lists is encoded as
 * before; each task is built and encoded while the response is written. The bytes are those of
 * `encodeMasterResponse` on the whole response (lists in the schema's order, empty ones left out).
 */
function streamedTasksResponse(m: Master, type: 'GET_STATE' | 'GET_TASKS'): Record<string, unknown> {
  const live: TaskRecord[] = [];
  const unreachable: TaskRecord[] = [];
  const completed: TaskRecord[] = [];
  for (const fw of [...m.frameworks.values(), ...m.completedFrameworks]) {
    for (const task of fw.tasks.values()) (task.state === 'TASK_UNREACHABLE' ? unreachable : live).push(task);
    for (const task of fw.completedTasks) completed.push(task);
  }
  const list = (records: TaskRecord[]): unknown => lazyArray(function* () {
    for (const t of records) yield encode(Task, taskToV1(t));
  });
  const tasks: Record<string, unknown> = {
    ...(live.length > 0 && { tasks: list(live) }),
    ...(unreachable.length > 0 && { unreachable_tasks: list(unreachable) }),
    ...(completed.length > 0 && { completed_tasks: list(completed) }),
  };
  if (type === 'GET_TASKS') return { type, get_tasks: tasks };
  const encoded = encodeMasterResponse({ type, get_state: getState(m, {}) }) as { get_state: Record<string, unknown> };
  // Assigned in place: `get_tasks` keeps its position, first in GET_STATE.
  encoded.get_state.get_tasks = tasks;
  return encoded;
}
