import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResources } from '../../common/resources/index.ts';
import type { ExecutorInfo, TaskInfo } from '../../protocol/index.ts';
import { frameworkRoles, validateFrameworkInfo, validateFrameworkUpdate } from './framework.ts';
import { validateOfferIds, type OfferView } from './offers.ts';
import { checkTask, checkTaskGroup, formatBytes, type TaskCheckContext } from './task.ts';

// ---- FrameworkInfo ------------------------------------------------------------------------

test('framework roles: MULTI_ROLE uses roles, others the deprecated role (default *)', () => {
  assert.deepEqual(frameworkRoles({ user: 'u', name: 'n' }), ['*']);
  assert.deepEqual(frameworkRoles({ user: 'u', name: 'n', role: 'eng' }), ['eng']);
  assert.deepEqual(frameworkRoles({ user: 'u', name: 'n', roles: ['a', 'b'], capabilities: [{ type: 'MULTI_ROLE' }] }), ['a', 'b']);
});

test('framework info validation names the field', () => {
  const multi = [{ type: 'MULTI_ROLE' as const }];
  assert.equal(validateFrameworkInfo({ user: 'u', name: 'n' }), undefined);
  assert.match(validateFrameworkInfo({ user: 'u', name: 'n', roles: ['a'] })!, /'FrameworkInfo.roles' must not be set/);
  assert.match(validateFrameworkInfo({ user: 'u', name: 'n', role: 'a', capabilities: multi })!, /'FrameworkInfo.role' must not be set/);
  assert.match(validateFrameworkInfo({ user: 'u', name: 'n', roles: ['a', 'a'], capabilities: multi })!, /duplicate items: a/);
  assert.match(validateFrameworkInfo({ user: 'u', name: 'n', roles: ['a b'], capabilities: multi })!, /invalid role/);
  assert.match(validateFrameworkInfo({ user: 'u', name: 'n', id: { value: 'a/b' } })!, /'FrameworkInfo.id' is invalid/);
  assert.match(validateFrameworkInfo({ user: 'u', name: 'n', role: 'x' }, { roleWhitelist: ['y'] })!, /--roles/);
  assert.match(validateFrameworkInfo({ user: 'u', name: 'n' }, { suppressedRoles: ['zz'] })!, /Suppressed role 'zz'/);
  assert.match(validateFrameworkInfo({ user: 'u', name: 'n', failover_timeout: -1 })!, /failover_timeout/);
});

test('framework update: principal may not change; user and checkpoint only in strict mode', () => {
  const a = { user: 'u', name: 'n', principal: 'p' };
  assert.match(validateFrameworkUpdate(a, { ...a, principal: 'q' }, false)!, /principal/);
  assert.equal(validateFrameworkUpdate(a, { ...a, user: 'v' }, false), undefined);
  assert.match(validateFrameworkUpdate(a, { ...a, user: 'v' }, true)!, /user/);
});

// ---- offers -------------------------------------------------------------------------------

const OFFERS: Record<string, OfferView> = {
  o1: { id: 'o1', frameworkId: 'f1', agentId: 'a1', role: '*' },
  o2: { id: 'o2', frameworkId: 'f1', agentId: 'a1', role: '*' },
  o3: { id: 'o3', frameworkId: 'f1', agentId: 'a2', role: '*' },
  o4: { id: 'o4', frameworkId: 'f2', agentId: 'a1', role: '*' },
  o5: { id: 'o5', frameworkId: 'f1', agentId: 'a1', role: 'eng' },
};
const lookup = (id: string): OfferView | undefined => OFFERS[id];

test('offer ids: unknown, foreign, duplicate, across agents, across roles', () => {
  const ok = validateOfferIds(['o1', 'o2'], 'f1', lookup);
  assert.equal(ok.ok, true);
  assert.equal(ok.ok && ok.agentId, 'a1');
  const err = (ids: string[]): string => {
    const r = validateOfferIds(ids, 'f1', lookup);
    assert.equal(r.ok, false);
    return r.ok ? '' : r.error;
  };
  assert.match(err(['nope']), /Offer nope is no longer valid/);
  assert.match(err(['o4']), /invalid framework f2/);
  assert.match(err(['o1', 'o1']), /Duplicate offer o1/);
  assert.match(err(['o1', 'o3']), /one single agent/);
  assert.match(err(['o1', 'o5']), /same role/);
  assert.match(err([]), /No offers/);
});

