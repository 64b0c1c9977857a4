import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgoraError, errorFromJSON, InvalidArgumentError, invariant, InvariantError, NotFoundError } from './errors.ts';

test('errors carry a stable code and status and survive a JSON round trip by code', () => {
  const e = new NotFoundError("framework 'f1' not found", { frameworkId: 'f1' });
  assert.equal(e.status, 404);
  assert.equal(e.name, 'NotFoundError');
  const back = errorFromJSON(JSON.parse(JSON.stringify(e)) as Record<string, unknown>, 404);
  assert.ok(back instanceof NotFoundError);
  assert.deepEqual(back.details, { frameworkId: 'f1' });
  const unknown = errorFromJSON({ code: 'SOMETHING_NEW', message: 'x' }, 418);
  assert.ok(unknown instanceof AgoraError);
  assert.equal(unknown.code, 'SOMETHING_NEW');
  assert.equal(new InvalidArgumentError('bad').status, 400);
});

test('invariant throws InvariantError', () => {
  assert.throws(() => invariant(false, 'broken'), InvariantError);
  invariant(true, 'fine');
});
