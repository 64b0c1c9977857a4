// Image tasks end to end through a real master and agent (`--image_providers=docker,appc`, runc,
// cgroups v1, a real docker-registry with htpasswd auth, a static server for ACIs): a busybox
// image pulled with per-task credentials (a config.json URI) runs in its own rootfs and pid
// namespace; the image's default command; bad input (401, unknown tag, corrupted layer, no runc)
// fails the task with REASON_CONTAINER_LAUNCH_FAILED naming the image and the cause and leaves
// nothing behind; an AppC image via simple discovery; kill -9 of the agent keeps a running image
// container and its statistics.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildAci, buildBusyboxImage, pushImage, OS_RELEASE, type BuiltImage } from '../helpers/images.ts';
import { startCountingProxy, startFileServer, startRegistry, type Proxy, type Registry } from '../helpers/registry.ts';
import { tempDir, waitFor, type Spawned } from '../helpers/process.ts';
import {
  firstOffer,
  followToTerminal,
  frameworkInfo,
  getJson,
  idOf,
  launch,
  startCluster,
  subscribe,
  teardown,
  type Cluster,
  type Framework,
  type Json,
} from '../integration/conformance-support.ts';
import { restartAgent, runTasks } from '../integration/agent-recovery-support.ts';
import { imageAgentArgs, imageTask, removeCgroupRoot, systemTierAvailable, type ImageTaskOptions } from './linux-support.ts';
import { sandboxFile } from './docker-support.ts';

const skip = systemTierAvailable();
const USER = 'agora';
const PASSWORD = 'image-secret';
const DEFAULT_MARKER = 'default-command-ran';

const work = tempDir('agora-image-tasks-');
const cgroupsRoot = `agora-img-${randomBytes(4).toString('hex')}`;
let registry: Registry;
let corrupting: Proxy;
let files: Awaited<ReturnType<typeof startFileServer>>;
let cluster: Cluster;
let fw: Framework;
let image: BuiltImage;
/** Same base layers as `image` plus one of its own, which the corrupting proxy damages. */
let corruptImage: BuiltImage;
let restarted: Spawned | undefined;

/** The agent's flags; the registry wants credentials, which each task fetches (config.json URI). */
const agentArgs = (): string[] => imageAgentArgs({ registry: registry.url, cgroupsRoot, appcPrefix: `${files.url}/aci/` });

before(async () => {
  if (skip) return;
  image = await buildBusyboxImage(join(work.path, 'image'), { runtime: { Cmd: ['sh', '-c', `echo ${DEFAULT_MARKER}; cat /etc/os-release`] } });
  registry = await startRegistry({ auth: 'htpasswd', username: USER, password: PASSWORD });
  await pushImage(registry.url, 'busybox', '1', image, { username: USER, password: PASSWORD });
  corruptImage = await buildBusyboxImage(join(work.path, 'image'), { extraLayers: [{ files: { 'etc/only-here': 'x\n' } }] });
  await pushImage(registry.url, 'busybox-corrupt', '1', corruptImage, { username: USER, password: PASSWORD });
  corrupting = await startCountingProxy(registry.url, { corrupt: (path) => path === `/v2/busybox-corrupt/blobs/${corruptImage.layers[2]!.gz.digest}` });
  const served = join(work.path, 'served');
  await buildAci(join(served, 'aci'), { name: 'example.com/busybox', version: '1.0', exec: ['/bin/sh', '-c', 'echo appc-ran; cat /etc/os-release'] });
  mkdirSync(join(served, 'creds'), { recursive: true });
  const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
  writeFileSync(join(served, 'creds', 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth }, [corrupting.host]: { auth } } }));
  files = await startFileServer(served);
  cluster = await startCluster({ agentArgs: agentArgs() });
  fw = await subscribe(cluster.masterUrl, frameworkInfo('image-tasks', ['TASK_KILLING_STATE'], { checkpoint: true }));
});

after(async () => {
  if (fw) await teardown(fw);
  await restarted?.stop();
  await cluster?.stop();
  await registry?.stop();
  await corrupting?.close();
  await files?.close();
  removeCgroupRoot(cgroupsRoot);
  work.cleanup();
});

/** The task fetches the registry credentials into its sandbox. */
function withCredentials(o: ImageTaskOptions & { command?: Json } = {}): ImageTaskOptions {
  const command = o.command ?? { shell: false };
  return { ...o, command: { ...command, uris: [{ value: `${files.url}/creds/config.json`, extract: false }] } };
}

/** The next offer the master has not rescinded (an agent restart rescinds the ones it had). */
/** The sum of an offer's scalar resource `name`. */
function scalar(offer: Json, name: string): number {
  return ((offer.resources as Json[]) ?? []).filter((r) => r.name === name).reduce((sum, r) => sum + ((r.scalar as Json | undefined)?.value as number), 0);
}

/**
 * An offer not rescinded that holds an image task and its executor (0.2 cpus, 96 MB): the
 * leftover of an earlier offer may come first while the last task's resources are still being
 * recovered; it is declined.
 */
