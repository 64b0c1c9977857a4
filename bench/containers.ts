// Image containers against Docker on the same machine, image and registry, in one run
// (`npm run bench -- containers [--quick]`, as root; needs runc, docker-registry and docker.io):
//
//   a. pull: our docker store from a local docker-registry vs `docker pull` (Engine API
//      POST /images/create) from a dockerd this bench starts; caches cleared before every run;
//   b. start: ACCEPT -> TASK_RUNNING of an image task through a real master and agent (image
//      cached; TASK_RUNNING follows the executor's spawn of `runc run`) vs the wall time of
//      `docker run --rm --network host` of the same image (to the container's exit); with warm
//      command executors (the default) and, for comparison, with them off;
//   c. overlay provisioning of one container's rootfs (mount + unmount not counted separately).
//
// The image is the busybox test image plus a layer of seeded incompressible data, so pulls
// move a few MB. Where a target is missed, the row's reason says where the time goes.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DockerStore } from '../src/provisioner/index.ts';
import { OverlayBackend } from '../src/provisioner/backends/index.ts';
import { buildBusyboxImage, pushImage, randomDataLayerSpec } from '../test/helpers/images.ts';
import { startRegistry, type Registry } from '../test/helpers/registry.ts';
import { startDockerd, type Dockerd } from '../test/helpers/dockerd.ts';
import { tempDir } from '../test/helpers/process.ts';
import { firstOffer, idOf, launch, startCluster, statusOf, subscribe, frameworkInfo, type Cluster, type Framework, type Json } from '../test/integration/conformance-support.ts';
import { imageAgentArgs, imageTask, removeCgroupRoot, systemTierAvailable } from '../test/system/linux-support.ts';
import type { BenchOptions, BenchRow } from './lib.ts';

const RANDOM_LAYER_BYTES = 8 * 1024 * 1024;
const REPO = 'bench/busybox';
const TAG = '1';
const DOCKER_RUN_ANCHOR = 'DESIGN.md: docker run --rm --network host of busybox 176 ms on these machines';

const log = (line: string): void => console.log(`  ${line}`);
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
const skipped = (scenario: string, metric: string, unit: string, reason: string): BenchRow => ({ scenario, metric, value: null, unit, reason });

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const unavailable = systemTierAvailable();
  if (unavailable) return [skipped('image containers', 'all', 'ms', unavailable)];
  const pulls = opts.quick ? 5 : 7;
  const starts = opts.quick ? 7 : 11;
  const work = tempDir('agora-bench-containers-');
  const rows: BenchRow[] = [];
  let registry: Registry | undefined;
  let dockerd: Dockerd | undefined;
  try {
    log(`building the image (busybox + ${RANDOM_LAYER_BYTES / 1024 / 1024} MB of seeded random data)`);
    const image = await buildBusyboxImage(join(work.path, 'image'), { extraLayers: [randomDataLayerSpec(RANDOM_LAYER_BYTES)], runtime: { Cmd: ['sleep', '1000'] } });
    const bytes = image.layers.reduce((sum, l) => sum + l.gz.size, 0) + image.config.size;
    registry = await startRegistry();
    await pushImage(registry.url, REPO, TAG, image);
    const ref = `${registry.host}/${REPO}:${TAG}`;
    try {
      dockerd = await startDockerd();
    } catch (err) {
      log(`dockerd did not start: ${reasonOf(err)}`);
    }
    rows.push(...(await pullRows(ref, work.path, dockerd, pulls, bytes)));
    rows.push(...(await startRows(ref, registry, dockerd, starts, opts.quick ? 5 : 7)));
    rows.push(...(await overlayRows(ref, work.path, opts.quick ? 20 : 50)));
  } finally {
    await dockerd?.release();
    await registry?.stop();
    work.cleanup();
  }
  return rows;
}

// ---- a. pull ---------------------------------------------------------------------------------

