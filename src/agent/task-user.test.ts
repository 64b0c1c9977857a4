import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerUserName, lookupTaskUser, parseGroupIds, parseId, taskUserFromId, UnknownTaskUserError, type RunId } from './task-user.ts';

test('the task user: command user, else framework user; only for a root agent with --switch_user', () => {
  assert.equal(containerUserName({ switchUser: true, agentUid: 0, commandUser: 'alice', frameworkUser: 'bob' }), 'alice');
  assert.equal(containerUserName({ switchUser: true, agentUid: 0, commandUser: undefined, frameworkUser: 'bob' }), 'bob');
  assert.equal(containerUserName({ switchUser: false, agentUid: 0, commandUser: 'alice', frameworkUser: 'bob' }), undefined);
  assert.equal(containerUserName({ switchUser: true, agentUid: 1000, commandUser: 'alice', frameworkUser: 'bob' }), undefined);
  assert.equal(containerUserName({ switchUser: true, agentUid: undefined, commandUser: 'alice', frameworkUser: 'bob' }), undefined);
});

test('id output parsing', () => {
  assert.equal(parseId('1000\n'), 1000);
  assert.equal(parseId('x'), undefined);
  assert.equal(parseId(''), undefined);
  assert.deepEqual(parseGroupIds('1000 27 1000 100\n'), [1000, 27, 100]);
  assert.equal(parseGroupIds('1000 adm'), undefined);
  assert.deepEqual(
    taskUserFromId('alice', { canonicalName: 'alice\n', uid: '1001\n', gid: '1001\n', groups: '27 1001\n' }),
    { name: 'alice', uid: 1001, gid: 1001, groups: [27, 1001] },
  );
  assert.deepEqual(taskUserFromId('alice', { canonicalName: 'alice', uid: '5', gid: '7', groups: '27' })?.groups, [7, 27], 'the primary group is always a member');
  // `id 1000` takes a numeric name as a uid; getpwnam would not.
  assert.equal(taskUserFromId('1000', { canonicalName: 'someone', uid: '1000', gid: '1000', groups: '1000' }), undefined);
});

test('lookup: a missing user is an UnknownTaskUserError naming the user', async () => {
  const calls: string[][] = [];
  const missing: RunId = async (args) => {
    calls.push(args);
    throw new Error("id: 'ghost': no such user");
  };
  await assert.rejects(lookupTaskUser('ghost', missing), (err: unknown) => {
    assert.ok(err instanceof UnknownTaskUserError);
    assert.equal(err.user, 'ghost');
    assert.match(err.message, /^user 'ghost' does not exist on this agent \(id: 'ghost': no such user\)/);
    return true;
  });
  assert.ok(calls.every((args) => args.at(-2) === '--' && args.at(-1) === 'ghost'), 'names never parse as options');
  await assert.rejects(lookupTaskUser('', missing), UnknownTaskUserError);
});

test('lookup of a real user (root) through id(1)', async () => {
  const root = await lookupTaskUser('root');
  assert.deepEqual([root.name, root.uid, root.gid], ['root', 0, 0]);
  assert.ok(root.groups.includes(0));
});
