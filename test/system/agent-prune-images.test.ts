// The agent's PRUNE_IMAGES operator call end to end (a real master and agent, the Linux
// containerizer with `--image_providers=docker` reading `docker save` tarballs from a directory):
// an image no live container uses is forgotten and its own layers removed, while the image of a
// running task, the layers images share and the images the call excludes stay. The answer is
// Mesos's: 200 OK with an empty body, also from an agent that keeps no images.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBusyboxImage, writeDockerArchive, type BuiltImage } from '../helpers/images.ts';
import { spawnProcess, tempDir, waitFor, type Spawned } from '../helpers/process.ts';
import {
  acknowledge,
  AGORA,
  firstOffer,
  followToTerminal,
  frameworkInfo,
  idOf,
  launch,
  nextUpdate,
  post,
  startCluster,
  subscribe,
  teardown,
  type Cluster,
  type Framework,
  type HttpReply,
  type Json,
} from '../integration/conformance-support.ts';
import { imageTask, removeCgroupRoot, systemTierAvailable } from './linux-support.ts';

const skip = systemTierAvailable();
const IMAGE_A = 'image-a:1';
const IMAGE_B = 'image-b:1';

const work = tempDir('agora-prune-images-');
const cgroupsRoot = `agora-prune-${randomBytes(4).toString('hex')}`;
let imageA: BuiltImage;
let imageB: BuiltImage;
let cluster: Cluster;
let fw: Framework;
let posixAgent: Spawned | undefined;

before(async () => {
  if (skip) return;
  // Both images share the busybox base and whiteout layers; each has one layer of its own.
  imageA = await buildBusyboxImage(join(work.path, 'a'), { extraLayers: [{ files: { 'etc/only-a': 'a\n' } }] });
  imageB = await buildBusyboxImage(join(work.path, 'b'), { extraLayers: [{ files: { 'etc/only-b': 'b\n' } }] });
  const registry = join(work.path, 'registry');
  await writeDockerArchive(imageA, join(registry, `${IMAGE_A}.tar`), [IMAGE_A]);
  await writeDockerArchive(imageB, join(registry, `${IMAGE_B}.tar`), [IMAGE_B]);
  cluster = await startCluster({
    agentArgs: ['--isolation=filesystem/linux,cgroups/cpu,cgroups/mem', '--image_providers=docker', `--docker_registry=${registry}`, `--cgroups_root=${cgroupsRoot}`],
  });
  fw = await subscribe(cluster.masterUrl, frameworkInfo('prune-images', [], { checkpoint: true }));
});

after(async () => {
  if (fw) await teardown(fw);
  await posixAgent?.stop();
  await cluster?.stop();
  removeCgroupRoot(cgroupsRoot);
  work.cleanup();
});

const storeDir = (): string => join(cluster.workDir, 'agent', 'store', 'docker');

/** References in the docker store's index (`images.json`). */
function storedImages(): string[] {
  const file = join(storeDir(), 'images.json');
  if (!existsSync(file)) return [];
  return Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { images: Record<string, unknown> }).images);
}

const hasImage = (name: string): boolean => storedImages().some((reference) => reference.includes(name.split(':')[0]!));
/** `docker save` layers are stored under their diff_id (the uncompressed tar's digest). */
const hasLayer = (image: BuiltImage, index: number): boolean => existsSync(join(storeDir(), 'layers', image.layers[index]!.tar.digest.slice(7)));

function pruneImages(agentUrl: string, body: unknown = { type: 'PRUNE_IMAGES' }): Promise<HttpReply> {
  return post(`${agentUrl}/api/v1`, body, { Accept: 'application/json' });
}

/** The totals the agent logged for its `n`th PRUNE_IMAGES (1-based). */
async function pruneLog(n: number): Promise<Json> {
  const lines = (): Json[] =>
    cluster.agent.output.flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as Json;
        return parsed.msg === 'PRUNE_IMAGES done' ? [parsed] : [];
      } catch {
        return [];
      }
    });
  return waitFor(() => lines()[n - 1], 5000);
}

/** An offer with room for one image task (the leftover of an earlier offer may come first). */
async function offerFor(cpus: number, mem: number): Promise<string> {
  for (;;) {
    const offer = await firstOffer(fw, 30_000);
    const scalar = (name: string): number =>
      ((offer.resources as Json[]) ?? []).filter((r) => r.name === name).reduce((sum, r) => sum + ((r.scalar as Json).value as number), 0);
    if (scalar('cpus') >= cpus && scalar('mem') >= mem) return idOf(offer.id);
    await fw.call('DECLINE', { offer_ids: [offer.id], filters: { refuse_seconds: 0 } });
  }
}

async function runToEnd(taskId: string, image: string): Promise<void> {
  await launch(fw, [await offerFor(0.2, 96)], [imageTask(taskId, cluster.agentId, { image: { type: 'DOCKER', docker: { name: image } }, command: { shell: true, value: 'cat /etc/only-*' } })]);
  const statuses = await followToTerminal(fw, taskId, 30_000);
  assert.equal(statuses.at(-1)!.state, 'TASK_FINISHED', JSON.stringify(statuses));
}

