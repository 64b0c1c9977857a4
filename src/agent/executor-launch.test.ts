import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskInfo } from '../protocol/index.ts';
import {
  agentStatus,
  commandExecutorInfo,
  commandExecutorName,
  describeWaitStatus,
  droppedOrLost,
  executorEnvironment,
  shutdownGracePeriodMs,
} from './executor-launch.ts';

const task = (over: Partial<TaskInfo> = {}): TaskInfo => ({
  name: 't',
  task_id: { value: 'web-1' },
  agent_id: { value: 'S0' },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: 'dev' } }],
  command: { shell: true, value: 'python3 -m http.server 8080' },
  ...over,
});

test('command executor names follow Mesos', () => {
  assert.equal(commandExecutorName(task()), "Command Executor (Task: web-1) (Command: sh -c 'python3 -m h...')");
  assert.equal(commandExecutorName(task({ command: { value: 'sleep 5' } })), "Command Executor (Task: web-1) (Command: sh -c 'sleep 5')");
  assert.equal(
    commandExecutorName(task({ command: { shell: false, value: '/bin/echo', arguments: ['echo', 'hi'] } })),
    'Command Executor (Task: web-1) (Command: [/bin/echo, echo, hi])',
  );
});

test('command executor info: id = task id, overhead resources in the task role, env and uris copied', () => {
  const t = task({
    command: { value: 'x', environment: { variables: [{ name: 'FOO', value: 'bar' }] }, uris: [{ value: 'http://h/a.tgz' }] },
    kill_policy: { grace_period: { nanoseconds: 3_000_000_000 } },
  });
  const info = commandExecutorInfo(t, 'F', ['/usr/bin/node', '/repo/src/executor/command/main.ts']);
  assert.equal(info.executor_id.value, 'web-1');
  assert.equal(info.framework_id?.value, 'F');
  assert.equal(info.source, 'web-1');
  assert.deepEqual(info.command, {
    shell: false,
    value: '/usr/bin/node',
    arguments: ['/usr/bin/node', '/repo/src/executor/command/main.ts'],
    uris: [{ value: 'http://h/a.tgz' }],
    environment: { variables: [{ name: 'FOO', value: 'bar' }] },
  });
  assert.deepEqual(info.resources, [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: 'dev' } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 32 }, allocation_info: { role: 'dev' } },
  ]);
  assert.deepEqual(info.shutdown_grace_period, { nanoseconds: 5_000_000_000 });
  assert.equal(shutdownGracePeriodMs(info, 9999), 5000);
  assert.equal(shutdownGracePeriodMs(commandExecutorInfo(task(), 'F', ['n']), 9999), 9999);
});

const envParams = {
  base: { PATH: '/bin', HOME: '/root', UNSET: undefined },
  frameworkId: 'F',
  executorId: 'E',
  agentId: 'S0',
  agentIp: '127.0.0.1',
  agentPort: 5051,
  directory: '/w/sandbox',
  checkpoint: false,
  shutdownGracePeriodMs: 5000,
  recoveryTimeoutMs: 900_000,
  subscriptionBackoffMaxMs: 2000,
  command: undefined,
};

test('executor environment has the Mesos variables in stout form', () => {
  const env = executorEnvironment(envParams);
  assert.deepEqual(env, {
    PATH: '/bin',
    HOME: '/root',
    LIBPROCESS_PORT: '0',
    MESOS_FRAMEWORK_ID: 'F',
    MESOS_EXECUTOR_ID: 'E',
    MESOS_SLAVE_ID: 'S0',
    MESOS_AGENT_ID: 'S0',
    MESOS_SLAVE_PID: 'slave(1)@127.0.0.1:5051',
    MESOS_AGENT_ENDPOINT: '127.0.0.1:5051',
    MESOS_DIRECTORY: '/w/sandbox',
    MESOS_SANDBOX: '/w/sandbox',
    MESOS_CHECKPOINT: '0',
    MESOS_HTTP_COMMAND_EXECUTOR: '1',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
  });
});

test('checkpointing adds the recovery variables; command variables win', () => {
  const env = executorEnvironment({
    ...envParams,
    checkpoint: true,
    command: {
      environment: {
        variables: [
          { name: 'PATH', value: '/opt/bin' },
          { name: 'S', type: 'SECRET', secret: {} },
        ],
      },
    },
  });
  assert.equal(env.MESOS_CHECKPOINT, '1');
  assert.equal(env.MESOS_RECOVERY_TIMEOUT, '15mins');
  assert.equal(env.MESOS_SUBSCRIPTION_BACKOFF_MAX, '2secs');
  assert.equal(env.PATH, '/opt/bin');
  assert.equal(env.S, undefined);
});

test('agent statuses carry SOURCE_AGENT, seconds and the ids', () => {
  assert.deepEqual(
    agentStatus({ taskId: 't', state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED', message: 'm', agentId: 'S', executorId: 'E', nowMs: 1500, uuid: 'u' }),
    {
      task_id: { value: 't' },
      state: 'TASK_FAILED',
      message: 'm',
      source: 'SOURCE_AGENT',
      timestamp: 1.5,
      uuid: 'u',
      reason: 'REASON_EXECUTOR_TERMINATED',
      agent_id: { value: 'S' },
      executor_id: { value: 'E' },
    },
  );
});

test('dropped or lost depends on PARTITION_AWARE; wait statuses are described', () => {
  assert.equal(droppedOrLost({ user: 'u', name: 'n', capabilities: [{ type: 'PARTITION_AWARE' }] }), 'TASK_DROPPED');
  assert.equal(droppedOrLost({ user: 'u', name: 'n' }), 'TASK_LOST');
  assert.equal(describeWaitStatus(0), 'exited with status 0');
  assert.equal(describeWaitStatus(3 << 8), 'exited with status 3');
  assert.equal(describeWaitStatus(9), 'terminated by signal 9');
  assert.equal(describeWaitStatus(undefined), 'exit status unknown');
});
