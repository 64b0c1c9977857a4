import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeNetworkFailure, errorForResponse, SchedulerCallError, SchedulerUnavailableError } from './errors.ts';

test('describeNetworkFailure names the socket error that fetch() hides in `cause`', () => {
  const fetchFailed = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code}`), { code }) });
  assert.equal(describeNetworkFailure(fetchFailed('ECONNREFUSED')), 'connection refused');
  assert.equal(describeNetworkFailure(fetchFailed('ECONNRESET')), 'connection reset');
  assert.equal(describeNetworkFailure(fetchFailed('ENOTFOUND')), 'host not found');
  assert.equal(describeNetworkFailure(fetchFailed('EHOSTUNREACH')), 'host unreachable');
  assert.equal(describeNetworkFailure(fetchFailed('EWHATEVER')), 'connect EWHATEVER');
  assert.equal(describeNetworkFailure(new Error('plain')), 'plain');
  assert.equal(describeNetworkFailure('text'), 'text');
  assert.equal(describeNetworkFailure(undefined), 'undefined');
});

test('describeNetworkFailure names the socket error node:http reports directly in `code`', () => {
  const socketError = (code: string, message: string) => Object.assign(new Error(message), { code });
  assert.equal(describeNetworkFailure(socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1')), 'connection refused');
  assert.equal(describeNetworkFailure(socketError('ECONNRESET', 'socket hang up')), 'connection reset');
  assert.equal(describeNetworkFailure(socketError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN m1')), 'host not found');
  assert.equal(describeNetworkFailure(socketError('ETIMEDOUT', 'connect ETIMEDOUT')), 'connection timed out');
});

test('errorForResponse maps the status to the class', () => {
  assert.ok(errorForResponse(400, 'bad') instanceof SchedulerCallError);
  const unavailable = errorForResponse(503, '');
  assert.ok(unavailable instanceof SchedulerUnavailableError);
  assert.equal(unavailable.message, 'master answered 503');
});
