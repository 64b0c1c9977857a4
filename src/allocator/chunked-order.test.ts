// ChunkedOrder behaves like a sorted array under any sequence of inserts and removes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkedOrder } from './chunked-order.ts';

describe('ChunkedOrder', () => {
  it('matches a sorted array (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 })), { minLength: 1, maxLength: 600 }), (ops) => {
        const order = new ChunkedOrder<{ k: number }>((a, b) => a.k - b.k);
        const model: { k: number }[] = [];
        const byKey = new Map<number, { k: number }>();
        for (const [insert, k] of ops) {
          if (insert && !byKey.has(k)) {
            const item = { k };
            byKey.set(k, item);
            order.insert(item);
            model.push(item);
          } else if (!insert && byKey.has(k)) {
            assert.ok(order.remove(byKey.get(k)!));
            model.splice(model.indexOf(byKey.get(k)!), 1);
            byKey.delete(k);
          }
        }
        model.sort((a, b) => a.k - b.k);
        assert.deepEqual(order.toArray(), model);
        assert.equal(order.size, model.length);
        for (const chunk of order.chunks) assert.ok(chunk.length > 0 && chunk.length <= 64);
      }),
      { numRuns: 100 },
    );
  });

  it('re-sorts after keys change', () => {
    const items = [3, 1, 2].map((k) => ({ k }));
    const order = new ChunkedOrder<{ k: number }>((a, b) => a.k - b.k);
    for (const i of items) order.insert(i);
    items[0]!.k = 0;
    order.resort();
    assert.deepEqual(order.toArray().map((i) => i.k), [0, 1, 2]);
  });
});
