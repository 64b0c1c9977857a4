// The Docker executor's shell (Mesos's `mesos-docker-executor`, reference containerizers.md
// §3.3): one task per executor, run as the Docker container `mesos-<container id>` through the
// Engine API. It shares the command executor's pure task machine and agent session
// (common/task-executor.ts: STARTING, RUNNING, kill escalation, checks, terminal update;
// subscription, re-subscription after an agent restart, update delivery until acknowledged) and
// replaces the process by a container:
//
//   spawn effect        → create + start the container, follow its output into the sandbox's
//                          stdout/stderr; `spawned` (TASK_RUNNING) once the daemon reports it running
//   signal SIGTERM      → `docker stop -t <remaining grace>` (the image's stop signal, then SIGKILL)
//   signal SIGKILL      → `docker kill` (the grace period ran out, or a shorter kill came)
//   container exit      → `exited`; the terminal message says "Container exited with status N",
//                          and an OOM kill under the memory limit becomes TASK_FAILED /
//                          REASON_CONTAINER_LIMITATION_MEMORY
//   health checks       → COMMAND probes run inside the container (`docker exec`); HTTP/TCP probes
//                          go to 127.0.0.1 with the host network, else to the container's IP
import { TaskExecutor, type TaskExecutorOptions } from '../common/task-executor.ts';
import { readTaskChecks, type TaskChecks } from '../command/check-spec.ts';
import type { CheckerContext, CheckerFactory, TaskChecker } from '../command/checks.ts';
import type { UpdateEffect } from '../command/task-machine.ts';
import type { LaunchedTask } from '../command/wire.ts';
import { dockerTerminalUpdate } from './termination.ts';
import { planTaskContainer, type ContainerExit, type ContainerPlan, type TaskContainer } from './task-container.ts';

export { TERMINAL_ACK_TIMEOUT_MS, type AgentTransport } from '../common/agent-session.ts';

export type DockerExecutorSettings = {
  /** The container id the agent chose: the container is `mesos-<id>`. */
  containerId: string;
  /** Agora's ownership labels for the container. */
  ownerLabels: Record<string, string>;
  /** Mesos variables passed into the container. */
  containerEnv: Record<string, string>;
};

export type DockerExecutorOptions = TaskExecutorOptions & {
  docker: DockerExecutorSettings;
  /** Makes the task container handle (TaskContainer over the Engine API, or a fake). */
  container: (name: string) => TaskContainer;
  /** Health checks; built by main.ts once the container is known. */
  checkers: (container: TaskContainer) => CheckerFactory;
  /** The executor's own stdout/stderr (the sandbox files), where the container's output goes. */
  sinks: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
};

const TERMINAL_STATES = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED']);

export class DockerExecutor extends TaskExecutor {
  readonly #o: DockerExecutorOptions;
  #planned: ContainerPlan | undefined;
  #container: TaskContainer | undefined;
  #exit: ContainerExit | undefined;

  constructor(options: DockerExecutorOptions) {
    super(options, 'Docker');
    this.#o = options;
  }

  protected launch(task: LaunchedTask): void {
    const { config, docker } = this.#o;
    this.#o.log.info('launching task', { task_id: task.taskId, container: `mesos-${docker.containerId}` });
    const plan = planTaskContainer({ raw: task.raw, containerId: docker.containerId, sandbox: config.sandbox, environment: docker.containerEnv, ownerLabels: docker.ownerLabels });
    const checks = readTaskChecks(task, {}, config.sandbox);
    this.#planned = plan;
    // The machine's spec is the command executor's; only its `ok` matters here, `spawn` runs the plan.
    const spec = plan.ok ? { ok: true as const, spec: { file: '', args: [], argv0: '', env: {}, cwd: config.sandbox } } : plan;
    this.driver.apply({ kind: 'launch', task, spec, checks });
  }

  protected override sendUpdate(effect: UpdateEffect): void {
    super.sendUpdate(TERMINAL_STATES.has(effect.state) ? dockerTerminalUpdate(effect, this.#exit) : effect);
  }

  protected spawn(): void {
    void this.#startContainer();
  }

  protected signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    const { log, clock } = this.#o;
    const container = this.#container;
    if (!container) return;
    if (signal === 'SIGTERM') {
      const graceMs = Math.max(0, (this.driver.machine.escalation?.sigkillAt ?? clock.now()) - clock.now());
      log.info('stopping the container', { container: container.name, grace_ms: graceMs });
      container.stop(graceMs).catch((err: unknown) => log.warn('docker stop failed', { error: (err as Error).message }));
    } else {
      log.info('killing the container', { container: container.name });
      container.kill('SIGKILL').catch((err: unknown) => log.warn('docker kill failed', { error: (err as Error).message }));
    }
  }

  protected startChecks(checks: TaskChecks, report: Pick<CheckerContext, 'reportHealth' | 'reportCheck'>): TaskChecker | undefined {
    const task = this.driver.machine.task;
    const container = this.#container;
    if (!task || !container) return undefined;
    return this.#o.checkers(container)({ taskId: task.taskId, pid: container.inspect?.State.Pid ?? 0, checks, ...report });
  }

  async #startContainer(): Promise<void> {
    const plan = this.#planned;
    if (!plan?.ok) return;
    const container = this.#o.container(plan.name);
    this.#container = container;
    try {
      const inspect = await container.start(plan.body, this.#o.sinks as never);
      this.#o.log.info('container started', { container: plan.name, pid: inspect.State.Pid });
    } catch (err) {
      const message = (err as Error).message;
      this.#o.log.error('failed to start the container', { container: plan.name, error: message });
      this.driver.apply({ kind: 'spawn_failed', message });
      return;
    }
    void container.wait().then(
      (exit) => {
        this.#exit = exit;
        this.#o.log.info('container exited', { container: plan.name, code: exit.code, oom_killed: exit.oomKilled });
        this.driver.apply({ kind: 'exited', exit: { code: exit.code, signal: null } });
      },
      (err: unknown) => {
        this.#o.log.error('lost track of the container', { container: plan.name, error: (err as Error).message });
        this.#exit = { code: -1, oomKilled: false, error: (err as Error).message };
        this.driver.apply({ kind: 'exited', exit: { code: null, signal: null } });
      },
    );
    this.driver.apply({ kind: 'spawned' });
  }

  protected beforeExit(code: number): void {
    const container = this.#container;
    // A container still running when the executor leaves (agent gone) is stopped at once, as
    // Mesos's destroy does; a finished one stays for the agent's --docker_remove_delay.
    if (container && this.#exit === undefined) {
      void container
        .kill('SIGKILL')
        .catch(() => {})
        .finally(() => this.#o.exit(code));
      return;
    }
    this.#o.exit(code);
  }
}
