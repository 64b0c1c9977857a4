import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeExecutorCall } from '../../protocol/index.ts';
import { newStatusUuid } from '../../common/ids.ts';
import { parseExecutorEvent, statusUpdate, subscribeCall, updateCall } from './wire.ts';

const ID = { frameworkId: 'fw-0000', executorId: 'ex-1' };

test('reads the LAUNCH fixture: command, kill policy, allocation role, raw TaskInfo kept', () => {
  const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/protocol/executor-launch.json', import.meta.url), 'utf8')) as { input: unknown };
  const parsed = parseExecutorEvent(fixture.input);
  assert.ok(parsed.ok);
  assert.equal(parsed.event.type, 'LAUNCH');
  if (parsed.event.type !== 'LAUNCH') return;
  const t = parsed.event.task;
  assert.equal(t.taskId, 'web.8c4f3a');
  assert.deepEqual(t.command, { shell: false, value: '/usr/sbin/nginx', arguments: ['nginx', '-g', 'daemon off;'], variables: [], unsupportedVariables: [] });
  assert.equal(t.killPolicyGraceNs, 30e9);
  assert.equal(t.allocationRole, 'web');
  assert.equal(t.healthCheck?.type, 'HTTP');
  assert.equal(t.raw, (fixture.input as { launch: { task: unknown } }).launch.task);
});

test('Mesos JSON rules: null is absent, int64 as string, bool as string, enum defaults', () => {
  const parsed = parseExecutorEvent({
    type: 'LAUNCH',
    kill: null,
    launch: {
      task: {
        name: 'x',
        task_id: { value: 't' },
        command: { shell: 'false', value: 'true', arguments: null, environment: { variables: [{ name: 'A', value: '1' }, null, { name: 'S', type: 'SECRET', secret: {} }] } },
        kill_policy: { grace_period: { nanoseconds: '1500000000' } },
        max_completion_time: null,
        unknown_field: 42,
      },
    },
  });
  assert.ok(parsed.ok && parsed.event.type === 'LAUNCH');
  if (!parsed.ok || parsed.event.type !== 'LAUNCH') return;
  assert.equal(parsed.event.task.command?.shell, false);
  assert.deepEqual(parsed.event.task.command?.variables, [
    { name: 'A', type: 'VALUE', value: '1' },
    { name: 'S', type: 'SECRET', value: '' },
  ]);
  assert.equal(parsed.event.task.killPolicyGraceNs, 1.5e9);
  assert.equal(parsed.event.task.maxCompletionNs, undefined);
});

test('bad fields are reported with their path; an unreadable LAUNCH still names its task', () => {
  assert.deepEqual(parseExecutorEvent({ type: 'KILL', kill: { task_id: { value: 7 } } }), { ok: false, error: 'kill.task_id.value: expected string, got number' });
  assert.deepEqual(parseExecutorEvent({ type: 'LAUNCH', launch: { task: { task_id: { value: 't9' }, command: { shell: 3 } } } }), {
    ok: false,
    error: 'launch.task.command.shell: expected bool, got number',
    taskId: 't9',
  });
  assert.deepEqual(parseExecutorEvent('nope'), { ok: false, error: 'event: expected object, got string' });
  assert.deepEqual(parseExecutorEvent({}), { ok: false, error: 'type: missing required field' });
});

test('SUBSCRIBED: TASK_KILLING_STATE capability; other events', () => {
  const sub = parseExecutorEvent({
    type: 'SUBSCRIBED',
    subscribed: { framework_info: { user: 'u', name: 'n', capabilities: [{ type: 'MULTI_ROLE' }, { type: 'TASK_KILLING_STATE' }] }, agent_info: { hostname: 'a1' } },
  });
  assert.deepEqual(sub, { ok: true, event: { type: 'SUBSCRIBED', taskKillingCapable: true, agentHostname: 'a1' } });
  assert.deepEqual(parseExecutorEvent({ type: 'KILL', kill: { task_id: { value: 't' }, kill_policy: { grace_period: { nanoseconds: 1000000000 } } } }), {
    ok: true,
    event: { type: 'KILL', taskId: 't', graceNs: 1e9 },
  });
  assert.deepEqual(parseExecutorEvent({ type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: 't' }, uuid: 'AAAAAAAAAAAAAAAAAAAAAA==' } }), {
    ok: true,
    event: { type: 'ACKNOWLEDGED', taskId: 't', uuid: 'AAAAAAAAAAAAAAAAAAAAAA==' },
  });
  assert.deepEqual(parseExecutorEvent({ type: 'SHUTDOWN' }), { ok: true, event: { type: 'SHUTDOWN' } });
  assert.deepEqual(parseExecutorEvent({ type: 'ERROR', error: { message: 'boom' } }), { ok: true, event: { type: 'ERROR', message: 'boom' } });
  assert.deepEqual(parseExecutorEvent({ type: 'FUTURE_THING' }), { ok: true, event: { type: 'UNKNOWN', name: 'FUTURE_THING' } });
});

test('the calls we build pass the agent-side decoder and validation', () => {
  const update = statusUpdate(ID, { taskId: 't', state: 'TASK_FAILED', uuid: newStatusUuid(), timestamp: 1_700_000_000.123, message: 'Command exited with status 3', reason: 'REASON_COMMAND_EXECUTOR_FAILED' });
  const call = updateCall(ID, update);
  const decoded = decodeExecutorCall(JSON.parse(JSON.stringify(call)));
  assert.ok(decoded.ok, JSON.stringify(decoded));
  assert.equal(decoded.value.update?.status.source, 'SOURCE_EXECUTOR');
  assert.equal(decoded.value.update?.status.executor_id?.value, 'ex-1');

  const task = { name: 'x', task_id: { value: 't' }, agent_id: { value: 'a' }, command: { value: 'true' } };
  const subscribe = decodeExecutorCall(JSON.parse(JSON.stringify(subscribeCall(ID, [update], [task]))));
  assert.ok(subscribe.ok, JSON.stringify(subscribe));
  assert.equal(subscribe.value.subscribe?.unacknowledged_updates?.length, 1);
  assert.equal(subscribe.value.subscribe?.unacknowledged_tasks?.[0]?.task_id.value, 't');

  const empty = decodeExecutorCall(JSON.parse(JSON.stringify(subscribeCall(ID, [], []))));
  assert.ok(empty.ok, 'SUBSCRIBE carries `subscribe: {}` even when empty');
});
