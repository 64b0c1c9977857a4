// Round trips of the reference JSON examples (test/fixtures/protocol/*.json): decoding the
// input and encoding it again must give exactly the fixture's `output` (the input plus the
// proto defaults Mesos writes, minus empty repeated fields).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import * as protocol from './index.ts';
import { decode, encode, formatDecodeErrors } from './codec.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'protocol');

interface Fixture {
  description: string;
  schema: string;
  input: unknown;
  output: unknown;
}

const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();

void test('every fixture names an exported schema', () => {
  assert.ok(files.length >= 9, `expected the reference fixtures, found ${files.length}`);
  for (const file of files) {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Fixture;
    assert.ok(fixture.schema in protocol, `${file}: unknown schema ${fixture.schema}`);
  }
});

for (const file of files) {
  const fixture = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Fixture;
  const schema = (protocol as unknown as Record<string, TSchema>)[fixture.schema];

  void test(`${file}: ${fixture.description}`, () => {
    assert.ok(schema !== undefined);
    const decoded = decode(schema, fixture.input);
    assert.ok(decoded.ok, decoded.ok ? '' : formatDecodeErrors(decoded.errors));
    // Through JSON text, as on the wire.
    const written = JSON.parse(JSON.stringify(encode(schema, decoded.value))) as unknown;
    assert.deepEqual(written, fixture.output);

    // The output is canonical: decoding and encoding it again changes nothing.
    const again = decode(schema, fixture.output);
    assert.ok(again.ok, again.ok ? '' : formatDecodeErrors(again.errors));
    assert.deepEqual(again.value, decoded.value);
    assert.deepEqual(JSON.parse(JSON.stringify(encode(schema, again.value))), fixture.output);
  });
}

void test('the example calls also pass envelope validation', () => {
  const load = (name: string): unknown =>
    (JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Fixture).input;

  const subscribe = protocol.decodeSchedulerCall(load('scheduler-subscribe.json'));
  assert.ok(subscribe.ok);
  assert.equal(subscribe.value.type, 'SUBSCRIBE');

  const accept = protocol.decodeSchedulerCall(load('scheduler-accept.json'));
  assert.ok(accept.ok);
  assert.ok(accept.value.type === 'ACCEPT');
  assert.equal(accept.value.accept.operations?.[0]?.launch?.task_infos?.[0]?.command?.shell, true);

  const executorSubscribe = protocol.decodeExecutorCall(load('executor-subscribe.json'));
  assert.ok(executorSubscribe.ok);

  const quota = protocol.decodeMasterCall(load('operator-update-quota.json'));
  assert.ok(quota.ok);
  assert.ok(quota.value.type === 'UPDATE_QUOTA');
  assert.deepEqual(quota.value.update_quota.quota_configs?.[0]?.limits, { cpus: { value: 4 } });

  const state = protocol.decodeMasterResponse(load('operator-get-state.json'));
  assert.ok(state.ok);

  for (const name of ['scheduler-subscribed.json', 'scheduler-offers.json', 'scheduler-update.json']) {
    assert.ok(protocol.decodeSchedulerEvent(load(name)).ok, name);
  }
  assert.ok(protocol.decodeExecutorEvent(load('executor-launch.json')).ok);
});

void test('decoded examples carry the values a consumer reads', () => {
  const launch = (JSON.parse(readFileSync(join(FIXTURES, 'executor-launch.json'), 'utf8')) as Fixture).input;
  const event = protocol.decodeExecutorEvent(launch);
  assert.ok(event.ok && event.value.type === 'LAUNCH');
  const task = event.value.launch.task;
  assert.equal(task.limits?.['cpus']?.value, Infinity);
  assert.deepEqual(task.resources?.[1]?.ranges?.range, [{ begin: 31000, end: 31000 }]);
  assert.equal(task.health_check?.consecutive_failures, 3);
  assert.equal(task.container?.docker?.network, 'BRIDGE');
  assert.equal(task.container?.docker?.privileged, false);
});
