// Conformance of the master's v1 operator API (reference §5, §5.1, §5.2): GET_STATE's envelope
// and nesting, and the SUBSCRIBE event stream (SUBSCRIBED with a full get_state, then
// TASK_ADDED / TASK_UPDATED as a task runs), including RecordIO byte counts with non-ASCII text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rawPost, splitRecords } from './conformance-raw-http.ts';
import {
  EventStreamReader,
  commandTask,
  firstOffer,
  followToTerminal,
  frameworkInfo,
  idOf,
  launch,
  post,
  startCluster,
  subscribe,
  type Cluster,
  type Framework,
  type Json,
} from './conformance-support.ts';

/** Multi-byte UTF-8 in a name that the operator SUBSCRIBED snapshot echoes back. */
const FRAMEWORK_NAME = 'conformance-opérateur-✓';

let cluster: Cluster;
let fw: Framework;
before(async () => {
  cluster = await startCluster();
  fw = await subscribe(cluster.masterUrl, frameworkInfo(FRAMEWORK_NAME));
});
after(async () => {
  fw?.close();
  await cluster?.stop();
});

function checkGetState(getState: Json, where: string): void {
  for (const k of ['get_tasks', 'get_executors', 'get_frameworks', 'get_agents']) {
    assert.ok(getState[k] && typeof getState[k] === 'object', `reference §5.1: ${where} has ${k}`);
  }
  const frameworks = ((getState.get_frameworks as Json).frameworks as Json[]) ?? [];
  const framework = frameworks.find((f) => idOf((f.framework_info as Json).id) === fw.id);
  assert.ok(framework, `reference §5.1: ${where}.get_frameworks.frameworks[] has {framework_info} of '${fw.id}'`);
  assert.equal((framework.framework_info as Json).name, FRAMEWORK_NAME, `${where}: framework_info.name survives as UTF-8`);
  assert.equal(framework.active, true, `reference §5.1: ${where}: the framework is active`);
  assert.equal(framework.connected, true, `reference §5.1: ${where}: the framework is connected`);
  const agents = ((getState.get_agents as Json).agents as Json[]) ?? [];
  assert.equal(agents.length, 1, `${where}: one agent`);
  const agent = agents[0]!;
  assert.equal(idOf((agent.agent_info as Json).id), cluster.agentId, `reference §5.1: ${where}.get_agents.agents[].agent_info.id is {value}`);
  assert.equal(agent.pid, `slave(1)@127.0.0.1:${cluster.agentPort}`, `reference §5.1: ${where}: agents[].pid`);
  assert.equal(agent.active, true, `${where}: agents[].active`);
  assert.ok(Array.isArray(agent.total_resources) && (agent.total_resources as Json[]).some((r) => r.name === 'cpus' && (r.scalar as Json).value === 2), `reference §5.1: ${where}: agents[].total_resources is a v1 Resource array`);
}

test('GET_STATE: 200 application/json {"type":"GET_STATE","get_state":{get_tasks, get_executors, get_frameworks, get_agents}}', async () => {
  const reply = await post(`${cluster.masterUrl}/api/v1`, { type: 'GET_STATE' }, { Accept: 'application/json' });
  assert.equal(reply.status, 200, `reference §5: GET_* calls are 200 with a body, got ${reply.status}: ${reply.text}`);
  assert.equal(reply.headers.get('content-type'), 'application/json', 'reference §1.4: the response is JSON');
  const body = JSON.parse(reply.text) as Json;
  assert.equal(body.type, 'GET_STATE', 'reference §5: the response envelope repeats the type');
  assert.ok(body.get_state, 'reference §5: the payload is under get_state');
  checkGetState(body.get_state as Json, 'GET_STATE.get_state');
});

test('operator /api/v1 request errors: GET 405, no Content-Type 400, bad JSON 400', async () => {
  const get = await fetch(`${cluster.masterUrl}/api/v1`);
  await get.text();
  assert.equal(get.status, 405, 'reference §1.4: only POST; 405');
  assert.equal(get.headers.get('allow'), 'POST', 'reference §1.4: Allow: POST');
  const noType = await fetch(`${cluster.masterUrl}/api/v1`, { method: 'POST', body: new TextEncoder().encode('{"type":"GET_STATE"}') });
  assert.equal(noType.status, 400, `reference §1.4: missing Content-Type is 400, got ${noType.status}: ${await noType.text()}`);
  const bad = await post(`${cluster.masterUrl}/api/v1`, '{"type":');
  assert.equal(bad.status, 400, `reference §1.4: bad JSON is 400, got ${bad.status}`);
  assert.match(bad.text, /^Failed to parse body into JSON/, `reference §1.4: "Failed to parse body into JSON: ...", got ${JSON.stringify(bad.text)}`);
});

