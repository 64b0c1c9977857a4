// Conformance of the rest of the master's legacy read-only endpoints (reference §6.1–6.3) and of
// the master's /files proxy (§6.5) against real master and agent processes: /master/state-summary,
// /master/frameworks, /master/slaves, /master/tasks (filtering, ordering, paging), /master/roles,
// each with ?jsonp= and under both spellings; then sandbox files read, browsed and downloaded
// through the master's address, `..` escapes refused and unknown paths 404.
//
// Three command tasks run one after the other, so their first statuses are strictly ordered:
//   FIRST   prints a line and finishes      (completed)
//   SECOND  prints a line and sleeps        (running)
//   THIRD   prints a line and sleeps        (running)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  acknowledge,
  commandTask,
  firstOffer,
  followToTerminal,
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

const FIRST = 'legacy-first';
const SECOND = 'legacy-second';
const THIRD = 'legacy-third';
const STDOUT_LINE = (taskId: string): string => `hello from ${taskId}`;

let cluster: Cluster;
let fw: Framework;

async function launchAndWait(taskId: string, command: string, until: 'TASK_RUNNING' | 'terminal'): Promise<void> {
  const offer = await firstOffer(fw);
  await launch(fw, [idOf(offer.id)], [commandTask(taskId, cluster.agentId, command)]);
  if (until === 'terminal') {
    const statuses = await followToTerminal(fw, taskId);
    assert.equal(statuses.at(-1)!.state, 'TASK_FINISHED', `setup: ${taskId} finishes`);
    return;
  }
  for (;;) {
    const status = await nextUpdate(fw, taskId);
    if (typeof status.uuid === 'string') await acknowledge(fw, status);
    if (status.state === 'TASK_RUNNING') return;
    assert.equal(status.state, 'TASK_STARTING', `setup: ${taskId} goes STARTING -> RUNNING, got ${JSON.stringify(status)}`);
  }
}

before(async () => {
  cluster = await startCluster();
  fw = await subscribe(cluster.masterUrl, frameworkInfo('conformance-legacy-endpoints'));
  await launchAndWait(FIRST, `echo '${STDOUT_LINE(FIRST)}'`, 'terminal');
  await launchAndWait(SECOND, `echo '${STDOUT_LINE(SECOND)}' && sleep 60`, 'TASK_RUNNING');
  await launchAndWait(THIRD, `echo '${STDOUT_LINE(THIRD)}' && sleep 60`, 'TASK_RUNNING');
});

after(async () => {
  if (fw) {
    for (const taskId of [SECOND, THIRD]) {
      await fw.call('KILL', { task_id: { value: taskId }, agent_id: { value: cluster.agentId } }).catch(() => undefined);
    }
    fw.close();
  }
  await cluster?.stop();
});

function assertKeys(object: Json, keys: string[], where: string): void {
  const missing = keys.filter((k) => !(k in object));
  assert.deepEqual(missing, [], `${where}: missing keys ${missing.join(', ')} (present: ${Object.keys(object).join(', ')})`);
}

/** GETs `path` as `/master/<path>` and `/<path>`, checks both agree, and checks `?jsonp=`. */
async function legacyGet(path: string, query = ''): Promise<Json> {
  const sep = query === '' ? '?' : `${query}&`;
  const { headers, body } = await getJson(`${cluster.masterUrl}/master${path}${query}`);
  assert.equal(headers.get('content-type'), 'application/json', `reference §6: /master${path} answers application/json`);
  const { body: delegated } = await getJson(`${cluster.masterUrl}${path}${query}`);
  assert.deepEqual(Object.keys(delegated), Object.keys(body), `reference §1.2: ${path} is /master${path} (libprocess delegate)`);
  const res = await fetch(`${cluster.masterUrl}/master${path}${sep}jsonp=cb`);
  const text = await res.text();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/javascript', `reference §0.15: /master${path}?jsonp= is text/javascript`);
  const match = /^cb\(([\s\S]*)\);$/.exec(text);
  assert.ok(match, `reference §0.15: /master${path}?jsonp=cb is cb(<json>); got ${JSON.stringify(text.slice(0, 80))}`);
  assert.deepEqual(Object.keys(JSON.parse(match[1]!) as Json), Object.keys(body), 'the JSONP payload is the same object');
  return body;
}

