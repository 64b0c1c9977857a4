// Docker containers across an agent restart (real dockerd, master and agents): a checkpointing
// framework's running Docker task is re-adopted (its Docker executor re-subscribes and the task
// can still be killed), and a container labelled as this agent's that no checkpointed executor
// accounts for is stopped and removed, while another agent's container is left alone.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Dockerd } from '../helpers/dockerd.ts';
import type { Spawned } from '../helpers/process.ts';
import { LABEL_CONTAINER_ID, LABEL_OWNER, LABEL_ROLE } from '../../src/common/docker/run-options.ts';
import { followToTerminal, frameworkInfo, getJson, subscribe, teardown, type Cluster, type Framework, type Json } from '../integration/conformance-support.ts';
import { restartAgent, runTasks, signalAgent } from '../integration/agent-recovery-support.ts';
import { dockerAgentArgs, dockerTask, IMAGE, startDockerCluster, startDockerWithImages } from './docker-support.ts';

let dockerd: Dockerd;
let cluster: Cluster;
let fw: Framework;
let restarted: Spawned | undefined;

before(async () => {
  dockerd = await startDockerWithImages();
  cluster = await startDockerCluster(dockerd);
  fw = await subscribe(cluster.masterUrl, frameworkInfo('docker-recovery', ['TASK_KILLING_STATE'], { checkpoint: true }));
});

after(async () => {
  if (fw) await teardown(fw);
  await restarted?.stop();
  await cluster?.stop();
  await dockerd?.release();
});

it('re-adopts a running Docker task after an agent restart and removes orphan containers', async () => {
  const { engine } = dockerd;
  await runTasks(fw, [dockerTask('survivor', cluster.agentId, { command: { shell: true, value: 'sleep 1000' } })]);
  const [running] = await engine.listContainers({ namePrefix: 'mesos-' });
  assert.ok(running, 'the task container runs');

  // /monitor/statistics reads the container's cgroup figures through the stats API.
  const stats = (await getJson(`${cluster.agentUrl}/monitor/statistics`)).body as unknown as Json[];
  const entry = stats.find((e) => e.executor_id === 'survivor');
  assert.ok(entry, JSON.stringify(stats));
  const figures = entry.statistics as Json;
  assert.equal(figures.mem_limit_bytes, Math.round((64 + 32) * 1024 * 1024), JSON.stringify(figures));
  assert.ok((figures.mem_rss_bytes as number) > 0, JSON.stringify(figures));

  const owner = join(cluster.workDir, 'agent');
  const orphan = await engine.createContainer('mesos-orphan-of-this-agent', {
    Image: IMAGE,
    Cmd: ['sleep', '1000'],
    Labels: { [LABEL_OWNER]: owner, [LABEL_CONTAINER_ID]: 'orphan-of-this-agent', [LABEL_ROLE]: 'task' },
    HostConfig: { NetworkMode: 'host' },
  });
  await engine.startContainer(orphan.Id);
  const foreign = await engine.createContainer('mesos-of-another-agent', {
    Image: IMAGE,
    Cmd: ['sleep', '1000'],
    Labels: { [LABEL_OWNER]: '/some/other/agent', [LABEL_CONTAINER_ID]: 'x', [LABEL_ROLE]: 'task' },
    HostConfig: { NetworkMode: 'host' },
  });
  await engine.startContainer(foreign.Id);

  assert.equal(await signalAgent(cluster, 'SIGTERM'), 0);
  assert.equal((await engine.inspectContainer(running.Id))?.State.Running, true, 'the task container outlives the agent');
  restarted = restartAgent(cluster, dockerAgentArgs(dockerd));
  await restarted.waitForLog((l) => l.msg === 'agent registered', 30_000);

  assert.equal(await engine.inspectContainer(orphan.Id), undefined, 'the orphan is removed');
  assert.equal((await engine.inspectContainer(foreign.Id))?.State.Running, true, "another agent's container is left alone");
  assert.equal((await engine.inspectContainer(running.Id))?.State.Running, true, 'the re-adopted container still runs');

  // The recovered Docker executor still supervises its task: a kill goes through.
  const reply = await fw.call('KILL', { task_id: { value: 'survivor' }, agent_id: { value: cluster.agentId } });
  assert.equal(reply.status, 202);
  const statuses = await followToTerminal(fw, 'survivor', 30_000);
  assert.equal(statuses[statuses.length - 1]!.state, 'TASK_KILLED', JSON.stringify(statuses));
  await engine.removeContainer(foreign.Id, { force: true });
});
