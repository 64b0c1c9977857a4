import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_TASK_MACHINE, step } from './task-machine.ts';
import type { TaskEffect, TaskInput, TaskMachine } from './task-machine.ts';
import type { LaunchSpec } from './launch-spec.ts';
import type { TaskChecks } from './check-spec.ts';
import type { LaunchedTask } from './wire.ts';

const SPEC: LaunchSpec = { file: '/bin/sh', args: ['-c', 'sleep 30'], argv0: 'sh', env: {}, cwd: '/sb' };
const NO_CHECKS = { ok: true, checks: {} } as const;

function task(extra: Partial<LaunchedTask> = {}): LaunchedTask {
  return {
    taskId: 't1',
    name: 't1',
    raw: {},
    command: { shell: true, value: 'sleep 30', arguments: [], variables: [], unsupportedVariables: [] },
    killPolicyGraceNs: undefined,
    maxCompletionNs: undefined,
    allocationRole: undefined,
    healthCheck: undefined,
    check: undefined,
    ...extra,
  };
}

/** Runs inputs in order (at the given times) and returns the final machine and all effects. */
function run(inputs: [number, TaskInput][], start: TaskMachine = INITIAL_TASK_MACHINE): { machine: TaskMachine; effects: TaskEffect[] } {
  let machine = start;
  const effects: TaskEffect[] = [];
  for (const [now, input] of inputs) {
    const s = step(machine, input, now);
    machine = s.machine;
    effects.push(...s.effects);
  }
  return { machine, effects };
}

const states = (effects: TaskEffect[]): string[] => effects.flatMap((e) => (e.kind === 'update' ? [e.state] : []));

