import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSchedulerCall, encodeSchedulerCall } from '../protocol/index.ts';
import { buildCall, subscribeCall } from './calls.ts';

const FID = 'm-0000';
const UUID = Buffer.alloc(16, 7).toString('base64');
const INFO = { user: 'root', name: 'demo', roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' as const }] };
const TASK = {
  name: 'hello',
  task_id: { value: 'hello-1' },
  agent_id: { value: 'm-S0' },
  resources: [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.1 } }],
  command: { value: 'echo hi' },
};

/** Every built call survives the encoder and passes the master's decoder and validation. */
function roundTrip(call: ReturnType<typeof buildCall.teardown>): ReturnType<typeof decodeSchedulerCall> {
  const decoded = decodeSchedulerCall(JSON.parse(JSON.stringify(encodeSchedulerCall(call))));
  assert.ok(decoded.ok, `${call.type}: ${JSON.stringify(decoded)}`);
  return decoded;
}

test('every call type is valid for the master', () => {
  const all = [
    subscribeCall(INFO),
    subscribeCall({ ...INFO, id: { value: FID } }, { suppressedRoles: ['*'] }),
    buildCall.teardown(FID),
    buildCall.accept(FID, ['o1'], [{ type: 'LAUNCH', launch: { task_infos: [TASK] } }], { refuseSeconds: 10 }),
    buildCall.launch(FID, [{ value: 'o1' }], [TASK]),
    buildCall.decline(FID, ['o1', 'o2'], { refuseSeconds: 60 }),
    buildCall.acceptInverseOffers(FID, ['i1']),
    buildCall.declineInverseOffers(FID, ['i1']),
    buildCall.revive(FID),
    buildCall.revive(FID, ['web']),
    buildCall.suppress(FID),
    buildCall.kill(FID, 'hello-1', 'm-S0', { grace_period: { nanoseconds: 1e9 } }),
    buildCall.shutdown(FID, 'ex', 'm-S0'),
    buildCall.acknowledge(FID, 'm-S0', 'hello-1', UUID),
    buildCall.acknowledgeOperationStatus(FID, { operationId: 'op', uuid: UUID, agentId: 'm-S0' }),
    buildCall.reconcile(FID),
    buildCall.reconcile(FID, [{ taskId: 't', agentId: 'a' }]),
    buildCall.reconcileOperations(FID, [{ operationId: 'op' }]),
    buildCall.message(FID, 'm-S0', 'ex', new Uint8Array([1, 2, 3])),
    buildCall.request(FID, [{ resources: [] }]),
    buildCall.updateFramework(FID, INFO),
  ];
  for (const call of all) roundTrip(call);
  assert.equal(new Set(all.map((c) => c.type)).size, 17, 'all 17 call types');
});

test('shapes: nested payloads, filters, ids, base64 data', () => {
  const accept = roundTrip(buildCall.launch(FID, ['o1'], [TASK], { refuseSeconds: 10 }));
  assert.ok(accept.ok && accept.value.type === 'ACCEPT');
  if (!accept.ok || accept.value.type !== 'ACCEPT') return;
  assert.deepEqual(accept.value.accept.offer_ids, [{ value: 'o1' }]);
  assert.equal(accept.value.accept.filters?.refuse_seconds, 10);
  assert.equal(accept.value.accept.operations?.[0]?.launch?.task_infos?.[0]?.task_id.value, 'hello-1');

  assert.deepEqual(buildCall.message(FID, 'a', 'e', new Uint8Array([1, 2, 3])).message?.data, 'AQID');
  assert.deepEqual(buildCall.reconcile(FID).reconcile, {});
  assert.deepEqual(buildCall.updateFramework(FID, INFO).update_framework?.framework_info.id, { value: FID });
  assert.deepEqual(subscribeCall({ ...INFO, id: { value: FID } }).framework_id, { value: FID });
  assert.equal(subscribeCall(INFO).framework_id, undefined);
});
