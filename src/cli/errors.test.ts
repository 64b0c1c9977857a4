import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentUnreachableError, ApiError, MasterUnreachableError, ProtocolError } from '../client/index.ts';
import { InvalidArgumentError, NotFoundError } from '../common/errors.ts';
import { errorForResponse, SchedulerUnreachableError, SubscriptionError, SubscriptionLostError } from '../scheduler/index.ts';
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

test('framework SDK errors: unreachable, 503 and a lost subscription are 69; refusals 1', () => {
  const unreachable = new SchedulerUnreachableError('http://m:5050/api/v1/scheduler', 'connection refused');
  assert.equal(exitCodeFor(unreachable), EXIT.UNAVAILABLE);
  assert.match(describeError(unreachable), /^cannot reach the master at http:\/\/m:5050\/api\/v1\/scheduler: connection refused\nIs it running\?/);
  const lost = new SubscriptionLostError('http://m:5050/api/v1/scheduler', 'the master closed the event stream');
  assert.equal(exitCodeFor(lost), EXIT.UNAVAILABLE);
  assert.equal(describeError(lost), 'lost the subscription to the master at http://m:5050/api/v1/scheduler: the master closed the event stream');
  assert.equal(exitCodeFor(errorForResponse(503, 'No leader elected', { call: 'SUBSCRIBE' })), EXIT.UNAVAILABLE);
  const refused = errorForResponse(400, "Role 'x/' is invalid", { call: 'SUBSCRIBE' });
  assert.equal(exitCodeFor(refused), EXIT.FAILURE);
  assert.equal(describeError(refused), "the master answered SUBSCRIBE with 400: Role 'x/' is invalid");
  const ended = new SubscriptionError('Framework has been removed');
  assert.equal(exitCodeFor(ended), EXIT.FAILURE);
  assert.equal(describeError(ended), 'the master refused the framework: Framework has been removed');
});
