import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerUserName, lookupTaskUser, taskUserFromId, UnknownTaskUserError, type RunId } from './task-user.ts';

test('the task user: command user, else framework user; only for a root agent with --switch_user', () => {
  assert.equal(containerUserName({ switchUser: true, agentUid: 0, commandUser: 'alice', frameworkUser: 'bob' }), 'alice');
  assert.equal(containerUserName({ switchUser: true, agentUid: 0, commandUser: undefined, frameworkUser: 'bob' }), 'bob');
  assert.equal(containerUserName({ switchUser: false, agentUid: 0, commandUser: 'alice', frameworkUser: 'bob' }), undefined);
  assert.equal(containerUserName({ switchUser: true, agentUid: 1000, commandUser: 'alice', frameworkUser: 'bob' }), undefined);
  assert.equal(containerUserName({ switchUser: true, agentUid: undefined, commandUser: 'alice', frameworkUser: 'bob' }), undefined);
});

test('id output parsing', () => {
  assert.deepEqual(taskUserFromId('alice', 'uid=1001(alice) gid=1001(alice) groups=1001(alice),27(sudo)\n'), { name: 'alice', uid: 1001, gid: 1001, groups: [1001, 27] });
  assert.deepEqual(taskUserFromId('alice', 'uid=5(alice) gid=7 groups=27(sudo),4242'), { name: 'alice', uid: 5, gid: 7, groups: [7, 27, 4242] }, 'the primary group is always a member; nameless groups are numbers');
  assert.equal(taskUserFromId('bob', 'uid=3(bob) gid=3(bob) groups=3(bob) context=user_u:user_r:user_t:s0')?.uid, 3);
  assert.deepEqual(taskUserFromId('nogroups', 'uid=9(nogroups) gid=9(nogroups)')?.groups, [9]);
  // `id 1000` takes a numeric name as a uid; getpwnam would not.
  assert.equal(taskUserFromId('1000', 'uid=1000(someone) gid=1000(someone) groups=1000(someone)'), undefined);
  assert.equal(taskUserFromId('alice', 'uid=x(alice) gid=1'), undefined);
  assert.equal(taskUserFromId('alice', 'uid=1(alice) gid=1 groups=1(a),b'), undefined);
  assert.equal(taskUserFromId('alice', ''), undefined);
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
