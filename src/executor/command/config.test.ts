import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readExecutorConfig } from './config.ts';

const BASE = { MESOS_FRAMEWORK_ID: 'fw', MESOS_EXECUTOR_ID: 'ex', MESOS_AGENT_ENDPOINT: '127.0.0.1:5051' };

test('reads the Mesos executor environment with Mesos defaults', () => {
  const r = readExecutorConfig({ ...BASE, MESOS_DIRECTORY: '/dir', MESOS_SLAVE_ID: 'S0' }, '/cwd');
  assert.ok(r.ok);
  assert.equal(r.config.executorApiUrl.href, 'http://127.0.0.1:5051/api/v1/executor');
  assert.equal(r.config.sandbox, '/dir');
  assert.equal(r.config.agentId, 'S0');
  assert.equal(r.config.checkpoint, false);
  assert.equal(r.config.shutdownGraceMs, 5000);
  assert.equal(r.config.recoveryTimeoutMs, 900_000);
  assert.equal(r.config.subscriptionBackoffMaxMs, 2000);
});

test('stout durations, checkpointing and MESOS_SANDBOX over MESOS_DIRECTORY', () => {
  const r = readExecutorConfig(
    { ...BASE, MESOS_CHECKPOINT: '1', MESOS_SANDBOX: '/mnt/mesos/sandbox', MESOS_DIRECTORY: '/dir', MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '10secs', MESOS_RECOVERY_TIMEOUT: '1mins', MESOS_SUBSCRIPTION_BACKOFF_MAX: '500ms' },
    '/cwd',
  );
  assert.ok(r.ok);
  assert.equal(r.config.checkpoint, true);
  assert.equal(r.config.sandbox, '/mnt/mesos/sandbox');
  assert.deepEqual([r.config.shutdownGraceMs, r.config.recoveryTimeoutMs, r.config.subscriptionBackoffMaxMs], [10_000, 60_000, 500]);
});

test('missing or bad variables are named', () => {
  assert.deepEqual(readExecutorConfig({ MESOS_FRAMEWORK_ID: 'fw' }, '/'), { ok: false, error: "expecting 'MESOS_EXECUTOR_ID' to be set in the environment" });
  const bad = readExecutorConfig({ ...BASE, MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: 'soon' }, '/');
  assert.ok(!bad.ok && bad.error.startsWith("failed to parse 'MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD': invalid duration 'soon'"));
});
