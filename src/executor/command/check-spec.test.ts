import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTaskChecks } from './check-spec.ts';
import type { TaskChecksResult } from './check-spec.ts';
import type { Json, LaunchedTask } from './wire.ts';

function task(healthCheck?: Json, check?: Json): LaunchedTask {
  return {
    taskId: 't1',
    name: 't1',
    raw: {},
    command: { shell: true, value: 'sleep 30', arguments: [], variables: [{ name: 'FROM_TASK', type: 'VALUE', value: 'task' }], unsupportedVariables: [] },
    killPolicyGraceNs: undefined,
    maxCompletionNs: undefined,
    allocationRole: 'dev',
    healthCheck,
    check,
  };
}

const ENV = { PATH: '/bin', MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'secret' };

function read(healthCheck?: Json, check?: Json): TaskChecksResult {
  return readTaskChecks(task(healthCheck, check), ENV, '/sandbox');
}

test('no health check and no check: nothing to run', () => {
  assert.deepEqual(read(), { ok: true, checks: {} });
});

test('the proto defaults: delay 15 s, interval 10 s, timeout 20 s, 3 failures, grace 10 s', () => {
  const result = read({ type: 'TCP', tcp: { port: 8080 } });
  assert.ok(result.ok);
  assert.deepEqual(result.checks.health, {
    probe: { type: 'TCP', host: '127.0.0.1', port: 8080 },
    delayMs: 15_000,
    intervalMs: 10_000,
    timeoutMs: 20_000,
    gracePeriodMs: 10_000,
    consecutiveFailures: 3,
    statuses: [],
  });
});

test('HTTP health check: scheme, path, statuses, IPv6; fractional seconds and numeric strings', () => {
  const result = read({
    type: 'HTTP',
    http: { scheme: 'https', port: '8443', path: '/health', statuses: [200, 204], protocol: 'IPv6' },
    delay_seconds: 0,
    interval_seconds: '0.5',
    timeout_seconds: 0,
    grace_period_seconds: 1.25,
    consecutive_failures: 1,
  });
  assert.ok(result.ok);
  const health = result.checks.health!;
  assert.deepEqual(health.probe, { type: 'HTTP', scheme: 'https', host: '::1', port: 8443, path: '/health' });
  assert.deepEqual([health.delayMs, health.intervalMs, health.timeoutMs, health.gracePeriodMs], [0, 500, undefined, 1250]);
  assert.deepEqual(health.statuses, [200, 204]);
  assert.equal(health.consecutiveFailures, 1);
});

test('COMMAND: the task environment (without the executor token) plus the check variables, in the sandbox', () => {
  const result = read(
    { type: 'COMMAND', command: { value: 'test -f ready', environment: { variables: [{ name: 'FROM_CHECK', value: 'check' }, { name: 'FROM_TASK', value: 'override' }] } } },
    { type: 'COMMAND', command: { command: { shell: false, value: '/bin/true', arguments: ['true', '-x'] } }, delay_seconds: 1 },
  );
  assert.ok(result.ok);
  const health = result.checks.health!.probe;
  assert.equal(health.type, 'COMMAND');
  assert.ok(health.type === 'COMMAND');
  assert.deepEqual([health.spawn.file, health.spawn.args, health.spawn.cwd], ['/bin/sh', ['-c', 'test -f ready'], '/sandbox']);
  assert.equal(health.spawn.env.FROM_CHECK, 'check');
  assert.equal(health.spawn.env.FROM_TASK, 'override');
  assert.equal(health.spawn.env.MESOS_TASK_ID, 't1');
  assert.equal(health.spawn.env.MESOS_SANDBOX, '/sandbox');
  assert.equal(health.spawn.env.MESOS_ALLOCATION_ROLE, 'dev');
  assert.equal(health.spawn.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN, undefined);
  const check = result.checks.check!;
  assert.ok(check.probe.type === 'COMMAND');
  assert.deepEqual([check.probe.spawn.file, check.probe.spawn.argv0, check.probe.spawn.args], ['/bin/true', 'true', ['-x']]);
  assert.equal(check.delayMs, 1000);
});

test('HTTP and TCP checks target 127.0.0.1 over plain HTTP', () => {
  const http = read(undefined, { type: 'HTTP', http: { port: 80 } });
  assert.ok(http.ok);
  assert.deepEqual(http.checks.check?.probe, { type: 'HTTP', scheme: 'http', host: '127.0.0.1', port: 80, path: '' });
  const tcp = read(undefined, { type: 'TCP', tcp: { port: 81 }, timeout_seconds: 2 });
  assert.ok(tcp.ok);
  assert.deepEqual(tcp.checks.check?.probe, { type: 'TCP', host: '127.0.0.1', port: 81 });
  assert.equal(tcp.checks.check?.timeoutMs, 2000);
});

test('invalid checks are refused with the message the master gives for TASK_ERROR', () => {
  assert.deepEqual(read({ http: { port: 80 } }), { ok: false, message: "Task uses invalid health check: HealthCheck must specify 'type'" });
  // An unknown enum name leaves the field unset, as Mesos's JSON parser does.
  assert.deepEqual(read({ type: 'GRPC' }), { ok: false, message: "Task uses invalid health check: HealthCheck must specify 'type'" });
  assert.deepEqual(read({ type: 'HTTP', tcp: { port: 1 } }), { ok: false, message: "Task uses invalid health check: Expecting 'http' to be set for HTTP health check" });
  assert.deepEqual(read(undefined, { type: 'TCP', http: { port: 1 } }), { ok: false, message: "Task uses invalid check: Expecting 'tcp' to be set for TCP check" });
  assert.deepEqual(read({ type: 'TCP', tcp: {} }), { ok: false, message: 'Task uses invalid health check: health_check.tcp.port: missing required field' });
  assert.deepEqual(read({ type: 'TCP', tcp: { port: 1 }, interval_seconds: 'soon' }), {
    ok: false,
    message: 'Task uses invalid health check: health_check.interval_seconds: expected number, got string',
  });
  assert.deepEqual(read({ type: 'COMMAND', command: { value: 'true', environment: { variables: [{ name: 'S', type: 'SECRET', secret: { type: 'REFERENCE' } }] } } }), {
    ok: false,
    message: "Task uses invalid health check: health_check.command: secret environment variables are not supported by the command executor yet: 'S'",
  });
});
