// Shared by the test/system/docker-*.test.ts files: a private dockerd (test/helpers/dockerd.ts)
// with busybox test images, a real master + agent with `--containerizers=docker,mesos` on it,
// and Docker TaskInfos.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importBusyboxImage, startDockerd, type Dockerd } from '../helpers/dockerd.ts';
import { commandTask, startCluster, type Cluster, type Json } from '../integration/conformance-support.ts';
import { findFiles } from '../integration/agent-recovery-support.ts';

/** Plain busybox, no default command. */
export const IMAGE = 'agora-test/busybox:1';
/** Busybox whose default command prints a marker. */
export const CMD_IMAGE = 'agora-test/busybox-cmd:1';
/** Busybox with an entrypoint that echoes its arguments after a prefix. */
export const ENTRYPOINT_IMAGE = 'agora-test/busybox-entrypoint:1';

export async function startDockerWithImages(): Promise<Dockerd> {
  const dockerd = await startDockerd();
  try {
    await importBusyboxImage(dockerd.engine, 'agora-test/busybox', '1');
    await importBusyboxImage(dockerd.engine, 'agora-test/busybox-cmd', '1', ['CMD ["echo","default-command-ran"]']);
    await importBusyboxImage(dockerd.engine, 'agora-test/busybox-entrypoint', '1', ['ENTRYPOINT ["/bin/echo","entrypoint:"]']);
  } catch (err) {
    await dockerd.release();
    throw err;
  }
  return dockerd;
}

export function dockerAgentArgs(dockerd: Dockerd, extra: string[] = []): string[] {
  return ['--containerizers=docker,mesos', `--docker_socket=${dockerd.socketPath}`, '--docker_remove_delay=0ns', ...extra];
}

export function startDockerCluster(dockerd: Dockerd, extra: string[] = []): Promise<Cluster> {
  return startCluster({ agentArgs: dockerAgentArgs(dockerd, extra) });
}

export type DockerTaskOptions = {
  image?: string;
  command?: Json;
  cpus?: number;
  mem?: number;
  docker?: Json;
  killGraceSecs?: number;
};

/** A TaskInfo running in a Docker container on the HOST network. */
export function dockerTask(taskId: string, agentId: string, o: DockerTaskOptions = {}): Json {
  const task: Json = {
    ...commandTask(taskId, agentId, '', { cpus: o.cpus, mem: o.mem ?? 64 }),
    command: o.command ?? {},
    container: { type: 'DOCKER', docker: { image: o.image ?? IMAGE, network: 'HOST', ...o.docker } },
  };
  if (o.killGraceSecs !== undefined) task.kill_policy = { grace_period: { nanoseconds: o.killGraceSecs * 1e9 } };
  return task;
}

/** The content of the task's sandbox file `name` (the executor's sandbox; executor id = task id). */
export function sandboxFile(cluster: Cluster, taskId: string, name: 'stdout' | 'stderr'): string {
  const dirs = findFiles(join(cluster.workDir, 'agent', 'slaves'), name).filter((f) => f.includes(`/executors/${taskId}/runs/`));
  return dirs.map((f) => readFileSync(f, 'utf8')).join('');
}
