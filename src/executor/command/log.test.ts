import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createExecutorLog, formatLogLine } from './log.ts';

test('formatLogLine: glog layout, local time, fields as key=value, quoted only when needed', () => {
  const time = new Date(2026, 10, 21, 13, 53, 7, 81);
  assert.equal(
    formatLogLine('info', time, 19574, 'command-executor', 'task process started', { pid: 19581, file: 'sh', missing: undefined }),
    'I1121 13:53:07.081 19574 command-executor] task process started pid=19581 file=sh\n',
  );
  assert.equal(
    formatLogLine('error', time, 1, 'x', 'the agent rejected a status update', { body: 'Framework "f" is\nunknown', status: 400, code: null, ok: false }),
    'E1121 13:53:07.081 1 x] the agent rejected a status update body="Framework \\"f\\" is\\nunknown" status=400 code=null ok=false\n',
  );
  assert.equal(formatLogLine('warn', time, 1, 'x', 'two\nlines', { empty: '', list: ['a', 'b'], error: new Error('boom') }), 'W1121 13:53:07.081 1 x] two lines empty="" list=["a","b"] error="boom"\n');
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  assert.equal(formatLogLine('info', time, 1, 'x', 'm', { circular }), 'I1121 13:53:07.081 1 x] m circular="[object Object]"\n');
});

test('createExecutorLog: one line per call, tagged with the component; ids on the first line only', () => {
  const lines: string[] = [];
  const log = createExecutorLog({ component: 'command-executor', framework_id: 'f1', executor_id: 'e1' }, (line) => lines.push(line));
  log.info('command executor started', { checkpoint: false });
  log.warn('subscription to the agent failed', { error: 'connection refused' });
  log.error('exiting');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, new RegExp(`^I\\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{3} ${process.pid} command-executor\\] command executor started checkpoint=false framework_id=f1 executor_id=e1\\n$`));
  assert.match(lines[1]!, /^W.* command-executor\] subscription to the agent failed error="connection refused"\n$/);
  assert.match(lines[2]!, /^E.* command-executor\] exiting\n$/);
  assert.ok(lines.every((l) => l.indexOf('\n') === l.length - 1), 'each write is exactly one line');
});