const AGENT_KEYS = ['id', 'hostname', 'port', 'attributes', 'pid', 'registered_time', 'resources', 'used_resources', 'offered_resources', 'reserved_resources', 'unreserved_resources', 'active', 'version', 'capabilities'];
const SUMMARY_FRAMEWORK_KEYS = ['id', 'name', 'used_resources', 'offered_resources', 'capabilities', 'hostname', 'webui_url', 'active', 'connected', 'recovered'];
const COUNT_KEYS = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_KILLED', 'TASK_FAILED', 'TASK_LOST', 'TASK_ERROR', 'TASK_UNREACHABLE'];

test('/master/state-summary: hostname, agents and frameworks with per-state task counts and the ids linking them', async () => {
  const summary = await legacyGet('/state-summary');
  assertKeys(summary, ['hostname', 'slaves', 'frameworks'], 'reference §6.3 /master/state-summary');
  const { body: state } = await getJson(`${cluster.masterUrl}/master/state`);
  assert.equal(summary.hostname, state.hostname, 'hostname is the master hostname');

  const slaves = summary.slaves as Json[];
  assert.equal(slaves.length, 1);
  const slave = slaves[0]!;
  assertKeys(slave, [...AGENT_KEYS, ...COUNT_KEYS, 'framework_ids'], 'reference §6.3 state-summary slaves[]');
  assert.equal(slave.id, cluster.agentId);
  assert.equal(slave.pid, `slave(1)@127.0.0.1:${cluster.agentPort}`, 'the same agent object as /state');
  assert.equal(slave.TASK_RUNNING, 2, 'two running tasks on the agent');
  assert.equal(slave.TASK_FINISHED, 1, 'one finished (completed) task on the agent');
  assert.equal(slave.TASK_FAILED, 0, 'states without tasks count 0');
  assert.deepEqual(slave.framework_ids, [fw.id], 'framework_ids: frameworks with tasks on the agent');

  const framework = (summary.frameworks as Json[]).find((f) => f.id === fw.id);
  assert.ok(framework, 'the framework is listed');
  assertKeys(framework, [...SUMMARY_FRAMEWORK_KEYS, ...COUNT_KEYS, 'slave_ids'], 'reference §6.3 state-summary frameworks[]');
  assert.equal('tasks' in framework, false, 'the summary does not list tasks');
  assert.equal(framework.TASK_RUNNING, 2);
  assert.equal(framework.TASK_FINISHED, 1);
  assert.deepEqual(framework.slave_ids, [cluster.agentId], 'slave_ids: agents the framework has tasks on');
  assert.deepEqual(framework.used_resources, (state.frameworks as Json[]).find((f) => f.id === fw.id)!.used_resources, 'the same used_resources as /state');
});

test('/master/frameworks: registered, completed and (always empty) unregistered frameworks; ?framework_id= selects', async () => {
  const all = await legacyGet('/frameworks');
  assertKeys(all, ['frameworks', 'completed_frameworks', 'unregistered_frameworks'], 'reference §6.3 /master/frameworks');
  assert.deepEqual(all.unregistered_frameworks, [], 'unregistered_frameworks is always []');
  const framework = (all.frameworks as Json[]).find((f) => f.id === fw.id);
  assert.ok(framework, 'the framework is listed');

  const { body: state } = await getJson(`${cluster.masterUrl}/master/state`);
  const fromState = (state.frameworks as Json[]).find((f) => f.id === fw.id)!;
  assert.deepEqual(Object.keys(framework).sort(), Object.keys(fromState).sort(), 'reference §6.2: the same framework object as /state (upstream FullFrameworkWriter)');
  assert.deepEqual((framework.tasks as Json[]).map((t) => t.id).sort(), [SECOND, THIRD], 'frameworks[].tasks: the live tasks');
  assert.deepEqual((framework.completed_tasks as Json[]).map((t) => t.id), [FIRST], 'frameworks[].completed_tasks: the finished one');

  const one = await legacyGet('/frameworks', `?framework_id=${encodeURIComponent(fw.id)}`);
  assert.deepEqual((one.frameworks as Json[]).map((f) => f.id), [fw.id], '?framework_id= selects that framework');
  const none = await legacyGet('/frameworks', '?framework_id=no-such-framework');
  assert.deepEqual(none.frameworks, [], '?framework_id= of an unknown id lists nothing');
  assert.deepEqual(none.completed_frameworks, []);
});

