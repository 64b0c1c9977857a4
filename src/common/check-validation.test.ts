import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCheckInfo, validateHealthCheck } from './check-validation.ts';

test('health checks: the type and its sub-message are required, with Mesos messages', () => {
  assert.equal(validateHealthCheck({}), "HealthCheck must specify 'type'");
  assert.equal(validateHealthCheck({ type: 'UNKNOWN' }), "'UNKNOWN' is not a valid health check type");
  assert.equal(validateHealthCheck({ type: 'COMMAND' }), "Expecting 'command' to be set for COMMAND health check");
  assert.equal(validateHealthCheck({ type: 'COMMAND', command: {} }), "Command health check must contain 'shell command'");
  assert.equal(validateHealthCheck({ type: 'COMMAND', command: { shell: false } }), "Command health check must contain 'executable path'");
  assert.equal(validateHealthCheck({ type: 'HTTP', tcp: {} }), "Expecting 'http' to be set for HTTP health check");
  assert.equal(validateHealthCheck({ type: 'TCP', http: {} }), "Expecting 'tcp' to be set for TCP health check");
  assert.equal(validateHealthCheck({ type: 'HTTP', http: { scheme: 'ftp' } }), "Unsupported HTTP health check scheme: 'ftp'");
  assert.equal(validateHealthCheck({ type: 'HTTP', http: { path: 'health' } }), "The path 'health' of HTTP health check must start with '/'");
  assert.equal(validateHealthCheck({ type: 'HTTP', http: { scheme: 'https', path: '/health' } }), undefined);
  assert.equal(validateHealthCheck({ type: 'TCP', tcp: {} }), undefined);
});

test('health checks: timings must be non-negative (in Mesos order) and finite', () => {
  assert.equal(validateHealthCheck({ type: 'TCP', tcp: {}, timeout_seconds: -1, delay_seconds: -1 }), "Expecting 'delay_seconds' to be non-negative");
  assert.equal(validateHealthCheck({ type: 'TCP', tcp: {}, interval_seconds: -1, grace_period_seconds: -1 }), "Expecting 'grace_period_seconds' to be non-negative");
  assert.equal(validateHealthCheck({ type: 'TCP', tcp: {}, timeout_seconds: -0.5 }), "Expecting 'timeout_seconds' to be non-negative");
  assert.equal(validateHealthCheck({ type: 'TCP', tcp: {}, interval_seconds: Infinity }), "Expecting 'interval_seconds' to be finite");
  assert.equal(validateHealthCheck({ type: 'TCP', tcp: {}, delay_seconds: 0, interval_seconds: 0, timeout_seconds: 0 }), undefined);
});

test("the check command's environment is validated as CommandInfo", () => {
  const secretWithValue = { type: 'COMMAND', command: { value: 'true', environment: { variables: [{ name: 'T', type: 'SECRET', value: 'x', secret: {} }] } } };
  assert.equal(validateHealthCheck(secretWithValue), "Health check's `CommandInfo` is invalid: Environment variable 'T' of type 'SECRET' must not have a value set");
  const noValue = { type: 'COMMAND', command: { command: { value: 'true', environment: { variables: [{ name: 'V' }] } } } };
  assert.equal(validateCheckInfo(noValue), "Check's `CommandInfo` is invalid: Environment variable 'V' of type 'VALUE' must have a value set");
});

test('checks: the same rules with their own messages; HTTP checks have no scheme', () => {
  assert.equal(validateCheckInfo({}), "CheckInfo must specify 'type'");
  assert.equal(validateCheckInfo({ type: 'COMMAND', command: {} }), "Expecting 'command' to be set for COMMAND check");
  assert.equal(validateCheckInfo({ type: 'COMMAND', command: { command: { shell: true } } }), "Command check must contain 'shell command'");
  assert.equal(validateCheckInfo({ type: 'HTTP' }), "Expecting 'http' to be set for HTTP check");
  assert.equal(validateCheckInfo({ type: 'HTTP', http: { path: 'x' } }), "The path 'x' of HTTP check must start with '/'");
  assert.equal(validateCheckInfo({ type: 'TCP' }), "Expecting 'tcp' to be set for TCP check");
  assert.equal(validateCheckInfo({ type: 'TCP', tcp: {}, delay_seconds: -1 }), "Expecting 'delay_seconds' to be non-negative");
  assert.equal(validateCheckInfo({ type: 'COMMAND', command: { command: { value: 'exit 0' } } }), undefined);
});
