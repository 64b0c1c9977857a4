// Conformance of the framework lifecycle and call semantics on the raw wire (reference §2.1-§2.3):
// failover to a new stream, disconnected frameworks, FrameworkInfo errors delivered as an ERROR
// event, UPDATE_FRAMEWORK, UNKNOWN, ACKNOWLEDGE validation, and invalid tasks (TASK_ERROR).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/process.ts';
import {
  EventStreamReader,
  commandTask,
  firstOffer,
  frameworkInfo,
  idOf,
  launch,
  nextUpdate,
  post,
  startCluster,
  subscribe,
  teardown,
  type Cluster,
  type Framework,
  type Json,
} from './conformance-support.ts';

let cluster: Cluster;
let scheduler: string;
const opened: Framework[] = [];
before(async () => {
  cluster = await startCluster();
  scheduler = `${cluster.masterUrl}/api/v1/scheduler`;
});
// Each test's frameworks go away with it, so the next test's framework gets the agent's offer.
afterEach(async () => {
  for (const fw of opened.splice(0)) await teardown(fw);
});
after(async () => {
  await cluster?.stop();
});

async function open(info: Json): Promise<Framework> {
  const fw = await subscribe(cluster.masterUrl, info);
  opened.push(fw);
  return fw;
}

test('a second SUBSCRIBE with the same framework id: ERROR "Framework failed over" on the old stream, a new stream id', async () => {
  const info = frameworkInfo('conformance-failover', [], { failover_timeout: 60 });
  const first = await open(info);
  const second = await open({ ...info, id: { value: first.id } });
  assert.equal(second.id, first.id, 'reference §2.1: the re-subscribed framework keeps its id');
  assert.notEqual(second.streamId, first.streamId, 'reference §2.1: the new subscription gets a fresh Mesos-Stream-Id');
  const error = await first.events.nextOfType('ERROR', 5_000);
  assert.deepEqual(error, { type: 'ERROR', error: { message: 'Framework failed over' } }, 'reference §2.1/§2.4: the old stream gets {"type":"ERROR","error":{"message":"Framework failed over"}}');
  await assert.doesNotReject(first.events.endsWithin(5_000), 'reference §2.1: the master closes the old stream after the ERROR');

  const stale = await post(scheduler, { framework_id: { value: first.id }, type: 'REVIVE' }, { 'Mesos-Stream-Id': first.streamId });
  assert.equal(stale.status, 400, `reference §2.2: the old stream id is no longer current: 400, got ${stale.status}: ${stale.text}`);
  const current = await second.call('REVIVE');
  assert.equal(current.status, 202, `the new stream id works: 202, got ${current.status}: ${current.text}`);
});

test('a framework whose stream broke (failover_timeout > 0) gets 403 "Framework is not subscribed"', async () => {
  const fw = await open(frameworkInfo('conformance-disconnected', [], { failover_timeout: 60 }));
  fw.close();
  const reply = await waitFor(async () => {
    const r = await fw.call('REVIVE');
    return r.status === 202 ? undefined : r;
  }, 5_000);
  assert.equal(reply.status, 403, `reference §2.1/§2.2: calls of a known but disconnected framework are 403, got ${reply.status}: ${reply.text}`);
  assert.match(reply.text, /not subscribed/i, `reference §2.2: body "Framework is not subscribed", got ${JSON.stringify(reply.text)}`);
});

test('an invalid FrameworkInfo is answered 200, then an ERROR event, then the stream closes', async () => {
  const abort = new AbortController();
  const res = await fetch(scheduler, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo('conformance-bad-role', [], { roles: ['-bad'] }) } }),
    signal: abort.signal,
  });
  assert.equal(res.status, 200, `reference §2.1(b): a FrameworkInfo validation failure is 200 then ERROR, got ${res.status}`);
  const events = new EventStreamReader(res.body!, abort);
  try {
    const first = await events.next(() => true, 5_000, 'the first event');
    assert.equal(first.type, 'ERROR', `reference §2.1(b): the only event is ERROR, got ${JSON.stringify(first)}`);
    assert.equal(typeof (first.error as Json | undefined)?.message, 'string', 'reference §2.4: ERROR is {"error":{"message":...}}');
    assert.match((first.error as Json).message as string, /-bad/, 'the message names the invalid role');
    await assert.doesNotReject(events.endsWithin(5_000), 'reference §2.1(b): the master closes the stream after the ERROR');
    assert.equal(events.received.length, 1, 'reference §2.1(b): no SUBSCRIBED or HEARTBEAT before or after the ERROR');
  } finally {
    events.close();
  }
});

