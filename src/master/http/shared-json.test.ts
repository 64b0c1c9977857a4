// Shared serializations: identical requests at the same state version get one serialization and
// the same bytes; another jsonp callback or a newer version gets its own; a reader that goes
// away does not stop the others; a slow reader does not hold the others back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { lazyArray } from './json-stream.ts';
import { SharedJsonDocuments } from './shared-json.ts';

const rows = Array.from({ length: 20_000 }, (_, i) => ({ i, name: `task-${i}`, pad: 'z'.repeat(60) }));
const doc = (version: number): unknown => ({ version, tasks: lazyArray(() => rows), tail: 'é' });

const full = (version: number): string => JSON.stringify({ version, tasks: rows, tail: 'é' });

/**
 * A server whose handler holds requests until `batch(n)` of them have arrived, then serves them
 * all in the same turn (so they are concurrent, deterministically).
 */
async function withServer(
  docs: SharedJsonDocuments,
  state: { version: number },
  fn: (base: string, batch: (n: number) => void) => Promise<void>,
): Promise<void> {
  let waiting: { req: IncomingMessage; res: ServerResponse }[] = [];
  let expected = 1;
  const server = createServer((req, res) => {
    waiting.push({ req, res });
    if (waiting.length < expected) return;
    for (const w of waiting.splice(0)) {
      const jsonp = new URL(w.req.url!, 'http://x').searchParams.get('jsonp');
      void docs.serve(w.res, { key: 'state', version: state.version, jsonp, build: () => doc(state.version) });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await fn(`http://127.0.0.1:${(server.address() as { port: number }).port}/`, (n) => {
      expected = n;
    });
  } finally {
    waiting = [];
    server.closeAllConnections();
    server.close();
  }
}

test('concurrent identical requests share one serialization; other jsonp or a newer version do not', async () => {
  const docs = new SharedJsonDocuments();
  const state = { version: 1 };
  await withServer(docs, state, async (base, batch) => {
    const get = async (query: string): Promise<string> => (await fetch(`${base}${query}`)).text();
    batch(5);
    const bodies = await Promise.all([get(''), get(''), get(''), get('?jsonp=cb'), get('?jsonp=cb')]);
    const expected = full(1);
    assert.ok(expected.length > 4 * 256 * 1024, 'several chunks');
    assert.deepEqual(bodies, [expected, expected, expected, `cb(${expected});`, `cb(${expected});`]);
    assert.equal(docs.serializations, 2, 'one per distinct request');

    state.version = 2;
    batch(2);
    const after = await Promise.all([get(''), get('')]);
    assert.deepEqual(after, [full(2), full(2)]);
    assert.equal(docs.serializations, 3, 'a change gets a fresh serialization');

    batch(1);
    await get('');
    assert.equal(docs.serializations, 4, 'a finished document is not kept for later requests');
  });
});

test('a reader that goes away and a reader that stalls do not hold back the others', async () => {
  const docs = new SharedJsonDocuments();
  await withServer(docs, { version: 7 }, async (base, batch) => {
    batch(3);
    const abort = new AbortController();
    const [leaving, stalled, reading] = await Promise.all([fetch(base, { signal: abort.signal }), fetch(base), fetch(base)]);
    const stalledReader = stalled.body!.getReader();
    await stalledReader.read();
    await leaving.body!.getReader().read();
    abort.abort();
    // The stalled reader reads no further until the third has the whole document.
    assert.equal(await reading.text(), full(7));
    const parts: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await stalledReader.read();
      if (done) break;
      parts.push(value);
    }
    const rest = Buffer.concat(parts).toString('utf8');
    assert.ok(full(7).endsWith(rest) && rest.length > 0, 'the stalled reader gets the rest of the same document');
    assert.equal(docs.serializations, 1);
  });
});