async function pullRows(ref: string, dir: string, dockerd: Dockerd | undefined, runs: number, bytes: number): Promise<BenchRow[]> {
  const scenario = `pull ${ref.split('/').slice(1).join('/')} (${(bytes / 1024 / 1024).toFixed(1)} MB compressed, cold cache)`;
  const ours: number[] = [];
  for (let i = 0; i < runs; i++) {
    const storeDir = join(dir, `store-${i}`);
    const store = new DockerStore({ storeDir });
    await store.recover();
    const started = performance.now();
    await store.get(ref);
    ours.push(performance.now() - started);
    rmSync(storeDir, { recursive: true, force: true });
  }
  log(`agora pull ms: ${ours.map((x) => round(x)).join(', ')}`);
  const out: BenchRow[] = [
    { scenario, metric: 'agora_min', value: round(Math.min(...ours)), unit: 'ms' },
    { scenario, metric: 'agora_max', value: round(Math.max(...ours)), unit: 'ms' },
  ];
  if (!dockerd) return [...out, skipped(scenario, 'agora_median', 'ms', 'no dockerd to compare with')];
  const docker: number[] = [];
  for (let i = 0; i < runs; i++) {
    await dockerd.engine.removeImage(ref, true).catch(() => undefined);
    const started = performance.now();
    await dockerd.engine.pullImage(ref);
    docker.push(performance.now() - started);
  }
  await dockerd.engine.removeImage(ref, true).catch(() => undefined);
  log(`docker pull ms: ${docker.map((x) => round(x)).join(', ')}`);
  const dockerMedian = round(median(docker));
  out.push(
    { scenario, metric: 'docker_min', value: round(Math.min(...docker)), unit: 'ms' },
    { scenario, metric: 'docker_max', value: round(Math.max(...docker)), unit: 'ms' },
    { scenario, metric: 'docker_median', value: dockerMedian, unit: 'ms' },
    {
      scenario,
      metric: 'agora_median',
      value: round(median(ours)),
      unit: 'ms',
      target: dockerMedian,
      anchor: `docker pull (Engine API) median ${dockerMedian} ms, same registry; ratio ${round(median(ours) / dockerMedian, 2)}`,
    },
  );
  return out;
}

// ---- b. start --------------------------------------------------------------------------------

type StartSample = {
  totalMs: number;
  /** ACCEPT -> the agent's 'launching executor' line. */
  agentMs: number;
  /** -> the containerizer's launch starts (agent: sandbox, fetcher, checkpoint). */
  preLaunchMs: number;
  /** -> the executor spawned (cold) or handed its container (warm). */
  spawnMs: number;
  /** -> the executor's 'command executor started' line (Node start, or the take-over of a warm one). */
  nodeMs: number;
  /** The containerizer's whole launch (image lookup, cgroups, rootfs, launch file, ready byte). */
  setupMs: number;
  /** 'command executor started' -> 'launching task' (ready byte, SUBSCRIBE, LAUNCH). */
  subscribeMs: number;
  /** -> 'task process started' (config.json, `runc run` spawned). */
  runcMs: number;
  /** -> TASK_RUNNING at the framework (update through agent and master). */
  relayMs: number;
  warm: boolean;
  /** How long the warm executor had been started before its hand-over. */
  warmForMs: number;
};

/** The agent's first JSON log line with `msg` after `since` (pino logs), with its ms-epoch time. */
function logLine(cluster: Cluster, msg: string, since: number, field?: [string, unknown]): (Json & { at: number }) | undefined {
  for (const line of cluster.agent.output) {
    if (!line.includes(msg)) continue;
    try {
      const l = JSON.parse(line) as Json;
      const time = typeof l.time === 'number' ? l.time : Date.parse(String(l.time));
      if (l.msg === msg && time >= since && (!field || l[field[0]] === field[1])) return { ...l, at: time };
    } catch {
      // Not a log line.
    }
  }
  return undefined;
}

/** ms-epoch of the command executor's first glog line with `msg` in the task's sandbox stderr. */
function executorLogTime(cluster: Cluster, taskId: string, msg: string): number | undefined {
  // Sandboxes only (`slaves/`): the provisioner's dirs change under a recursive scan while containers end.
  const root = join(cluster.workDir, 'agent', 'slaves');
  const file = (readdirSync(root, { recursive: true }) as string[]).find((f) => f.endsWith('/stderr') && f.includes(`/executors/${taskId}/runs/`));
  if (!file) return undefined;
  for (const line of readFileSync(join(root, file), 'utf8').split('\n')) {
    const m = /^[IWE](\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d\d\d) \d+ [^\]]+\] (.*)$/.exec(line);
    if (!m || !m[7]!.startsWith(msg)) continue;
    const [month, day, h, min, sec, ms] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    return new Date(new Date().getFullYear(), month - 1, day, h, min, sec, ms).getTime();
  }
  return undefined;
}