test('UPDATE_FRAMEWORK answers 200; type UNKNOWN answers 501', async () => {
  const info = frameworkInfo('conformance-update');
  const fw = await open(info);
  const update = await fw.call('UPDATE_FRAMEWORK', { framework_info: { ...info, id: { value: fw.id }, name: 'conformance-update-renamed' } });
  assert.equal(update.status, 200, `reference §0.7/§2.2: UPDATE_FRAMEWORK is 200 OK, got ${update.status}: ${update.text}`);
  const unknown = await post(scheduler, { framework_id: { value: fw.id }, type: 'UNKNOWN' }, { 'Mesos-Stream-Id': fw.streamId });
  assert.equal(unknown.status, 501, `reference §2.2: type UNKNOWN is 501, got ${unknown.status}: ${unknown.text}`);
});

test('ACKNOWLEDGE with a uuid that is not 16 bytes is 400', async () => {
  const fw = await open(frameworkInfo('conformance-ack'));
  const reply = await fw.call('ACKNOWLEDGE', { agent_id: { value: cluster.agentId }, task_id: { value: 't' }, uuid: 'AAAA' });
  assert.equal(reply.status, 400, `reference §2.3: ACKNOWLEDGE.uuid must decode to exactly 16 bytes; 400, got ${reply.status}: ${reply.text}`);
  assert.match(reply.text, /^Failed to validate scheduler::Call/, `reference §1.4: "Failed to validate scheduler::Call: ...", got ${JSON.stringify(reply.text)}`);
});

test('invalid tasks get TASK_ERROR, SOURCE_MASTER, REASON_TASK_INVALID, no uuid; an offer cannot be used twice', async () => {
  const fw = await open(frameworkInfo('conformance-task-error', ['PARTITION_AWARE']));
  const offer = await firstOffer(fw);
  const offerId = idOf(offer.id);

  const noResources = { ...commandTask('no-resources', cluster.agentId, 'true'), resources: [] };
  const noCommand = commandTask('no-command', cluster.agentId, 'true');
  delete noCommand.command;
  await launch(fw, [offerId], [noResources, noCommand]);
  for (const [taskId, message] of [
    ['no-resources', 'Task uses no resources'],
    ['no-command', 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present'],
  ] as const) {
    const status = await nextUpdate(fw, taskId, 5_000);
    assert.equal(status.state, 'TASK_ERROR', `reference §2.3: an invalid task gets TASK_ERROR, got ${JSON.stringify(status)}`);
    assert.equal(status.source, 'SOURCE_MASTER', 'reference §2.3: SOURCE_MASTER');
    assert.equal(status.reason, 'REASON_TASK_INVALID', 'reference §2.3: REASON_TASK_INVALID');
    assert.equal(status.uuid, undefined, 'reference §0.13: a master-generated update has no uuid');
    assert.ok(String(status.message).includes(message), `reference §2.3: the message says "${message}", got ${JSON.stringify(status.message)}`);
  }

  // The offer was used by that ACCEPT; using it again is an invalid offer (TASK_DROPPED when
  // PARTITION_AWARE).
  await launch(fw, [offerId], [commandTask('reused-offer', cluster.agentId, 'true')]);
  const reused = await nextUpdate(fw, 'reused-offer', 5_000);
  assert.equal(reused.state, 'TASK_DROPPED', `reference §2.3: the same offer cannot be accepted twice; TASK_DROPPED for a PARTITION_AWARE framework, got ${JSON.stringify(reused)}`);
  assert.equal(reused.reason, 'REASON_INVALID_OFFERS', 'reference §2.3: REASON_INVALID_OFFERS');
});
