// `agora master` killed with SIGKILL and started again on the same work dir and port: the real
// agent re-registers with its id, and a running `sleep` task is still RUNNING by reconciliation.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { TestScheduler } from '../../src/master/testing/test-scheduler.ts';
import { spawnProcess, tempDir, type Spawned } from '../helpers/process.ts';

const AGORA = join(import.meta.dirname, '../../bin/agora');

test('agora master SIGKILLed and restarted: the agent re-registers and the sleep task is still RUNNING', async () => {
  const dir = tempDir('agora-master-restart-');
  const processes: Spawned[] = [];
  const schedulers: TestScheduler[] = [];
  const master = (port: number): Spawned => {
    const p = spawnProcess(AGORA, ['master', `--port=${port}`, `--work_dir=${join(dir.path, 'master')}`, '--agent_reregister_timeout=1mins']);
    processes.push(p);
    return p;
  };
  try {
    const m1 = master(0);
    const listening = await m1.waitForLog((l) => l.msg === 'master listening');
    const port = listening.port as number;
    const url = listening.url as string;
    const agent = spawnProcess(AGORA, ['agent', '--port=0', `--master=127.0.0.1:${port}`, `--work_dir=${join(dir.path, 'agent')}`, '--resources=cpus:2;mem:1024']);
    processes.push(agent);
    const agentId = (await agent.waitForLog((l) => l.msg === 'agent registered', 15_000)).agent_id as string;

    const info = { user: process.env.USER ?? 'root', name: 'restart', failover_timeout: 3600 };
    const fw = await TestScheduler.subscribe(url, info);
    schedulers.push(fw);
    const offers = await fw.events.next('OFFERS', undefined, 15_000);
    const offer = offers.offers.offers![0]!;
    await fw.mustCall({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{
          name: 'sleeper', task_id: { value: 'sleeper' }, agent_id: offer.agent_id,
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
          command: { value: 'sleep 600' },
        }] } }],
      },
    });
    // The agent sends the next update once the previous one is acknowledged.
    for (;;) {
      const status = (await fw.events.next('UPDATE', undefined, 20_000)).update.status;
      await fw.mustCall({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: offer.agent_id, task_id: status.task_id, uuid: status.uuid! } });
      if (status.state === 'TASK_RUNNING') break;
      assert.equal(status.state, 'TASK_STARTING');
    }
    fw.close();

    m1.child.kill('SIGKILL');
    await once(m1.child, 'exit');

    const m2 = master(port);
    await m2.waitForLog((l) => l.msg === 'master listening');
    await m2.waitForLog((l) => l.msg === 'agent re-registered' && l.agentId === agentId, 30_000);
    const back = await TestScheduler.subscribe(url, { ...info, id: { value: fw.frameworkId } });
    schedulers.push(back);
    await back.mustCall({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'sleeper' }, agent_id: { value: agentId } }] } });
    const reconciled = (await back.events.next('UPDATE', (e) => e.update.status.reason === 'REASON_RECONCILIATION')).update.status;
    assert.equal(reconciled.state, 'TASK_RUNNING');
    assert.equal(reconciled.agent_id?.value, agentId);
    await back.mustCall({ type: 'TEARDOWN' });
  } finally {
    for (const s of schedulers) s.close();
    for (const p of processes.reverse()) await p.stop();
    dir.cleanup();
  }
});
