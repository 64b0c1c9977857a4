// RecordIO decode throughput: a stream of scheduler events (a mix of small heartbeats and
// kilobyte-sized offer/update events) cut into 64 KiB network-sized chunks, decoded in one pass.
// Measures the framing only (JSON parsing is a separate, larger cost that every peer pays).
import { encodeRecord, RecordIODecoder } from '../src/protocol/recordio.ts';
import type { BenchOptions, BenchRow } from './lib.ts';

function makeStream(totalBytes: number): Buffer[] {
  const heartbeat = '{"type":"HEARTBEAT"}';
  const update = JSON.stringify({
    type: 'UPDATE',
    update: { status: { task_id: { value: 'task-' + 'x'.repeat(40) }, state: 'TASK_RUNNING', uuid: 'AAAAAAAAAAAAAAAAAAAAAA==', labels: { labels: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(20) })) } } },
  });
  const offers = JSON.stringify({ type: 'OFFERS', offers: { offers: Array.from({ length: 4 }, (_, i) => ({ id: { value: `offer-${i}` }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 } }] })) } });
  const records = [heartbeat, update, offers, update].map((r) => encodeRecord(r));
  const parts: Buffer[] = [];
  let size = 0;
  for (let i = 0; size < totalBytes; i++) {
    const r = records[i % records.length]!;
    parts.push(r);
    size += r.length;
  }
  const all = Buffer.concat(parts);
  const chunks: Buffer[] = [];
  for (let i = 0; i < all.length; i += 64 * 1024) chunks.push(all.subarray(i, i + 64 * 1024));
  return chunks;
}

export function recordioRows(opts: BenchOptions): BenchRow[] {
  const chunks = makeStream(opts.quick ? 16 << 20 : 64 << 20);
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  const rounds = opts.quick ? 3 : 7;
  const rates: number[] = [];
  let records = 0;
  for (let round = 0; round < rounds + 1; round++) {
    const d = new RecordIODecoder();
    records = 0;
    const t0 = process.hrtime.bigint();
    for (const c of chunks) records += d.push(c).length;
    d.end();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (round > 0) rates.push(bytes / (1 << 20) / secs); // round 0 warms up
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)]!;
  return [
    {
      scenario: `recordio decode ${(bytes / (1 << 20)).toFixed(0)} MiB, ${records} records, 64 KiB chunks`,
      metric: 'decode_mb_per_s_median',
      value: median,
      unit: 'MiB/s',
      target: 200,
      targetKind: 'min',
    },
  ];
}

export function run(opts: BenchOptions): BenchRow[] {
  return recordioRows(opts);
}
