import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LaunchedTask } from '../command/wire.ts';
import { executorDone, INITIAL_GROUP_MACHINE, step, type GroupEffect, type GroupInput, type GroupLaunchTask, type GroupMachine } from './group-machine.ts';

function task(id: string, extra: Partial<LaunchedTask> = {}): LaunchedTask {
  return {
    taskId: id,
    name: id,
    raw: { task_id: { value: id } },
    command: { shell: true, value: 'true', arguments: [], variables: [], unsupportedVariables: [] },
    killPolicyGraceNs: undefined,
    maxCompletionNs: undefined,
    allocationRole: undefined,
    healthCheck: undefined,
    check: undefined,
    ...extra,
  };
}

function launch(...ids: string[]): GroupInput {
  const tasks: GroupLaunchTask[] = ids.map((id) => ({
    task: task(id),
    containerId: `c-${id}`,
    spec: { ok: true, spec: { file: '/bin/sh', args: ['-c', 'true'], argv0: 'sh', env: {}, cwd: '/tmp' } },
    checks: { ok: true, checks: {} },
  }));
  return { kind: 'launch_group', tasks };
}

/** Runs inputs in order; returns the final machine and every effect. */
function run(inputs: GroupInput[], start: GroupMachine = INITIAL_GROUP_MACHINE): { machine: GroupMachine; effects: GroupEffect[] } {
  let machine = start;
  const effects: GroupEffect[] = [];
  for (const input of inputs) {
    const r = step(machine, input, 1000);
    machine = r.machine;
    effects.push(...r.effects);
  }
  return { machine, effects };
}

const updates = (effects: GroupEffect[]) => effects.flatMap((e) => (e.kind === 'update' ? [`${e.taskId}:${e.state}`] : []));
const signals = (effects: GroupEffect[]) => effects.flatMap((e) => (e.kind === 'signal' ? [`${e.taskId}:${e.signal}`] : []));
const exit = (code: number | null, signal: string | null = null) => ({ code, signal });

test('a group starts: TASK_STARTING and a spawn per task, TASK_RUNNING per spawned task', () => {
  const { machine, effects } = run([launch('a', 'b'), { kind: 'spawned', taskId: 'a' }, { kind: 'spawned', taskId: 'b' }]);
  assert.deepEqual(updates(effects), ['a:TASK_STARTING', 'b:TASK_STARTING', 'a:TASK_RUNNING', 'b:TASK_RUNNING']);
  assert.deepEqual(
    effects.filter((e) => e.kind === 'spawn').map((e) => e.kind === 'spawn' && e.containerId),
    ['c-a', 'c-b'],
  );
  assert.equal(executorDone(machine), false);
});

test('a task that fails takes the rest of its group down; they end TASK_KILLED; then the executor is done', () => {
  const started = run([launch('a', 'b', 'c'), ...['a', 'b', 'c'].map((taskId): GroupInput => ({ kind: 'spawned', taskId }))]).machine;
  const failed = run([{ kind: 'exited', taskId: 'b', exit: exit(3) }], started);
  assert.deepEqual(updates(failed.effects), ['b:TASK_FAILED']);
  assert.deepEqual(signals(failed.effects), ['a:SIGTERM', 'c:SIGTERM']);
  const failure = failed.effects.find((e) => e.kind === 'update');
  assert.equal(failure?.kind === 'update' && failure.message, 'Command exited with status 3');
  const rest = run(
    [
      { kind: 'exited', taskId: 'a', exit: exit(null, 'SIGTERM') },
      { kind: 'exited', taskId: 'c', exit: exit(0) },
    ],
    failed.machine,
  );
  // Killed, even the one that exited 0 on SIGTERM (as Mesos: `killing` wins).
  assert.deepEqual(updates(rest.effects), ['a:TASK_KILLED', 'c:TASK_KILLED']);
  assert.equal(executorDone(rest.machine), true);
});

test('a task that finishes leaves the others running', () => {
  const started = run([launch('a', 'b'), { kind: 'spawned', taskId: 'a' }, { kind: 'spawned', taskId: 'b' }]).machine;
  const r = run([{ kind: 'exited', taskId: 'a', exit: exit(0) }], started);
  assert.deepEqual(updates(r.effects), ['a:TASK_FINISHED']);
  assert.deepEqual(signals(r.effects), []);
  assert.equal(executorDone(r.machine), false);
});

test('KILL of one task kills it, then its group; other groups keep running', () => {
  const started = run([launch('a', 'b'), launch('x'), ...['a', 'b', 'x'].map((taskId): GroupInput => ({ kind: 'spawned', taskId }))]).machine;
  const killed = run([{ kind: 'kill', taskId: 'a', graceNs: 2e9 }], started);
  assert.deepEqual(signals(killed.effects), ['a:SIGTERM']);
  const escalation = killed.effects.find((e) => e.kind === 'schedule_escalation');
  assert.equal(escalation?.kind === 'schedule_escalation' && escalation.at, 3000);
  const ended = run([{ kind: 'exited', taskId: 'a', exit: exit(null, 'SIGTERM') }], killed.machine);
  assert.deepEqual(updates(ended.effects), ['a:TASK_KILLED']);
  assert.deepEqual(signals(ended.effects), ['b:SIGTERM']);
  assert.equal(ended.machine.tasks.get('x')?.killedBy, undefined);
});

