// `/state-summary` (`/master/state-summary`, reference §6.3): the light-weight overview the web UI
// and dashboards poll instead of the full `/state`. Agents and frameworks carry per-state task
// counts and the ids of the frameworks on each agent / the agents of each framework.
//
// As upstream (readonly_handler.cpp), counts and mappings come from the *registered* frameworks
// only (live, unreachable and their bounded list of completed tasks), and both agents and
// frameworks get TASK_UNREACHABLE (upstream code writes it for agents too, although always 0
// there in Mesos; here an unreachable agent's tasks are counted on it).
import type { Route } from '../../common/http/server.ts';
import type { TaskState } from '../../protocol/index.ts';
import type { Master } from '../master.ts';
import type { FrameworkRecord, TaskRecord } from '../model.ts';
import { legacyAgent, legacyFrameworkSummary, registeredAgents, type Json } from './legacy-json.ts';
import { frameworkUsage, usageByAgent } from './views.ts';

/** The states `/state-summary` counts, in the order upstream writes them. */
export const SUMMARY_STATES = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_FINISHED',
  'TASK_KILLED',
  'TASK_FAILED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_UNREACHABLE',
] as const satisfies readonly TaskState[];

export type TaskCounts = Record<(typeof SUMMARY_STATES)[number], number>;

export type TaskSummary = {
  /** Counts per framework id and per agent id; absent ids count zero everywhere. */
  byFramework: Map<string, TaskCounts>;
  byAgent: Map<string, TaskCounts>;
  /** Agents each framework has (or had, for completed tasks) tasks on, and the reverse. */
  agentsOfFramework: Map<string, Set<string>>;
  frameworksOfAgent: Map<string, Set<string>>;
};

export function zeroCounts(): TaskCounts {
  return {
    TASK_STAGING: 0,
    TASK_STARTING: 0,
    TASK_RUNNING: 0,
    TASK_KILLING: 0,
    TASK_FINISHED: 0,
    TASK_KILLED: 0,
    TASK_FAILED: 0,
    TASK_LOST: 0,
    TASK_ERROR: 0,
    TASK_UNREACHABLE: 0,
  };
}

const COUNTED: ReadonlySet<string> = new Set(SUMMARY_STATES);

function isCountedState(state: TaskState): state is keyof TaskCounts {
  return COUNTED.has(state);
}

function countsIn(map: Map<string, TaskCounts>, id: string): TaskCounts {
  let c = map.get(id);
  if (c === undefined) map.set(id, (c = zeroCounts()));
  return c;
}

function linked(map: Map<string, Set<string>>, from: string, to: string): void {
  let s = map.get(from);
  if (s === undefined) map.set(from, (s = new Set()));
  s.add(to);
}

/** One pass over the frameworks' tasks (pure; states outside SUMMARY_STATES are not counted). */
export function summarizeTasks(frameworks: Iterable<Pick<FrameworkRecord, 'id' | 'tasks' | 'completedTasks'>>): TaskSummary {
  const summary: TaskSummary = { byFramework: new Map(), byAgent: new Map(), agentsOfFramework: new Map(), frameworksOfAgent: new Map() };
  const count = (fwId: string, t: Pick<TaskRecord, 'agentId' | 'state'>): void => {
    linked(summary.agentsOfFramework, fwId, t.agentId);
    linked(summary.frameworksOfAgent, t.agentId, fwId);
    if (!isCountedState(t.state)) return;
    const state = t.state;
    countsIn(summary.byFramework, fwId)[state]++;
    countsIn(summary.byAgent, t.agentId)[state]++;
  };
  for (const fw of frameworks) {
    for (const t of fw.tasks.values()) count(fw.id, t);
    for (const t of fw.completedTasks) count(fw.id, t);
  }
  return summary;
}

export function legacyStateSummary(m: Master): Json {
  const summary = summarizeTasks(m.frameworks.values());
  const usage = usageByAgent(m);
  return {
    hostname: m.info.hostname,
    ...(m.options.cluster !== undefined && { cluster: m.options.cluster }),
    slaves: registeredAgents(m).map((a) => ({
      ...legacyAgent(m, a, usage.get(a.id)),
      ...(summary.byAgent.get(a.id) ?? zeroCounts()),
      framework_ids: [...(summary.frameworksOfAgent.get(a.id) ?? [])],
    })),
    frameworks: [...m.frameworks.values()].map((fw) => ({
      ...legacyFrameworkSummary(fw, frameworkUsage(m, fw)),
      ...(summary.byFramework.get(fw.id) ?? zeroCounts()),
      slave_ids: [...(summary.agentsOfFramework.get(fw.id) ?? [])],
    })),
  };
}

export function legacySummaryRoutes(m: Master): Route[] {
  return [{ methods: ['GET'], path: '/state-summary', jsonp: true, handler: () => legacyStateSummary(m) }];
}