async function freshOffer(): Promise<Json> {
  // runTasks (agent-recovery-support.ts) leaves the framework suppressed, the agent declined.
  assert.equal((await fw.call('REVIVE')).status, 202);
  for (;;) {
    const offer = await firstOffer(fw, 30_000);
    const rescinded = fw.events.received.some((e) => e.type === 'RESCIND' && idOf((e.rescind as Json).offer_id) === idOf(offer.id));
    if (rescinded) continue;
    if (scalar(offer, 'cpus') >= 0.2 && scalar(offer, 'mem') >= 96) return offer;
    await fw.call('DECLINE', { offer_ids: [offer.id], filters: { refuse_seconds: 0 } });
  }
}

async function runToEnd(taskId: string, o: ImageTaskOptions): Promise<Json[]> {
  const offer = await freshOffer();
  await launch(fw, [idOf(offer.id)], [imageTask(taskId, cluster.agentId, o)]);
  return followToTerminal(fw, taskId, 60_000);
}

const last = (statuses: Json[]): Json => statuses[statuses.length - 1]!;

/**
 * Nothing half-provisioned: no staging leftovers, runtime dirs, rootfses or cgroups of ended
 * containers (a finished task's container is cleaned just after its last update: waited for).
 */
async function assertNothingLeft(): Promise<void> {
  await waitFor(() => {
    try {
      checkNothingLeft();
      return true;
    } catch {
      return false;
    }
  }, 10_000).catch(() => undefined);
  checkNothingLeft();
}

function checkNothingLeft(): void {
  const agentDir = join(cluster.workDir, 'agent');
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  assert.deepEqual(list(join(agentDir, 'store', 'docker', 'staging')), [], 'docker store staging');
  assert.deepEqual(list(join(agentDir, 'store', 'appc', 'staging')), [], 'appc store staging');
  assert.deepEqual(list(join(agentDir, 'runtime', 'containers')), [], 'runtime dirs');
  assert.deepEqual(list(join(agentDir, 'provisioner', 'containers')), [], 'provisioned rootfses');
  const cgroups = readdirSync(join('/sys/fs/cgroup/memory', cgroupsRoot), { withFileTypes: true });
  assert.deepEqual(cgroups.filter((e) => e.isDirectory()).map((e) => e.name), [], 'container cgroups');
}

