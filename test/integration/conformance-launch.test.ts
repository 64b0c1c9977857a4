// Conformance of a command task's life on the raw wire (reference §2.3-§2.5, §3 TaskStatus, §4,
// §6.5): ACCEPT/LAUNCH, the executor's STARTING -> RUNNING -> FINISHED/FAILED updates with their
// uuids, ACKNOWLEDGE, the task's sandbox through /files/read, and the agent's executor endpoint.
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
  isUuidBytes,
  launch,
  nextUpdate,
  post,
  startCluster,
  subscribe,
  type Cluster,
  type Framework,
  type Json,
} from './conformance-support.ts';

let cluster: Cluster;
let fw: Framework;
before(async () => {
  cluster = await startCluster();
  fw = await subscribe(cluster.masterUrl, frameworkInfo('conformance-launch'));
});
after(async () => {
  fw?.close();
  await cluster?.stop();
});

/** The executor id of a command task is the task id (reference §3 TaskInfo). */
function checkExecutorStatus(status: Json, taskId: string, state: string): void {
  const where = `${state} of '${taskId}'`;
  assert.equal(status.state, state, `reference §2.5: expected ${state}, got ${JSON.stringify(status)}`);
  assert.deepEqual(status.task_id, { value: taskId }, `${where}: task_id`);
  assert.equal(status.source, 'SOURCE_EXECUTOR', `reference §2.5: ${where} has source SOURCE_EXECUTOR`);
  assert.ok(isUuidBytes(status.uuid), `reference §0.13/§3: ${where} carries uuid = base64 of 16 bytes, got ${JSON.stringify(status.uuid)}`);
  assert.deepEqual(status.agent_id, { value: cluster.agentId }, `reference §2.4: ${where} has status.agent_id filled in`);
  assert.deepEqual(status.executor_id, { value: taskId }, `reference §2.4: ${where} has status.executor_id filled in (the task id for the command executor)`);
  assert.equal(typeof status.timestamp, 'number', `reference §2.4: ${where} timestamp is a number of seconds`);
  const now = Date.now() / 1000;
  assert.ok(Math.abs((status.timestamp as number) - now) < 60, `reference §2.4: ${where} timestamp is seconds since the epoch near now (${now}), got ${String(status.timestamp)}`);
}

let finishedTask: { taskId: string; statuses: Json[] } | undefined;

test('ACCEPT LAUNCH of `echo hi`: TASK_STARTING, TASK_RUNNING, TASK_FINISHED from the executor; each ACKNOWLEDGE gets 202 with an empty body', async () => {
  const offer = await firstOffer(fw);
  const taskId = 'echo-hi';
  await launch(fw, [idOf(offer.id)], [commandTask(taskId, cluster.agentId, 'echo hi')]);

  const statuses: Json[] = [];
  for (;;) {
    const status = await nextUpdate(fw, taskId);
    statuses.push(status);
    assert.notEqual(status.state, 'TASK_STAGING', 'reference §2.5: no UPDATE is sent for TASK_STAGING');
    const ack = await acknowledge(fw, status);
    assert.equal(ack.status, 202, `reference §0.7: ACKNOWLEDGE answers 202 Accepted, got ${ack.status}: ${ack.text}`);
    assert.equal(ack.text, '', 'reference §0.7: the 202 has an empty body');
    if (status.state === 'TASK_FINISHED' || status.state === 'TASK_FAILED') break;
  }
  assert.deepEqual(
    statuses.map((s) => s.state),
    ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'],
    'reference §2.5: a command task goes TASK_STARTING -> TASK_RUNNING -> TASK_FINISHED',
  );
  const [starting, running, finished] = statuses as [Json, Json, Json];
  checkExecutorStatus(starting, taskId, 'TASK_STARTING');
  checkExecutorStatus(running, taskId, 'TASK_RUNNING');
  checkExecutorStatus(finished, taskId, 'TASK_FINISHED');
  assert.equal(finished.message, 'Command exited with status 0', 'reference §2.5 (src/launcher/executor.cpp: "Command " + WSTRINGIFY(status)): the terminal message');
  assert.equal(new Set(statuses.map((s) => s.uuid)).size, 3, 'every update has its own uuid');
  assert.ok((starting.timestamp as number) <= (running.timestamp as number) && (running.timestamp as number) <= (finished.timestamp as number), 'timestamps do not go backwards');
  finishedTask = { taskId, statuses };
});

test('a command exiting with 3 gives TASK_FAILED "Command exited with status 3"', async () => {
  const offer = await firstOffer(fw);
  const taskId = 'exit-3';
  await launch(fw, [idOf(offer.id)], [commandTask(taskId, cluster.agentId, 'exit 3')]);
  const statuses = await followToTerminal(fw, taskId);
  const terminal = statuses.at(-1)!;
  checkExecutorStatus(terminal, taskId, 'TASK_FAILED');
  assert.equal(terminal.message, 'Command exited with status 3', 'reference §2.5: the terminal message of a failed command');
});

/** Finds the executor of `executorId` in the agent's legacy /state, running or completed. */
function findExecutor(state: Json, executorId: string): Json | undefined {
  const frameworks = [...((state.frameworks as Json[]) ?? []), ...((state.completed_frameworks as Json[]) ?? [])];
  for (const f of frameworks) {
    for (const e of [...((f.executors as Json[]) ?? []), ...((f.completed_executors as Json[]) ?? [])]) {
      if (e.id === executorId) return e;
    }
  }
  return undefined;
}