/**
 * The containerizer forgets a container just after its terminal update (its runtime dir goes
 * last): wait until only `n` are left, so no ended task's container still holds its image.
 */
const containersLeft = (n: number): Promise<boolean> => waitFor(() => readdirSync(join(cluster.workDir, 'agent', 'runtime', 'containers')).length === n, 10_000);

describe('PRUNE_IMAGES on an agent with the docker image provider', { skip }, () => {
  it('removes an unused image and its own layers, keeps the image of a running task', async () => {
    await runToEnd('task-a', IMAGE_A);
    await launch(fw, [await offerFor(0.2, 96)], [imageTask('task-b', cluster.agentId, { image: { type: 'DOCKER', docker: { name: IMAGE_B } }, command: { shell: true, value: 'sleep 600' } })]);
    for (;;) {
      const status = await nextUpdate(fw, 'task-b', 30_000);
      await acknowledge(fw, status);
      if (status.state === 'TASK_RUNNING') break;
      assert.equal(status.state, 'TASK_STARTING', JSON.stringify(status));
    }
    await containersLeft(1); // task-b's
    assert.ok(hasImage(IMAGE_A) && hasImage(IMAGE_B), `both images stored: ${storedImages().join(', ')}`);
    assert.ok(hasLayer(imageA, 2) && hasLayer(imageB, 2));

    const reply = await pruneImages(cluster.agentUrl);
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.text, '', 'Mesos answers PRUNE_IMAGES with an empty body');
    assert.equal(reply.headers.get('content-length'), '0');

    assert.ok(!hasImage(IMAGE_A), `image A forgotten: ${storedImages().join(', ')}`);
    assert.ok(!hasLayer(imageA, 2), "image A's own layer removed");
    assert.ok(hasImage(IMAGE_B), 'image B is used by a running task');
    assert.ok(hasLayer(imageB, 2), "image B's own layer kept");
    assert.ok(hasLayer(imageB, 0) && hasLayer(imageB, 1), 'the shared base layers are kept');
    const logged = await pruneLog(1);
    assert.equal(logged.images_removed, 1, JSON.stringify(logged));
    assert.equal(logged.layers_removed, 1, JSON.stringify(logged));
    assert.ok((logged.bytes_freed as number) > 0, JSON.stringify(logged));
  });

  it('keeps an excluded image (re-pulled after the first prune)', async () => {
    await runToEnd('task-a-again', IMAGE_A);
    assert.ok(hasImage(IMAGE_A) && hasLayer(imageA, 2), 're-pulled from the local registry');
    await containersLeft(1);

    const reply = await pruneImages(cluster.agentUrl, { type: 'PRUNE_IMAGES', prune_images: { excluded_images: [{ type: 'DOCKER', docker: { name: IMAGE_A } }] } });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.text, '');
    assert.ok(hasImage(IMAGE_A) && hasLayer(imageA, 2), `image A excluded: ${storedImages().join(', ')}`);
    assert.ok(hasImage(IMAGE_B) && hasLayer(imageB, 2), 'image B still in use');
    assert.equal((await pruneLog(2)).images_removed, 0);
  });

  it('removes the image of a task once it has ended', async () => {
    assert.equal((await fw.call('KILL', { task_id: { value: 'task-b' }, agent_id: { value: cluster.agentId } })).status, 202);
    const statuses = await followToTerminal(fw, 'task-b', 30_000);
    assert.equal(statuses.at(-1)!.state, 'TASK_KILLED', JSON.stringify(statuses));
    await containersLeft(0);

    assert.equal((await pruneImages(cluster.agentUrl)).status, 200);
    assert.deepEqual(storedImages(), []);
    assert.ok(![imageA, imageB].some((image) => image.layers.some((_, i) => hasLayer(image, i))), 'every layer removed');
  });

  it('a malformed excluded_images is a 400 naming the field; the agent keeps running', async () => {
    const reply = await pruneImages(cluster.agentUrl, { type: 'PRUNE_IMAGES', prune_images: { excluded_images: [{ type: 'BOGUS' }] } });
    assert.equal(reply.status, 400, reply.text);
    assert.match(reply.text, /prune_images\.excluded_images\[0\]\.type/);
    const notAnArray = await pruneImages(cluster.agentUrl, { type: 'PRUNE_IMAGES', prune_images: { excluded_images: 'image-a:1' } });
    assert.equal(notAnArray.status, 400, notAnArray.text);
    assert.match(notAnArray.text, /prune_images\.excluded_images/);
    assert.equal((await pruneImages(cluster.agentUrl)).status, 200);
  });
});

describe('PRUNE_IMAGES on an agent without image support', { skip }, () => {
  it('answers 200 with an empty body and does nothing (as Mesos)', async () => {
    posixAgent = spawnProcess(AGORA, ['agent', '--port=0', `--master=127.0.0.1:${cluster.masterPort}`, `--work_dir=${join(work.path, 'posix-agent')}`, '--isolation=posix/cpu,posix/mem']);
    const listening = await posixAgent.waitForLog((l) => l.msg === 'agent listening');
    const reply = await pruneImages(`http://127.0.0.1:${listening.port as number}`);
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.text, '');
  });
});