test('operator SUBSCRIBE on the wire: SUBSCRIBED first, one record per chunk, lengths in bytes', async () => {
  const res = await rawPost(cluster.masterPort, '/api/v1', JSON.stringify({ type: 'SUBSCRIBE' }));
  try {
    assert.match(res.statusLine, /^HTTP\/1\.1 200 /, 'reference §5.2: operator SUBSCRIBE answers 200');
    assert.equal(res.headers.get('content-type'), 'application/json', 'reference §1.3: Content-Type is the record type');
    assert.equal(res.headers.get('transfer-encoding'), 'chunked', 'reference §5.2: a chunked RecordIO stream');
    const [first] = await res.chunks(1);
    const records = splitRecords(first!);
    assert.equal(records.length, 1, 'reference §1.3: one record per HTTP chunk');
    const record = records[0]!;
    const text = record.body.toString('utf8');
    assert.equal(record.declared, record.body.length, 'reference §1.3: the length counts bytes');
    assert.ok(text.includes(FRAMEWORK_NAME), 'the snapshot carries the non-ASCII framework name');
    assert.notEqual(record.declared, text.length, 'sanity: with multi-byte characters the byte length differs from the character count');
    const event = JSON.parse(text) as Json;
    assert.equal(event.type, 'SUBSCRIBED', 'reference §5.2: the first event is SUBSCRIBED');
    const subscribed = event.subscribed as Json;
    assert.equal(subscribed.heartbeat_interval_seconds, 15, 'reference §5.2: heartbeat_interval_seconds 15');
    checkGetState(subscribed.get_state as Json, 'SUBSCRIBED.get_state');
  } finally {
    res.close();
  }
});

test('operator SUBSCRIBE stream: TASK_ADDED then TASK_UPDATED {framework_id, status, state} as a task runs', async () => {
  const abort = new AbortController();
  const res = await fetch(`${cluster.masterUrl}/api/v1`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ type: 'SUBSCRIBE' }),
    signal: abort.signal,
  });
  assert.equal(res.status, 200);
  const events = new EventStreamReader(res.body!, abort);
  try {
    await events.nextOfType('SUBSCRIBED');
    const taskId = 'operator-watched';
    const offer = await firstOffer(fw);
    await launch(fw, [idOf(offer.id)], [commandTask(taskId, cluster.agentId, 'true')]);
    const statuses = await followToTerminal(fw, taskId);
    assert.equal(statuses.at(-1)!.state, 'TASK_FINISHED', 'setup: the task finishes');

    const added = await events.nextOfType('TASK_ADDED');
    const task = (added.task_added as Json).task as Json;
    assert.ok(task, 'reference §5.2: TASK_ADDED is {task_added:{task}}');
    assert.deepEqual(task.task_id, { value: taskId }, 'reference §5.2: v1 Task with task_id {value}');
    assert.deepEqual(task.framework_id, { value: fw.id }, 'v1 Task.framework_id');
    assert.deepEqual(task.agent_id, { value: cluster.agentId }, 'v1 Task.agent_id');
    assert.equal(task.name, taskId, 'v1 Task.name');
    assert.equal(task.state, 'TASK_STAGING', 'a task is added in TASK_STAGING');
    assert.ok(Array.isArray(task.resources), 'v1 Task.resources is a Resource array');

    const seen: string[] = [];
    while (!seen.includes('TASK_FINISHED')) {
      const updated = await events.nextOfType('TASK_UPDATED');
      const body = updated.task_updated as Json;
      assert.ok(body, `reference §5.2 (DOC-ERRATUM): TASK_UPDATED nests under task_updated, got ${JSON.stringify(updated)}`);
      assert.deepEqual(body.framework_id, { value: fw.id }, 'reference §5.2: task_updated.framework_id');
      const status = body.status as Json;
      assert.deepEqual(status.task_id, { value: taskId }, 'reference §5.2: task_updated.status is the TaskStatus');
      assert.equal(typeof body.state, 'string', 'reference §5.2: task_updated.state is the latest state');
      seen.push(status.state as string);
    }
    assert.deepEqual(seen, ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'], 'one TASK_UPDATED per status update, in order');
  } finally {
    events.close();
  }
});
