// Recovery benchmarks ("Nothing lost"): how long a cluster takes to be whole again after a crash.
// `npm run bench -- recovery [--quick]`.
//
//   a. master `kill -9` and restart on the same work dir and port, until all agents (simulated:
//      src/master/testing/test-agent.ts, Agora's agent protocol, reporting the tasks the master
//      launched on them) have re-registered: 100 agents with 1,000 tasks (--quick: 20 / 200);
//   b. real agent `kill -9` and restart with checkpointed running `sleep` tasks, until the agent
//      has recovered its state (`agent state recovered`, `adopted` executors) and until every
//      executor has re-subscribed (the agent registers with the master only then): 100 tasks
//      (--quick: 20).
// Every process started here is stopped, and stray executors killed, whatever happens.
// AGORA_BENCH_PROFILE=1: also print the executors' CPU use while the agent is up and while it is
// down (1 s each, which delays the restart by 1 s), and write a CPU profile of the restarted agent
// to /tmp/agora-bench-profiles.
import { once } from 'node:events';
import { join } from 'node:path';
import { TestAgent, scalar } from '../src/master/testing/test-agent.ts';
import { TestScheduler } from '../src/master/testing/test-scheduler.ts';
import type { Task } from '../src/protocol/index.ts';
import { spawnProcess, tempDir, waitFor, type Spawned } from '../test/helpers/process.ts';
import { killStrayProcesses } from '../test/integration/conformance-support.ts';
import type { BenchOptions, BenchRow } from './lib.ts';

const AGORA = join(import.meta.dirname, '../bin/agora');
const log = (line: string): void => console.log(`  ${line}`);
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
const USER = process.env.USER ?? 'root';

async function startMaster(workDir: string, port: number, processes: Spawned[]): Promise<{ master: Spawned; port: number; url: string }> {
  const master = spawnProcess(AGORA, ['master', `--port=${port}`, `--work_dir=${workDir}`, '--agent_reregister_timeout=10mins']);
  processes.push(master);
  const listening = await master.waitForLog((l) => l.msg === 'master listening', 30_000);
  return { master, port: listening.port as number, url: listening.url as string };
}

async function kill9(p: Spawned): Promise<void> {
  p.child.kill('SIGKILL');
  await once(p.child, 'exit');
}

// ---- a. master restart, simulated agents ------------------------------------------------------

