import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../common/clock.ts';
import type { ProbeResult } from './check-logic.ts';
import type { CheckSpec, HealthCheckSpec, ProbeSpec } from './check-spec.ts';
import { createTaskCheckers, ProbeLoop } from './checker.ts';
import type { RunProbe } from './checker.ts';
import type { HealthResult } from './checks.ts';
import type { CheckStatusInfo } from '../../protocol/index.ts';
import type { ExecutorLog } from './log.ts';

const TCP: ProbeSpec = { type: 'TCP', host: '127.0.0.1', port: 1 };
const silent: ExecutorLog = { info: () => {}, warn: () => {}, error: () => {} };

/** A fake probe: each run waits until the test settles it; records when it started and if aborted. */
class FakeProbes {
  readonly runs: { at: number; signal: AbortSignal; settle(r: ProbeResult): void }[] = [];
  readonly clock: ManualClock;
  constructor(clock: ManualClock) {
    this.clock = clock;
  }
  readonly run: RunProbe = (_probe, signal) =>
    new Promise((resolve) => {
      this.runs.push({ at: this.clock.now(), signal, settle: resolve });
    });
  /** Settles the latest run and lets its promise callbacks run. */
  async settle(result: ProbeResult): Promise<void> {
    this.runs.at(-1)!.settle(result);
    await new Promise((r) => setImmediate(r));
  }
}

test('ProbeLoop: first run after the delay, the next one an interval after each result', async () => {
  const clock = new ManualClock(0);
  const probes = new FakeProbes(clock);
  const results: ProbeResult[] = [];
  const loop = new ProbeLoop({ clock, timing: { delayMs: 5000, intervalMs: 1000, timeoutMs: undefined }, probe: TCP, run: probes.run, name: 'TCP check', onResult: (r) => results.push(r) });
  loop.start();
  clock.advance(4999);
  assert.equal(probes.runs.length, 0);
  clock.advance(1);
  assert.deepEqual(probes.runs.map((r) => r.at), [5000]);
  clock.advance(3000); // a slow probe: no second run while the first is in flight
  assert.equal(probes.runs.length, 1);
  await probes.settle({ type: 'TCP', succeeded: true });
  clock.advance(999);
  assert.equal(probes.runs.length, 1);
  clock.advance(1);
  assert.deepEqual(probes.runs.map((r) => r.at), [5000, 9000]);
  assert.deepEqual(results, [{ type: 'TCP', succeeded: true }]);
  loop.stop();
});

test('ProbeLoop: a probe still running at the timeout is aborted and counts as an error', async () => {
  const clock = new ManualClock(0);
  const probes = new FakeProbes(clock);
  const results: ProbeResult[] = [];
  const loop = new ProbeLoop({ clock, timing: { delayMs: 0, intervalMs: 1000, timeoutMs: 2000 }, probe: TCP, run: probes.run, name: 'TCP health check', onResult: (r) => results.push(r) });
  loop.start();
  clock.advance(0);
  assert.equal(probes.runs.length, 1);
  clock.advance(2000);
  assert.equal(probes.runs[0]!.signal.aborted, true);
  assert.deepEqual(results, [{ type: 'error', message: 'TCP health check timed out after 2000 ms' }]);
  // A late result of the aborted probe is ignored.
  probes.runs[0]!.settle({ type: 'TCP', succeeded: true });
  await new Promise((r) => setImmediate(r));
  assert.equal(results.length, 1);
  clock.advance(1000);
  assert.equal(probes.runs.length, 2, 'the loop goes on an interval after the timeout');
  loop.stop();
});

test('ProbeLoop: stop() aborts the probe in flight, cancels timers and reports nothing more', async () => {
  const clock = new ManualClock(0);
  const probes = new FakeProbes(clock);
  const results: ProbeResult[] = [];
  const loop = new ProbeLoop({ clock, timing: { delayMs: 10, intervalMs: 10, timeoutMs: 100 }, probe: TCP, run: probes.run, name: 'x', onResult: (r) => results.push(r) });
  loop.start();
  clock.advance(10);
  loop.stop();
  assert.equal(probes.runs[0]!.signal.aborted, true);
  await probes.settle({ type: 'TCP', succeeded: true });
  clock.advance(1000);
  assert.deepEqual(results, []);
  assert.equal(probes.runs.length, 1);
  assert.equal(clock.pending, 0, 'no timer left behind');
});

