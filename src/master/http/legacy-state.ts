// `/state` (`/master/state`, and the `/state.json` alias older tools still call) and `/flags`,
// with `?jsonp=` (reference §6.2). The framework, agent and task objects come from legacy-json.ts,
// shared with the other legacy endpoints. `/state` is streamed (json-stream.ts): agents,
// frameworks and their tasks are built while the response is written, in chunks, yielding to the
// event loop, so a state of hundreds of thousands of tasks neither builds one giant string nor
// stalls the master; requests that arrive while the same state is being written share that
// serialization (shared-json.ts). The bytes are those of `JSON.stringify(legacyState(m))`.
import type { ServerResponse } from 'node:http';
import { RESPONDED, sendText, type Route } from '../../common/http/server.ts';
import { formatFlags } from '../../common/flags.ts';
import { AGORA_VERSION, MESOS_API_VERSION } from '../../common/version.ts';
import { MASTER_FLAGS } from '../flags.ts';
import type { Master } from '../master.ts';
import type { AgentRecord, FrameworkRecord } from '../model.ts';
import { lazyArray } from './json-stream.ts';
import { legacyAgent, legacyFramework, recoveredAgents, registeredAgents, type Json, type TaskListMaker } from './legacy-json.ts';
import { sharedJsonOf } from './shared-json.ts';
import { usageByAgent } from './views.ts';

/** The `/state` document, every list materialized (for callers that want the object). */
export function legacyState(m: Master): Json {
  const usage = usageByAgent(m);
  return stateDocument(m, {
    agents: (agents) => agents.map((a) => legacyAgent(m, a, usage.get(a.id))),
    frameworks: (list) => list.map((fw) => legacyFramework(m, fw)),
  });
}

/**
 * The same document with its long lists lazy: agents (one by one, their usage computed in one
 * pass over the tasks when the list starts: a lookup per task key of every agent cost ~4x more at
 * 150k tasks, and building all 20k agent objects at once held the event loop ~0.5 s), frameworks,
 * and their task lists are built while streaming.
 */
export function legacyStateLazy(m: Master): Json {
  const taskList: TaskListMaker = (produce) => lazyArray(produce);
  return stateDocument(m, {
    agents: (agents) =>
      lazyArray(function* () {
        const usage = usageByAgent(m);
        for (const a of agents) yield legacyAgent(m, a, usage.get(a.id));
      }),
    frameworks: (list) => lazyArray(function* () {
      for (const fw of list) yield legacyFramework(m, fw, taskList);
    }),
  });
}

type ListMakers = {
  agents: (agents: AgentRecord[]) => unknown;
  frameworks: (frameworks: FrameworkRecord[]) => unknown;
};

function stateDocument(m: Master, make: ListMakers): Json {
  const agents = registeredAgents(m);
  let unreachable = 0;
  for (const a of m.agents.values()) if (a.status === 'unreachable') unreachable++;
  const leaderInfo = { id: m.info.id, pid: m.info.pid, port: m.info.port, hostname: m.info.hostname };
  return {
    version: MESOS_API_VERSION,
    agora_version: AGORA_VERSION,
    build_date: '',
    build_time: 0,
    build_user: '',
    start_time: m.startTime / 1000,
    elected_time: m.startTime / 1000,
    id: m.info.id,
    pid: m.info.pid,
    hostname: m.info.hostname,
    capabilities: [],
    activated_slaves: agents.length,
    deactivated_slaves: 0,
    unreachable_slaves: unreachable,
    leader: m.info.pid,
    leader_info: leaderInfo,
    ...(m.options.cluster !== undefined && { cluster: m.options.cluster }),
    flags: formatFlags(MASTER_FLAGS, m.options.flags),
    slaves: make.agents(agents),
    recovered_slaves: recoveredAgents(m),
    frameworks: make.frameworks([...m.frameworks.values()]),
    completed_frameworks: make.frameworks([...m.completedFrameworks]),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}

export function legacyStateRoutes(m: Master): Route[] {
  return [
    { methods: ['GET'], path: '/state', handler: (ctx) => streamState(m, ctx.res, ctx.query.get('jsonp')) },
    { methods: ['GET'], path: '/state.json', handler: (ctx) => streamState(m, ctx.res, ctx.query.get('jsonp')) },
    { methods: ['GET'], path: '/flags', jsonp: true, handler: () => ({ flags: formatFlags(MASTER_FLAGS, m.options.flags) }) },
  ];
}

/** As the server's `?jsonp=` handling: a callback name that is not an identifier path is a 400. */
const JSONP_CALLBACK = /^[A-Za-z_$][\w$.]*$/;

async function streamState(m: Master, res: ServerResponse, jsonp: string | null): Promise<typeof RESPONDED> {
  if (jsonp && !JSONP_CALLBACK.test(jsonp)) {
    sendText(res, 400, `Invalid 'jsonp' callback name '${jsonp}'`);
    return RESPONDED;
  }
  // Concurrent identical requests at the same state version share one serialization.
  await sharedJsonOf(m).serve(res, { key: 'state', version: m.stateVersion, jsonp, build: () => legacyStateLazy(m) });
  return RESPONDED;
}
