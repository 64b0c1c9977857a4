import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressDecoder, StreamDemuxer, type StreamKind } from './engine-stream.ts';
import { daemonMessage, splitTag } from './engine-client.ts';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('StreamDemuxer', () => {
  it('splits frames across arbitrary chunk boundaries', () => {
    const got: [StreamKind, string][] = [];
    const d = new StreamDemuxer((kind, p) => got.push([kind, p.toString()]));
    const all = Buffer.concat([frame(1, 'out1\n'), frame(2, 'err\n'), frame(1, 'out2')]);
    for (let i = 0; i < all.length; i += 3) d.push(all.subarray(i, i + 3));
    assert.deepEqual(got, [['stdout', 'out1\n'], ['stderr', 'err\n'], ['stdout', 'out2']]);
    assert.equal(d.pending, 0);
  });
});

describe('ProgressDecoder', () => {
  it('reports messages and remembers the first error of a 200 stream', () => {
    const seen: string[] = [];
    const d = new ProgressDecoder((m) => seen.push(m.status ?? m.error ?? ''));
    d.push('{"status":"Pulling"}\n{"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized"}\n{"sta');
    d.push('tus":"x"}');
    d.end();
    assert.deepEqual(seen, ['Pulling', 'unauthorized', 'x']);
    assert.equal(d.error, 'unauthorized: authentication required');
  });
});

describe('engine helpers', () => {
  it("reads the daemon's message", () => {
    assert.equal(daemonMessage(Buffer.from('{"message":"No such container: x"}'), 404), 'No such container: x');
    assert.equal(daemonMessage(Buffer.from(''), 500), 'HTTP 500');
  });
  it('splits tags (registry ports are not tags)', () => {
    assert.deepEqual(splitTag('busybox'), { name: 'busybox', tag: 'latest' });
    assert.deepEqual(splitTag('localhost:5000/a:1'), { name: 'localhost:5000/a', tag: '1' });
    assert.deepEqual(splitTag('localhost:5000/a'), { name: 'localhost:5000/a', tag: 'latest' });
    assert.deepEqual(splitTag('a@sha256:00'), { name: 'a@sha256:00', tag: undefined });
  });
});
