import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSetpriv, planSpawn } from './run-as.ts';

const shell = { file: '/bin/sh', args: ['-c', 'id -un'] };
const alice = { uid: 1001, gid: 1001, groups: [27, 1001] };

test('no user, or the agent user itself: the command as given', () => {
  assert.deepEqual(planSpawn(shell, undefined, 0, '/usr/bin/setpriv'), { ...shell, via: 'none' });
  assert.deepEqual(planSpawn(shell, { uid: 0, gid: 0, groups: [0] }, 0, '/usr/bin/setpriv'), { ...shell, via: 'none' });
});

test('another user through setpriv: uid, primary group and every supplementary group', () => {
  assert.deepEqual(planSpawn(shell, alice, 0, '/usr/bin/setpriv'), {
    file: '/usr/bin/setpriv',
    args: ['--reuid', '1001', '--regid', '1001', '--groups', '1001,27', '--', '/bin/sh', '-c', 'id -un'],
    via: 'setpriv',
  });
  const exec = { file: '/usr/bin/node', args: ['x.js'], argv0: '/usr/bin/node' };
  assert.deepEqual(planSpawn(exec, alice, 0, '/usr/bin/setpriv').args.slice(-3), ['--', '/usr/bin/node', 'x.js']);
});

test("without setpriv, or with an argv[0] setpriv cannot pass, Node's uid/gid switch", () => {
  assert.deepEqual(planSpawn(shell, alice, 0, undefined), { ...shell, uid: 1001, gid: 1001, via: 'node' });
  const renamed = { file: '/usr/bin/python3', args: ['app.py'], argv0: 'python3' };
  assert.deepEqual(planSpawn(renamed, alice, 0, '/usr/bin/setpriv'), { ...renamed, uid: 1001, gid: 1001, via: 'node' });
});

test('setpriv is found on this machine (util-linux)', () => {
  assert.match(findSetpriv() ?? '', /\/setpriv$/);
  assert.match(findSetpriv('/nonexistent') ?? '', /\/setpriv$/, 'the usual places are searched too');
});
