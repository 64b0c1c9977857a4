// The read-side caches and the one-pass agent usage: they must give exactly what building from
// scratch gives, and notice every change that shows in the output.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { resourcesFromWire } from '../../common/resources/index.ts';
import type { TaskState, TaskStatus } from '../../protocol/index.ts';
import { startMaster } from '../server.ts';
import { taskKey, type AgentRecord, type FrameworkRecord, type TaskRecord } from '../model.ts';
import { legacyResources, legacyTask } from './legacy-json.ts';
import { agentUsage, usageByAgent } from './views.ts';

const small = resourcesFromWire([
  { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, allocation_info: { role: '*' } },
  { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, allocation_info: { role: '*' } },
]);

function status(taskId: string, state: TaskState, timestamp: number): TaskStatus {
  return { task_id: { value: taskId }, state, timestamp };
}

function taskRecord(frameworkId: string, agentId: string, taskId: string, state: TaskState): TaskRecord {
  return {
    taskId,
    frameworkId,
    agentId,
    info: { name: taskId, task_id: { value: taskId }, agent_id: { value: agentId }, resources: [] },
    executorId: undefined,
    resources: small,
    state,
    statuses: [],
    statusUpdateState: undefined,
    statusUpdateUuid: undefined,
    pendingUpdate: undefined,
    resourcesRecovered: false,
    delivered: true,
    pendingKill: undefined,
    user: 'u',
    unreachableTime: undefined,
  };
}

test('legacyTask is rebuilt when the state or the statuses change, and reused otherwise', () => {
  const t = taskRecord('f', 'a', 't1', 'TASK_STAGING');
  const first = legacyTask(t);
  assert.equal(legacyTask(t), first, 'unchanged: the same (cached) object');
  assert.ok(Object.isFrozen(first), 'cached objects are frozen');

  t.statuses.push(status('t1', 'TASK_RUNNING', 10));
  t.state = 'TASK_RUNNING';
  const running = legacyTask(t);
  assert.equal(running.state, 'TASK_RUNNING');
  assert.equal((running.statuses as unknown[]).length, 1);

  // Same length, new last status (the history is capped and drops its oldest entry).
  t.statuses.splice(0, 1, status('t1', 'TASK_RUNNING', 11));
  assert.equal(((legacyTask(t).statuses as { timestamp: number }[])[0]!).timestamp, 11);

  t.state = 'TASK_KILLING';
  assert.equal(legacyTask(t).state, 'TASK_KILLING', 'a master-side state change without a new status shows too');
});

test('legacyResources is computed once per Resources value', () => {
  assert.equal(legacyResources(small), legacyResources(small));
  assert.deepEqual(legacyResources(small), { cpus: 0.5, disk: 0, gpus: 0, mem: 64 });
});

const running = await startMaster({ port: 0 });
after(() => running.stop());

test('usageByAgent equals agentUsage for every agent', () => {
  const m = running.master;
  m.allocation.stop();
  const agent = (id: string): AgentRecord => {
    const record = {
      id, info: { hostname: id, id: { value: id } }, ip: '127.0.0.1', port: 1, hostname: id, version: '0', workDir: undefined,
      capabilities: [], checkpointedResources: small, total: small, status: 'connected', connection: undefined, registeredTime: 0,
      reregisteredTime: undefined, unreachableTime: undefined, ping: { sequence: 0, awaiting: false, missed: 0, timer: undefined },
      tasks: new Set<string>(), executors: new Map(), offers: new Set<string>(),
    } satisfies AgentRecord;
    m.agents.set(id, record);
    return record;
  };
  const a1 = agent('a1');
  const a2 = agent('a2');
  agent('idle');
  const fw = { id: 'f1', tasks: new Map(), completedTasks: [], executors: new Map() } as unknown as FrameworkRecord;
  m.frameworks.set('f1', fw);
  const states: [AgentRecord, TaskState][] = [[a1, 'TASK_RUNNING'], [a1, 'TASK_UNREACHABLE'], [a1, 'TASK_FINISHED'], [a2, 'TASK_STAGING']];
  states.forEach(([a, state], i) => {
    const t = taskRecord('f1', a.id, `t${i}`, state);
    fw.tasks.set(t.taskId, t);
    a.tasks.add(taskKey('f1', t.taskId));
  });
  const all = usageByAgent(m);
  for (const a of m.agents.values()) {
    const one = agentUsage(m, a);
    assert.ok(all.get(a.id)!.used.equals(one.used), `used on ${a.id}`);
    assert.ok(all.get(a.id)!.offered.equals(one.offered), `offered on ${a.id}`);
  }
  assert.equal(all.get('a1')!.used.cpus(), 1, 'running and unreachable tasks count, finished ones do not');
});