test('ProbeLoop: a delay beyond setTimeout range is chained, not fired at once', () => {
  const clock = new ManualClock(0);
  const probes = new FakeProbes(clock);
  const loop = new ProbeLoop({ clock, timing: { delayMs: 30 * 24 * 3600_000, intervalMs: 1, timeoutMs: undefined }, probe: TCP, run: probes.run, name: 'x', onResult: () => {} });
  loop.start();
  clock.advance(25 * 24 * 3600_000);
  assert.equal(probes.runs.length, 0);
  clock.advance(5 * 24 * 3600_000);
  assert.equal(probes.runs.length, 1);
  loop.stop();
});

function healthSpec(extra: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return { probe: TCP, delayMs: 0, intervalMs: 1000, timeoutMs: 500, gracePeriodMs: 2500, consecutiveFailures: 2, statuses: [], ...extra };
}

test('health checker: failures in the grace period ignored, then unhealthy twice and kill', async () => {
  const clock = new ManualClock(0);
  const probes = new FakeProbes(clock);
  const reports: HealthResult[] = [];
  const checker = createTaskCheckers({ clock, log: silent, run: probes.run })({
    taskId: 't1',
    pid: 1,
    checks: { health: healthSpec() },
    reportHealth: (r) => reports.push(r),
    reportCheck: () => assert.fail('no check configured'),
  });
  assert.ok(checker);
  // t=0, 1000, 2000: inside the 2.5 s grace period; the one at 2000 times out at 2500 (still inside).
  clock.advance(0);
  await probes.settle({ type: 'TCP', succeeded: false });
  clock.advance(1000);
  await probes.settle({ type: 'TCP', succeeded: false });
  clock.advance(1000);
  clock.advance(500);
  assert.deepEqual(reports, []);
  // t=3500: outside; failure 1 of 2.
  clock.advance(1000);
  await probes.settle({ type: 'TCP', succeeded: false });
  assert.deepEqual(reports, [{ healthy: false, killTask: false }]);
  clock.advance(1000);
  await probes.settle({ type: 'TCP', succeeded: false });
  assert.deepEqual(reports.at(-1), { healthy: false, killTask: true });
  checker.stop();
  assert.equal(clock.pending, 0);
});

test('health checker: healthy once, unhealthy, healthy again; HTTP statuses honoured', async () => {
  const clock = new ManualClock(0);
  const probes = new FakeProbes(clock);
  const reports: HealthResult[] = [];
  const http: ProbeSpec = { type: 'HTTP', scheme: 'http', host: '127.0.0.1', port: 1, path: '' };
  const checker = createTaskCheckers({ clock, log: silent, run: probes.run })({
    taskId: 't1',
    pid: 1,
    checks: { health: healthSpec({ probe: http, statuses: [200], consecutiveFailures: 5, gracePeriodMs: 0 }) },
    reportHealth: (r) => reports.push(r),
    reportCheck: () => {},
  });
  clock.advance(0);
  for (const code of [200, 200, 204, 200, 200]) {
    await probes.settle({ type: 'HTTP', statusCode: code });
    clock.advance(1000);
  }
  assert.deepEqual(reports.map((r) => r.healthy), [true, false, true]);
  checker!.stop();
});

test('checker: check_status reported only when it changes, starting from the empty status', async () => {
  const clock = new ManualClock(0);
  const probes = new FakeProbes(clock);
  const statuses: CheckStatusInfo[] = [];
  const check: CheckSpec = { probe: { type: 'COMMAND', spawn: { file: 'sh', args: [], argv0: 'sh', env: {}, cwd: '/' } }, delayMs: 0, intervalMs: 100, timeoutMs: 50 };
  const checker = createTaskCheckers({ clock, log: silent, run: probes.run })({
    taskId: 't1',
    pid: 1,
    checks: { check },
    reportHealth: () => assert.fail('no health check configured'),
    reportCheck: (s) => statuses.push(s),
  });
  clock.advance(0);
  clock.advance(50); // timed out: the empty status, same as the initial one: not reported
  for (const exitCode of [1, 1, 0]) {
    clock.advance(100);
    await probes.settle({ type: 'COMMAND', exitCode });
  }
  clock.advance(100);
  clock.advance(50); // timed out again: back to the empty status
  assert.deepEqual(statuses, [
    { type: 'COMMAND', command: { exit_code: 1 } },
    { type: 'COMMAND', command: { exit_code: 0 } },
    { type: 'COMMAND', command: {} },
  ]);
  checker!.stop();
});

test('no checks configured: no checker', () => {
  const factory = createTaskCheckers({ clock: new ManualClock(0), log: silent, run: () => assert.fail('no probe') });
  assert.equal(factory({ taskId: 't', pid: 1, checks: {}, reportHealth: () => {}, reportCheck: () => {} }), undefined);
});
