import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeNetworkError } from './network-errors.ts';

test('socket error codes become short words; other errors keep their message', () => {
  const wrapped = (code: string): Error => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('x'), { code }) });
  assert.equal(describeNetworkError(wrapped('ECONNREFUSED')), 'connection refused');
  assert.equal(describeNetworkError(wrapped('EAI_AGAIN')), 'host not found');
  assert.equal(describeNetworkError(wrapped('ETIMEDOUT')), 'connection timed out');
  assert.equal(describeNetworkError(new Error('boom')), 'boom');
  assert.equal(describeNetworkError('plain'), 'plain');
});
