// Entry point of the command executor: `<node> src/executor/command/main.ts`, started by the
// agent for a task that has a CommandInfo and no ExecutorInfo, with the Mesos executor
// environment (reference §4.4). Exit status: 0 after the terminal update was acknowledged (or
// when there was nothing to run), 1 on a configuration error or when the agent never
// acknowledged the terminal update.
//
// NOTE: keep the imports of this file lean. It starts once per task; every module it loads costs
// memory and start-up time on every agent (see README.md for the figures).
import { SystemClock } from '../../common/clock.ts';
import { newStatusUuid } from '../../common/ids.ts';
import { awaitContainerReady } from '../../common/oci/ready.ts';
import { AgentClient } from './agent-client.ts';
import { readExecutorConfig } from './config.ts';
import { CommandExecutor } from './executor.ts';
import { createExecutorLog } from './log.ts';

function main(): void {
  const result = readExecutorConfig(process.env, process.cwd());
  if (!result.ok) {
    process.stderr.write(`agora command executor: ${result.error}\n`);
    process.exit(1);
  }
  const config = result.config;
  const log = createExecutorLog({ component: 'command-executor', framework_id: config.frameworkId, executor_id: config.executorId });

  // SystemClock timers are unref'd; this ref'd handle keeps the process alive while it waits for
  // the agent (backoff) with no socket or child open. The executor decides when to exit.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const executor = new CommandExecutor({
    config,
    taskEnv: process.env,
    transport: new AgentClient(config.executorApiUrl, config.authToken),
    clock: new SystemClock(),
    log,
    newUuid: newStatusUuid,
    exit: (code) => {
      clearInterval(keepAlive);
      process.exit(code);
    },
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => executor.shutdown(`received ${signal}`));
  log.info('command executor started', { agent: config.executorApiUrl.host, checkpoint: config.checkpoint, sandbox: config.sandbox });
  // A Linux container is set up while this process loads; subscribe (and so get the task) once it is ready.
  void awaitContainerReady(process.env).then((ready) => {
    if (ready) {
      executor.start();
      return;
    }
    log.error('exiting', { reason: 'the container set-up did not complete' });
    clearInterval(keepAlive);
    process.exit(1);
  });
}

main();