// ---- tasks --------------------------------------------------------------------------------

function ctx(over: Partial<TaskCheckContext> = {}): TaskCheckContext {
  return {
    frameworkId: 'f1',
    agentId: 'a1',
    role: '*',
    available: parseResources('cpus:2;mem:1024').allocate('*'),
    isTaskIdUsed: () => false,
    executorOnAgent: () => undefined,
    ...over,
  };
}

const cpu = (v: number) => ({ name: 'cpus', type: 'SCALAR' as const, scalar: { value: v } });
const mem = (v: number) => ({ name: 'mem', type: 'SCALAR' as const, scalar: { value: v } });

function task(over: Partial<TaskInfo> = {}): TaskInfo {
  return { name: 't', task_id: { value: 't1' }, agent_id: { value: 'a1' }, resources: [cpu(1), mem(128)], command: { value: 'true', shell: true }, ...over };
}

function taskError(t: TaskInfo, c: TaskCheckContext = ctx()): string {
  const r = checkTask(t, c);
  assert.equal(r.ok, false, 'expected the task to be invalid');
  return r.ok ? '' : r.error;
}

test('a valid command task comes back with the offer role on its resources', () => {
  const r = checkTask(task(), ctx());
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.ok(r.task.info.resources!.every((x) => x.allocation_info?.role === '*'));
  assert.ok(r.task.taskResources.equals(parseResources('cpus:1;mem:128').allocate('*')));
});

test('task checks in Mesos order, each with its message', () => {
  assert.match(taskError(task({ task_id: { value: 'a/b' } })), /'TaskInfo.task_id' is invalid/);
  assert.match(taskError(task(), ctx({ isTaskIdUsed: () => true })), /Task has duplicate ID: t1/);
  assert.match(taskError(task({ agent_id: { value: 'a2' } })), /Task uses invalid agent a2 while agent a1 is expected/);
  assert.match(taskError(task({ kill_policy: { grace_period: { nanoseconds: -1 } } })), /kill_policy.grace_period/);
  assert.match(taskError(task({ health_check: {} })), /Task uses invalid health check: HealthCheck must specify 'type'/);
  assert.match(taskError(task({ health_check: { type: 'HTTP' } })), /Task uses invalid health check: Expecting 'http' to be set for HTTP health check/);
  assert.match(taskError(task({ check: { type: 'TCP' } })), /Task uses invalid check: /);
  assert.match(taskError(task({ resources: [] })), /Task uses no resources/);
  assert.match(taskError(task({ resources: [cpu(-1)] })), /Task uses invalid resources/);
  assert.match(taskError(task({ command: undefined })), /at least one \(but not both\)/);
  assert.match(taskError(task({ resources: [cpu(4)] })), /more than available/);
  assert.match(
    taskError(task({ resources: [{ ...cpu(1), allocation_info: { role: 'other' } }] })),
    /more than available/,
    'resources allocated to another role are not in the offer',
  );
});

test('executor tasks: new executor resources count, an incompatible reuse is refused', () => {
  const executor: ExecutorInfo = { executor_id: { value: 'e1' }, command: { value: './exec', shell: true }, resources: [cpu(0.5)] };
  const r = checkTask(task({ command: undefined, executor }), ctx());
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.equal(r.task.info.executor?.framework_id?.value, 'f1', 'the master fills in the framework id');
  assert.ok(r.task.executorResources.equals(parseResources('cpus:0.5').allocate('*')));
  const existing = r.task.info.executor!;
  const reuse = checkTask(task({ command: undefined, executor }), ctx({ executorOnAgent: () => existing }));
  assert.equal(reuse.ok && reuse.task.executorResources.isEmpty(), true, 'a running executor adds no resources');
  const other = { ...executor, command: { value: './other', shell: true } };
  assert.match(taskError(task({ command: undefined, executor: other }), ctx({ executorOnAgent: () => existing })), /not compatible/);
  assert.match(taskError(task({ command: undefined, executor: { ...executor, framework_id: { value: 'f9' } } })), /invalid FrameworkID/);
});