async function masterRestart(agentCount: number, tasksPerAgent: number): Promise<BenchRow[]> {
  const scenario = `master kill -9 -> all ${agentCount} agents re-registered, ${agentCount * tasksPerAgent} tasks (simulated agents, agent protocol)`;
  const dir = tempDir('agora-bench-recovery-master-');
  const processes: Spawned[] = [];
  const agents: TestAgent[] = [];
  const schedulers: TestScheduler[] = [];
  try {
    const m1 = await startMaster(dir.path, 0, processes);
    for (let i = 0; i < agentCount; i++) {
      agents.push(await TestAgent.register(m1.url, { hostname: `sim-${i}.bench`, port: 5051, resources: [scalar('cpus', 4), scalar('mem', 4096)] }));
    }
    const fw = await TestScheduler.subscribe(m1.url, { user: USER, name: 'bench-recovery', failover_timeout: 3600, checkpoint: true });
    schedulers.push(fw);
    // One ACCEPT of `tasksPerAgent` tasks per agent's offer.
    const offered = new Set<string>();
    while (offered.size < agentCount) {
      const event = await fw.events.next('OFFERS', undefined, 30_000);
      for (const offer of event.offers.offers ?? []) {
        if (offered.has(offer.agent_id.value)) continue;
        offered.add(offer.agent_id.value);
        const tasks = Array.from({ length: tasksPerAgent }, (_, i) => ({
          name: 't',
          task_id: { value: `${offer.agent_id.value}-t${i}` },
          agent_id: offer.agent_id,
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
          command: { value: 'sleep 600' },
        }));
        await fw.mustCall({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }] } });
      }
    }
    // Each simulated agent "runs" what it was given: TASK_RUNNING, and the task in its report.
    const reports = new Map<TestAgent, Task[]>();
    await Promise.all(
      agents.map(async (agent) => {
        const tasks: Task[] = [];
        for (let i = 0; i < tasksPerAgent; i++) {
          const run = (await agent.events.next('RUN_TASK', undefined, 30_000)).run_task;
          const frameworkId = run.framework_info.id!.value;
          await agent.statusUpdate(frameworkId, run.task.task_id.value, 'TASK_RUNNING', { executorId: run.task.task_id.value });
          tasks.push({
            name: run.task.name,
            task_id: run.task.task_id,
            framework_id: { value: frameworkId },
            executor_id: run.task.task_id,
            agent_id: { value: agent.agentId },
            state: 'TASK_RUNNING',
            resources: run.task.resources,
            statuses: [],
            limits: {},
          } as Task);
        }
        reports.set(agent, tasks);
      }),
    );
    const frameworks = [{ framework_info: { user: USER, name: 'bench-recovery', failover_timeout: 3600, checkpoint: true, id: { value: fw.frameworkId } } }];
    fw.close();
    for (const agent of agents) agent.close();
    await kill9(m1.master);
    log(`${agentCount} simulated agents with ${agentCount * tasksPerAgent} RUNNING tasks; master killed`);

    // Agents reconnect as real ones do: retrying until the master answers.
    const spawnedAt = performance.now();
    let listeningAt = 0;
    const m2Promise = startMaster(dir.path, m1.port, processes).then((m) => ((listeningAt = performance.now()), m));
    const reregister = async (old: TestAgent, i: number): Promise<TestAgent> => {
      for (;;) {
        try {
          return await TestAgent.register(m1.url, {
            hostname: `sim-${i}.bench`, port: 5051, agentId: old.agentId, resources: [scalar('cpus', 4), scalar('mem', 4096)],
            tasks: reports.get(old)!, frameworks,
          });
        } catch {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    };
    const back = await Promise.all(agents.map(reregister));
    const allBackAt = performance.now();
    agents.push(...back);
    await m2Promise;
    // The restarted master knows every task, RUNNING.
    const tasks = (await (await fetch(`${m1.url}/tasks?limit=100000`)).json()) as { tasks: { state: string }[] };
    const running = tasks.tasks.filter((t) => t.state === 'TASK_RUNNING').length;
    if (running !== agentCount * tasksPerAgent) throw new Error(`after the restart the master has ${running} RUNNING tasks, expected ${agentCount * tasksPerAgent}`);
    const total = allBackAt - spawnedAt;
    log(`restart -> all re-registered ${round(total)} ms (listening after ${round(listeningAt - spawnedAt)} ms)`);
    return [
      { scenario, metric: 'restart_to_all_reregistered', value: round(total), unit: 'ms', target: 2000, anchor: 'from spawning the new master process' },
      { scenario, metric: 'listening_to_all_reregistered', value: round(allBackAt - listeningAt), unit: 'ms' },
    ];
  } catch (err) {
    return [{ scenario, metric: 'restart_to_all_reregistered', value: null, unit: 'ms', target: 2000, reason: reasonOf(err) }];
  } finally {
    for (const s of schedulers) s.close();
    for (const a of agents) a.close();
    for (const p of processes.reverse()) await p.stop();
    dir.cleanup();
  }
}

// ---- b. agent restart, real agent and executors ------------------------------------------------