describe('image tasks through the master and agent', { skip }, () => {
  it('pulls with per-task credentials and runs in its own rootfs and pid namespace', async () => {
    const statuses = await runToEnd(
      'os-release',
      withCredentials({ command: { shell: true, value: 'cat /etc/os-release; echo "procs=$(ls /proc | grep -c "^[0-9]")"; echo "sandbox=$MESOS_SANDBOX"; ls "$MESOS_SANDBOX"' } }),
    );
    assert.equal(last(statuses).state, 'TASK_FINISHED', JSON.stringify(statuses));
    const out = sandboxFile(cluster, 'os-release', 'stdout');
    assert.ok(out.includes(OS_RELEASE), out);
    // tini (pid 1), sh, its subshell, ls, grep: the host's hundreds of processes are not there.
    const procs = Number(/procs=(\d+)/.exec(out)?.[1]);
    assert.ok(procs >= 1 && procs <= 8, `processes visible in the container: ${procs}\n${out}`);
    assert.match(out, /sandbox=\/mnt\/mesos\/sandbox/);
    assert.match(out, /config\.json/, 'the fetched credentials sit in the sandbox');
    const metrics = (await getJson(`${cluster.agentUrl}/metrics/snapshot`)).body;
    assert.equal(metrics['provisioner/layers_pulled'], 2, JSON.stringify(metrics));
    assert.ok((metrics['provisioner/bytes_pulled'] as number) > 500_000);
    assert.equal(metrics['containerizer/mesos/provisioner/docker_store/image_pull_ms/count'], 1);
    const log = cluster.agent.output.join('\n');
    assert.match(log, /image pull started/);
    assert.match(log, /image layer downloaded/);
    await assertNothingLeft();
  });

  it("runs the image's default command when the task gives no value (shell=false)", async () => {
    const statuses = await runToEnd('default-command', withCredentials());
    assert.equal(last(statuses).state, 'TASK_FINISHED', JSON.stringify(statuses));
    const out = sandboxFile(cluster, 'default-command', 'stdout');
    assert.ok(out.includes(DEFAULT_MARKER) && out.includes('ID=agora-busybox'), out);
  });

  it('an image task OOM-killed in its 32 MB container ends TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY', async () => {
    // The command executor starts runc itself and reports the OOM kill it sees when runc exits.
    const statuses = await runToEnd('oom', withCredentials({ mem: 32, command: { shell: true, value: 'echo start; exec dd if=/dev/zero of=/dev/null bs=200M count=1' } }));
    const end = last(statuses);
    assert.equal(end.state, 'TASK_FAILED', JSON.stringify(statuses));
    assert.equal(end.reason, 'REASON_CONTAINER_LIMITATION_MEMORY', JSON.stringify(end));
    assert.match(String(end.message), /Memory limit exceeded/);
  });

  it('refuses: no credentials (401), an unknown tag, a corrupted layer; the agent keeps running', async () => {
    const refused = last(await runToEnd('no-credentials', { command: { shell: true, value: 'true' }, image: { type: 'DOCKER', docker: { name: 'busybox:2' } } }));
    assert.equal(refused.state, 'TASK_FAILED');
    assert.equal(refused.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.match(refused.message as string, /busybox:2/);
    assert.match(refused.message as string, /401|unauthorized|credentials/i);

    const unknown = last(await runToEnd('unknown-tag', withCredentials({ command: { shell: true, value: 'true' }, image: { type: 'DOCKER', docker: { name: 'busybox:no-such-tag' } } })));
    assert.equal(unknown.state, 'TASK_FAILED');
    assert.equal(unknown.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.match(unknown.message as string, /busybox:no-such-tag/);
    assert.match(unknown.message as string, /not found|unknown|404/i);

    const corrupt = last(
      await runToEnd('corrupt-layer', withCredentials({ command: { shell: true, value: 'true' }, image: { type: 'DOCKER', docker: { name: `${corrupting.host}/busybox-corrupt:1` } } })),
    );
    assert.equal(corrupt.state, 'TASK_FAILED');
    assert.equal(corrupt.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.match(corrupt.message as string, new RegExp(`${corrupting.host}/busybox-corrupt:1`));
    assert.match(corrupt.message as string, /digest mismatch/);
    await assertNothingLeft();
    assert.equal(cluster.agent.child.exitCode, null, 'the agent is still running');
  });

  it('runs an AppC image found by simple discovery', async () => {
    const statuses = await runToEnd('appc', {
      image: {
        type: 'APPC',
        appc: { name: 'example.com/busybox', labels: { labels: [{ key: 'version', value: '1.0' }, { key: 'os', value: 'linux' }, { key: 'arch', value: 'amd64' }] } },
      },
    });
    assert.equal(last(statuses).state, 'TASK_FINISHED', JSON.stringify(statuses));
    const out = sandboxFile(cluster, 'appc', 'stdout');
    assert.ok(out.includes('appc-ran') && out.includes('ID=agora-busybox'), out);
  });

  it('keeps a running image container and its statistics across kill -9 of the agent', async () => {
    await runTasks(fw, [imageTask('survivor', cluster.agentId, withCredentials({ command: { shell: true, value: 'sleep 1000' } }))]);
    const statsOf = async (): Promise<Json | undefined> => {
      const all = (await getJson(`${cluster.agentUrl}/monitor/statistics`)).body as unknown as Json[];
      return all.find((e) => e.executor_id === 'survivor')?.statistics as Json | undefined;
    };
    const before = await statsOf();
    assert.ok(before && (before.mem_limit_bytes as number) >= 64 * 1024 * 1024, JSON.stringify(before));

    cluster.agent.child.kill('SIGKILL');
    await new Promise((r) => cluster.agent.child.once('exit', r));
    restarted = restartAgent(cluster, agentArgs());
    await restarted.waitForLog((l) => l.msg === 'agent registered', 30_000);
    const recovered = await waitFor(statsOf, 10_000);
    assert.equal(recovered.mem_limit_bytes, before.mem_limit_bytes, JSON.stringify(recovered));
    assert.ok(typeof recovered.cpus_user_time_secs === 'number' && typeof recovered.mem_rss_bytes === 'number', JSON.stringify(recovered));

    const reply = await fw.call('KILL', { task_id: { value: 'survivor' }, agent_id: { value: cluster.agentId } });
    assert.equal(reply.status, 202);
    const statuses = await followToTerminal(fw, 'survivor', 30_000);
    assert.equal(last(statuses).state, 'TASK_KILLED', JSON.stringify(statuses));
    await waitFor(() => readdirSafe(join(cluster.workDir, 'agent', 'runtime', 'containers')).length === 0, 10_000);
  });

  it('fails image tasks with REASON_CONTAINER_LAUNCH_FAILED naming the image and runc when runc is missing', async () => {
    // The same agent restarted with a PATH of every tool but runc.
    const noRunc = join(work.path, 'path-without-runc');
    mkdirSync(noRunc);
    for (const dir of ['/usr/sbin', '/usr/bin']) {
      for (const tool of readdirSync(dir)) if (tool !== 'runc' && !existsSync(join(noRunc, tool))) symlinkSync(join(dir, tool), join(noRunc, tool));
    }
    await restarted!.stop();
    restarted = restartAgent(cluster, agentArgs(), { PATH: noRunc });
    await restarted.waitForLog((l) => l.msg === 'agent registered', 30_000);
    const failed = last(await runToEnd('no-runc', withCredentials({ command: { shell: true, value: 'true' } })));
    assert.equal(failed.state, 'TASK_FAILED');
    assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.match(failed.message as string, /busybox:1/);
    assert.match(failed.message as string, /runc/);
    await assertNothingLeft();
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
