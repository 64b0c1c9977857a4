// Envelope validation of scheduler, executor and operator calls (reference §2.3, §4.2, §5).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeAgentCall,
  decodeExecutorCall,
  decodeMasterCall,
  decodeMasterEvent,
  decodeSchedulerCall,
  decodeSchedulerEvent,
} from './api.ts';
import type { CheckedResult } from './api.ts';
import { base64ByteLength } from './validate-calls.ts';

const FW = { value: 'f-0000' };
const AGENT = { value: 'f-S0' };
const UUID16 = Buffer.alloc(16, 7).toString('base64');

function failure(result: CheckedResult<unknown>): { stage: string; errors: string[] } {
  assert.equal(result.ok, false, 'expected a failure');
  if (result.ok) return { stage: '', errors: [] };
  return { stage: result.stage, errors: result.errors.map((e) => `${e.path}: ${e.message}`) };
}

void test('base64ByteLength', () => {
  for (const n of [0, 1, 2, 3, 15, 16, 17]) {
    assert.equal(base64ByteLength(Buffer.alloc(n).toString('base64')), n);
  }
});

void test('SUBSCRIBE needs subscribe; framework_id must equal framework_info.id', () => {
  assert.deepEqual(failure(decodeSchedulerCall({ type: 'SUBSCRIBE' })), {
    stage: 'validate',
    errors: ['subscribe: required for type SUBSCRIBE'],
  });

  const info = { user: 'root', name: 'demo' };
  assert.ok(decodeSchedulerCall({ type: 'SUBSCRIBE', subscribe: { framework_info: info } }).ok);
  assert.ok(
    decodeSchedulerCall({
      type: 'SUBSCRIBE',
      framework_id: FW,
      subscribe: { framework_info: { ...info, id: FW } },
    }).ok,
  );
  const mismatch = {
    type: 'SUBSCRIBE',
    framework_id: { value: 'other' },
    subscribe: { framework_info: { ...info, id: FW } },
  };
  assert.deepEqual(failure(decodeSchedulerCall(mismatch)).errors, [
    'framework_id: differs from subscribe.framework_info.id',
  ]);
  const onlyTopLevel = { type: 'SUBSCRIBE', framework_id: FW, subscribe: { framework_info: info } };
  assert.deepEqual(failure(decodeSchedulerCall(onlyTopLevel)).errors, [
    'framework_id: differs from subscribe.framework_info.id',
  ]);
});

void test('other calls need framework_id and their sub-message', () => {
  assert.deepEqual(failure(decodeSchedulerCall({ type: 'DECLINE' })).errors, [
    'framework_id: required for type DECLINE',
    'decline: required for type DECLINE',
  ]);
  assert.deepEqual(failure(decodeSchedulerCall({ type: 'KILL', framework_id: FW, kill: null })).errors, [
    'kill: required for type KILL',
  ]);
  assert.deepEqual(
    failure(decodeSchedulerCall({ type: 'ACCEPT_INVERSE_OFFERS', framework_id: FW })).errors,
    ['accept_inverse_offers: required for type ACCEPT_INVERSE_OFFERS'],
  );
  // An empty sub-message counts as present.
  assert.ok(decodeSchedulerCall({ type: 'DECLINE', framework_id: FW, decline: {} }).ok);
});

void test('TEARDOWN, REVIVE and SUPPRESS may omit their sub-message', () => {
  for (const type of ['TEARDOWN', 'REVIVE', 'SUPPRESS']) {
    const result = decodeSchedulerCall({ type, framework_id: FW });
    assert.ok(result.ok, type);
  }
  const revive = decodeSchedulerCall({ type: 'REVIVE', framework_id: FW, revive: { roles: ['a'] } });
  assert.ok(revive.ok && revive.value.type === 'REVIVE');
  assert.deepEqual(revive.value.revive?.roles, ['a']);
  assert.deepEqual(failure(decodeSchedulerCall({ type: 'TEARDOWN' })).errors, [
    'framework_id: required for type TEARDOWN',
  ]);
});

