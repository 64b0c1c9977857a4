import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue } from './event-queue.ts';

test('items pushed before and after a pull arrive in order; end stops the loop', async () => {
  const q = new EventQueue<number>();
  q.push(1);
  const seen: number[] = [];
  const loop = (async () => {
    for await (const n of q) seen.push(n);
  })();
  q.push(2);
  q.push(3);
  q.end();
  await loop;
  assert.deepEqual(seen, [1, 2, 3]);
});

test('end(error) rejects after the buffered items; return() calls the hook', async () => {
  let returned = false;
  const q = new EventQueue<string>(() => (returned = true));
  q.push('a');
  q.end(new Error('boom'));
  assert.deepEqual(await q.next(), { value: 'a', done: false });
  await assert.rejects(q.next(), /boom/);
  const r = new EventQueue<string>(() => (returned = true));
  r.push('x');
  r.push('y');
  for await (const item of r) {
    assert.equal(item, 'x');
    break; // calls return()
  }
  assert.ok(returned);
  assert.deepEqual(await r.next(), { value: undefined, done: true }, 'nothing is left after return()');
});