test('launch → STARTING, spawn; spawned → RUNNING; exit 3 → FAILED and wait for the ack', () => {
  const { machine, effects } = run([
    [0, { kind: 'subscribed', taskKillingCapable: false }],
    [0, { kind: 'launch', task: task(), spec: { ok: true, spec: SPEC }, checks: NO_CHECKS }],
    [1, { kind: 'spawned' }],
    [5, { kind: 'exited', exit: { code: 3, signal: null } }],
  ]);
  assert.equal(machine.phase, 'terminated');
  assert.deepEqual(states(effects), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
  const failed = effects.find((e) => e.kind === 'update' && e.state === 'TASK_FAILED');
  assert.deepEqual(failed, {
    kind: 'update',
    taskId: 't1',
    state: 'TASK_FAILED',
    message: 'Command exited with status 3',
    reason: 'REASON_COMMAND_EXECUTOR_FAILED',
  });
  assert.equal(effects.at(-1)?.kind, 'await_terminal_ack');
  assert.ok(effects.some((e) => e.kind === 'spawn'));
});

test('an invalid command fails the task after STARTING, without spawning', () => {
  const { effects } = run([[0, { kind: 'launch', task: task(), spec: { ok: false, message: 'nope' }, checks: NO_CHECKS }]]);
  assert.deepEqual(states(effects), ['TASK_STARTING', 'TASK_FAILED']);
  assert.ok(!effects.some((e) => e.kind === 'spawn'));
});

test('a spawn failure fails the task without TASK_RUNNING', () => {
  const { effects } = run([
    [0, { kind: 'launch', task: task(), spec: { ok: true, spec: SPEC }, checks: NO_CHECKS }],
    [0, { kind: 'spawn_failed', message: 'spawn nope ENOENT' }],
  ]);
  assert.deepEqual(states(effects), ['TASK_STARTING', 'TASK_FAILED']);
});

test('kill: SIGTERM then SIGKILL after the KILL event grace period; TASK_KILLED at exit', () => {
  const { effects } = run([
    [0, { kind: 'launch', task: task({ killPolicyGraceNs: 30e9 }), spec: { ok: true, spec: SPEC }, checks: NO_CHECKS }],
    [0, { kind: 'spawned' }],
    [100, { kind: 'kill', taskId: 't1', graceNs: 1e9 }],
    [1100, { kind: 'escalate' }],
    [1105, { kind: 'exited', exit: { code: null, signal: 'SIGKILL' } }],
  ]);
  const signals = effects.flatMap((e) => (e.kind === 'signal' ? [e.signal] : []));
  assert.deepEqual(signals, ['SIGTERM', 'SIGKILL']);
  assert.deepEqual(
    effects.find((e) => e.kind === 'schedule_escalation'),
    { kind: 'schedule_escalation', at: 1100 },
  );
  assert.deepEqual(states(effects), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
});

test('TASK_KILLING only for frameworks with TASK_KILLING_STATE', () => {
  const base: [number, TaskInput][] = [
    [0, { kind: 'launch', task: task(), spec: { ok: true, spec: SPEC }, checks: NO_CHECKS }],
    [0, { kind: 'spawned' }],
    [10, { kind: 'kill', taskId: 't1', graceNs: undefined }],
  ];
  assert.deepEqual(states(run([[0, { kind: 'subscribed', taskKillingCapable: true }], ...base]).effects), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING']);
  assert.deepEqual(states(run([[0, { kind: 'subscribed', taskKillingCapable: false }], ...base]).effects), ['TASK_STARTING', 'TASK_RUNNING']);
});

test('the task kill policy applies when the KILL has none; a retried kill changes nothing', () => {
  const { effects } = run([
    [0, { kind: 'launch', task: task({ killPolicyGraceNs: 5e9 }), spec: { ok: true, spec: SPEC }, checks: NO_CHECKS }],
    [0, { kind: 'spawned' }],
    [0, { kind: 'kill', taskId: 't1', graceNs: undefined }],
    [1000, { kind: 'kill', taskId: 't1', graceNs: undefined }],
  ]);
  assert.deepEqual(
    effects.filter((e) => e.kind === 'schedule_escalation' || e.kind === 'signal'),
    [
      { kind: 'signal', signal: 'SIGTERM' },
      { kind: 'schedule_escalation', at: 5000 },
    ],
  );
});

test('shutdown kills with the given grace; shutdown before a launch exits at once', () => {
  const { effects } = run([
    [0, { kind: 'launch', task: task(), spec: { ok: true, spec: SPEC }, checks: NO_CHECKS }],
    [0, { kind: 'spawned' }],
    [0, { kind: 'shutdown', graceMs: 4000 }],
    [50, { kind: 'exited', exit: { code: null, signal: 'SIGTERM' } }],
  ]);
  assert.ok(effects.some((e) => e.kind === 'schedule_escalation' && e.at === 4000));
  assert.deepEqual(states(effects).at(-1), 'TASK_KILLED');
  assert.deepEqual(step(INITIAL_TASK_MACHINE, { kind: 'shutdown', graceMs: 4000 }, 0).effects, [
    { kind: 'exit', code: 0, reason: 'shutdown with no task launched' },
  ]);
});

test('a kill before any launch makes the executor exit (Mesos MESOS-8297)', () => {
  const [effect] = step(INITIAL_TASK_MACHINE, { kind: 'kill', taskId: 't1', graceNs: undefined }, 0).effects;
  assert.equal(effect?.kind, 'exit');
});

test('a second, different task fails; a duplicate LAUNCH of the same task is ignored', () => {
  const launched = run([[0, { kind: 'launch', task: task(), spec: { ok: true, spec: SPEC }, checks: NO_CHECKS }]]).machine;
  const other = step(launched, { kind: 'launch', task: task({ taskId: 't2' }), spec: { ok: true, spec: SPEC }, checks: NO_CHECKS }, 0);
  assert.deepEqual(other.effects, [
    { kind: 'update', taskId: 't2', state: 'TASK_FAILED', message: 'Attempted to run multiple tasks using a "command" executor', reason: 'REASON_COMMAND_EXECUTOR_FAILED' },
  ]);
  assert.equal(step(launched, { kind: 'launch', task: task(), spec: { ok: true, spec: SPEC }, checks: NO_CHECKS }, 0).effects[0]?.kind, 'ignored');
});

test('max completion time kills with no grace and fails the task, without TASK_KILLING', () => {
  const { effects } = run([
    [0, { kind: 'subscribed', taskKillingCapable: true }],
    [0, { kind: 'launch', task: task({ maxCompletionNs: 2e9 }), spec: { ok: true, spec: SPEC }, checks: NO_CHECKS }],
    [0, { kind: 'spawned' }],
    [2000, { kind: 'max_completion_time_reached' }],
    [2001, { kind: 'exited', exit: { code: null, signal: 'SIGTERM' } }],
  ]);
  assert.ok(effects.some((e) => e.kind === 'schedule_max_completion' && e.afterMs === 2000));
  assert.ok(effects.some((e) => e.kind === 'schedule_escalation' && e.at === 2000));
  assert.deepEqual(states(effects), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
  const last = effects.filter((e) => e.kind === 'update').at(-1);
  assert.equal(last?.kind === 'update' && last.reason, 'REASON_MAX_COMPLETION_TIME_REACHED');
});

test('health results become RUNNING updates; a kill_task result kills and marks the task unhealthy', () => {
  const { effects } = run([
    [0, { kind: 'launch', task: task(), spec: { ok: true, spec: SPEC }, checks: NO_CHECKS }],
    [0, { kind: 'spawned' }],
    [10, { kind: 'health', healthy: true, killTask: false }],
    [20, { kind: 'health', healthy: false, killTask: true }],
    [30, { kind: 'health', healthy: false, killTask: false }],
    [40, { kind: 'exited', exit: { code: null, signal: 'SIGTERM' } }],
  ]);
  const updates = effects.filter((e) => e.kind === 'update');
  assert.deepEqual(
    updates.map((u) => [u.state, u.healthy]),
    [
      ['TASK_STARTING', undefined],
      ['TASK_RUNNING', undefined],
      ['TASK_RUNNING', true],
      ['TASK_RUNNING', false],
      ['TASK_KILLED', false],
    ],
  );
});

const TCP_CHECKS: { ok: true; checks: TaskChecks } = {
  ok: true,
  checks: {
    check: { probe: { type: 'TCP', host: '127.0.0.1', port: 1 }, delayMs: 0, intervalMs: 1, timeoutMs: 1 },
    health: { probe: { type: 'TCP', host: '127.0.0.1', port: 1 }, delayMs: 0, intervalMs: 1, timeoutMs: 1, gracePeriodMs: 0, consecutiveFailures: 3, statuses: [] },
  },
};

test('checks start with the task; every update made from scratch carries the empty check_status', () => {
  const { effects } = run([
    [0, { kind: 'subscribed', taskKillingCapable: true }],
    [0, { kind: 'launch', task: task(), spec: { ok: true, spec: SPEC }, checks: TCP_CHECKS }],
    [0, { kind: 'spawned' }],
    [5, { kind: 'kill', taskId: 't1', graceNs: undefined }],
    [6, { kind: 'exited', exit: { code: null, signal: 'SIGTERM' } }],
  ]);
  const start = effects.find((e) => e.kind === 'start_checks');
  assert.deepEqual(start, { kind: 'start_checks', checks: TCP_CHECKS.checks });
  const updates = effects.flatMap((e) => (e.kind === 'update' ? [[e.state, e.checkStatus]] : []));
  assert.deepEqual(updates, [
    ['TASK_STARTING', { type: 'TCP', tcp: {} }],
    ['TASK_RUNNING', { type: 'TCP', tcp: {} }],
    ['TASK_KILLING', { type: 'TCP', tcp: {} }],
    ['TASK_KILLED', { type: 'TCP', tcp: {} }],
  ]);
});

test('check and health updates each carry the latest value of the other', () => {
  const { effects, machine } = run([
    [0, { kind: 'launch', task: task(), spec: { ok: true, spec: SPEC }, checks: TCP_CHECKS }],
    [0, { kind: 'spawned' }],
    [1, { kind: 'check', status: { type: 'TCP', tcp: { succeeded: true } } }],
    [2, { kind: 'health', healthy: true, killTask: false }],
    [3, { kind: 'check', status: { type: 'TCP', tcp: { succeeded: false } } }],
  ]);
  const running = effects.filter((e) => e.kind === 'update' && e.state === 'TASK_RUNNING').slice(1);
  assert.deepEqual(running, [
    { kind: 'update', taskId: 't1', state: 'TASK_RUNNING', checkStatus: { type: 'TCP', tcp: { succeeded: true } }, reason: 'REASON_TASK_CHECK_STATUS_UPDATED' },
    { kind: 'update', taskId: 't1', state: 'TASK_RUNNING', healthy: true, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', checkStatus: { type: 'TCP', tcp: { succeeded: true } } },
    { kind: 'update', taskId: 't1', state: 'TASK_RUNNING', checkStatus: { type: 'TCP', tcp: { succeeded: false } }, reason: 'REASON_TASK_CHECK_STATUS_UPDATED', healthy: true },
  ]);
  assert.equal(machine.healthy, true);
});

test('no checker without checks; check results after a kill are ignored', () => {
  const { effects } = run([
    [0, { kind: 'launch', task: task(), spec: { ok: true, spec: SPEC }, checks: NO_CHECKS }],
    [0, { kind: 'spawned' }],
    [1, { kind: 'kill', taskId: 't1', graceNs: undefined }],
    [2, { kind: 'check', status: { type: 'TCP', tcp: { succeeded: true } } }],
  ]);
  assert.ok(!effects.some((e) => e.kind === 'start_checks'));
  assert.equal(effects.at(-1)?.kind, 'ignored');
  assert.ok(effects.some((e) => e.kind === 'stop_checks'), 'a kill stops the checks');
});

test('an invalid health check fails the task after STARTING, without running it', () => {
  const { effects } = run([[0, { kind: 'launch', task: task(), spec: { ok: true, spec: SPEC }, checks: { ok: false, message: "Task uses invalid health check: HealthCheck must specify 'type'" } }]]);
  assert.deepEqual(states(effects), ['TASK_STARTING', 'TASK_FAILED']);
  assert.ok(!effects.some((e) => e.kind === 'spawn'));
  const failed = effects.find((e) => e.kind === 'update' && e.state === 'TASK_FAILED');
  assert.equal(failed?.kind === 'update' && failed.message, "Task uses invalid health check: HealthCheck must specify 'type'");
});
