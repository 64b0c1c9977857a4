import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canStandIn, startupVariables, type ExecutorStart } from './warm-executors.ts';

test('startupVariables keeps only what Node and libuv read at start', () => {
  assert.deepEqual(startupVariables({ NODE_OPTIONS: '--max-old-space-size=64', UV_THREADPOOL_SIZE: '2', MESOS_SANDBOX: '/s', PATH: '/bin', NODEX: 'x', GONE: undefined }), {
    NODE_OPTIONS: '--max-old-space-size=64',
    UV_THREADPOOL_SIZE: '2',
  });
});

test('canStandIn: same command line and start-up variables only', () => {
  const start: ExecutorStart = { file: '/node', args: ['--no-experimental-strip-types', '/lib/main.js'], startupEnv: { NODE_COMPILE_CACHE: '/c', UV_THREADPOOL_SIZE: '2' } };
  assert.ok(canStandIn(start, { ...start, startupEnv: { UV_THREADPOOL_SIZE: '2', NODE_COMPILE_CACHE: '/c' } }));
  assert.ok(canStandIn(start, { ...start, argv0: '/node' }), 'argv0 defaults to the file');
  assert.ok(!canStandIn(start, { ...start, file: '/other/node' }));
  assert.ok(!canStandIn(start, { ...start, argv0: 'node' }));
  assert.ok(!canStandIn(start, { ...start, args: ['/lib/main.js'] }));
  assert.ok(!canStandIn(start, { ...start, args: ['--inspect', '/lib/main.js'] }));
  assert.ok(!canStandIn(start, { ...start, startupEnv: { NODE_COMPILE_CACHE: '/c' } }));
  assert.ok(!canStandIn(start, { ...start, startupEnv: { NODE_COMPILE_CACHE: '/d', UV_THREADPOOL_SIZE: '2' } }));
});
