import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.ts';
import { assertValidRole, isRoleInSubtree, isStrictSubroleOf, roleAncestors, roleError } from './roles.ts';

test('valid role names', () => {
  for (const role of ['*', 'ads', 'eng/backend', 'a/b/c', 'a.b', 'a-b', 'x*y', '..a']) assert.equal(roleError(role), undefined, role);
});

test('invalid role names say why', () => {
  const cases: [string, string][] = [
    ['', 'role name cannot be empty'],
    ['/a', "role '/a' cannot start with a slash"],
    ['a/', "role 'a/' cannot end with a slash"],
    ['a//b', "role 'a//b' cannot contain two adjacent slashes"],
    ['.', "role '.' cannot include '.' as a component"],
    ['a/..', "role 'a/..' cannot include '..' as a component"],
    ['a/*', "role 'a/*' cannot include '*' as a component"],
    ['-a', "role component '-a' of '-a' cannot start with a dash"],
    ['a/-b', "role component '-b' of 'a/-b' cannot start with a dash"],
    ['a b', "role 'a b' cannot contain whitespace or control characters"],
    ['a\tb', "role 'a\tb' cannot contain whitespace or control characters"],
    ['a\x7fb', "role 'a\x7fb' cannot contain whitespace or control characters"],
    ['a\x01', "role 'a\x01' cannot contain whitespace or control characters"],
  ];
  for (const [role, message] of cases) assert.equal(roleError(role), message, JSON.stringify(role));
  assert.throws(() => assertValidRole('a//b'), InvalidArgumentError);
});

test('hierarchy: strict subroles, subtrees and ancestors', () => {
  assert.equal(isStrictSubroleOf('a/b', 'a'), true);
  assert.equal(isStrictSubroleOf('a/b/c', 'a'), true);
  assert.equal(isStrictSubroleOf('a', 'a'), false);
  assert.equal(isStrictSubroleOf('ab', 'a'), false);
  assert.equal(isStrictSubroleOf('a', 'a/b'), false);
  assert.equal(isRoleInSubtree('a', 'a'), true);
  assert.equal(isRoleInSubtree('a/b', 'a'), true);
  assert.equal(isRoleInSubtree('b', 'a'), false);
  assert.deepEqual(roleAncestors('a/b/c'), ['a/b', 'a']);
  assert.deepEqual(roleAncestors('a'), []);
});
