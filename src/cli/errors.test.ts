import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentUnreachableError, ApiError, MasterUnreachableError, ProtocolError } from '../client/index.ts';
import { InvalidArgumentError, NotFoundError } from '../common/errors.ts';
import { EXIT } from './command.ts';
import { describeError, exitCodeFor, UsageError } from './errors.ts';

test('exit codes: unreachable and 503 are 69, bad arguments 2, other failures 1', () => {
  const cause = new Error('connect ECONNREFUSED');
  assert.equal(exitCodeFor(new MasterUnreachableError('http://m:5050/api/v1', 'connection refused', cause)), EXIT.UNAVAILABLE);
  assert.equal(exitCodeFor(new AgentUnreachableError('http://a:5051/state', 'connection refused', cause)), EXIT.UNAVAILABLE);
  assert.equal(exitCodeFor(new ApiError(503, 'No leader elected', 'http://m:5050/api/v1')), EXIT.UNAVAILABLE);
  assert.equal(exitCodeFor(new ApiError(400, 'bad call', 'http://m:5050/api/v1')), EXIT.FAILURE);
  assert.equal(exitCodeFor(new ProtocolError('garbage', 'http://m:5050/api/v1')), EXIT.FAILURE);
  assert.equal(exitCodeFor(new UsageError('give a task')), EXIT.USAGE);
  assert.equal(exitCodeFor(new InvalidArgumentError('bad address')), EXIT.USAGE);
  assert.equal(exitCodeFor(new NotFoundError("no task 'x'")), EXIT.FAILURE);
  assert.equal(exitCodeFor(new Error('bug')), EXIT.FAILURE);
});

test('an unreachable master is explained with a hint', () => {
  const text = describeError(new MasterUnreachableError('http://m:5050/api/v1', 'connection refused', undefined));
  assert.match(text, /cannot reach the master at http:\/\/m:5050\/api\/v1: connection refused/);
  assert.match(text, /agora dev/);
  assert.equal(describeError(new ApiError(400, 'bad call', 'http://m/api/v1')), 'http://m/api/v1 answered 400: bad call');
});
