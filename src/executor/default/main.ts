// Entry point of the default executor: `<node> src/executor/default/main.ts`, started by the agent
// for an ExecutorInfo of type DEFAULT (task groups, LAUNCH_GROUP), with the Mesos executor
// environment (reference §4.4). Exit status: 0 once every task ended and every update was
// acknowledged (or when shut down with nothing to run), 1 on a configuration error or when the
// agent never acknowledged the last updates.
//
// NOTE: like the command executor, this runs once per executor: keep its imports lean (no pino,
// no TypeBox codec); the agent runs it as plain JavaScript built by src/common/js-build.ts.
import { randomUUID } from 'node:crypto';
import { SystemClock } from '../../common/clock.ts';
import { newStatusUuid } from '../../common/ids.ts';
import { AgentClient } from '../command/agent-client.ts';
import { readExecutorConfig } from '../command/config.ts';
import { createExecutorLog } from '../command/log.ts';
import { DefaultExecutor } from './executor.ts';

function main(): void {
  const result = readExecutorConfig(process.env, process.cwd());
  if (!result.ok) {
    process.stderr.write(`agora default executor: ${result.error}\n`);
    process.exit(1);
  }
  const config = result.config;
  const log = createExecutorLog({ component: 'default-executor', framework_id: config.frameworkId, executor_id: config.executorId });

  // SystemClock timers are unref'd; this ref'd handle keeps the process alive while it waits for
  // the agent with no socket or child open. The executor decides when to exit.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const executor = new DefaultExecutor({
    config,
    taskEnv: process.env,
    transport: new AgentClient(config.executorApiUrl, config.authToken),
    clock: new SystemClock(),
    log,
    newUuid: newStatusUuid,
    newContainerId: randomUUID,
    exit: (code) => {
      clearInterval(keepAlive);
      process.exit(code);
    },
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => executor.shutdown(`received ${signal}`));
  log.info('default executor started', { agent: config.executorApiUrl.host, checkpoint: config.checkpoint, sandbox: config.sandbox });
  executor.start();
}

main();
