// Conformance of the legacy (unversioned) JSON endpoints of master and agent (reference §1.2, §6)
// with one running command task: /master/state and its delegate spelling /state, ?jsonp=,
// /metrics/snapshot, /master/redirect, /health, /version and the agent's /slave(1)/state. The
// legacy web UI and many operator tools read exactly these shapes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  acknowledge,
  commandTask,
  firstOffer,
  frameworkInfo,
  getJson,
  idOf,
  launch,
  nextUpdate,
  startCluster,
  subscribe,
  type Cluster,
  type Framework,
  type Json,
} from './conformance-support.ts';

const TASK_ID = 'legacy-sleeper';
const FRAMEWORK_NAME = 'conformance-legacy';

let cluster: Cluster;
let fw: Framework;
before(async () => {
  cluster = await startCluster();
  fw = await subscribe(cluster.masterUrl, frameworkInfo(FRAMEWORK_NAME));
  const offer = await firstOffer(fw);
  await launch(fw, [idOf(offer.id)], [commandTask(TASK_ID, cluster.agentId, 'echo hi && sleep 60', { cpus: 0.5, mem: 64 })]);
  for (;;) {
    const status = await nextUpdate(fw, TASK_ID);
    if (typeof status.uuid === 'string') await acknowledge(fw, status);
    if (status.state === 'TASK_RUNNING') break;
    assert.equal(status.state, 'TASK_STARTING', `setup: the task goes STARTING -> RUNNING, got ${JSON.stringify(status)}`);
  }
});
after(async () => {
  if (fw) {
    // Kill the task so the agent reaps its executor before it stops.
    await fw.call('KILL', { task_id: { value: TASK_ID }, agent_id: { value: cluster.agentId } }).catch(() => undefined);
    await nextUpdate(fw, TASK_ID, 10_000).catch(() => undefined);
    fw.close();
  }
  await cluster?.stop();
});

function assertKeys(object: Json, keys: string[], where: string): void {
  const missing = keys.filter((k) => !(k in object));
  assert.deepEqual(missing, [], `${where}: missing keys ${missing.join(', ')} (present: ${Object.keys(object).join(', ')})`);
}

/** Reference §6.1: the legacy resources object, with cpus/gpus/mem/disk always present. */
const AGENT_RESOURCES_LEGACY = { cpus: 2, gpus: 0, mem: 2048, disk: 1024, ports: '[31000-31100]' };

const MASTER_STATE_KEYS = [
  'version', 'build_date', 'build_time', 'build_user', 'start_time', 'elected_time',
  'id', 'pid', 'hostname', 'capabilities', 'activated_slaves', 'deactivated_slaves', 'unreachable_slaves',
  'leader', 'leader_info', 'flags', 'slaves', 'recovered_slaves', 'frameworks', 'completed_frameworks',
  'orphan_tasks', 'unregistered_frameworks',
];

test('/master/state: top-level keys, pid, leader_info, flags', async () => {
  const { headers, body: state } = await getJson(`${cluster.masterUrl}/master/state`);
  assert.equal(headers.get('content-type'), 'application/json', 'reference §6: legacy endpoints answer application/json');
  assertKeys(state, MASTER_STATE_KEYS, 'reference §6.2 /master/state');
  assert.equal(state.pid, `master@127.0.0.1:${cluster.masterPort}`, 'reference §6.2: pid is master@ip:port');
  assert.equal(state.leader, state.pid, 'reference §6.2: leader is the leading master\'s pid (this one)');
  assert.equal(state.activated_slaves, 1, 'reference §6.2: activated_slaves counts the one agent');
  const leader = state.leader_info as Json;
  assertKeys(leader, ['id', 'pid', 'port', 'hostname'], 'reference §6.2 leader_info');
  assert.equal(leader.id, state.id, 'leader_info.id is this master');
  assert.equal(leader.port, cluster.masterPort, 'leader_info.port is this master\'s port');
  assert.ok(state.flags && typeof state.flags === 'object' && !Array.isArray(state.flags), 'reference §6.2: flags is {name: value}');
  for (const [name, value] of Object.entries(state.flags as Json)) assert.equal(typeof value, 'string', `reference §6.2: flag '${name}' is a string value`);
  assert.deepEqual(state.orphan_tasks, [], 'reference §6.2: orphan_tasks is always an empty array');
  assert.deepEqual(state.unregistered_frameworks, [], 'reference §6.2: unregistered_frameworks is always an empty array');
  assert.equal(typeof state.start_time, 'number', 'reference §6.2: start_time is seconds (a number)');
  assert.ok(Array.isArray(state.capabilities), 'reference §6.1: capabilities is an array of strings');
});

