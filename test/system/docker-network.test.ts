// BRIDGE networking for Docker tasks on a real dockerd started with its default bridge
// (`--bip`, `--iptables=false`: docker0 is created, no NAT or filter rules are written, published
// ports go through docker-proxy) and a real master + agent: a task on the BRIDGE network with a
// port mapping from its offered `ports` is reachable on 127.0.0.1:<host port>, and runs in its
// own network namespace (not the host's).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, it } from 'node:test';
import { importBusyboxImage, startDockerd, type Dockerd } from '../helpers/dockerd.ts';
import { waitFor } from '../helpers/process.ts';
import { followToTerminal, frameworkInfo, idOf, launch, firstOffer, subscribe, teardown, type Cluster, type Framework, type Json } from '../integration/conformance-support.ts';
import { dockerTask, IMAGE, startDockerCluster } from './docker-support.ts';

const HOST_PORT = 31_517;
let dockerd: Dockerd;
let cluster: Cluster;
let fw: Framework;

before(async () => {
  // A /24 in the 172.16/12 range the kernel routes to docker0 only; nothing leaves the host.
  dockerd = await startDockerd({ bridge: { bip: '172.31.250.1/24' } });
  await importBusyboxImage(dockerd.engine, 'agora-test/busybox', '1');
  cluster = await startDockerCluster(dockerd, ['--resources=cpus:2;mem:1024;ports:[31500-31600]']);
  fw = await subscribe(cluster.masterUrl, frameworkInfo('docker-network', ['TASK_KILLING_STATE']));
});

after(async () => {
  if (fw) await teardown(fw);
  await cluster?.stop();
  await dockerd?.release();
});

/** Reads what a TCP server at 127.0.0.1:port sends before closing ('' when nobody answers). */
function readFrom(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(''));
  });
}

it('runs a BRIDGE task in its own network namespace with a port mapping reachable on 127.0.0.1', async () => {
  const task = dockerTask('bridged', cluster.agentId, {
    image: IMAGE,
    // Answers every connection on 8080 with its network namespace's interfaces (no eth0 on the host's side of a bridge).
    command: { shell: true, value: 'while true; do cat /proc/net/dev | nc -l -p 8080; done' },
    docker: { network: 'BRIDGE', port_mappings: [{ host_port: HOST_PORT, container_port: 8080, protocol: 'tcp' }] },
    killGraceSecs: 1,
  });
  (task.resources as Json[]).push({ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: HOST_PORT, end: HOST_PORT }] }, allocation_info: { role: '*' } });
  const offer = await firstOffer(fw);
  await launch(fw, [idOf(offer.id)], [task]);

  let answer = '';
  await waitFor(async () => {
    answer = await readFrom(HOST_PORT);
    return answer.includes('eth0');
  }, 30_000);
  // Inside its own namespace the container sees only lo and its veth end, eth0; the host's
  // docker0 bridge is not there.
  assert.doesNotMatch(answer, /docker0/);

  const [container] = await dockerd.engine.listContainers({ namePrefix: 'mesos-' });
  assert.ok(container);
  const inspect = await dockerd.engine.inspectContainer(container.Id);
  assert.equal(inspect?.HostConfig?.NetworkMode, 'bridge');
  assert.match(inspect?.NetworkSettings?.Networks?.bridge?.IPAddress ?? '', /^172\.31\.250\./);

  assert.equal((await fw.call('KILL', { task_id: { value: 'bridged' }, agent_id: { value: cluster.agentId } })).status, 202);
  const statuses = await followToTerminal(fw, 'bridged', 30_000);
  assert.equal(statuses.at(-1)?.state, 'TASK_KILLED', JSON.stringify(statuses));
});