async function startOne(cluster: Cluster, fw: Framework, ref: string, taskId: string): Promise<StartSample> {
  const offer = await firstOffer(fw, 30_000);
  const sinceEpoch = Date.now();
  const started = performance.now();
  await launch(fw, [idOf(offer.id)], [imageTask(taskId, cluster.agentId, { image: { type: 'DOCKER', docker: { name: ref } }, command: { shell: true, value: 'sleep 1000' } })]);
  let runningAt = 0;
  for (;;) {
    const update = await fw.events.next((e) => e.type === 'UPDATE' && idOf(statusOf(e).task_id) === taskId, 60_000);
    const status = statusOf(update);
    if (status.uuid) await fw.call('ACKNOWLEDGE', { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid });
    if (status.state === 'TASK_RUNNING') {
      runningAt = fw.events.arrivalOf(update);
      break;
    }
    if (status.state !== 'TASK_STARTING') throw new Error(`task ${taskId}: ${JSON.stringify(status)}`);
  }
  const runningEpoch = sinceEpoch + (runningAt - started);
  const launching = logLine(cluster, 'launching executor', sinceEpoch, ['executor_id', taskId])?.at ?? sinceEpoch;
  const launched = logLine(cluster, 'container launched', sinceEpoch);
  const launchStart = launched && typeof launched.launch_ms === 'number' ? launched.at - launched.launch_ms : launching;
  const spawned = launchStart + (typeof launched?.executor_spawned_ms === 'number' ? launched.executor_spawned_ms : 0);
  const executorStarted = executorLogTime(cluster, taskId, 'command executor started') ?? spawned;
  const taskLaunching = executorLogTime(cluster, taskId, 'launching task') ?? executorStarted;
  const taskStarted = executorLogTime(cluster, taskId, 'task process started') ?? taskLaunching;
  await fw.call('KILL', { task_id: { value: taskId }, agent_id: { value: cluster.agentId } });
  for (;;) {
    const status = statusOf(await fw.events.next((e) => e.type === 'UPDATE' && idOf(statusOf(e).task_id) === taskId, 30_000));
    if (status.uuid) await fw.call('ACKNOWLEDGE', { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid });
    if (status.state !== 'TASK_KILLING' && status.state !== 'TASK_RUNNING') break;
  }
  return {
    totalMs: runningAt - started,
    agentMs: launching - sinceEpoch,
    preLaunchMs: launchStart - launching,
    spawnMs: spawned - launchStart,
    nodeMs: executorStarted - spawned,
    setupMs: typeof launched?.launch_ms === 'number' ? launched.launch_ms : 0,
    subscribeMs: taskLaunching - executorStarted,
    runcMs: taskStarted - taskLaunching,
    relayMs: runningEpoch - taskStarted,
    warm: launched?.warm_executor === true,
    warmForMs: typeof launched?.warm_for_ms === 'number' ? launched.warm_for_ms : 0,
  };
}

/**
 * ACCEPT -> TASK_RUNNING samples through a fresh cluster, after one warm-up task (which pulls the
 * image and, as the first command executor of the agent, is always cold). `warm: false` starts
 * the agent with warm command executors off.
 */
async function startSamples(ref: string, registry: Registry, runs: number, warm: boolean, pauseMs = 0): Promise<StartSample[]> {
  const cgroupsRoot = `agora-bench-${randomBytes(4).toString('hex')}`;
  let cluster: Cluster | undefined;
  let fw: Framework | undefined;
  const samples: StartSample[] = [];
  try {
    cluster = await startCluster({ agentArgs: imageAgentArgs({ registry: registry.url, cgroupsRoot, extra: warm ? [] : ['--warm_command_executors=0'] }) });
    fw = await subscribe(cluster.masterUrl, frameworkInfo('bench-containers'));
    await startOne(cluster, fw, ref, 'warm-up');
    for (let i = 0; i < runs; i++) {
      // A pause lets the agent settle (and the warm executor pool refill) between starts.
      if (pauseMs > 0) await new Promise((done) => setTimeout(done, pauseMs));
      samples.push(await startOne(cluster, fw, ref, `start-${i}`));
    }
  } finally {
    fw?.close();
    await cluster?.stop();
    removeCgroupRoot(cgroupsRoot);
  }
  const wrong = samples.filter((s) => s.warm !== warm).length;
  if (wrong > 0) throw new Error(`${wrong} of ${samples.length} starts were ${warm ? 'cold' : 'warm'}`);
  return samples;
}

function splitOf(samples: StartSample[], warm: boolean): string {
  const m = (pick: (s: StartSample) => number): number => round(median(samples.map(pick)));
  return (
    `median split (agent log + executor log, ms): ACCEPT -> agent launching the executor ${m((s) => s.agentMs)}; ` +
    `-> containerizer launch begins (sandbox, fetcher, checkpoint) ${m((s) => s.preLaunchMs)}; ` +
    (warm
      ? `-> warm executor (started ${m((s) => s.warmForMs)} before) handed its container ${m((s) => s.spawnMs)}; -> executor took it over (env, cwd, sandbox files) ${m((s) => s.nodeMs)} `
      : `-> command executor spawned ${m((s) => s.spawnMs)}; Node start of the executor ${m((s) => s.nodeMs)} `) +
    `(containerizer launch, i.e. image lookup, cgroups, overlay rootfs, launch file, ready byte: ${m((s) => s.setupMs)} from its start); ` +
    `executor started -> ready byte, SUBSCRIBE, LAUNCH received ${m((s) => s.subscribeMs)}; -> config.json written, runc spawned ${m((s) => s.runcMs)}; ` +
    `-> TASK_RUNNING at the framework (through agent and master) ${m((s) => s.relayMs)}`
  );
}

