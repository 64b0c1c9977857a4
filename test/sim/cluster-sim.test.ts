// The cluster simulator (src/sim) against a real master process: simulated agents register over
// the agent protocol, simulated frameworks launch tasks through the scheduler SDK, the simulated
// executors take every task through STARTING and RUNNING to FINISHED, and the counts on both
// sides and in the master's /state add up. Also: churned agents re-register with their tasks, and
// a re-registration storm with preloaded reports (a master failover) lands every task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readdirSync, readlinkSync } from 'node:fs';
import { SimCluster } from '../../src/sim/cluster.ts';
import type { FrameworkDemand } from '../../src/sim/sim-framework.ts';
import { spawnProcess, tempDir, waitFor, type Spawned } from '../helpers/process.ts';
import type { Task } from '../../src/protocol/index.ts';
import type { TransportProtocol } from '../../src/sim/transport.ts';

const AGORA = join(import.meta.dirname, '../../bin/agora');
const USER = process.env.USER ?? 'root';
const RESOURCES = [
  { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
  { name: 'mem', type: 'SCALAR', scalar: { value: 4096 } },
] as const;

async function withMaster(fn: (url: string, pid: number) => Promise<void>): Promise<void> {
  const dir = tempDir('agora-sim-test-');
  let master: Spawned | undefined;
  try {
    master = spawnProcess(AGORA, ['master', '--port=0', `--work_dir=${dir.path}`]);
    const listening = await master.waitForLog((l) => l.msg === 'master listening', 20_000);
    await fn(listening.url as string, master.child.pid!);
  } finally {
    await master?.stop();
    dir.cleanup();
  }
}

function demand(name: string, initialTasks: number, durationMs: number): FrameworkDemand {
  return {
    name, role: '*', user: USER, tasksPerSecond: 0, initialTasks, maxTasks: undefined,
    shape: { cpus: 0.1, mem: 32, durationMs }, maxTasksPerOffer: 10, declineSeconds: 1, suppressWhenIdle: true,
  };
}

/** Sockets a process holds open (its descriptors that are sockets). */
function socketsOf(pid: number): number {
  const fds = readdirSync(`/proc/${pid}/fd`);
  return fds.filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
    } catch {
      return false; // closed meanwhile
    }
  }).length;
}

/** Every scenario runs with a socket per agent and with agents multiplexed over HTTP/2. */
const TRANSPORTS: readonly TransportProtocol[] = ['http1', 'h2c'];

type LegacyState = { slaves: unknown[]; frameworks: { name: string; tasks: { state: string }[]; completed_tasks: { state: string }[] }[] };

for (const transport of TRANSPORTS) {
  test(`simulated agents register, tasks go RUNNING then FINISHED, and the counts add up (${transport})`, { timeout: 30_000 }, async () => {
    await withMaster(async (url) => {
      const agents = 40;
      const cluster = new SimCluster({
        transport, masterUrl: url, agents, resources: [...RESOURCES], timing: { startingMs: 5, runningMs: 5, durationMs: 100 }, completedHistory: 10,
        frameworks: [demand('sim-a', 60, 200), demand('sim-b', 40, 200)],
      });
      try {
        await cluster.start();
        assert.equal(cluster.summary().agents.registrations, agents);
        await waitFor(() => cluster.frameworks.every((f) => (f.stats.terminal.TASK_FINISHED ?? 0) === f.demand.initialTasks), 15_000);
        await waitFor(() => cluster.summary().tasks.completed === 100, 5_000);
        const s = cluster.summary();
        assert.equal(s.agents.connected, agents);
        assert.equal(s.tasks.received, 100);
        assert.deepEqual(s.tasks.updates_sent, { TASK_STARTING: 100, TASK_RUNNING: 100, TASK_FINISHED: 100 });
        assert.equal(s.tasks.acknowledged, 300);
        assert.equal(s.tasks.update_errors, 0);
        for (const f of s.frameworks) {
          assert.equal(f.launched, f.submitted);
          assert.equal(f.running_seen, f.submitted);
          assert.equal(f.launch_to_running_ms.count, f.submitted);
        }
        // Every agent remembers at most its history bound.
        assert.ok(cluster.agents.every((a) => a.completed.length <= 10));
        const state = (await (await fetch(`${url}/master/state`)).json()) as LegacyState;
        assert.equal(state.slaves.length, agents);
        const finished = state.frameworks.flatMap((f) => f.completed_tasks).filter((t) => t.state === 'TASK_FINISHED').length;
        assert.equal(finished, 100);
        assert.equal(state.frameworks.flatMap((f) => f.tasks).length, 0);
      } finally {
        await cluster.stop({ teardown: true });
      }
    });
  });
}