test('/master/state slaves[]: pid slave(1)@ip:port and the legacy resources object', async () => {
  const { body: state } = await getJson(`${cluster.masterUrl}/master/state`);
  const slaves = state.slaves as Json[];
  assert.equal(slaves.length, 1, 'one registered agent');
  const slave = slaves[0]!;
  assertKeys(slave, ['id', 'hostname', 'port', 'attributes', 'pid', 'registered_time', 'resources', 'used_resources', 'offered_resources', 'reserved_resources', 'unreserved_resources', 'active', 'version', 'capabilities'], 'reference §6.2 slaves[]');
  assert.equal(slave.id, cluster.agentId, 'slaves[].id is the plain string agent id');
  assert.equal(slave.pid, `slave(1)@127.0.0.1:${cluster.agentPort}`, 'reference §0.14/§6.2: the web UI builds agent URLs from slaves[].pid = slave(1)@ip:port');
  assert.equal(slave.port, cluster.agentPort, 'slaves[].port is the agent port');
  assert.deepEqual(slave.resources, AGENT_RESOURCES_LEGACY, 'reference §6.1: resources {cpus, gpus, mem, disk, ports:"[a-b]"}');
  assert.equal(slave.active, true, 'the agent is active');
  const used = slave.used_resources as Json;
  assert.equal(used.cpus, 0.5, 'reference §6.2: used_resources counts the running task (cpus 0.5)');
  assert.equal(used.mem, 64, 'reference §6.2: used_resources counts the running task (mem 64)');
  assert.ok(Array.isArray(slave.capabilities) && (slave.capabilities as unknown[]).every((c) => typeof c === 'string'), 'reference §6.1: capabilities are an array of strings');
});

test('/master/state frameworks[].tasks[]: plain ids, slave_id, state and statuses with timestamps in seconds', async () => {
  const { body: state } = await getJson(`${cluster.masterUrl}/master/state`);
  const framework = (state.frameworks as Json[]).find((f) => f.id === fw.id);
  assert.ok(framework, `reference §6.2: frameworks[] lists '${fw.id}' by its plain string id`);
  assertKeys(framework, ['id', 'name', 'user', 'active', 'connected', 'failover_timeout', 'checkpoint', 'registered_time', 'capabilities', 'hostname', 'used_resources', 'offered_resources', 'resources', 'tasks', 'completed_tasks', 'unreachable_tasks', 'offers', 'executors'], 'reference §6.2 frameworks[]');
  assert.equal(framework.name, FRAMEWORK_NAME);
  assert.ok('roles' in framework || 'role' in framework, 'reference §6.2: roles (MULTI_ROLE) or role');
  assert.deepEqual(framework.capabilities, ['MULTI_ROLE'], 'reference §6.1: capabilities as an array of strings');
  const task = (framework.tasks as Json[]).find((t) => t.id === TASK_ID);
  assert.ok(task, `reference §6.2: frameworks[].tasks lists '${TASK_ID}'`);
  assertKeys(task, ['id', 'name', 'framework_id', 'executor_id', 'slave_id', 'state', 'resources', 'statuses'], 'reference §6.1 task');
  assert.equal(task.framework_id, fw.id, 'task.framework_id is a plain string');
  assert.equal(task.slave_id, cluster.agentId, 'reference §6.1: slave_id is the plain agent id');
  assert.equal(task.executor_id, '', 'reference §6.1: executor_id is "" for command tasks');
  assert.equal(task.state, 'TASK_RUNNING', 'the task is running');
  assert.equal((task.resources as Json).cpus, 0.5, 'reference §6.1: task resources in the legacy object form');
  const statuses = task.statuses as Json[];
  assert.ok(statuses.length >= 1, 'reference §6.1: statuses lists the updates so far');
  for (const s of statuses) {
    assertKeys(s, ['state', 'timestamp'], 'reference §6.1 statuses[]');
    assert.ok(typeof s.timestamp === 'number' && Math.abs((s.timestamp as number) - Date.now() / 1000) < 120, `reference §6.1: statuses[].timestamp is seconds since the epoch, got ${String(s.timestamp)}`);
  }
  assert.equal(statuses.at(-1)!.state, 'TASK_RUNNING', 'the last status is the latest state');
});