async function dockerRunTimes(ref: string, dockerd: Dockerd, runs: number): Promise<number[]> {
  const cli = ['/usr/bin/docker', '/usr/local/bin/docker'].find((p) => existsSync(p));
  if (!cli) throw new Error('no docker CLI');
  const env = { ...process.env, DOCKER_HOST: `unix://${dockerd.socketPath}` };
  execFileSync(cli, ['pull', '-q', ref], { env, stdio: 'ignore' });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const r = spawnSync(cli, ['run', '--rm', '--network', 'host', ref, 'true'], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`docker run: ${r.stderr}`);
    times.push(performance.now() - started);
  }
  return times;
}

async function startRows(ref: string, registry: Registry, dockerd: Dockerd | undefined, runs: number, coldRuns: number): Promise<BenchRow[]> {
  const scenario = `start, image cached (median of ${runs})`;
  const coldScenario = `start, image cached, warm command executors off (median of ${coldRuns})`;
  const pausedScenario = `start, image cached, 1 s between starts (median of ${coldRuns})`;
  const rows: BenchRow[] = [];
  let dockerMedian: number | undefined;
  if (dockerd) {
    try {
      const times = await dockerRunTimes(ref, dockerd, runs);
      dockerMedian = round(median(times));
      log(`docker run ms: ${times.map((x) => round(x)).join(', ')}`);
      rows.push({ scenario, metric: 'docker_run_median', value: dockerMedian, unit: 'ms', anchor: DOCKER_RUN_ANCHOR });
    } catch (err) {
      rows.push(skipped(scenario, 'docker_run_median', 'ms', reasonOf(err)));
    }
  }
  const target = dockerMedian === undefined ? undefined : round(dockerMedian / 3);
  for (const [name, warm, n, pauseMs] of [
    [scenario, true, runs, 0],
    [pausedScenario, true, coldRuns, 1000],
    [coldScenario, false, coldRuns, 0],
  ] as const) {
    let samples: StartSample[];
    try {
      samples = await startSamples(ref, registry, n, warm, pauseMs);
    } catch (err) {
      rows.push(skipped(name, 'agora_accept_to_running_median', 'ms', reasonOf(err)));
      continue;
    }
    const ours = median(samples.map((s) => s.totalMs));
    const split = splitOf(samples, warm);
    log(`agora start (${warm ? 'warm' : 'cold'} executor${pauseMs ? `, ${pauseMs} ms between starts` : ''}) ms: ${samples.map((s) => round(s.totalMs)).join(', ')}; ${split}`);
    const row: BenchRow = { scenario: name, metric: 'agora_accept_to_running_median', value: round(ours), unit: 'ms', anchor: split };
    if (target !== undefined && warm) {
      row.target = target;
      if (ours > target) row.reason = `target missed (docker run / 3 = ${target} ms); ${split}`;
    }
    rows.push(row);
  }
  return rows;
}

// ---- c. overlay --------------------------------------------------------------------------------

async function overlayRows(ref: string, dir: string, runs: number): Promise<BenchRow[]> {
  const scenario = `overlay rootfs per container (${runs} containers)`;
  const store = new DockerStore({ storeDir: join(dir, 'overlay-store') });
  await store.recover();
  const image = await store.get(ref);
  const backend = new OverlayBackend();
  const provision: number[] = [];
  const destroy: number[] = [];
  for (let i = 0; i < runs; i++) {
    const rootfs = join(dir, 'containers', String(i), 'rootfs');
    const scratch = join(dir, 'containers', String(i), 'scratch');
    mkdirSync(rootfs, { recursive: true });
    let started = performance.now();
    await backend.provision(image.layers, rootfs, scratch);
    provision.push(performance.now() - started);
    if (!readFileSync(join(rootfs, 'etc/os-release'), 'utf8').includes('agora-busybox')) throw new Error('overlay rootfs is wrong');
    started = performance.now();
    await backend.destroy(rootfs, scratch);
    destroy.push(performance.now() - started);
  }
  log(`overlay provision ms: ${provision.map((x) => round(x, 2)).join(', ')}`);
  return [
    { scenario, metric: 'provision_median', value: round(median(provision), 2), unit: 'ms', target: 20, anchor: 'issue 7 target: <= 20 ms' },
    { scenario, metric: 'destroy_median', value: round(median(destroy), 2), unit: 'ms' },
  ];
}
