// Entry point of the command executor: `<node> src/executor/command/main.ts`, started by the
// agent for a task that has a CommandInfo and no ExecutorInfo, with the Mesos executor
// environment (reference §4.4). Exit status: 0 after the terminal update was acknowledged (or
// when there was nothing to run), 1 on a configuration error or when the agent never
// acknowledged the terminal update.
//
// A *warm* executor (AGORA_WARM_EXECUTOR=1) is started by the Linux containerizer before there
// is a task for it: it loads, then waits on its ready pipe to be handed a container (the
// environment it would have been spawned with, the sandbox as working directory, the sandbox's
// stdout/stderr; common/oci/ready.ts), takes those over, and from then on runs as a cold one.
// It exits quietly (0) if the pipe closes first: the agent that started it is gone.
//
// NOTE: keep the imports of this file lean. It starts once per task; every module it loads costs
// memory and start-up time on every agent (see README.md for the figures).
import { openSync, writeSync } from 'node:fs';
import { SystemClock } from '../../common/clock.ts';
import { newStatusUuid } from '../../common/ids.ts';
import { WARM_EXECUTOR_ENV } from '../../common/oci/launch-file.ts';
import { ReadyPipe, type HandOver } from '../../common/oci/ready.ts';
import { AgentClient } from './agent-client.ts';
import { readExecutorConfig } from './config.ts';
import { useExecutorStdio } from './executor-stdio.ts';
import { CommandExecutor, type AgentTransport } from './executor.ts';
import { createExecutorLog } from './log.ts';

/** Where this process's own lines go: stderr, or the sandbox's stderr file after a hand-over. */
let writeLine: (line: string) => void = (line) => process.stderr.write(line);

function fail(message: string): never {
  writeLine(`agora command executor: ${message}\n`);
  process.exit(1);
}

/**
 * Becomes the executor a cold spawn would have started: its environment (process.env is updated
 * in place, so the C environment and children follow), its working directory and its stdio.
 */
function takeOver(handOver: HandOver): void {
  const stderr = openSync(handOver.stderr, 'a');
  writeLine = (line) => writeSync(stderr, line);
  // Node prints an uncaught error to fd 2 natively, which is /dev/null here.
  process.on('uncaughtException', (err) => fail(`uncaught error: ${err.stack ?? String(err)}`));
  try {
    useExecutorStdio(openSync(handOver.stdout, 'a'), stderr);
    process.chdir(handOver.cwd);
  } catch (err) {
    fail(`cannot take over the container: ${(err as Error).message}`);
  }
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, handOver.env);
}

/**
 * The transport, subscribing at once but holding the agent's events back until `ready` says the
 * container exists: the SUBSCRIBE round trip overlaps the container's set-up, and the task
 * (LAUNCH) still starts only in a container that is there.
 */
function heldUntil(ready: Promise<boolean>, inner: AgentClient): AgentTransport {
  let open = false;
  const held: (() => void)[] = [];
  void ready.then((ok) => {
    if (!ok) return;
    open = true;
    for (const deliver of held.splice(0)) deliver();
  });
  const later = (deliver: () => void): void => {
    if (open) deliver();
    else held.push(deliver);
  };
  return {
    subscribe: (call, handlers) =>
      inner.subscribe(call, {
        onEvent: (event) => later(() => handlers.onEvent(event)),
        onClose: (reason) => later(() => handlers.onClose(reason)),
      }),
    post: (call) => inner.post(call),
    probe: () => inner.probe(),
    close: () => inner.close(),
  };
}

async function main(): Promise<void> {
  const pipe = ReadyPipe.from(process.env);
  if (process.env[WARM_EXECUTOR_ENV] === '1') {
    if (!pipe) fail('a warm executor needs its ready pipe (AGORA_CONTAINER_READY_FD)');
    const handOver = await pipe.handOver();
    if (handOver === undefined) process.exit(0);
    if (typeof handOver === 'string') fail(handOver);
    takeOver(handOver);
  }
  const result = readExecutorConfig(process.env, process.cwd());
  if (!result.ok) fail(result.error);
  const config = result.config;
  const log = createExecutorLog({ component: 'command-executor', framework_id: config.frameworkId, executor_id: config.executorId }, writeLine);

  // SystemClock timers are unref'd; this ref'd handle keeps the process alive while it waits for
  // the agent (backoff) with no socket or child open. The executor decides when to exit.
  const keepAlive = setInterval(() => {}, 1 << 30);
  // A Linux container is set up while this process loads (or, warm, once handed over).
  const ready = pipe === undefined ? Promise.resolve(true) : pipe === null ? Promise.resolve(false) : pipe.ready();
  const client = new AgentClient(config.executorApiUrl, config.authToken);
  const executor = new CommandExecutor({
    config,
    taskEnv: process.env,
    transport: pipe === undefined ? client : heldUntil(ready, client),
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
  executor.start();
  if (await ready) return;
  log.error('exiting', { reason: 'the container set-up did not complete' });
  clearInterval(keepAlive);
  process.exit(1);
}

void main();