test('/state is /master/state (libprocess delegate); ?jsonp=cb wraps it as text/javascript cb(...);', async () => {
  const { body: direct } = await getJson(`${cluster.masterUrl}/master/state`);
  const { body: delegated } = await getJson(`${cluster.masterUrl}/state`);
  assertKeys(delegated, MASTER_STATE_KEYS, 'reference §1.2: /state is served by the master delegate');
  assert.equal(delegated.id, direct.id, 'the same master state');

  const res = await fetch(`${cluster.masterUrl}/master/state?jsonp=cb`);
  const text = await res.text();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/javascript', 'reference §0.15/§6: JSONP replies are text/javascript');
  const match = /^cb\(([\s\S]*)\);$/.exec(text);
  assert.ok(match, `reference §0.15 (libprocess OK): the body is exactly cb(<json>); got ${JSON.stringify(text.slice(0, 60))}...${JSON.stringify(text.slice(-10))}`);
  assert.equal((JSON.parse(match[1]!) as Json).id, direct.id, 'the JSONP payload is the state');
});

test('/metrics/snapshot: a flat object with the master metrics operators alert on', async () => {
  const { body: metrics } = await getJson(`${cluster.masterUrl}/metrics/snapshot`);
  for (const [k, v] of Object.entries(metrics)) assert.equal(typeof v, 'number', `reference §6.4: every metric is a number ('${k}')`);
  assertKeys(metrics, [
    'master/elected', 'master/uptime_secs',
    'master/slaves_active', 'master/slaves_inactive', 'master/slaves_connected', 'master/slaves_disconnected',
    'master/frameworks_active', 'master/frameworks_inactive', 'master/frameworks_connected', 'master/frameworks_disconnected',
    'master/outstanding_offers',
    'master/tasks_staging', 'master/tasks_starting', 'master/tasks_running', 'master/tasks_killing', 'master/tasks_finished',
    'master/tasks_failed', 'master/tasks_killed', 'master/tasks_lost', 'master/tasks_error',
    'master/cpus_total', 'master/cpus_used', 'master/cpus_percent', 'master/mem_total', 'master/mem_used',
    'master/disk_total', 'master/gpus_total',
  ], 'reference §6.4 /metrics/snapshot');
  assert.equal(metrics['master/elected'], 1, 'reference §6.4: master/elected is 1 on the leader');
  assert.ok((metrics['master/uptime_secs'] as number) > 0, 'master/uptime_secs is positive');
  assert.equal(metrics['master/tasks_running'], 1, 'master/tasks_running counts the running task');
  assert.equal(metrics['master/slaves_active'], 1, 'master/slaves_active counts the agent');
  assert.ok((metrics['master/frameworks_active'] as number) >= 1, 'master/frameworks_active counts the subscribed framework');
  assert.equal(metrics['master/cpus_total'], 2, 'master/cpus_total is the agent cpus');
  assert.equal(metrics['master/mem_total'], 2048, 'master/mem_total is the agent mem (MB)');
  assert.equal(metrics['master/cpus_used'], 0.5, 'master/cpus_used is the running task cpus');
});

test('/metrics/snapshot: system metrics', async () => {
  const { body: metrics } = await getJson(`${cluster.masterUrl}/metrics/snapshot`);
  assertKeys(metrics, ['system/cpus_total', 'system/load_1min', 'system/mem_total_bytes', 'system/mem_free_bytes'], 'reference §6.4: system metrics on both binaries');
});

test('/metrics/snapshot: per-framework metrics under master/frameworks/<name>/<id>/', async () => {
  const { body: metrics } = await getJson(`${cluster.masterUrl}/metrics/snapshot`);
  const prefix = `master/frameworks/${FRAMEWORK_NAME}/${fw.id}/`;
  assert.equal(metrics[`${prefix}subscribed`], 1, `reference §6.4: per-framework metrics live under master/frameworks/<name>/<id>/ (expected ${prefix}subscribed = 1)`);
  assert.ok(typeof metrics[`${prefix}calls/ACCEPT`] === 'number', `reference §6.4: ${prefix}calls/<TYPE>`);
});

test('/master/redirect is 307 to //host:port', async () => {
  const redirect = await fetch(`${cluster.masterUrl}/master/redirect`, { redirect: 'manual' });
  const redirectText = await redirect.text();
  assert.equal(redirect.status, 307, `reference §2.6/§6.3: /master/redirect always answers 307, even on the leader; got ${redirect.status} ${JSON.stringify(redirectText.slice(0, 200))}`);
  assert.match(redirect.headers.get('location') ?? '', new RegExp(`^//[^/:]+:${cluster.masterPort}$`), 'reference §2.6: Location is protocol-relative //<leader-host>:<port>');
});

