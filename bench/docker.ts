// Docker containerizer launch latency (issue 8): `npm run bench -- docker [--quick]`. Needs root
// and Debian's docker.io (installed on demand by test/helpers/dockerd.ts).
//
//   1. ACCEPT -> TASK_RUNNING of a Docker task (`sleep`, busybox image already cached) through a
//      real master, agent (`--containerizers=docker,mesos`), Docker executor and private dockerd,
//      one task at a time on an idle cluster (each is killed before the next launch);
//   2. the same for the Linux containerizer (cgroups, pid namespace, runc) running the SAME image:
//      one `docker save` tarball, loaded into dockerd (`docker load`) and read by the agent's
//      image store from a local `--docker_registry` directory;
//   3. a plain command task (posix containerizer, no image), the floor both sit on;
//   4. `docker run --rm --network host` of the same image running `true`, with the docker CLI on
//      the same daemon: the peer's figure for create + start + exit + remove.
// Each figure is the median of ≥ 7 runs (3 with --quick), with min and max.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDockerd, type Dockerd } from '../test/helpers/dockerd.ts';
import { buildBusyboxImage, writeDockerArchive } from '../test/helpers/images.ts';
import { tempDir } from '../test/helpers/process.ts';
import { imageAgentArgs, imageTask, removeCgroupRoot } from '../test/system/linux-support.ts';
import { acknowledge, commandTask, firstOffer, followToTerminal, frameworkInfo, idOf, launch, nextUpdate, startCluster, subscribe, teardown, type Cluster, type Framework, type Json } from '../test/integration/conformance-support.ts';
import { dockerAgentArgs, dockerTask } from '../test/system/docker-support.ts';

/** One image for every row: a `docker save` tarball of Debian busybox-static. */
const IMAGE = 'agora-bench-busybox:1';
import type { BenchOptions, BenchRow } from './lib.ts';

const log = (line: string): void => console.log(`  ${line}`);
const round = (x: number): number => Number(x.toFixed(1));
const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median: round(median), min: round(s[0]!), max: round(s.at(-1)!) };
}

function rows(scenario: string, xs: number[], note: string): BenchRow[] {
  const s = stats(xs);
  return [
    { scenario, metric: 'median_ms', value: s.median, unit: 'ms', anchor: `${note}; n=${xs.length}` },
    { scenario, metric: 'min_ms', value: s.min, unit: 'ms' },
    { scenario, metric: 'max_ms', value: s.max, unit: 'ms' },
  ];
}

/** Launches `makeTask(i)` n times, one at a time; returns ACCEPT -> TASK_RUNNING in ms for each. */
async function launchLatencies(cluster: Cluster, fw: Framework, prefix: string, n: number, makeTask: (taskId: string) => Json): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const taskId = `${prefix}-${i}`;
    const offer = await firstOffer(fw, 30_000);
    const started = performance.now();
    await launch(fw, [idOf(offer.id)], [makeTask(taskId)]);
    for (;;) {
      const status = await nextUpdate(fw, taskId, 60_000);
      await acknowledge(fw, status);
      if (status.state === 'TASK_RUNNING') break;
      if (status.state !== 'TASK_STARTING') throw new Error(`task ${taskId} went ${status.state as string}: ${status.message as string}`);
    }
    out.push(performance.now() - started);
    await fw.call('KILL', { task_id: { value: taskId }, agent_id: { value: cluster.agentId } });
    await followToTerminal(fw, taskId, 30_000);
  }
  return out;
}

async function clusterLatencies(agentArgs: string[], n: number, makeTask: (taskId: string, agentId: string) => Json): Promise<number[]> {
  const cluster = await startCluster({ agentArgs });
  let fw: Framework | undefined;
  try {
    fw = await subscribe(cluster.masterUrl, frameworkInfo('bench-docker', ['TASK_KILLING_STATE']));
    // One warm-up launch (the agent builds the executor's JavaScript on its first launch).
    await launchLatencies(cluster, fw, 'warm-up', 1, (id) => makeTask(id, cluster.agentId));
    return await launchLatencies(cluster, fw, 'bench', n, (id) => makeTask(id, cluster.agentId));
  } finally {
    if (fw) await teardown(fw);
    await cluster.stop();
  }
}

