// `/state` (`/master/state`, and the `/state.json` alias older tools still call) and `/flags`,
// with `?jsonp=` (reference §6.2). The framework, agent and task objects come from legacy-json.ts,
// shared with the other legacy endpoints.
import type { Route } from '../../common/http/server.ts';
import { formatFlags } from '../../common/flags.ts';
import { AGORA_VERSION, MESOS_API_VERSION } from '../../common/version.ts';
import { MASTER_FLAGS } from '../flags.ts';
import type { Master } from '../master.ts';
import { legacyAgent, legacyFramework, recoveredAgents, registeredAgents, type Json } from './legacy-json.ts';
import { usageByAgent } from './views.ts';

export function legacyState(m: Master): Json {
  const agents = registeredAgents(m);
  const usage = usageByAgent(m);
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
    slaves: agents.map((a) => legacyAgent(m, a, usage.get(a.id))),
    recovered_slaves: recoveredAgents(m),
    frameworks: [...m.frameworks.values()].map((fw) => legacyFramework(m, fw)),
    completed_frameworks: m.completedFrameworks.map((fw) => legacyFramework(m, fw)),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}

export function legacyStateRoutes(m: Master): Route[] {
  return [
    { methods: ['GET'], path: '/state', jsonp: true, handler: () => legacyState(m) },
    { methods: ['GET'], path: '/state.json', jsonp: true, handler: () => legacyState(m) },
    { methods: ['GET'], path: '/flags', jsonp: true, handler: () => ({ flags: formatFlags(MASTER_FLAGS, m.options.flags) }) },
  ];
}
