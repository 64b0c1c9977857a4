// Entry point of the Docker executor: `<node> src/executor/docker/main.ts`, started by the Docker
// containerizer (as a host process in the task's sandbox) for a task with a DOCKER ContainerInfo
// and no ExecutorInfo, with the Mesos executor environment plus:
//
//   AGORA_DOCKER_SOCKET        the daemon's unix socket (the agent's --docker_socket)
//   AGORA_DOCKER_CONTAINER_ID  the container id: the task runs as container `mesos-<id>`
//   AGORA_DOCKER_LABELS        JSON object of ownership labels to put on the container
//
// Exit status as the command executor's: 0 after the terminal update was acknowledged, 1 on a
// configuration error or a missing acknowledgement.
import { SystemClock } from '../../common/clock.ts';
import { DockerEngine } from '../../common/docker/engine-client.ts';
import { newStatusUuid } from '../../common/ids.ts';
import { AgentClient } from '../command/agent-client.ts';
import { createTaskCheckers } from '../command/checker.ts';
import { readExecutorConfig } from '../command/config.ts';
import { createExecutorLog } from '../command/log.ts';
import { readDockerSettings } from './settings.ts';
import { DockerExecutor } from './executor.ts';
import { dockerProbes } from './probes.ts';
import { TaskContainer } from './task-container.ts';

function main(): void {
  const result = readExecutorConfig(process.env, process.cwd());
  const settings = readDockerSettings(process.env);
  if (!result.ok || !settings.ok) {
    process.stderr.write(`agora docker executor: ${!result.ok ? result.error : !settings.ok ? settings.error : ''}\n`);
    process.exit(1);
  }
  const config = result.config;
  const log = createExecutorLog({ component: 'docker-executor', framework_id: config.frameworkId, executor_id: config.executorId });
  const engine = new DockerEngine({ socketPath: settings.socketPath });
  const clock = new SystemClock();
  const keepAlive = setInterval(() => {}, 1 << 30);
  const executor = new DockerExecutor({
    config,
    docker: settings.docker,
    container: (name) => new TaskContainer(engine, name),
    transport: new AgentClient(config.executorApiUrl, config.authToken),
    clock,
    log,
    newUuid: newStatusUuid,
    checkers: (container) => createTaskCheckers({ clock, log, run: dockerProbes(engine, container) }),
    sinks: { stdout: process.stdout, stderr: process.stderr },
    exit: (code) => {
      clearInterval(keepAlive);
      process.exit(code);
    },
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => executor.shutdown(`received ${signal}`));
  log.info('docker executor started', { agent: config.executorApiUrl.host, socket: settings.socketPath, container_id: settings.docker.containerId });
  executor.start();
}

main();
