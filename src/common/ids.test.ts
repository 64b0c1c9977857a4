import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MasterIds, newStatusUuid, validateUserId } from './ids.ts';

test('ids follow the Mesos formats and continue from restored counters', () => {
  const ids = new MasterIds('m1');
  assert.equal(ids.framework(), 'm1-0000');
  assert.equal(ids.framework(), 'm1-0001');
  assert.equal(ids.agent(), 'm1-S0');
  assert.equal(ids.offer(), 'm1-O0');
  const next = new MasterIds('m2', ids.counters);
  assert.equal(next.framework(), 'm2-0002');
  assert.equal(new MasterIds('m', { frameworks: 12345, agents: 0, offers: 0 }).framework(), 'm-12345');
});

test('status uuids are 16 bytes in base64', () => {
  const u = newStatusUuid();
  assert.equal(u.length, 24);
  assert.equal(Buffer.from(u, 'base64').length, 16);
});

test('user-supplied ids are checked as Mesos checks them', () => {
  assert.equal(validateUserId('task-1.a_b'), undefined);
  assert.match(validateUserId('')!, /empty/);
  assert.match(validateUserId('..')!, /disallowed/);
  assert.match(validateUserId('a/b')!, /'\/'/);
  assert.match(validateUserId('a\\b')!, /'\\'/);
  assert.match(validateUserId('a\nb')!, /control character/);
  assert.match(validateUserId('x'.repeat(256))!, /longer than 255/);
});
