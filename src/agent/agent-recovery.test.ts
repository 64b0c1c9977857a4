// Agent restart in one process (test-double master, fake containerizer that adopts what it is
// given): a task the agent checkpointed but never delivered to its executor, and which the
// executor does not list when it subscribes again, ends TASK_DROPPED / REASON_AGENT_RESTARTED
// (TASK_LOST for a framework that is not PARTITION_AWARE); the tasks it lists stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ExecutorInfo, FrameworkInfo, TaskInfo, TaskState } from '../protocol/index.ts';
import { decodeExecutorEvent, encodeExecutorCall, readJsonRecords } from '../protocol/index.ts';
import { FakeContainerizer } from '../containerizer/testing/fake-containerizer.ts';
import { createLogger } from '../common/log.ts';
import { startAgent, type RunningAgent } from './main.ts';
import { TestMaster } from './testing/test-master.ts';

const EXECUTOR: ExecutorInfo = { executor_id: { value: 'E' }, command: { value: 'run-executor' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] };

function task(id: string, agentId: string): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: { value: agentId }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }], executor: EXECUTOR };
}

/**
 * A logger that resolves `listening` with the agent's URL as soon as it listens: a restarted
 * agent's start() resolves only once its recovered executors subscribed again (or timed out).
 */
function listeningLogger(): { logger: ReturnType<typeof createLogger>; listening: Promise<string> } {
  let resolve!: (url: string) => void;
  const listening = new Promise<string>((r) => (resolve = r));
  const destination = {
    write(line: string): void {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'agent listening' && entry.url) resolve(entry.url);
    },
  };
  return { logger: createLogger({ level: 'info', destination }), listening };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** SUBSCRIBEs executor E of `frameworkId` as one that already has `knownTasks`; returns the first event type. */
async function subscribeExecutor(agentUrl: string, frameworkId: string, knownTasks: TaskInfo[], signal: AbortSignal): Promise<string> {
  const res = await fetch(`${agentUrl}/api/v1/executor`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(
      encodeExecutorCall({ type: 'SUBSCRIBE', framework_id: { value: frameworkId }, executor_id: EXECUTOR.executor_id, subscribe: { unacknowledged_tasks: knownTasks } }),
    ),
    signal,
  });
  assert.equal(res.status, 200, res.status === 200 ? '' : await res.text());
  const { value } = await readJsonRecords(res.body!).next();
  const decoded = decodeExecutorEvent(value);
  assert.ok(decoded.ok);
  return decoded.value.type;
}

for (const partitionAware of [true, false]) {
  const expected: TaskState = partitionAware ? 'TASK_DROPPED' : 'TASK_LOST';
  test(`a task the recovered executor never received ends ${expected}, REASON_AGENT_RESTARTED`, async (t) => {
    const workDir = mkdtempSync(join(tmpdir(), 'agora-agent-recovery-unit-'));
    const master = await TestMaster.start({ autoAcknowledge: true });
    const abort = new AbortController();
    const framework: FrameworkInfo = {
      user: userInfo().username,
      name: 'recovery-unit',
      id: { value: 'F-R' },
      checkpoint: true,
      ...(partitionAware ? { capabilities: [{ type: 'PARTITION_AWARE' }] } : {}),
    };
    const flags = { master: master.address, work_dir: workDir, port: 0, resources: 'cpus:4;mem:2048;disk:1024', registration_backoff_factor: 10 };
    const agents: RunningAgent[] = [];
    t.after(async () => {
      abort.abort();
      for (const agent of agents) await agent.stop({ destroyAll: true });
      await master.stop();
      rmSync(workDir, { recursive: true, force: true });
    });

    // Before the restart: the executor's container runs, both tasks are checkpointed, neither was
    // delivered yet (the executor has not subscribed).
    const first = await startAgent({ flags, containerizers: [new FakeContainerizer()], commandExecutorArgv: ['/bin/false'] });
    agents.push(first);
    await until(() => first.agentId() !== undefined, 'registration');
    master.send({ type: 'RUN_TASK', run_task: { framework_info: framework, task: task('delivered', master.agentId) } });
    master.send({ type: 'RUN_TASK', run_task: { framework_info: framework, task: task('never-delivered', master.agentId) } });
    await until(() => first.agent.findExecutor('F-R', 'E').executor?.queuedTasks.size === 2, 'both tasks queued');
    await first.stop();

    // After: the executor survived (adopted) and subscribes again knowing one of the two tasks.
    const { logger, listening } = listeningLogger();
    const starting = startAgent({ flags, logger, containerizers: [new FakeContainerizer({ adoptOnRecover: true })], commandExecutorArgv: ['/bin/false'] });
    const known = task('delivered', master.agentId);
    assert.equal(await subscribeExecutor(await listening, 'F-R', [known], abort.signal), 'SUBSCRIBED');
    const second = await starting;
    agents.push(second);

    const call = await master.waitForCall((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.task_id.value === 'never-delivered', { timeoutMs: 5000 });
    assert.ok(call.type === 'STATUS_UPDATE');
    const status = call.status_update.status;
    assert.equal(status.state, expected);
    assert.equal(status.reason, 'REASON_AGENT_RESTARTED');
    assert.equal(status.source, 'SOURCE_AGENT');
    assert.equal(status.message, 'Task launched during agent restart');
    const executor = second.agent.findExecutor('F-R', 'E').executor!;
    assert.equal(executor.launchedTasks.get('delivered')?.state, 'TASK_STAGING', 'the task the executor knows is untouched');
    assert.ok(!master.calls.some((c) => c.type === 'STATUS_UPDATE' && c.status_update.status.task_id.value === 'delivered'));
  });
}
