// Docker tasks pulling from a private registry (Debian's docker-registry with htpasswd auth,
// test/helpers/registry.ts) through a real dockerd, master and agents: a pull without
// credentials fails the task naming the registry; a `config.json` fetched as a task URI into the
// sandbox, or the agent's `--docker_config` (inline JSON), makes it work; `force_pull_image`
// pulls a tag that was pushed again with new content, which a plain launch does not.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDockerd, type Dockerd } from '../helpers/dockerd.ts';
import { buildBusyboxImage, pushImage, type Auth } from '../helpers/images.ts';
import { tempDir } from '../helpers/process.ts';
import { startFileServer, startRegistry, type Registry } from '../helpers/registry.ts';
import { firstOffer, followToTerminal, frameworkInfo, idOf, launch, subscribe, teardown, type Cluster, type Framework, type Json } from '../integration/conformance-support.ts';
import { dockerTask, sandboxFile, startDockerCluster, type DockerTaskOptions } from './docker-support.ts';

const AUTH: Auth = { username: 'agora', password: 's3cret-pass' };
const work = tempDir('agora-docker-registry-');
let registry: Registry;
let files: Awaited<ReturnType<typeof startFileServer>>;
let dockerd: Dockerd;
let cluster: Cluster;
let fw: Framework;

/** A Docker config.json granting AUTH on the test registry. */
function dockerConfig(): string {
  return JSON.stringify({ auths: { [`http://${registry.host}`]: { auth: Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64') } } });
}

/** Builds a busybox image whose /etc/marker holds `marker` and pushes it as `repo:tag`. */
async function pushMarkerImage(repo: string, tag: string, marker: string): Promise<void> {
  const image = await buildBusyboxImage(join(work.path, `${repo.replace('/', '_')}-${marker}`), { whiteoutLayer: false, extraLayers: [{ files: { 'etc/marker': `${marker}\n` } }] });
  await pushImage(registry.url, repo, tag, image, AUTH);
}

before(async () => {
  registry = await startRegistry({ auth: 'htpasswd', ...AUTH });
  writeFileSync(join(work.path, 'config.json'), dockerConfig());
  files = await startFileServer(work.path);
  dockerd = await startDockerd({ insecureRegistries: [registry.host] });
  await pushMarkerImage('private/busybox', 'v1', 'one');
  await pushMarkerImage('private/changing', 'latest', 'first');
  await pushMarkerImage('private/agent-config', 'v1', 'agent-wide');
  cluster = await startDockerCluster(dockerd);
  fw = await subscribe(cluster.masterUrl, frameworkInfo('docker-registry'));
});

after(async () => {
  if (fw) await teardown(fw);
  await cluster?.stop();
  await dockerd?.release();
  await files?.close();
  await registry?.stop();
  work.cleanup();
});

async function runToEnd(c: Cluster, f: Framework, taskId: string, o: DockerTaskOptions & { uris?: Json[] }): Promise<Json[]> {
  const offer = await firstOffer(f);
  const task = dockerTask(taskId, c.agentId, { command: { shell: true, value: 'cat /etc/marker', ...(o.uris ? { uris: o.uris } : {}) }, ...o });
  await launch(f, [idOf(offer.id)], [task]);
  return followToTerminal(f, taskId, 60_000);
}

const last = (statuses: Json[]): Json => statuses[statuses.length - 1]!;
const configUri = (): Json[] => [{ value: `${files.url}/config.json`, extract: false }];

describe('Docker tasks from a private registry', () => {
  it('fails the task without credentials, naming the registry, and runs it with a config.json fetched into the sandbox', async () => {
    const image = `${registry.host}/private/busybox:v1`;
    const denied = await runToEnd(cluster, fw, 'no-creds', { image });
    const end = last(denied);
    assert.equal(end.state, 'TASK_FAILED', JSON.stringify(denied));
    assert.equal(end.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.ok((end.message as string).includes(registry.host), `the message names the registry: ${end.message as string}`);
    assert.match(end.message as string, /no registry credentials found/);

    const allowed = await runToEnd(cluster, fw, 'fetched-creds', { image, uris: configUri() });
    assert.equal(last(allowed).state, 'TASK_FINISHED', JSON.stringify(allowed));
    assert.equal(sandboxFile(cluster, 'fetched-creds', 'stdout'), 'one\n');
  });

  it('force_pull_image pulls a tag pushed again with new content; a plain launch keeps the cached image', async () => {
    const image = `${registry.host}/private/changing:latest`;
    assert.equal(last(await runToEnd(cluster, fw, 'changing-1', { image, uris: configUri() })).state, 'TASK_FINISHED');
    assert.equal(sandboxFile(cluster, 'changing-1', 'stdout'), 'first\n');

    await pushMarkerImage('private/changing', 'latest', 'second');
    assert.equal(last(await runToEnd(cluster, fw, 'changing-cached', { image, uris: configUri() })).state, 'TASK_FINISHED');
    assert.equal(sandboxFile(cluster, 'changing-cached', 'stdout'), 'first\n', 'without force_pull_image the cached image runs');

    const forced = await runToEnd(cluster, fw, 'changing-forced', { image, uris: configUri(), docker: { force_pull_image: true } });
    assert.equal(last(forced).state, 'TASK_FINISHED', JSON.stringify(forced));
    assert.equal(sandboxFile(cluster, 'changing-forced', 'stdout'), 'second\n');
  });

  it("uses the agent's --docker_config (inline JSON) for every pull", async () => {
    // A second agent (and master) on the same daemon, with credentials for all its pulls.
    const withConfig = await startDockerCluster(dockerd, [`--docker_config=${dockerConfig()}`]);
    const f = await subscribe(withConfig.masterUrl, frameworkInfo('docker-registry-agent-config'));
    try {
      const statuses = await runToEnd(withConfig, f, 'agent-config', { image: `${registry.host}/private/agent-config:v1` });
      assert.equal(last(statuses).state, 'TASK_FINISHED', JSON.stringify(statuses));
      assert.equal(sandboxFile(withConfig, 'agent-config', 'stdout'), 'agent-wide\n');
    } finally {
      await teardown(f);
      await withConfig.stop();
    }
  });
});