test('/health and /master/health are 200 with an empty body; /version has the build fields', async () => {
  for (const path of ['/health', '/master/health']) {
    const health = await fetch(`${cluster.masterUrl}${path}`);
    assert.equal(health.status, 200, `reference §6.3: ${path} is 200`);
    assert.equal(await health.text(), '', `reference §6.3: ${path} has an empty body`);
  }

  const { body: version } = await getJson(`${cluster.masterUrl}/version`);
  assertKeys(version, ['version', 'build_date', 'build_time', 'build_user'], 'reference §6.3 /version');
  assert.match(version.version as string, /^\d+\.\d+\.\d+/, '/version.version is a version string');
});

test('agent /slave(1)/state and /state: id, pid, hostname, legacy resources, frameworks[].executors[] with directory and tasks', async () => {
  const { body: state } = await getJson(`${cluster.agentUrl}/slave(1)/state`);
  assertKeys(state, [
    'version', 'build_date', 'build_time', 'build_user', 'start_time', 'id', 'pid', 'hostname', 'capabilities',
    'resources', 'reserved_resources', 'unreserved_resources', 'reserved_resources_full', 'unreserved_resources_full',
    'attributes', 'flags', 'frameworks', 'completed_frameworks',
  ], 'reference §6.6 agent /slave(1)/state');
  assert.equal(state.id, cluster.agentId, 'the agent state names its id');
  assert.equal(state.pid, `slave(1)@127.0.0.1:${cluster.agentPort}`, 'reference §6.6: pid is slave(1)@ip:port');
  assert.equal(typeof state.hostname, 'string');
  assert.deepEqual(state.resources, AGENT_RESOURCES_LEGACY, 'reference §6.1: the legacy resources object');

  const framework = (state.frameworks as Json[]).find((f) => f.id === fw.id);
  assert.ok(framework, `reference §6.6: frameworks[] lists '${fw.id}'`);
  assertKeys(framework, ['id', 'name', 'user', 'failover_timeout', 'checkpoint', 'hostname', 'executors', 'completed_executors'], 'reference §6.6 frameworks[]');
  const executor = (framework.executors as Json[]).find((e) => e.id === TASK_ID);
  assert.ok(executor, `reference §6.6: executors[] lists the command executor '${TASK_ID}' (its id is the task id)`);
  assertKeys(executor, ['id', 'name', 'source', 'container', 'directory', 'resources', 'tasks', 'queued_tasks', 'completed_tasks'], 'reference §6.6 executors[]');
  assert.equal(executor.source, TASK_ID, 'reference §4.4: the command executor source is the task id');
  assert.match(executor.name as string, /^Command Executor \(Task: legacy-sleeper\) \(Command: sh -c '.*'\)$/, 'reference §4.4: the command executor name');
  assert.ok((executor.directory as string).startsWith(cluster.workDir), `reference §6.6: directory is the sandbox path on the host, got ${String(executor.directory)}`);
  assert.match(executor.directory as string, new RegExp(`/slaves/${cluster.agentId}/frameworks/${fw.id}/executors/${TASK_ID}/runs/[^/]+$`), 'reference §4.4: sandbox layout <work_dir>/slaves/<agentId>/frameworks/<fwId>/executors/<execId>/runs/<containerId>');
  const task = (executor.tasks as Json[]).find((t) => t.id === TASK_ID);
  assert.ok(task, 'reference §6.6: executors[].tasks lists the running task');
  assert.equal(task.state, 'TASK_RUNNING');

  const { body: delegated } = await getJson(`${cluster.agentUrl}/state`);
  assert.equal(delegated.id, state.id, 'reference §1.2: agent /state is /slave(1)/state');
});

test('agent /metrics/snapshot: slave/registered and the task counters', async () => {
  const { body: metrics } = await getJson(`${cluster.agentUrl}/metrics/snapshot`);
  assertKeys(metrics, ['slave/uptime_secs', 'slave/registered', 'slave/tasks_running', 'slave/tasks_finished', 'slave/executors_running', 'slave/cpus_total', 'slave/cpus_used'], 'reference §6.4 agent metrics');
  assert.equal(metrics['slave/registered'], 1, 'slave/registered is 1');
  assert.equal(metrics['slave/tasks_running'], 1, 'slave/tasks_running counts the task');
});
