import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentDir, executorLatestRunLink, executorRunDir, executorVirtualLatestPath } from './paths.ts';

test('sandbox layout is the Mesos one', () => {
  assert.equal(agentDir('/w', 'M-S0'), '/w/slaves/M-S0');
  assert.equal(executorRunDir('/w', 'M-S0', 'M-0000', 'task 1', 'c1'), '/w/slaves/M-S0/frameworks/M-0000/executors/task 1/runs/c1');
  assert.equal(executorLatestRunLink('/w', 'M-S0', 'M-0000', 'e'), '/w/slaves/M-S0/frameworks/M-0000/executors/e/runs/latest');
  assert.equal(executorVirtualLatestPath('F', 'E'), '/frameworks/F/executors/E/runs/latest');
});

test('ids that would escape the layout are refused', () => {
  assert.throws(() => executorRunDir('/w', 'S', '..', 'e', 'c'), /invalid framework id/);
  assert.throws(() => executorRunDir('/w', 'S', 'f', 'a/b', 'c'), /invalid executor id/);
  assert.throws(() => agentDir('/w', ''), /invalid agent id/);
});
