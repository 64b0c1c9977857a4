import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, Task as TaskSchema, type Task } from '../protocol/index.ts';
import { reportOfTasks, TaskTemplate } from './report.ts';

const task = (id: string, agent: string): Task =>
  ({
    name: 'dummy', task_id: { value: id }, framework_id: { value: 'fw-1' }, agent_id: { value: agent }, executor_id: { value: id }, state: 'TASK_RUNNING',
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: '*' } }],
    statuses: [{ task_id: { value: id }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', timestamp: 1_700_000_000 }],
    labels: { labels: [{ key: 'k', value: 'v' }] }, limits: {},
  }) as Task;

test('a task template renders exactly what encoding the filled-in task gives, and knows its byte length', () => {
  const template = new TaskTemplate(task('@task@', '@agent@'), { task: '@task@', agent: '@agent@' });
  for (const [id, agent] of [['t-1', 'a-1'], ['tâche "quoted" \\ ü', 'agent-\n2']] as const) {
    const rendered = template.render({ task: id, agent });
    assert.equal(rendered, JSON.stringify(encode(TaskSchema, task(id, agent))));
    assert.equal(template.byteLength({ task: id, agent }), Buffer.byteLength(rendered));
  }
});

test('a task template refuses a marker its sample does not contain', () => {
  assert.throws(() => new TaskTemplate(task('@task@', 'a-1'), { task: '@task@', agent: '@agent@' }), /marker of 'agent'/);
});

test('a report of task values encodes each task once and sums their bytes', () => {
  const report = reportOfTasks('a-1', [], [task('t-1', 'a-1'), task('t-ü', 'a-1')]);
  assert.equal(report.taskCount, 2);
  assert.equal(report.taskJson(1), JSON.stringify(encode(TaskSchema, task('t-ü', 'a-1'))));
  assert.equal(report.tasksBytes, Buffer.byteLength(report.taskJson(0)) + Buffer.byteLength(report.taskJson(1)));
});