async function agentRestart(taskCount: number): Promise<BenchRow[]> {
  const scenario = `agent kill -9 -> recovered, ${taskCount} running checkpointed tasks (real agent)`;
  const dir = tempDir('agora-bench-recovery-agent-');
  const processes: Spawned[] = [];
  const schedulers: TestScheduler[] = [];
  try {
    const m = await startMaster(join(dir.path, 'master'), 0, processes);
    const agentArgs = (port: number): string[] => [
      'agent', `--port=${port}`, `--master=127.0.0.1:${m.port}`, `--work_dir=${join(dir.path, 'agent')}`, '--resources=cpus:16;mem:16384',
    ];
    const a1 = spawnProcess(AGORA, agentArgs(0));
    processes.push(a1);
    const agentPort = (await a1.waitForLog((l) => l.msg === 'agent listening')).port as number;
    await a1.waitForLog((l) => l.msg === 'agent registered', 15_000);

    const fw = await TestScheduler.subscribe(m.url, { user: USER, name: 'bench-agent-recovery', failover_timeout: 3600, checkpoint: true });
    schedulers.push(fw);
    const running = new Set<string>();
    void (async () => {
      for (;;) {
        const event = await fw.events.next('UPDATE', undefined, 3_600_000).catch(() => undefined);
        if (event === undefined) return;
        const s = event.update.status;
        if (s.state === 'TASK_RUNNING') running.add(s.task_id.value);
        if (s.uuid !== undefined && s.agent_id !== undefined) {
          await fw.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } }).then((r) => r.arrayBuffer()).catch(() => undefined);
        }
      }
    })();
    const perAccept = 20;
    for (let sent = 0; sent < taskCount; sent += perAccept) {
      const offer = (await fw.events.next('OFFERS', undefined, 15_000)).offers.offers![0]!;
      const tasks = Array.from({ length: Math.min(perAccept, taskCount - sent) }, (_, i) => ({
        name: 's', task_id: { value: `s${sent + i}` }, agent_id: offer.agent_id,
        resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.01 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 8 } }],
        command: { value: 'sleep 600' },
      }));
      await fw.mustCall({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: 0 } } });
    }
    await waitFor(() => running.size >= taskCount, 120_000, 50);
    log(`${taskCount} tasks RUNNING; agent killed`);
    const executorCpu = async (): Promise<number> => {
      const { execSync } = await import('node:child_process');
      const { readFileSync } = await import('node:fs');
      const pids = execSync('pgrep -f command-executor').toString().trim().split('\n').map(Number);
      const ticks = (): number => pids.reduce((sum, pid) => { try { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return sum + Number(f[11]) + Number(f[12]); } catch { return sum; } }, 0);
      const t0 = ticks();
      await new Promise((r) => setTimeout(r, 1000));
      return (ticks() - t0) * 10;
    };
    if (process.env.AGORA_BENCH_PROFILE) log(`executors used ${await executorCpu()} ms CPU in 1 s while the agent was up`);
    await kill9(a1);
    if (process.env.AGORA_BENCH_PROFILE) log(`executors used ${await executorCpu()} ms CPU in 1 s while the agent was down`);

    const spawnedAt = performance.now();
    const a2 = spawnProcess(AGORA, agentArgs(agentPort), process.env.AGORA_BENCH_PROFILE ? { NODE_OPTIONS: '--cpu-prof --cpu-prof-dir=/tmp/agora-bench-profiles' } : {});
    processes.push(a2);
    const recovered = await a2.waitForLog((l) => l.msg === 'agent state recovered', 30_000);
    const recoveredAt = performance.now();
    await a2.waitForLog((l) => l.msg === 'agent registered', 60_000);
    const registeredAt = performance.now();
    const adopted = recovered.adopted as number;
    if (adopted !== taskCount) throw new Error(`the agent adopted ${adopted} executors, expected ${taskCount}`);
    log(`state recovered after ${round(recoveredAt - spawnedAt)} ms (adopted ${adopted}), all executors re-subscribed after ${round(registeredAt - spawnedAt)} ms`);
    if (process.env.AGORA_BENCH_PROFILE) console.error(a2.output.filter((l) => !l.includes('container recovered')).slice(0, 40).join('\n'));
    await fw.mustCall({ type: 'TEARDOWN' });
    return [
      { scenario, metric: 'restart_to_state_recovered', value: round(recoveredAt - spawnedAt), unit: 'ms', anchor: `adopted ${adopted} executors` },
      { scenario, metric: 'restart_to_all_executors_resubscribed', value: round(registeredAt - spawnedAt), unit: 'ms', target: 1000, anchor: 'until the agent registers with the master, which it does once every executor re-subscribed' },
      // The executors' side: while nobody listens they poll the agent's port with TCP connects
      // (100 ms doubling to 400 ms, jittered), so this part is mostly their last probe interval.
      { scenario, metric: 'state_recovered_to_all_executors_resubscribed', value: round(registeredAt - recoveredAt), unit: 'ms', anchor: 'executors probe the agent every 100-400 ms while it is down' },
    ];
  } catch (err) {
    return [{ scenario, metric: 'restart_to_all_executors_resubscribed', value: null, unit: 'ms', target: 1000, reason: reasonOf(err) }];
  } finally {
    for (const s of schedulers) s.close();
    for (const p of processes.reverse()) await p.stop();
    killStrayProcesses(dir.path);
    dir.cleanup();
  }
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  return [
    ...(await masterRestart(opts.quick ? 20 : 100, 10)),
    ...(await agentRestart(opts.quick ? 20 : 100)),
  ];
}