test('/master/slaves: agents with the *_full v1 resources; ?slave_id= selects', async () => {
  const all = await legacyGet('/slaves');
  assertKeys(all, ['slaves', 'recovered_slaves'], 'reference §6.3 /master/slaves');
  assert.deepEqual(all.recovered_slaves, [], 'no agent is waiting to re-register');
  const slave = (all.slaves as Json[])[0]!;
  assertKeys(slave, [...AGENT_KEYS, 'reserved_resources_full', 'unreserved_resources_full', 'used_resources_full', 'offered_resources_full'], 'reference §6.2 /master/slaves slaves[]');
  assert.deepEqual(slave.reserved_resources_full, {}, 'no reservations: an empty {role: [Resource]} object');
  const unreserved = slave.unreserved_resources_full as Json[];
  const cpus = unreserved.find((r) => r.name === 'cpus');
  assert.deepEqual(cpus?.scalar, { value: 2 }, 'unreserved_resources_full holds v1 Resource objects (name, type, scalar)');
  assert.equal(cpus?.type, 'SCALAR');
  const used = slave.used_resources_full as Json[];
  const usedCpus = used.filter((r) => r.name === 'cpus').reduce((sum, r) => sum + ((r.scalar as Json).value as number), 0);
  assert.ok(Math.abs(usedCpus - ((slave.used_resources as Json).cpus as number)) < 1e-9, 'used_resources_full adds up to used_resources');
  assert.ok(used.every((r) => (r.allocation_info as Json | undefined)?.role === '*'), 'used resources carry their allocation role');

  const one = await legacyGet('/slaves', `?slave_id=${encodeURIComponent(cluster.agentId)}`);
  assert.equal((one.slaves as Json[]).length, 1, '?slave_id= selects the agent');
  const none = await legacyGet('/slaves', '?slave_id=no-such-agent');
  assert.deepEqual(none.slaves, [], '?slave_id= of an unknown id lists nothing');
});

const ids = (body: Json): string[] => (body.tasks as Json[]).map((t) => t.id as string);

test('/master/tasks: every task (live and completed), newest first by default, in the legacy task shape', async () => {
  const body = await legacyGet('/tasks');
  assert.deepEqual(Object.keys(body), ['tasks'], 'reference §6.3: {tasks}');
  assert.deepEqual(ids(body), [THIRD, SECOND, FIRST], 'default order: newest first (des)');
  const first = (body.tasks as Json[]).find((t) => t.id === FIRST)!;
  assertKeys(first, ['id', 'name', 'framework_id', 'executor_id', 'slave_id', 'state', 'resources', 'statuses'], 'reference §6.1 task');
  assert.equal(first.state, 'TASK_FINISHED');
  assert.equal(first.slave_id, cluster.agentId);
  assert.equal(first.executor_id, '', 'command tasks have executor_id ""');
});

test('/master/tasks: order=asc, limit and offset page through the sorted list', async () => {
  assert.deepEqual(ids(await legacyGet('/tasks', '?order=asc')), [FIRST, SECOND, THIRD]);
  assert.deepEqual(ids(await legacyGet('/tasks', '?order=asc&limit=1&offset=1')), [SECOND], 'the second-oldest task');
  assert.deepEqual(ids(await legacyGet('/tasks', '?limit=2')), [THIRD, SECOND]);
  assert.deepEqual(ids(await legacyGet('/tasks', '?offset=2')), [FIRST]);
  assert.deepEqual(ids(await legacyGet('/tasks', '?offset=3')), []);
  assert.deepEqual(ids(await legacyGet('/tasks', '?limit=nonsense')), [THIRD, SECOND, FIRST], 'a limit that does not parse falls back to 100, as upstream');
});

