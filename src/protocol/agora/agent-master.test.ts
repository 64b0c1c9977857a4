import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGENT_PROTOCOL_VERSION,
  decodeAgentToMasterCall,
  decodeMasterToAgentEvent,
  encodeAgentToMasterCall,
  encodeMasterToAgentEvent,
} from './agent-master.ts';

const subscribe = {
  type: 'SUBSCRIBE',
  subscribe: {
    protocol_version: AGENT_PROTOCOL_VERSION,
    version: '0.1.0',
    ip: '127.0.0.1',
    agent_info: {
      hostname: 'a1',
      port: 5051,
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 } }],
    },
  },
};

test('a SUBSCRIBE call round-trips and needs no agent id', () => {
  const r = decodeAgentToMasterCall(subscribe);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.type, 'SUBSCRIBE');
  assert.equal(r.value.subscribe?.agent_info.hostname, 'a1');
  const back = encodeAgentToMasterCall(r.value);
  assert.equal((back.subscribe as { ip: string }).ip, '127.0.0.1');
});

test('calls other than SUBSCRIBE need agent_id and their payload; status uuids are 16 bytes', () => {
  const missing = decodeAgentToMasterCall({ type: 'STATUS_UPDATE' });
  assert.ok(!missing.ok);
  assert.deepEqual(missing.errors.map((e) => e.path).sort(), ['agent_id', 'status_update']);
  const badUuid = decodeAgentToMasterCall({
    type: 'STATUS_UPDATE',
    agent_id: { value: 'S0' },
    status_update: { framework_id: { value: 'f' }, status: { task_id: { value: 't' }, state: 'TASK_RUNNING', uuid: 'AAAA' } },
  });
  assert.ok(!badUuid.ok);
  assert.equal(badUuid.errors[0]!.path, 'status_update.status.uuid');
});

test('a different protocol version is refused with a message naming both versions', () => {
  const r = decodeAgentToMasterCall({ ...subscribe, subscribe: { ...subscribe.subscribe, protocol_version: 99 } });
  assert.ok(!r.ok);
  assert.match(r.errors[0]!.message, /unsupported agent protocol version 99; this master speaks 1/);
});

test('master events round-trip; payload required by type', () => {
  const ev = { type: 'KILL_TASK', kill_task: { framework_id: { value: 'f' }, task_id: { value: 't' } } } as const;
  const r = decodeMasterToAgentEvent(encodeMasterToAgentEvent(ev));
  assert.ok(r.ok);
  assert.equal(r.value.type, 'KILL_TASK');
  assert.ok(decodeMasterToAgentEvent({ type: 'HEARTBEAT' }).ok);
  assert.ok(!decodeMasterToAgentEvent({ type: 'PING' }).ok);
});