void test('ACKNOWLEDGE uuid must be 16 bytes', () => {
  const ack = (uuid: string) => ({
    type: 'ACKNOWLEDGE',
    framework_id: FW,
    acknowledge: { agent_id: AGENT, task_id: { value: 't' }, uuid },
  });
  assert.ok(decodeSchedulerCall(ack(UUID16)).ok);
  assert.deepEqual(failure(decodeSchedulerCall(ack('YWJj'))), {
    stage: 'validate',
    errors: ['acknowledge.uuid: expected a 16-byte UUID, got 3 bytes'],
  });
  // Not base64 at all is a decode error, found before validation.
  assert.deepEqual(failure(decodeSchedulerCall(ack('0b5c3ec8-1f6c-4bf4-9c0c-0c5e1b7d9b61'))), {
    stage: 'decode',
    errors: ['acknowledge.uuid: invalid base64'],
  });
});

void test('ACKNOWLEDGE_OPERATION_STATUS needs a 16-byte uuid and agent_id', () => {
  const base = { type: 'ACKNOWLEDGE_OPERATION_STATUS', framework_id: FW };
  assert.deepEqual(
    failure(
      decodeSchedulerCall({
        ...base,
        acknowledge_operation_status: { uuid: 'AAAA', operation_id: { value: 'op' } },
      }),
    ).errors,
    [
      'acknowledge_operation_status.uuid: expected a 16-byte UUID, got 3 bytes',
      'acknowledge_operation_status.agent_id: missing required field',
    ],
  );
  // The docs' example with operation_id as a string is a decode error.
  assert.deepEqual(
    failure(
      decodeSchedulerCall({
        ...base,
        acknowledge_operation_status: { agent_id: AGENT, uuid: UUID16, operation_id: 'op' },
      }),
    ).errors,
    ['acknowledge_operation_status.operation_id: expected object, got string'],
  );
  assert.ok(
    decodeSchedulerCall({
      ...base,
      acknowledge_operation_status: { agent_id: AGENT, uuid: UUID16, operation_id: { value: 'op' } },
    }).ok,
  );
});

void test('UPDATE_FRAMEWORK framework_info.id must equal framework_id', () => {
  const update = (id?: { value: string }) => ({
    type: 'UPDATE_FRAMEWORK',
    framework_id: FW,
    update_framework: {
      framework_info: { user: 'root', name: 'demo', ...(id ? { id } : {}) },
      offer_constraints: {
        role_constraints: {
          web: {
            groups: [
              {
                attribute_constraints: [
                  { selector: { attribute_name: 'rack' }, predicate: { text_equals: { value: 'r1' } } },
                  { selector: { pseudoattribute_type: 'HOSTNAME' }, predicate: { exists: {} } },
                ],
              },
            ],
          },
        },
      },
    },
  });
  const ok = decodeSchedulerCall(update(FW));
  assert.ok(ok.ok && ok.value.type === 'UPDATE_FRAMEWORK');
  assert.equal(
    ok.value.update_framework.offer_constraints?.role_constraints?.['web']?.groups?.[0]?.attribute_constraints?.length,
    2,
  );
  assert.deepEqual(failure(decodeSchedulerCall(update({ value: 'f-0001' }))).errors, [
    "update_framework.framework_info.id: 'f-0001' differs from framework_id 'f-0000'",
  ]);
  assert.deepEqual(failure(decodeSchedulerCall(update())).errors, [
    'update_framework.framework_info.id: missing required field',
  ]);
});

void test('executor calls: ids required, subscribe required even if empty', () => {
  const ids = { executor_id: { value: 'e' }, framework_id: FW };
  assert.ok(decodeExecutorCall({ type: 'SUBSCRIBE', ...ids, subscribe: {} }).ok);
  assert.deepEqual(failure(decodeExecutorCall({ type: 'SUBSCRIBE', ...ids })).errors, [
    'subscribe: required for type SUBSCRIBE',
  ]);
  assert.deepEqual(failure(decodeExecutorCall({ type: 'HEARTBEAT' })), {
    stage: 'decode',
    errors: ['executor_id: missing required field', 'framework_id: missing required field'],
  });
  assert.ok(decodeExecutorCall({ type: 'HEARTBEAT', ...ids }).ok);
  assert.deepEqual(failure(decodeExecutorCall({ type: 'MESSAGE', ...ids })).errors, [
    'message: required for type MESSAGE',
  ]);
});