test('/master/tasks: framework_id and task_id filter', async () => {
  assert.deepEqual(ids(await legacyGet('/tasks', `?task_id=${FIRST}`)), [FIRST]);
  assert.deepEqual(ids(await legacyGet('/tasks', `?framework_id=${encodeURIComponent(fw.id)}&order=asc`)), [FIRST, SECOND, THIRD]);
  assert.deepEqual(ids(await legacyGet('/tasks', '?framework_id=no-such-framework')), []);
  assert.deepEqual(ids(await legacyGet('/tasks', '?task_id=no-such-task')), []);
});

test('/master/roles: weight, quota, resources, allocated/offered/reserved quantities and frameworks', async () => {
  const body = await legacyGet('/roles');
  const star = (body.roles as Json[]).find((r) => r.name === '*');
  assert.ok(star, "the framework's role '*' is listed");
  assertKeys(star, ['name', 'weight', 'resources', 'allocated', 'offered', 'reserved', 'quota', 'frameworks'], 'reference §6.3 /master/roles roles[]');
  assert.equal(star.weight, 1, 'the default weight is 1');
  assert.deepEqual(star.frameworks, [fw.id], 'frameworks: plain ids');
  assertKeys(star.quota as Json, ['role', 'guarantee', 'limit', 'consumed'], 'reference §6.3 roles[].quota');
  assert.equal((star.quota as Json).role, '*');

  const { body: state } = await getJson(`${cluster.masterUrl}/master/state`);
  const used = (state.frameworks as Json[]).find((f) => f.id === fw.id)!.used_resources as Json;
  const allocated = star.allocated as Json;
  assert.equal(allocated.cpus, used.cpus, "allocated: what the role's frameworks use (as /state's used_resources)");
  assert.equal(allocated.mem, used.mem);
  assert.deepEqual(star.reserved, {}, 'nothing is reserved');
  assert.deepEqual((star.quota as Json).consumed, allocated, 'with no reservations, consumed quota is the unreserved allocation');
  for (const key of ['cpus', 'gpus', 'mem', 'disk']) assert.equal(typeof (star.resources as Json)[key], 'number', `reference §6.1: resources.${key} is always present`);
});

// ---- /files through the master -------------------------------------------------------------

const virtualSandbox = (taskId: string): string => `/frameworks/${fw.id}/executors/${taskId}/runs/latest`;

async function filesGet(endpoint: string, query: string): Promise<Response> {
  return fetch(`${cluster.masterUrl}/files/${endpoint}?${query}`);
}

test("/files/read through the master returns a finished task's stdout (virtual sandbox path)", async () => {
  const path = encodeURIComponent(`${virtualSandbox(FIRST)}/stdout`);
  const res = await filesGet('read', `path=${path}&offset=0`);
  const text = await res.text();
  assert.equal(res.status, 200, `reference §6.5: /files/read through the master, got ${res.status}: ${text}`);
  const body = JSON.parse(text) as Json;
  assert.equal(body.offset, 0);
  assert.match(body.data as string, new RegExp(STDOUT_LINE(FIRST)), 'data is the raw stdout text');

  const pailer = JSON.parse(await (await filesGet('read', `path=${path}&offset=-1`)).text()) as Json;
  assert.deepEqual(pailer, { offset: Buffer.byteLength(body.data as string), data: '' }, 'reference §6.5: offset=-1 gives {offset: <size>, data: ""}');

  const jsonp = await filesGet('read', `path=${path}&offset=0&jsonp=cb`);
  assert.equal(jsonp.headers.get('content-type'), 'text/javascript', 'reference §6.8: the pailer reads with ?jsonp=');
  assert.match(await jsonp.text(), /^cb\(\{"offset":0,"data":".*hello from legacy-first.*"\}\);$/s);
});