function dockerRunLatencies(dockerd: Dockerd, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= n; i++) {
    const started = performance.now();
    const r = spawnSync('/usr/bin/docker', ['-H', `unix://${dockerd.socketPath}`, 'run', '--rm', '--network', 'host', IMAGE, 'true'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`docker run failed: ${r.stderr}`);
    // The first run is a warm-up (the CLI's first connection, the daemon's first container).
    if (i > 0) out.push(performance.now() - started);
  }
  return out;
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const n = opts.quick ? 3 : 7;
  const result: BenchRow[] = [];
  let dockerd: Dockerd;
  const images = tempDir('agora-bench-docker-');
  try {
    const image = await buildBusyboxImage(join(images.path, 'build'), { runtime: { Cmd: ['sh'], Env: ['PATH=/bin'] } });
    await writeDockerArchive(image, join(images.path, `${IMAGE}.tar`), [IMAGE]);
    dockerd = await startDockerd();
    await dockerd.engine.loadImage(readFileSync(join(images.path, `${IMAGE}.tar`)));
  } catch (err) {
    images.cleanup();
    const reason = `no dockerd: ${reasonOf(err)}`;
    return ['docker task ACCEPT->TASK_RUNNING', 'command task ACCEPT->TASK_RUNNING', 'docker run --rm --network host'].map((scenario) => ({ scenario, metric: 'median_ms', value: null, unit: 'ms', reason }));
  }
  try {
    const sleeper = { command: { shell: true, value: 'sleep 60' }, killGraceSecs: 0 };
    try {
      const docker = await clusterLatencies(dockerAgentArgs(dockerd), n, (id, agent) => dockerTask(id, agent, { ...sleeper, image: IMAGE }));
      log(`docker task: ${docker.map(round).join(', ')} ms`);
      result.push(...rows('docker task ACCEPT->TASK_RUNNING (image cached)', docker, 'real agent + Docker executor + dockerd, HOST network'));
    } catch (err) {
      result.push({ scenario: 'docker task ACCEPT->TASK_RUNNING (image cached)', metric: 'median_ms', value: null, unit: 'ms', reason: reasonOf(err) });
    }
    const cgroupsRoot = `agora-bench-${randomBytes(4).toString('hex')}`;
    try {
      const args = imageAgentArgs({ registry: images.path, cgroupsRoot });
      const linux = await clusterLatencies(args, n, (id, agent) => ({
        ...imageTask(id, agent, { image: { type: 'DOCKER', docker: { name: IMAGE } }, command: { shell: true, value: 'sleep 60' } }),
        kill_policy: { grace_period: { nanoseconds: 0 } },
      }));
      log(`linux image task: ${linux.map(round).join(', ')} ms`);
      result.push(...rows('linux containerizer image task ACCEPT->TASK_RUNNING (image cached)', linux, 'real agent, cgroups + pid namespace + runc, the same image from a local --docker_registry dir'));
    } catch (err) {
      result.push({ scenario: 'linux containerizer image task ACCEPT->TASK_RUNNING (image cached)', metric: 'median_ms', value: null, unit: 'ms', reason: reasonOf(err) });
    } finally {
      removeCgroupRoot(cgroupsRoot);
    }
    try {
      const plain = await clusterLatencies([], n, (id, agent) => ({ ...commandTask(id, agent, 'sleep 60'), kill_policy: { grace_period: { nanoseconds: 0 } } }));
      log(`command task: ${plain.map(round).join(', ')} ms`);
      result.push(
        ...rows(
          'posix command task ACCEPT->TASK_RUNNING (no image)',
          plain,
          'no container: the floor of the rows above',
        ),
      );
    } catch (err) {
      result.push({ scenario: 'posix command task ACCEPT->TASK_RUNNING (no image)', metric: 'median_ms', value: null, unit: 'ms', reason: reasonOf(err) });
    }
    try {
      const peer = dockerRunLatencies(dockerd, n);
      log(`docker run: ${peer.map(round).join(', ')} ms`);
      result.push(...rows('docker run --rm --network host (true)', peer, 'docker CLI on the same dockerd: create+start+exit+remove'));
    } catch (err) {
      result.push({ scenario: 'docker run --rm --network host (true)', metric: 'median_ms', value: null, unit: 'ms', reason: reasonOf(err) });
    }
  } finally {
    await dockerd.release();
    images.cleanup();
  }
  return result;
}