void test('executor UPDATE status checks', () => {
  const ids = { executor_id: { value: 'e' }, framework_id: FW };
  const update = (status: object) => ({
    type: 'UPDATE',
    ...ids,
    update: { status: { task_id: { value: 't' }, ...status } },
  });
  assert.ok(
    decodeExecutorCall(update({ state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: UUID16 })).ok,
  );
  assert.deepEqual(
    failure(
      decodeExecutorCall(
        update({ state: 'TASK_STAGING', source: 'SOURCE_AGENT', executor_id: { value: 'other' } }),
      ),
    ).errors,
    [
      'update.status.uuid: missing required field',
      'update.status.source: expected SOURCE_EXECUTOR',
      'update.status.state: TASK_STAGING may not be sent by an executor',
      "update.status.executor_id: 'other' differs from executor_id 'e'",
    ],
  );
});

void test('operator calls need the sub-message their type takes', () => {
  assert.ok(decodeMasterCall({ type: 'GET_STATE' }).ok);
  assert.ok(decodeMasterCall({ type: 'GET_METRICS' }).ok);
  assert.deepEqual(failure(decodeMasterCall({ type: 'TEARDOWN' })).errors, ['teardown: required for type TEARDOWN']);
  assert.deepEqual(failure(decodeMasterCall({ type: 'DRAIN_AGENT', drain_agent: {} })), {
    stage: 'decode',
    errors: ['drain_agent.agent_id: missing required field'],
  });
  const drain = decodeMasterCall({
    type: 'DRAIN_AGENT',
    drain_agent: { agent_id: AGENT, max_grace_period: { seconds: '600' } },
  });
  assert.ok(drain.ok && drain.value.type === 'DRAIN_AGENT');
  assert.deepEqual(drain.value.drain_agent, {
    agent_id: AGENT,
    max_grace_period: { seconds: 600 },
    mark_gone: false,
  });

  assert.ok(decodeAgentCall({ type: 'GET_CONTAINERS' }).ok);
  assert.deepEqual(failure(decodeAgentCall({ type: 'LAUNCH_NESTED_CONTAINER_SESSION' })).errors, [
    'launch_nested_container_session: required for type LAUNCH_NESTED_CONTAINER_SESSION',
  ]);
  const attach = decodeAgentCall({
    type: 'ATTACH_CONTAINER_INPUT',
    attach_container_input: {
      type: 'PROCESS_IO',
      process_io: { type: 'DATA', data: { type: 'STDIN', data: Buffer.from('ls\n').toString('base64') } },
    },
  });
  assert.ok(attach.ok);
});

void test('events and responses need their payload when the type has one', () => {
  assert.ok(decodeSchedulerEvent({ type: 'HEARTBEAT' }).ok);
  assert.deepEqual(failure(decodeSchedulerEvent({ type: 'OFFERS' })).errors, ['offers: required for type OFFERS']);
  assert.deepEqual(failure(decodeSchedulerEvent({ type: 'ERROR' })).errors, ['error: required for type ERROR']);
  // The docs' flat ERROR shape (a DOC-ERRATUM) collides with the MESSAGE event's field.
  assert.deepEqual(failure(decodeSchedulerEvent({ type: 'ERROR', message: 'boom' })).errors, [
    'message: expected object, got string',
  ]);
  assert.ok(decodeSchedulerEvent({ type: 'ERROR', error: { message: 'Framework failed over' } }).ok);
  assert.ok(decodeMasterEvent({ type: 'HEARTBEAT' }).ok);
  assert.deepEqual(failure(decodeMasterEvent({ type: 'TASK_ADDED' })).errors, [
    'task_added: required for type TASK_ADDED',
  ]);
});
