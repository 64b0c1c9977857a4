// `/frameworks?framework_id=`, `/slaves?slave_id=` and `/tasks?limit=&offset=&order=&framework_id=
// &task_id=` (each also under `/master/`, reference §6.3), with `?jsonp=`. The objects are the
// ones `/state` lists (legacy-json.ts); these endpoints only select and order them.
import type { Route } from '../../common/http/server.ts';
import type { Master } from '../master.ts';
import type { FrameworkRecord, TaskRecord } from '../model.ts';
import { legacyAgentWithFullResources, legacyFramework, legacyTask, recoveredAgents, registeredAgents, type Json } from './legacy-json.ts';
import { usageByAgent } from './views.ts';

/** Upstream's TASK_LIMIT: the default page size of `/tasks`. */
export const DEFAULT_TASK_LIMIT = 100;

export type TaskListQuery = {
  limit: number;
  offset: number;
  order: 'asc' | 'des';
  frameworkId: string | undefined;
  taskId: string | undefined;
};

/** A non-negative integer, or undefined for anything else. */
function count(text: string | null): number | undefined {
  if (text === null || !/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * `/tasks` query parameters. As upstream, values that do not parse fall back to the defaults
 * (limit 100, offset 0, order `des`) instead of failing the request; `order` is `asc` only when
 * exactly `asc`.
 */
export function parseTaskListQuery(query: URLSearchParams): TaskListQuery {
  return {
    limit: count(query.get('limit')) ?? DEFAULT_TASK_LIMIT,
    offset: count(query.get('offset')) ?? 0,
    order: query.get('order') === 'asc' ? 'asc' : 'des',
    frameworkId: query.get('framework_id') ?? undefined,
    taskId: query.get('task_id') ?? undefined,
  };
}

/** What `/tasks` sorts by: a task's recorded statuses (only their timestamps matter). */
type Sortable = { readonly statuses: readonly { readonly timestamp?: number | undefined }[] };

/**
 * The sort key of `/tasks`: the timestamp of the task's *first* recorded status, as upstream's
 * TaskComparator uses `statuses(0)` (roughly when the task started). Tasks with no status yet
 * have no key.
 */
export function taskSortKey(task: Sortable): number | undefined {
  const first = task.statuses[0];
  return first === undefined ? undefined : (first.timestamp ?? 0);
}

/**
 * Orders tasks by `taskSortKey` and cuts the page `[offset, offset + limit)`. Tasks without a key
 * come first in ascending order and last in descending order, as upstream; ties keep their input
 * order (live, unreachable, then completed tasks, framework by framework).
 */
export function pageTasks<T extends Sortable>(tasks: readonly T[], q: Pick<TaskListQuery, 'limit' | 'offset' | 'order'>): T[] {
  const keyed = tasks.map((task, index) => ({ task, index, key: taskSortKey(task) }));
  const sign = q.order === 'asc' ? 1 : -1;
  keyed.sort((a, b) => {
    if (a.key === undefined || b.key === undefined) {
      if (a.key === b.key) return a.index - b.index;
      // No key sorts as "oldest": first ascending, last descending.
      return (a.key === undefined ? -1 : 1) * sign;
    }
    return a.key !== b.key ? (a.key - b.key) * sign : a.index - b.index;
  });
  return keyed.slice(q.offset, q.offset + q.limit).map((k) => k.task);
}

/** Registered frameworks first, then completed ones; `frameworkId` selects one id. */
function selectFrameworks(m: Master, frameworkId: string | undefined): { registered: FrameworkRecord[]; completed: FrameworkRecord[] } {
  const accept = (fw: FrameworkRecord): boolean => frameworkId === undefined || fw.id === frameworkId;
  return { registered: [...m.frameworks.values()].filter(accept), completed: m.completedFrameworks.filter(accept) };
}

export function legacyFrameworks(m: Master, query: URLSearchParams): Json {
  const { registered, completed } = selectFrameworks(m, query.get('framework_id') ?? undefined);
  return {
    frameworks: registered.map((fw) => legacyFramework(m, fw)),
    completed_frameworks: completed.map((fw) => legacyFramework(m, fw)),
    // Mesos no longer has unregistered frameworks; the empty array stays for old tools.
    unregistered_frameworks: [],
  };
}

export function legacySlaves(m: Master, query: URLSearchParams): Json {
  const agentId = query.get('slave_id') ?? undefined;
  const accept = (id: string): boolean => agentId === undefined || id === agentId;
  const agents = registeredAgents(m).filter((a) => accept(a.id));
  // One agent: look its tasks up; all of them: one pass over every task.
  const usage = agents.length > 1 ? usageByAgent(m) : undefined;
  return {
    slaves: agents.map((a) => legacyAgentWithFullResources(m, a, usage?.get(a.id))),
    recovered_slaves: recoveredAgents(m, accept),
  };
}

export function legacyTasks(m: Master, query: URLSearchParams): Json {
  const q = parseTaskListQuery(query);
  const { registered, completed } = selectFrameworks(m, q.frameworkId);
  const tasks: TaskRecord[] = [];
  for (const fw of [...registered, ...completed]) {
    for (const t of fw.tasks.values()) if (q.taskId === undefined || t.taskId === q.taskId) tasks.push(t);
    for (const t of fw.completedTasks) if (q.taskId === undefined || t.taskId === q.taskId) tasks.push(t);
  }
  // Only the page is turned into JSON: a page of 100 out of 100k tasks costs a sort, not 100k objects.
  return { tasks: pageTasks(tasks, q).map(legacyTask) };
}

export function legacyListRoutes(m: Master): Route[] {
  return [
    { methods: ['GET'], path: '/frameworks', jsonp: true, handler: (ctx) => legacyFrameworks(m, ctx.query) },
    { methods: ['GET'], path: '/slaves', jsonp: true, handler: (ctx) => legacySlaves(m, ctx.query) },
    { methods: ['GET'], path: '/tasks', jsonp: true, handler: (ctx) => legacyTasks(m, ctx.query) },
  ];
}