for (const transport of TRANSPORTS) {
  test(`churned agents re-register with their running tasks, which stay RUNNING (${transport})`, { timeout: 30_000 }, async () => {
    await withMaster(async (url) => {
      const cluster = new SimCluster({
        transport, masterUrl: url, agents: 10, resources: [...RESOURCES], timing: { startingMs: 1, runningMs: 1, durationMs: -1 },
        frameworks: [demand('sim-long', 30, -1)],
      });
      try {
        await cluster.start();
        await waitFor(() => cluster.frameworks[0]!.stats.running === 30, 10_000);
        for (const agent of cluster.agents.slice(0, 5)) agent.restart(20);
        await waitFor(() => cluster.summary().agents.reregistrations === 5 && cluster.summary().agents.connected === 10, 10_000);
        const state = (await (await fetch(`${url}/master/state`)).json()) as LegacyState;
        const running = state.frameworks.flatMap((f) => f.tasks).filter((t) => t.state === 'TASK_RUNNING').length;
        assert.equal(running, 30);
        assert.equal(cluster.summary().tasks.by_state.TASK_RUNNING, 30);
      } finally {
        await cluster.stop({ teardown: true });
      }
    });
  });
}

for (const transport of TRANSPORTS) {
  test(`a failover storm: agents re-register at once with preloaded reports and the master adopts every task (${transport})`, { timeout: 30_000 }, async () => {
    await withMaster(async (url, masterPid) => {
      const agents = 50;
      const cluster = new SimCluster({ transport, masterUrl: url, agents, resources: [...RESOURCES], timing: { startingMs: 1, runningMs: 1, durationMs: -1 }, registerConcurrency: agents });
      const frameworks = [0, 1].map((i) => ({ user: USER, name: `storm-${i}`, id: { value: `storm-fw-${i}` }, roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' as const }] }));
      cluster.preload(
        cluster.agents.map((_, a) => {
          const agentId = `storm-agent-${a}`;
          const tasks: Task[] = frameworks.flatMap((fw) =>
            [0, 1].map((t) => ({
              name: 't', task_id: { value: `${agentId}-${fw.id.value}-${t}` }, framework_id: fw.id, agent_id: { value: agentId }, state: 'TASK_RUNNING',
              resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: '*' } }], statuses: [], limits: {},
            }) as Task),
          );
          return { agentId, frameworks, tasks };
        }),
      );
      try {
        await cluster.start();
        const s = cluster.summary();
        assert.equal(s.agents.reregistrations, agents);
        assert.equal(s.agents.registrations, 0);
        const state = (await (await fetch(`${url}/master/state`)).json()) as LegacyState;
        assert.equal(state.slaves.length, agents);
        assert.equal(state.frameworks.flatMap((f) => f.tasks).filter((t) => t.state === 'TASK_RUNNING').length, agents * 4);
        // Each agent's event stream holds a socket in the master, unless the agents share HTTP/2 connections.
        const sockets = socketsOf(masterPid);
        if (transport === 'http1') assert.ok(sockets > agents, `${sockets} sockets for ${agents} agents`);
        else assert.ok(sockets < 15, `${sockets} sockets for ${agents} agents over h2c`);
      } finally {
        await cluster.stop();
      }
    });
  });
}
