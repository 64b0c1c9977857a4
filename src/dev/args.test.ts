import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DevUsageError, parseDevArgs } from './args.ts';

test('defaults: one agent, ./.agora, Mesos ports', () => {
  assert.deepEqual(parseDevArgs([], '/home/me/project'), {
    help: false,
    agents: 1,
    workDir: '/home/me/project/.agora',
    port: 5050,
    agentPortBase: 5051,
    json: false,
    readyTimeoutMs: 30_000,
  });
});

test('--port 0 makes agent ports OS-chosen too; explicit values win', () => {
  const a = parseDevArgs(['--port', '0', '--agents=3', '--work_dir', '/tmp/x', '--json'], '/');
  assert.equal(a.agentPortBase, 0);
  assert.equal(a.agents, 3);
  assert.equal(a.workDir, '/tmp/x');
  assert.equal(a.json, true);
  assert.equal(parseDevArgs(['--port', '6000', '--agent-port-base', '7000'], '/').agentPortBase, 7000);
  assert.equal(parseDevArgs(['--port', '6000'], '/').agentPortBase, 6001);
  assert.equal(parseDevArgs(['--work-dir', 'rel'], '/base').workDir, '/base/rel');
});

test('bad values are usage errors naming the flag', () => {
  const bad: [string[], RegExp][] = [
    [['--agents', 'two'], /--agents 'two'/],
    [['--port', '70000'], /--port '70000'/],
    [['--port', '5052', '--agent-port-base', '5051', '--agents', '2'], /collides with the agent ports 5051-5052/],
    [['--agent-port-base', '65535', '--agents', '2'], /leaves no room/],
    [['--nope'], /Unknown option '--nope'/],
  ];
  for (const [args, message] of bad) assert.throws(() => parseDevArgs(args, '/'), (e: unknown) => e instanceof DevUsageError && message.test(e.message), args.join(' '));
});
