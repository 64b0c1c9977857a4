import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeRecord, RecordIODecoder, RecordIOError, readJsonRecords } from './recordio.ts';

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

test('encodeRecord frames with the byte length, not the character length', () => {
  assert.equal(encodeRecord('{"type":"HEARTBEAT"}').toString(), '20\n{"type":"HEARTBEAT"}');
  // 'é' is two bytes in UTF-8.
  assert.equal(encodeRecord('é').toString(), '2\né');
});

test('several records in one chunk', () => {
  const d = new RecordIODecoder();
  const chunk = Buffer.concat([encodeRecord('a'), encodeRecord('bc'), encodeRecord('{"x":1}')]);
  assert.deepEqual(d.push(chunk).map(text), ['a', 'bc', '{"x":1}']);
  assert.ok(d.idle);
  d.end();
});

test('a record split across chunks, including a split length line', () => {
  const d = new RecordIODecoder();
  const bytes = Buffer.concat([encodeRecord('x'.repeat(1234)), encodeRecord('tail')]);
  const out: string[] = [];
  // Split at every position in 3-byte pieces: the length line "1234\n" is cut too.
  for (let i = 0; i < bytes.length; i += 3) out.push(...d.push(bytes.subarray(i, i + 3)).map(text));
  assert.deepEqual(out, ['x'.repeat(1234), 'tail']);
  d.end();
});

test('property: any split of any records decodes to the same records', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 20 }), fc.array(fc.nat(50), { maxLength: 30 }), (records, cuts) => {
      const bytes = Buffer.concat(records.map((r) => encodeRecord(r)));
      const d = new RecordIODecoder();
      const out: string[] = [];
      let pos = 0;
      for (const c of cuts) {
        const next = Math.min(bytes.length, pos + c);
        out.push(...d.push(bytes.subarray(pos, next)).map(text));
        pos = next;
      }
      out.push(...d.push(bytes.subarray(pos)).map(text));
      d.end();
      assert.deepEqual(out, records);
    }),
    { numRuns: 1000 },
  );
});

test('a record over the limit is rejected before its body is buffered', () => {
  const d = new RecordIODecoder({ maxRecordBytes: 10 });
  assert.throws(() => d.push(Buffer.from('11\n')), /record of 11 bytes exceeds the limit of 10 bytes/);
  // The decoder stays failed.
  assert.throws(() => d.push(Buffer.from('1\na')), RecordIOError);
});

test('garbage in the length line is an error naming the byte', () => {
  assert.throws(() => new RecordIODecoder().push(Buffer.from('1x\nab')), /unexpected byte 0x78 in length line/);
  assert.throws(() => new RecordIODecoder().push(Buffer.from('\nab')), /empty length line/);
  assert.throws(() => new RecordIODecoder().push(Buffer.from('12345678901234567')), /longer than 16 digits/);
});

test('end() reports a truncated stream', () => {
  const d1 = new RecordIODecoder();
  d1.push(Buffer.from('5\nab'));
  assert.throws(() => d1.end(), /stream ended inside a record: got 2 of 5 bytes/);
  const d2 = new RecordIODecoder();
  d2.push(Buffer.from('12'));
  assert.throws(() => d2.end(), /partial length line '12'/);
});

test('readJsonRecords parses a chunked stream', async () => {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const all = Buffer.concat([encodeRecord('{"type":"SUBSCRIBED"}'), encodeRecord('{"type":"HEARTBEAT"}')]);
    yield all.subarray(0, 7);
    yield all.subarray(7);
  }
  const got: unknown[] = [];
  for await (const r of readJsonRecords(chunks())) got.push(r);
  assert.deepEqual(got, [{ type: 'SUBSCRIBED' }, { type: 'HEARTBEAT' }]);
});