test('task groups: Mesos order and messages, for the tasks first, then the executor, then the offer', () => {
  const disk = (v: number) => ({ name: 'disk', type: 'SCALAR' as const, scalar: { value: v } });
  const executor: ExecutorInfo = { type: 'DEFAULT', executor_id: { value: 'e1' }, framework_id: { value: 'f1' }, resources: [cpu(0.1), mem(32), disk(10)] };
  const t1 = task({ command: { value: 'true' }, resources: [cpu(0.5), mem(64)] });
  const t2 = task({ command: { value: 'true' }, task_id: { value: 't2' }, resources: [cpu(0.5), mem(64)] });
  const ok = checkTaskGroup(executor, [t1, { ...t2, executor }], ctx({ available: parseResources('cpus:2;mem:1024;disk:100').allocate('*') }));
  assert.equal(ok.ok, true);
  if (ok.ok) {
    assert.equal(ok.tasks[1]!.info.executor, undefined, 'tasks travel without the executor');
    assert.equal(ok.tasks[0]!.executor?.executor_id.value, 'e1');
  }
  const err = (e: ExecutorInfo, ts: TaskInfo[]): string => {
    const r = checkTaskGroup(e, ts, ctx({ available: parseResources('cpus:2;mem:1024;disk:100').allocate('*') }));
    return r.ok ? '' : r.error;
  };
  assert.match(err(executor, []), /must not be empty/);
  assert.equal(err(executor, [t1, t1]), "Task 't1' is invalid: Task has duplicate ID: t1");
  assert.equal(err(executor, [task({ resources: [] })]), "Task 't1' is invalid: Task uses no resources");
  assert.match(err(executor, [task({ container: { type: 'DOCKER', docker: { image: 'x' } } })]), /^Task 't1' is invalid: Docker ContainerInfo is not supported on the task$/);
  assert.match(err(executor, [task({ limits: { cpus: { value: 2 } } })]), /Resource limits may only be set for tasks within a task group/);
  assert.equal(err({ ...executor, framework_id: undefined }, [t1]), "'ExecutorInfo.framework_id' must be set");
  assert.match(err({ ...executor, framework_id: { value: 'f9' } }, [t1]), /invalid FrameworkID/);
  assert.equal(err({ ...executor, type: undefined }, [t1]), "'ExecutorInfo.type' must be set");
  assert.match(err({ ...executor, command: { value: 'x' } }, [t1]), /'ExecutorInfo.command' must not be set for 'DEFAULT' executor/);
  assert.match(err({ ...executor, type: 'CUSTOM' }, [t1]), /'ExecutorInfo.command' must be set for 'CUSTOM' executor/);
  assert.equal(err({ ...executor, type: 'CUSTOM', command: { value: './exec' } }, [t1]), '', 'a custom executor may run a group');
  assert.equal(err({ ...executor, container: { type: 'DOCKER', docker: { image: 'x' } } }, [t1]), 'Docker ContainerInfo is not supported on the executor');
  assert.equal(
    err(executor, [{ ...t1, executor: { ...executor, executor_id: { value: 'other' } } }]),
    "The `ExecutorInfo` of task 't1' is different from executor 'e1'",
  );
  assert.equal(err({ ...executor, resources: [mem(32), disk(10)] }, [t1]), "Executor 'e1' uses less CPUs (None) than the minimum required (0.01)");
  assert.equal(err({ ...executor, resources: [cpu(0.1), mem(16), disk(10)] }, [t1]), "Executor 'e1' uses less memory (16MB) than the minimum required (32MB)");
  assert.equal(err({ ...executor, resources: [cpu(0.1), mem(32)] }, [t1]), "Executor 'e1' uses no disk");
  assert.match(err(executor, [task({ resources: [cpu(1.95)] })]), /required by task group and its executor are more than available/);
});

test('formatBytes prints sizes as stout does', () => {
  assert.equal(formatBytes(32 * 1024 * 1024), '32MB');
  assert.equal(formatBytes(512 * 1024), '512KB');
  assert.equal(formatBytes(10), '10B');
  assert.equal(formatBytes(2 * 1024 ** 3), '2GB');
});
