// The read side: legacy /state, /health, /version, metrics, the operator API and its event
// stream; and `agora master` as a real process (masterMain).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeMasterEvent, readJsonRecords, type ValidMasterEvent } from '../../src/protocol/index.ts';
import { startMaster, type RunningMaster } from '../../src/master/index.ts';
import { EventQueue } from '../../src/master/testing/event-queue.ts';
import { launchTask } from '../../src/master/testing/scenario.ts';
import { TestAgent } from '../../src/master/testing/test-agent.ts';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';
import { spawnProcess, tempDir } from '../helpers/process.ts';

describe('master: read side', () => {
  let master: RunningMaster;
  let agent: TestAgent;
  before(async () => {
    master = await startMaster({ port: 0, allocationIntervalMs: 30, cluster: 'test-cluster' });
    agent = await TestAgent.register(master.url, { hostname: 'reader.test' });
  });
  after(async () => {
    agent.close();
    await master.stop();
  });
  const operator = async (body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${master.url}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Record<string, unknown>;
  };

  test('operator SUBSCRIBE: snapshot, then TASK_ADDED and TASK_UPDATED; GET_* agree; legacy /state and metrics', async () => {
    const abort = new AbortController();
    const res = await fetch(`${master.url}/api/v1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'SUBSCRIBE' }),
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    const events = new EventQueue<ValidMasterEvent>();
    void (async () => {
      try {
        for await (const record of readJsonRecords(res.body!)) {
          const decoded = decodeMasterEvent(record);
          if (decoded.ok) events.push(decoded.value);
        }
      } catch (err) {
        events.end(err as Error);
      }
    })();
    const subscribed = await events.next('SUBSCRIBED');
    assert.equal(subscribed.subscribed.get_state?.get_agents?.agents?.[0]?.agent_info.hostname, 'reader.test');

    const scheduler = await TestScheduler.subscribe(master.url, { user: 'u', name: 'reader' });
    try {
      await events.next('FRAMEWORK_ADDED');
      await launchTask(scheduler, agent, 'seen');
      assert.equal((await events.next('TASK_ADDED')).task_added.task.task_id.value, 'seen');
      const updated = await events.next('TASK_UPDATED', (e) => e.task_updated.state === 'TASK_RUNNING');
      assert.equal(updated.task_updated.framework_id.value, scheduler.frameworkId);

      const tasks = (await operator({ type: 'GET_TASKS' })) as { get_tasks: { tasks: { task_id: { value: string }; state: string }[] } };
      assert.deepEqual(tasks.get_tasks.tasks.map((t) => [t.task_id.value, t.state]), [['seen', 'TASK_RUNNING']]);
      const state = (await operator({ type: 'GET_STATE' })) as { type: string; get_state: { get_frameworks: { frameworks: unknown[] } } };
      assert.equal(state.type, 'GET_STATE');
      assert.equal(state.get_state.get_frameworks.frameworks.length, 1);
      for (const type of ['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_ROLES', 'GET_MASTER']) {
        assert.equal((await operator({ type })).type, type);
      }
      const roles = (await operator({ type: 'GET_ROLES' })) as { get_roles: { roles: { name: string; frameworks?: unknown[] }[] } };
      assert.equal(roles.get_roles.roles[0]?.name, '*');

      const legacy = await fetch(`${master.url}/master/state?jsonp=cb`);
      assert.equal(legacy.headers.get('content-type'), 'text/javascript');
      const text = await legacy.text();
      assert.match(text, /^cb\(/);
      const body = JSON.parse(text.slice(3, -2)) as {
        cluster: string;
        activated_slaves: number;
        slaves: { pid: string; resources: { cpus: number; mem: number; gpus: number; disk: number } }[];
        frameworks: { id: string; tasks: { id: string; slave_id: string; executor_id: string; resources: { cpus: number } }[] }[];
      };
      assert.equal(body.cluster, 'test-cluster');
      assert.equal(body.activated_slaves, 1);
      assert.equal(body.slaves[0]?.pid, 'slave(1)@127.0.0.1:5051');
      assert.deepEqual(body.slaves[0]?.resources, { cpus: 4, disk: 0, gpus: 0, mem: 4096 });
      assert.equal(body.frameworks[0]?.tasks[0]?.slave_id, agent.agentId);
      assert.equal(body.frameworks[0]?.tasks[0]?.resources.cpus, 0.5);
      assert.equal((await fetch(`${master.url}/state`)).status, 200);

      const metrics = (await (await fetch(`${master.url}/metrics/snapshot`)).json()) as Record<string, number>;
      assert.equal(metrics['master/elected'], 1);
      assert.equal(metrics['master/tasks_running'], 1);
      assert.equal(metrics['master/frameworks_active'], 1);
      assert.equal(metrics['master/slaves_active'], 1);
      assert.equal(metrics['master/cpus_total'], 4);
      assert.equal(metrics['master/cpus_used'], 0.5);
      assert.ok(metrics['allocator/mesos/allocation_runs']! > 0);
      assert.ok((await (await fetch(`${master.url}/metrics`)).text()).includes('master_tasks_running 1'));
      assert.equal((await fetch(`${master.url}/master/health`)).status, 200);
      assert.equal(((await (await fetch(`${master.url}/version`)).json()) as { version: string }).version, '1.11.0');
      await scheduler.mustCall({ type: 'TEARDOWN' });
      await events.next('FRAMEWORK_REMOVED');
    } finally {
      scheduler.close();
      abort.abort();
    }
  });
});

describe('agora master as a process', () => {
  test('masterMain logs "master listening" with port and url, serves, and stops on SIGTERM', async () => {
    const dir = tempDir();
    const main = join(import.meta.dirname, '../../src/master/main.ts');
    const script = `import(${JSON.stringify(main)}).then(async (m) => { process.exitCode = await m.masterMain(process.argv.slice(1)); });`;
    const proc = spawnProcess(process.execPath, ['--input-type=module', '-e', script, '--', '--port=0', `--work_dir=${dir.path}`], { AGORA_OFFER_TIMEOUT: '30secs' });
    try {
      const line = await proc.waitForLog((l) => l.msg === 'master listening');
      assert.equal(typeof line.port, 'number');
      assert.equal(line.url, `http://127.0.0.1:${line.port as number}`);
      const flags = (await (await fetch(`${line.url as string}/master/flags`)).json()) as { flags: Record<string, string> };
      assert.equal(flags.flags.offer_timeout, '30secs');
      assert.equal(flags.flags.work_dir, dir.path);
      await proc.stop();
      assert.equal(proc.child.exitCode, 0);
    } finally {
      await proc.stop();
      dir.cleanup();
    }
  });
});