test('agent /files/read serves the sandbox stdout with the task output; offset=-1 gives the size; ../ is refused', async () => {
  assert.ok(finishedTask, 'needs the finished `echo hi` task of the first test');
  const { body: state } = await getJson(`${cluster.agentUrl}/slave(1)/state`);
  const executor = findExecutor(state, finishedTask.taskId);
  assert.ok(executor, `reference §6.6: the agent /state lists executor '${finishedTask.taskId}' under frameworks[].executors or completed_executors`);
  const directory = executor.directory as string;
  assert.ok(typeof directory === 'string' && directory.startsWith(cluster.workDir), `reference §6.6: executors[].directory is the sandbox path on the host, got ${String(directory)}`);

  const stdoutPath = `${directory}/stdout`;
  const read = await getJson(`${cluster.agentUrl}/files/read?path=${encodeURIComponent(stdoutPath)}&offset=0`);
  assert.equal(read.body.offset, 0, 'reference §6.5: /files/read answers {offset, data}');
  assert.equal(typeof read.body.data, 'string', 'reference §6.5: data is raw text, not base64');
  assert.match(read.body.data as string, /(^|\n)hi\n/, `the task wrote "hi" to the sandbox stdout; got ${JSON.stringify(read.body.data)}`);

  const size = await getJson(`${cluster.agentUrl}/files/read?path=${encodeURIComponent(stdoutPath)}&offset=-1`);
  assert.deepEqual(size.body, { offset: Buffer.byteLength(read.body.data as string), data: '' }, 'reference §6.5: offset=-1 returns {offset: <file size>, data: ""}');

  const escape = await fetch(`${cluster.agentUrl}/files/read?path=${encodeURIComponent(`${directory}/../../../../../../../../etc/passwd`)}&offset=0`);
  const escapeText = await escape.text();
  assert.ok([400, 403, 404].includes(escape.status), `reference §6.5: a path outside the attached sandboxes is refused (400/403/404), got ${escape.status}: ${escapeText.slice(0, 200)}`);
  assert.ok(!escapeText.includes('root:'), 'the refused read leaks nothing of /etc/passwd');
});

test('agent /files/browse lists the sandbox; /files/download serves the raw bytes as an attachment', async () => {
  assert.ok(finishedTask, 'needs the finished `echo hi` task of the first test');
  const { body: state } = await getJson(`${cluster.agentUrl}/slave(1)/state`);
  const directory = findExecutor(state, finishedTask.taskId)?.directory as string;
  assert.ok(directory, 'the sandbox directory from the agent /state');

  const browse = await fetch(`${cluster.agentUrl}/files/browse?path=${encodeURIComponent(directory)}`);
  const listing = (await browse.json()) as Json[];
  assert.equal(browse.status, 200);
  assert.ok(Array.isArray(listing), 'reference §6.5: /files/browse answers a JSON array');
  const stdout = listing.find((f) => f.path === `${directory}/stdout`);
  assert.ok(stdout, `reference §6.5: the listing has the sandbox stdout with its full path; got ${JSON.stringify(listing.map((f) => f.path))}`);
  for (const key of ['path', 'nlink', 'size', 'mtime', 'mode', 'uid', 'gid']) assert.ok(key in stdout, `reference §6.5: browse entries have ${key}`);
  assert.match(stdout.mode as string, /^-[rwx-]{9}$/, 'reference §6.5: mode is a string like "-rw-r--r--"');
  assert.ok(typeof stdout.mtime === 'number' && Math.abs((stdout.mtime as number) - Date.now() / 1000) < 600, 'reference §6.5: mtime is seconds since the epoch');

  const missing = await fetch(`${cluster.agentUrl}/files/browse`);
  await missing.text();
  assert.equal(missing.status, 400, 'reference §6.5: a missing path parameter is 400');

  const download = await fetch(`${cluster.agentUrl}/files/download?path=${encodeURIComponent(`${directory}/stdout`)}`);
  const bytes = await download.text();
  assert.equal(download.status, 200);
  assert.match(bytes, /(^|\n)hi\n/, 'the download is the raw file');
  assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename=.*stdout/, 'reference §6.5: Content-Disposition: attachment; filename=<basename>');

  const dirDownload = await fetch(`${cluster.agentUrl}/files/download?path=${encodeURIComponent(directory)}`);
  await dirDownload.text();
  assert.equal(dirDownload.status, 400, 'reference §6.5: downloading a directory is 400');
});

test('agent /api/v1/executor: a call for an unknown framework is 400', async () => {
  const reply = await post(`${cluster.agentUrl}/api/v1/executor`, {
    type: 'SUBSCRIBE',
    framework_id: { value: 'no-such-framework' },
    executor_id: { value: 'no-such-executor' },
    subscribe: {},
  });
  assert.equal(reply.status, 400, `reference §4.1: an executor call for an unknown framework is 400 "Framework cannot be found", got ${reply.status}: ${reply.text}`);
  assert.match(reply.text, /framework/i, `reference §4.1: the body names the problem ("Framework cannot be found"), got ${JSON.stringify(reply.text)}`);
});
