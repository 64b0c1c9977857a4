import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStatusOf, emptyCheckStatus, initialHealth, interpretHealth, sameCheckStatus, stepHealth } from './check-logic.ts';
import type { HealthPolicy, HealthState, HealthStep } from './check-logic.ts';

test('interpretation: exit 0, HTTP 200-399 (or the given statuses), a TCP connect; errors fail', () => {
  assert.equal(interpretHealth({ type: 'COMMAND', exitCode: 0 }, []).healthy, true);
  assert.deepEqual(interpretHealth({ type: 'COMMAND', exitCode: 1 }, []), { healthy: false, why: 'command exited with status 1' });
  for (const code of [200, 204, 301, 399]) assert.equal(interpretHealth({ type: 'HTTP', statusCode: code }, []).healthy, true, String(code));
  for (const code of [199, 400, 404, 500]) assert.equal(interpretHealth({ type: 'HTTP', statusCode: code }, []).healthy, false, String(code));
  assert.equal(interpretHealth({ type: 'HTTP', statusCode: 503 }, [200, 503]).healthy, true);
  assert.equal(interpretHealth({ type: 'HTTP', statusCode: 204 }, [200]).healthy, false);
  assert.equal(interpretHealth({ type: 'TCP', succeeded: true }, []).healthy, true);
  assert.equal(interpretHealth({ type: 'TCP', succeeded: false }, []).healthy, false);
  assert.deepEqual(interpretHealth({ type: 'error', message: 'timed out' }, []), { healthy: false, why: 'timed out' });
});

/** Feeds outcomes at the given times (ms after the start at 0) and collects the reports. */
function feed(policy: HealthPolicy, outcomes: [number, boolean][]): { steps: HealthStep[]; state: HealthState } {
  let state = initialHealth(0);
  const steps: HealthStep[] = [];
  for (const [now, healthy] of outcomes) {
    const s = stepHealth(state, healthy, policy, now);
    state = s.state;
    steps.push(s);
  }
  return { steps, state };
}

test('failures inside the grace period are ignored until the first success', () => {
  const policy = { gracePeriodMs: 10_000, consecutiveFailures: 3 };
  const { steps } = feed(policy, [
    [1000, false],
    [10_000, false], // still inside: the grace period boundary is inclusive, as Mesos's `<=`
    [10_001, false], // outside: counted, reported unhealthy
  ]);
  assert.deepEqual(steps.map((s) => s.report), [undefined, undefined, { healthy: false, killTask: false }]);
  assert.deepEqual(steps.map((s) => s.inGracePeriod), [true, true, undefined]);
});

test('the first success ends the grace period: a later failure inside it counts', () => {
  const { steps } = feed({ gracePeriodMs: 60_000, consecutiveFailures: 2 }, [
    [1000, true],
    [2000, false],
    [3000, false],
  ]);
  assert.deepEqual(
    steps.map((s) => s.report),
    [
      { healthy: true, killTask: false },
      { healthy: false, killTask: false },
      { healthy: false, killTask: true },
    ],
  );
});

test('healthy is reported once, then again only after failures; every counted failure is reported', () => {
  const { steps } = feed({ gracePeriodMs: 0, consecutiveFailures: 3 }, [
    [0, true],
    [1, true],
    [2, false],
    [3, false],
    [4, true],
    [5, true],
    [6, false],
    [7, false],
    [8, false],
  ]);
  assert.deepEqual(
    steps.map((s) => (s.report ? `${s.report.healthy}${s.report.killTask ? '!' : ''}` : '-')),
    ['true', '-', 'false', 'false', 'true', '-', 'false', 'false', 'false!'],
  );
});

test('a grace period of 0 ignores nothing; consecutive_failures 0 or 1 kills at the first failure', () => {
  assert.deepEqual(feed({ gracePeriodMs: 0, consecutiveFailures: 1 }, [[0, false]]).steps[0]?.report, { healthy: false, killTask: true });
  assert.deepEqual(feed({ gracePeriodMs: 0, consecutiveFailures: 0 }, [[0, false]]).steps[0]?.report, { healthy: false, killTask: true });
});

test('check statuses: the result, or the empty status of the type when there is none', () => {
  assert.deepEqual(checkStatusOf('COMMAND', { type: 'COMMAND', exitCode: 3 }), { type: 'COMMAND', command: { exit_code: 3 } });
  assert.deepEqual(checkStatusOf('HTTP', { type: 'HTTP', statusCode: 418 }), { type: 'HTTP', http: { status_code: 418 } });
  assert.deepEqual(checkStatusOf('TCP', { type: 'TCP', succeeded: false }), { type: 'TCP', tcp: { succeeded: false } });
  assert.deepEqual(checkStatusOf('HTTP', { type: 'error', message: 'timed out' }), { type: 'HTTP', http: {} });
  assert.ok(sameCheckStatus(emptyCheckStatus('TCP'), { type: 'TCP', tcp: {} }));
  assert.ok(!sameCheckStatus(emptyCheckStatus('TCP'), { type: 'TCP', tcp: { succeeded: false } }));
  assert.ok(!sameCheckStatus({ type: 'COMMAND', command: { exit_code: 0 } }, { type: 'COMMAND', command: { exit_code: 1 } }));
  assert.ok(sameCheckStatus({ type: 'HTTP', http: { status_code: 200 } }, { type: 'HTTP', http: { status_code: 200 } }));
});
