// The events only the default executor reads, by hand like the command executor's wire.ts (whose
// helpers and types this reuses): SUBSCRIBED with the executor's container id (the parent of
// every nested container) and LAUNCH_GROUP with its tasks, each read as the command executor
// reads its LAUNCH task. Every other event is read by the command executor's parser; calls out
// are built there too (common/agent-session.ts adds `container_status`).
import type { ContainerID } from '../../protocol/index.ts';
import type { ParsedAgentEvent } from '../common/agent-session.ts';
import { arr, obj, parseExecutorEvent, parseTask, reqObj, str, WireError, type Json, type LaunchedTask } from '../command/wire.ts';
import type { ExecutorEventIn } from '../command/wire.ts';

export type DefaultExecutorEvent =
  | { type: 'SUBSCRIBED'; taskKillingCapable: boolean; agentHostname: string | undefined; containerId: ContainerID | undefined }
  | { type: 'LAUNCH_GROUP'; tasks: LaunchedTask[] }
  | Exclude<ExecutorEventIn, { type: 'SUBSCRIBED' } | { type: 'LAUNCH_GROUP' }>;

/** `taskIds` of a failure: the tasks of a LAUNCH_GROUP that could not be read, so they can be failed. */
export type ParsedDefaultEvent = ParsedAgentEvent<DefaultExecutorEvent>;

function idValue(v: unknown, path: string): string {
  const value = str(reqObj(v, path).value, `${path}.value`);
  if (value === undefined) throw new WireError(`${path}.value`, 'missing required field');
  return value;
}

/** A ContainerID with its parents, as the agent sent it. */
function containerId(v: unknown, path: string, depth = 0): ContainerID | undefined {
  const c = obj(v, path);
  if (c === undefined) return undefined;
  if (depth > 8) throw new WireError(path, 'container ids nest too deep');
  const value = idValue(c, path);
  const parent = containerId(c.parent, `${path}.parent`, depth + 1);
  return parent === undefined ? { value } : { value, parent };
}

function taskIdsOf(launchGroup: unknown): string[] {
  const tasks = (launchGroup as { task_group?: { tasks?: unknown } } | null | undefined)?.task_group?.tasks;
  if (!Array.isArray(tasks)) return [];
  return tasks.flatMap((t) => {
    const id = (t as { task_id?: { value?: unknown } } | null)?.task_id?.value;
    return typeof id === 'string' ? [id] : [];
  });
}

/** Reads one record of the executor event stream (already JSON.parse'd). Never throws. */
export function parseDefaultExecutorEvent(json: unknown): ParsedDefaultEvent {
  const e = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Json) : undefined;
  try {
    if (e?.type === 'SUBSCRIBED') {
      const base = parseExecutorEvent(json);
      if (!base.ok) return { ok: false, error: base.error, taskIds: [] };
      if (base.event.type !== 'SUBSCRIBED') throw new WireError('type', 'expected SUBSCRIBED');
      const subscribed = reqObj(e.subscribed, 'subscribed');
      return { ok: true, event: { ...base.event, containerId: containerId(subscribed.container_id, 'subscribed.container_id') } };
    }
    if (e?.type === 'LAUNCH_GROUP') {
      const group = reqObj(reqObj(e.launch_group, 'launch_group').task_group, 'launch_group.task_group');
      const tasks = arr(group.tasks, 'launch_group.task_group.tasks').map((t, i) => parseTask(t, `launch_group.task_group.tasks[${i}]`));
      return { ok: true, event: { type: 'LAUNCH_GROUP', tasks } };
    }
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    return { ok: false, error: err.message, taskIds: e?.type === 'LAUNCH_GROUP' ? taskIdsOf(e.launch_group) : [] };
  }
  const parsed = parseExecutorEvent(json);
  if (!parsed.ok) return { ok: false, error: parsed.error, taskIds: [] };
  return { ok: true, event: parsed.event as DefaultExecutorEvent };
}

/** The nested container's id as Mesos puts it in TaskStatus.container_status: child with its parent. */
export function nestedContainerId(parent: ContainerID | undefined, child: string): ContainerID {
  return parent === undefined ? { value: child } : { value: child, parent };
}

/** `parent.child`, the nested container's name in logs and sandbox paths (Mesos stringify). */
export function containerIdString(id: ContainerID): string {
  return id.parent === undefined ? id.value : `${containerIdString(id.parent)}.${id.value}`;
}
