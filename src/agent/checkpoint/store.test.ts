import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameworkInfo, TaskInfo } from '../../protocol/index.ts';
import type { StatusUpdate } from '../status-updates.ts';
import { CheckpointStore } from './store.ts';
import * as layout from './layout.ts';

const AGENT = 'a1-S0';
const framework = (checkpoint: boolean): FrameworkInfo => ({ id: { value: 'fw1' }, user: 'u', name: 'f', checkpoint });
const task = (id: string): TaskInfo => ({
  name: id,
  task_id: { value: id },
  agent_id: { value: AGENT },
  resources: [],
  command: { value: 'sleep 1' },
});
const update = (taskId: string, uuid: string, state: StatusUpdate['status']['state'] = 'TASK_RUNNING'): StatusUpdate => ({
  frameworkId: 'fw1',
  executorId: taskId,
  status: { task_id: { value: taskId }, state, uuid, source: 'SOURCE_EXECUTOR' },
});

function withStore(fn: (store: CheckpointStore, workDir: string) => void): void {
  const workDir = mkdtempSync(join(tmpdir(), 'agora-ckpt-'));
  try {
    fn(new CheckpointStore(workDir), workDir);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function writeTwoTasks(store: CheckpointStore): void {
  store.writeBootId('boot-1');
  store.writeAgentInfo({ id: { value: AGENT }, hostname: 'h', resources: [] });
  const fw = store.frameworkCheckpoint(AGENT, framework(true));
  assert.ok(fw);
  fw.writeFrameworkInfo(framework(true));
  for (const [taskId, containerId] of [['t1', 'c1'], ['t2', 'c2']] as const) {
    fw.writeExecutorRun({ executor_id: { value: taskId }, command: { value: 'exec' } }, containerId);
    fw.writeTaskInfo(taskId, containerId, task(taskId));
    fw.writeForkedPid(taskId, containerId, taskId === 't1' ? 4321 : 4322);
    fw.appendUpdate(taskId, containerId, update(taskId, 'YQ=='));
    fw.appendUpdate(taskId, containerId, update(taskId, 'Yg==', 'TASK_FINISHED'));
    fw.appendAck(taskId, containerId, taskId, 'YQ==');
  }
}

test('everything written is read back, following the Mesos meta layout', () => {
  withStore((store, workDir) => {
    writeTwoTasks(store);
    const read = store.read();
    assert.deepEqual(read.problems, []);
    assert.equal(read.bootId, 'boot-1');
    assert.equal(read.agentId, AGENT);
    assert.equal(read.info?.hostname, 'h');
    assert.equal(read.frameworks.length, 1);
    const fw = read.frameworks[0]!;
    assert.equal(fw.info?.checkpoint, true);
    assert.deepEqual(fw.executors.map((e) => [e.executorId, e.latestRun, e.runs.map((r) => [r.containerId, r.forkedPid, r.completed])]), [
      ['t1', 'c1', [['c1', 4321, false]]],
      ['t2', 'c2', [['c2', 4322, false]]],
    ]);
    const t1 = fw.executors[0]!.runs[0]!.tasks[0]!;
    assert.equal(t1.info?.command?.value, 'sleep 1');
    assert.deepEqual(t1.stream.pending.map((u) => u.status.uuid), ['Yg==']);
    // The paths Mesos operators know.
    const meta = join(workDir, 'meta/slaves', AGENT, 'frameworks/fw1/executors/t1');
    assert.ok(statSync(join(meta, 'executor.info')).isFile());
    assert.ok(statSync(join(meta, 'runs/c1/pids/forked.pid')).isFile());
    assert.ok(statSync(join(meta, 'runs/c1/tasks/t1/task.info')).isFile());
    assert.ok(statSync(join(meta, 'runs/c1/tasks/t1/task.updates')).isFile());
    // No temp files are left behind.
    assert.deepEqual(readdirSync(join(meta, 'runs/c1/pids')), ['forked.pid']);
  });
});

test('nothing is written for a framework without checkpoint', () => {
  withStore((store) => {
    assert.equal(store.frameworkCheckpoint(AGENT, framework(false)), undefined);
    assert.equal(store.frameworkCheckpoint(AGENT, { user: 'u', name: 'no id', checkpoint: true }), undefined);
  });
});

test('a truncated info file is named and skipped; the rest is recovered', () => {
  withStore((store, workDir) => {
    writeTwoTasks(store);
    const damaged = layout.taskInfoPath(workDir, AGENT, 'fw1', 't1', 'c1', 't1');
    truncateSync(damaged, 10);
    const read = store.read();
    assert.equal(read.problems.length, 1);
    assert.equal(read.problems[0]!.path, damaged);
    const [e1, e2] = read.frameworks[0]!.executors;
    assert.equal(e1!.runs[0]!.tasks[0]!.info, undefined);
    assert.equal(e1!.runs[0]!.forkedPid, 4321); // the rest of that run is intact
    assert.equal(e2!.runs[0]!.tasks[0]!.info?.task_id.value, 't2');
  });
});

test('a torn update stream keeps its complete records and reports the path', () => {
  withStore((store, workDir) => {
    writeTwoTasks(store);
    const updates = layout.taskUpdatesPath(workDir, AGENT, 'fw1', 't2', 'c2', 't2');
    truncateSync(updates, statSync(updates).size - 3); // tears the ACK record
    const read = store.read();
    assert.deepEqual(read.problems.map((p) => p.path), [updates]);
    assert.match(read.problems[0]!.message, /torn last record/);
    const t2 = read.frameworks[0]!.executors[1]!.runs[0]!.tasks[0]!;
    assert.deepEqual(t2.stream.pending.map((u) => u.status.uuid), ['YQ==', 'Yg==']); // the ack was lost: both re-sent
  });
});

test('a corrupt pid file is reported; an unreadable latest link means nothing to recover', () => {
  withStore((store, workDir) => {
    writeTwoTasks(store);
    const pid = layout.forkedPidPath(workDir, AGENT, 'fw1', 't2', 'c2');
    writeFileSync(pid, 'garbage');
    const read = store.read();
    assert.deepEqual(read.problems.map((p) => p.path), [pid]);
    assert.equal(read.frameworks[0]!.executors[1]!.runs[0]!.forkedPid, undefined);
    store.forgetAgent();
    const fresh = store.read();
    assert.equal(fresh.agentId, undefined);
    assert.equal(fresh.bootId, 'boot-1');
  });
});

test('an empty work dir reads as nothing checkpointed', () => {
  withStore((store) => {
    assert.deepEqual(store.read(), { frameworks: [], problems: [] });
  });
});

test('checkpointed resources round-trip, outlive the agent id, and a damaged file is a named problem', () => {
  withStore((store, workDir) => {
    assert.deepEqual(store.readCheckpointedResources([]), [], 'none written yet');
    const reserved = [
      { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 2 }, reservations: [{ type: 'DYNAMIC' as const, role: 'web', principal: 'ops' }] },
      { name: 'disk', type: 'SCALAR' as const, scalar: { value: 64 }, reservations: [{ type: 'DYNAMIC' as const, role: 'web' }], disk: { persistence: { id: 'vol1' }, volume: { container_path: 'data', mode: 'RW' as const } } },
    ];
    store.writeCheckpointedResources(reserved);
    store.forgetAgent();
    const problems: { path: string; message: string }[] = [];
    assert.deepEqual(store.readCheckpointedResources(problems), reserved);
    assert.equal(problems.length, 0);
    writeFileSync(layout.resourcesInfoPath(workDir), '{"resources": [{"name": ');
    assert.deepEqual(store.readCheckpointedResources(problems), []);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.path, layout.resourcesInfoPath(workDir));
  });
});