test('TASK_KILLING for capable frameworks; a repeated kill may only shorten the grace period', () => {
  const started = run([{ kind: 'subscribed', taskKillingCapable: true }, launch('a'), { kind: 'spawned', taskId: 'a' }]).machine;
  const first = run([{ kind: 'kill', taskId: 'a', graceNs: 5e9 }], started);
  assert.deepEqual(updates(first.effects), ['a:TASK_KILLING']);
  const longer = step(first.machine, { kind: 'kill', taskId: 'a', graceNs: 9e9 }, 1000);
  assert.equal(longer.effects[0]?.kind, 'ignored');
  const shorter = step(first.machine, { kind: 'kill', taskId: 'a', graceNs: 1e9 }, 1000);
  assert.deepEqual(shorter.effects, [{ kind: 'schedule_escalation', taskId: 'a', at: 2000 }]);
});

test('a task that cannot run fails and its group never starts', () => {
  const bad: GroupInput = {
    kind: 'launch_group',
    tasks: [
      { task: task('ok'), containerId: 'c1', spec: { ok: true, spec: { file: 'true', args: [], argv0: 'true', env: {}, cwd: '/' } }, checks: { ok: true, checks: {} } },
      { task: task('bad'), containerId: 'c2', spec: { ok: false, message: "Shell command of task 'bad' is not specified" }, checks: { ok: true, checks: {} } },
    ],
  };
  const r = run([bad]);
  assert.deepEqual(updates(r.effects), ['ok:TASK_STARTING', 'bad:TASK_STARTING', 'bad:TASK_FAILED', 'ok:TASK_KILLED']);
  assert.equal(r.effects.some((e) => e.kind === 'spawn'), false);
  assert.equal(executorDone(r.machine), true);
});

test('SHUTDOWN kills every live task with the shutdown grace period; kills after it are ignored', () => {
  const started = run([launch('a', 'b'), { kind: 'spawned', taskId: 'a' }, { kind: 'spawned', taskId: 'b' }, { kind: 'exited', taskId: 'b', exit: exit(0) }]).machine;
  const r = run([{ kind: 'shutdown', graceMs: 4000 }], started);
  assert.deepEqual(signals(r.effects), ['a:SIGTERM']);
  assert.equal(step(r.machine, { kind: 'kill', taskId: 'a', graceNs: 0 }, 1000).effects[0]?.kind, 'ignored');
  const done = run([{ kind: 'exited', taskId: 'a', exit: exit(null, 'SIGTERM') }], r.machine);
  assert.deepEqual(updates(done.effects), ['a:TASK_KILLED']);
  assert.equal(executorDone(done.machine), true);
  // Shut down before anything ran: done at once.
  assert.equal(executorDone(run([{ kind: 'shutdown', graceMs: 0 }]).machine), true);
  assert.equal(executorDone(INITIAL_GROUP_MACHINE), false);
});

test('a kill while the task is being started is carried out once it runs', () => {
  const r = run([launch('a'), { kind: 'kill', taskId: 'a', graceNs: 1e9 }, { kind: 'spawned', taskId: 'a' }]);
  assert.deepEqual(updates(r.effects), ['a:TASK_STARTING', 'a:TASK_RUNNING']);
  assert.deepEqual(signals(r.effects), ['a:SIGTERM']);
  const ended = run([{ kind: 'exited', taskId: 'a', exit: exit(0) }], r.machine);
  assert.deepEqual(updates(ended.effects), ['a:TASK_KILLED']);
});

test('health: an unhealthy task is killed and ends TASK_KILLED healthy=false; its group follows', () => {
  const started = run([launch('a', 'b'), { kind: 'spawned', taskId: 'a' }, { kind: 'spawned', taskId: 'b' }]).machine;
  const r = run([{ kind: 'health', taskId: 'a', healthy: false, killTask: true }], started);
  assert.deepEqual(updates(r.effects), ['a:TASK_RUNNING']);
  assert.deepEqual(signals(r.effects), ['a:SIGTERM']);
  const ended = run([{ kind: 'exited', taskId: 'a', exit: exit(null, 'SIGTERM') }], r.machine);
  const terminal = ended.effects.find((e) => e.kind === 'update');
  assert.equal(terminal?.kind === 'update' && terminal.healthy, false);
  assert.deepEqual(signals(ended.effects), ['b:SIGTERM']);
});

test('max completion time: killed at once, TASK_FAILED with its reason, the group follows', () => {
  const started = run([launch('a', 'b'), { kind: 'spawned', taskId: 'a' }, { kind: 'spawned', taskId: 'b' }]).machine;
  const r = run([{ kind: 'max_completion_time_reached', taskId: 'a' }, { kind: 'exited', taskId: 'a', exit: exit(null, 'SIGTERM') }], started);
  const terminal = r.effects.find((e) => e.kind === 'update' && e.state === 'TASK_FAILED');
  assert.equal(terminal?.kind === 'update' && terminal.reason, 'REASON_MAX_COMPLETION_TIME_REACHED');
  assert.deepEqual(signals(r.effects), ['a:SIGTERM', 'b:SIGTERM']);
});

test('inputs for unknown tasks and duplicate launches are ignored', () => {
  assert.equal(step(INITIAL_GROUP_MACHINE, { kind: 'kill', taskId: 'nope', graceNs: undefined }, 0).effects[0]?.kind, 'ignored');
  const once = run([launch('a')]).machine;
  const again = step(once, launch('a'), 0);
  assert.equal(again.machine, once);
  assert.deepEqual(again.effects.map((e) => e.kind), ['ignored']);
});
