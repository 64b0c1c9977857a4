import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecord, FrameworkInfo, type TaskState } from '../../protocol/index.ts';
import type { StatusUpdate } from '../status-updates.ts';
import { encodeUpdateRecord, parseInfo, parsePid, parseUpdateStream, replayUpdateRecords, type UpdateRecord } from './parse.ts';

function update(uuid: string, state: TaskState = 'TASK_RUNNING'): StatusUpdate {
  return { frameworkId: 'fw', executorId: 'ex', status: { task_id: { value: 't1' }, state, uuid, source: 'SOURCE_EXECUTOR' } };
}

function stream(...records: UpdateRecord[]): Buffer {
  return Buffer.concat(records.map((r) => encodeRecord(encodeUpdateRecord(r))));
}

test('a clean stream round-trips every record', () => {
  const bytes = stream({ type: 'UPDATE', update: update('dTE=') }, { type: 'ACK', uuid: 'dTE=' });
  const parsed = parseUpdateStream(bytes);
  assert.equal(parsed.tornBytes, 0);
  assert.equal(parsed.corruption, undefined);
  assert.deepEqual(parsed.records, [{ type: 'UPDATE', update: update('dTE=') }, { type: 'ACK', uuid: 'dTE=' }]);
});

test('an empty stream has no records and no problem', () => {
  assert.deepEqual(parseUpdateStream(new Uint8Array(0)), { records: [], tornBytes: 0 });
});

test('a torn last record is dropped at every cut point, earlier records kept', () => {
  const first = stream({ type: 'UPDATE', update: update('dTE=') });
  const second = stream({ type: 'UPDATE', update: update('dTI=', 'TASK_FINISHED') });
  for (let cut = 1; cut < second.byteLength; cut++) {
    const parsed = parseUpdateStream(Buffer.concat([first, second.subarray(0, cut)]));
    assert.equal(parsed.records.length, 1, `cut at ${cut}`);
    assert.equal(parsed.tornBytes, cut, `cut at ${cut}`);
    assert.equal(parsed.corruption, undefined, `cut at ${cut}`);
  }
});

test('a garbage length line is corruption at its offset; records before it survive', () => {
  const first = stream({ type: 'UPDATE', update: update('dTE=') });
  const parsed = parseUpdateStream(Buffer.concat([first, Buffer.from('x9\n{}')]));
  assert.equal(parsed.records.length, 1);
  assert.deepEqual(parsed.corruption, { offset: first.byteLength, message: 'invalid record length line' });
});

test('a complete record that is not an update record is corruption', () => {
  for (const body of ['not json', '[]', '{"type":"NOPE"}', '{"type":"ACK"}', '{"type":"UPDATE","update":{"framework_id":"fw","status":{"state":"TASK_RUNNING"}}}']) {
    const parsed = parseUpdateStream(encodeRecord(body));
    assert.equal(parsed.records.length, 0, body);
    assert.ok(parsed.corruption?.message.startsWith('invalid update record'), body);
  }
  const noUuid = encodeRecord(JSON.stringify({ type: 'UPDATE', update: { framework_id: 'fw', status: { task_id: { value: 't' }, state: 'TASK_RUNNING' } } }));
  assert.match(parseUpdateStream(noUuid).corruption?.message ?? '', /no uuid/);
});

test('replay: unacknowledged updates stay pending in order; a terminal ack completes the task', () => {
  const a = update('YQ==');
  const b = update('Yg==', 'TASK_FINISHED');
  const partial = replayUpdateRecords([{ type: 'UPDATE', update: a }, { type: 'UPDATE', update: b }, { type: 'ACK', uuid: 'YQ==' }]);
  assert.deepEqual(partial.pending, [b]);
  assert.deepEqual(partial.updates, [a, b]);
  assert.equal(partial.terminated, false);
  const done = replayUpdateRecords([{ type: 'UPDATE', update: a }, { type: 'ACK', uuid: 'YQ==' }, { type: 'UPDATE', update: b }, { type: 'ACK', uuid: 'Yg==' }]);
  assert.deepEqual(done.pending, []);
  assert.equal(done.terminated, true);
});

test('replay: duplicate appends are ignored and stray acks reported', () => {
  const a = update('YQ==');
  const replayed = replayUpdateRecords([{ type: 'UPDATE', update: a }, { type: 'UPDATE', update: a }, { type: 'ACK', uuid: 'eno=' }]);
  assert.deepEqual(replayed.pending, [a]);
  assert.deepEqual(replayed.strayAcks, ['eno=']);
});

test('parseInfo names what is wrong', () => {
  assert.deepEqual(parseInfo(FrameworkInfo, new Uint8Array(0)), { ok: false, message: 'empty file' });
  const torn = parseInfo(FrameworkInfo, Buffer.from('{"user":"u","name":"n'));
  assert.equal(torn.ok, false);
  const ok = parseInfo(FrameworkInfo, Buffer.from('{"user":"u","name":"n","checkpoint":true}'));
  assert.ok(ok.ok && ok.value.checkpoint === true);
});

test('parsePid accepts a pid with a newline and refuses anything else', () => {
  assert.deepEqual(parsePid(Buffer.from('1234\n')), { ok: true, value: 1234 });
  for (const bad of ['', '0', '-1', '12a', '99999999999']) assert.equal(parsePid(Buffer.from(bad)).ok, false, bad);
});
