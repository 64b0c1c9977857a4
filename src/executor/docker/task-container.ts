// The Docker executor's task container: planned from the TaskInfo (plan, pure) and then run
// through the Engine API (TaskContainer): create + start, follow its output into the executor's
// stdout/stderr (the sandbox files), wait for its exit, stop it with a grace period.
import type { Writable } from 'node:stream';
import type { TaskInfo } from '../../protocol/index.ts';
import type { DockerEngine } from '../../common/docker/engine-client.ts';
import type { ContainerCreateBody, ContainerInspect } from '../../common/docker/engine-types.ts';
import { buildRunOptions } from '../../common/docker/run-options.ts';

export type ContainerPlan = { ok: true; name: string; body: ContainerCreateBody } | { ok: false; message: string };

export type PlanInput = {
  /** The TaskInfo exactly as received in LAUNCH. */
  raw: unknown;
  /** The container id (the name is `mesos-<id>`). */
  containerId: string;
  /** The sandbox on the host. */
  sandbox: string;
  /** Mesos variables for the container (MESOS_TASK_ID, MESOS_FRAMEWORK_ID, ...). */
  environment: Record<string, string>;
  ownerLabels: Record<string, string>;
};

/** Pure: the create body for a task, or why it cannot run (TASK_FAILED message). */
export function planTaskContainer(input: PlanInput): ContainerPlan {
  // The agent validated the TaskInfo against the schema before sending it; the executor stays
  // free of the schema library (it starts once per task and loads as plain JavaScript).
  const task = input.raw as TaskInfo;
  if (typeof task?.task_id?.value !== 'string') return { ok: false, message: 'Invalid TaskInfo: task_id.value is missing' };
  if (task.container?.type !== 'DOCKER') return { ok: false, message: 'The Docker executor runs only tasks with a DOCKER ContainerInfo' };
  let cpus: number | undefined;
  let memMb: number | undefined;
  const ports: [number, number][] = [];
  for (const resource of task.resources ?? []) {
    if (resource.name === 'cpus') cpus = (cpus ?? 0) + (resource.scalar?.value ?? 0);
    else if (resource.name === 'mem') memMb = (memMb ?? 0) + (resource.scalar?.value ?? 0);
    else if (resource.name === 'ports') for (const r of resource.ranges?.range ?? []) ports.push([Number(r.begin), Number(r.end)]);
  }
  const role = task.resources?.find((r) => r.allocation_info?.role !== undefined)?.allocation_info?.role;
  const environment: Record<string, string> = { ...input.environment, MESOS_TASK_ID: task.task_id.value };
  if (role !== undefined) environment.MESOS_ALLOCATION_ROLE = role;
  return buildRunOptions({
    containerId: input.containerId,
    container: task.container,
    command: task.command,
    cpus,
    memMb,
    ports,
    sandbox: input.sandbox,
    environment,
    labels: task.labels,
    ownerLabels: input.ownerLabels,
  });
}

/** How the container ended. */
export type ContainerExit = { code: number; oomKilled: boolean; error?: string | undefined };

export class TaskContainer {
  readonly #engine: DockerEngine;
  readonly name: string;
  #logs: Promise<void> | undefined;
  readonly #logsAbort = new AbortController();
  #inspect: ContainerInspect | undefined;

  constructor(engine: DockerEngine, name: string) {
    this.#engine = engine;
    this.name = name;
  }

  /** The inspect taken after the start (pid, networks), if any. */
  get inspect(): ContainerInspect | undefined {
    return this.#inspect;
  }

  /**
   * Creates and starts the container and begins copying its output. A leftover container of the
   * same name (an executor that died between create and start) is replaced.
   */
  async start(body: ContainerCreateBody, sinks: { stdout: Writable; stderr: Writable }): Promise<ContainerInspect> {
    const existing = await this.#engine.inspectContainer(this.name);
    if (existing && !existing.State.Running) await this.#engine.removeContainer(this.name, { force: true });
    if (!existing || !existing.State.Running) {
      await this.#engine.createContainer(this.name, body);
      await this.#engine.startContainer(this.name);
    }
    this.#logs = this.#engine.followLogs(this.name, sinks, { signal: this.#logsAbort.signal }).catch(() => {});
    const inspect = await this.#engine.inspectContainer(this.name);
    if (!inspect) throw new Error(`container '${this.name}' vanished right after it started`);
    this.#inspect = inspect;
    return inspect;
  }

  /** Resolves once the container stopped, after its output was copied (at most `drainMs` more). */
  async wait(drainMs = 2000): Promise<ContainerExit> {
    const result = await this.#engine.waitContainer(this.name);
    const inspect = await this.#engine.inspectContainer(this.name).catch(() => undefined);
    if (this.#logs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#logs, new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)))]);
      clearTimeout(timer);
      this.#logsAbort.abort();
    }
    return { code: result.StatusCode, oomKilled: inspect?.State.OOMKilled ?? false, error: result.Error?.Message ?? undefined };
  }

  /** `docker stop -t`: the image's stop signal (SIGTERM), SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    await this.#engine.stopContainer(this.name, graceMs / 1000);
  }

  async kill(signal: string): Promise<void> {
    await this.#engine.killContainer(this.name, signal);
  }
}