test("/files/read and /files/download through the master with a running task's real sandbox path", async () => {
  const { body: agentState } = await getJson(`${cluster.agentUrl}/state`);
  const framework = (agentState.frameworks as Json[]).find((f) => f.id === fw.id)!;
  const executor = (framework.executors as Json[]).find((e) => e.id === SECOND)!;
  const directory = executor.directory as string;
  assert.ok(directory.startsWith(cluster.workDir), `setup: the agent reports the sandbox directory, got ${directory}`);

  const read = JSON.parse(await (await filesGet('read', `path=${encodeURIComponent(`${directory}/stdout`)}&offset=0`)).text()) as Json;
  assert.match(read.data as string, new RegExp(STDOUT_LINE(SECOND)));

  const download = await filesGet('download', `path=${encodeURIComponent(`${directory}/stdout`)}`);
  assert.equal(download.status, 200);
  assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename=.*stdout/, 'reference §6.5: Content-Disposition attachment with the basename');
  assert.equal(await download.text(), read.data, 'download gives the same bytes as read');
});

test('/files/browse through the master lists the sandbox with virtual paths; ?jsonp= is honoured', async () => {
  const base = virtualSandbox(THIRD);
  const res = await filesGet('browse', `path=${encodeURIComponent(base)}`);
  assert.equal(res.status, 200);
  const entries = JSON.parse(await res.text()) as Json[];
  const stdout = entries.find((e) => e.path === `${base}/stdout`);
  assert.ok(stdout, `reference §6.5: browse lists ${base}/stdout; got ${entries.map((e) => e.path).join(', ')}`);
  assertKeys(stdout, ['path', 'nlink', 'size', 'mtime', 'mode', 'uid', 'gid'], 'reference §6.5 browse entry');
  assert.match(stdout.mode as string, /^-[rwx-]{9}$/, 'mode is ls -l style text');

  const jsonp = await filesGet('browse', `path=${encodeURIComponent(base)}&jsonp=cb`);
  assert.equal(jsonp.headers.get('content-type'), 'text/javascript');
  assert.match(await jsonp.text(), /^cb\(\[.*\]\);$/s);
});

test('/files through the master: ".." escapes are 403, unknown paths 404, a missing path 400', async () => {
  const escapes = [
    `${virtualSandbox(SECOND)}/../../../../../../../etc/passwd`,
    `${cluster.workDir}/agent/slaves/${cluster.agentId}/../../../../../etc/passwd`,
  ];
  for (const path of escapes) {
    const res = await filesGet('read', `path=${encodeURIComponent(path)}&offset=0`);
    assert.equal(res.status, 403, `a '..' escape is refused through the master: ${path}`);
    const download = await filesGet('download', `path=${encodeURIComponent(path)}`);
    assert.equal(download.status, 403);
  }
  for (const path of [`/frameworks/${fw.id}/executors/no-such-executor/runs/latest/stdout`, '/etc/passwd', `/frameworks/no-such-framework/executors/${SECOND}/runs/latest`]) {
    const res = await filesGet('browse', `path=${encodeURIComponent(path)}`);
    assert.equal(res.status, 404, `reference §6.5: a path no agent holds is 404: ${path}`);
  }
  const inSandboxButMissing = await filesGet('read', `path=${encodeURIComponent(`${virtualSandbox(SECOND)}/no-such-file`)}&offset=0`);
  assert.equal(inSandboxButMissing.status, 404, "the agent's own 404 passes through");
  const missing = await filesGet('read', 'offset=0');
  assert.equal(missing.status, 400, 'reference §6.5: a missing path parameter is 400');
});

test('/files/debug on the master merges the agents\' {virtual: real} maps', async () => {
  const { body } = await getJson(`${cluster.masterUrl}/files/debug`);
  const real = body[virtualSandbox(SECOND)];
  assert.equal(typeof real, 'string', `the running executor's virtual path is attached; got keys ${Object.keys(body).join(', ')}`);
  assert.ok((real as string).startsWith(cluster.workDir), 'it maps to the real sandbox on the agent host');
});

// Last: it stops the agent.
test('/files through the master is 503 when the agent holding the path is down', async () => {
  await cluster.agent.stop();
  const res = await filesGet('read', `path=${encodeURIComponent(`${virtualSandbox(SECOND)}/stdout`)}&offset=0`);
  assert.equal(res.status, 503, 'the master knows the agent but cannot reach it');
  assert.match(await res.text(), new RegExp(`Agent '${cluster.agentId}' at 127\\.0\\.0\\.1:${cluster.agentPort} is unreachable`));
});
