// The list/log/kill commands against a TEST DOUBLE master and agent (see
// src/client/testing/test-double-server.ts); the real daemons are covered by
// test/integration/cli-*.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { getStateResponse, taskJson } from '../../client/testing/fixtures.ts';
import { closedPort, json, TestDoubleServer } from '../../client/testing/test-double-server.ts';
import { runCli } from '../main.ts';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await runCli(args, { stdout, stderr });
  return { code, out, err };
}

async function withMaster(responses: Record<string, unknown>, fn: (master: TestDoubleServer) => Promise<void>): Promise<void> {
  const master = await new TestDoubleServer().start();
  master.operatorApi(responses);
  try {
    await fn(master);
  } finally {
    await master.close();
  }
}

test('agent list: a table with used/total resources, or the GET_AGENTS JSON', () =>
  withMaster({ GET_AGENTS: { type: 'GET_AGENTS', get_agents: getStateResponse().get_state.get_agents } }, async (m) => {
    const table = await cli(['agent', 'list', '--master', m.address]);
    assert.equal(table.code, 0, table.err);
    const [header, row] = table.out.trimEnd().split('\n');
    assert.match(header!, /^ID\s+HOSTNAME\s+ADDRESS\s+CPUS\s+MEM\s+DISK\s+ACTIVE$/);
    assert.match(row!, /^m1-S0\s+a1\s+127\.0\.0\.1:5051\s+0\.5\/4\s+0\/2048\s+0\/0\s+yes$/);
    const asJson = await cli(['agent', 'list', '--master', m.address, '--json']);
    assert.equal((JSON.parse(asJson.out) as { agents: unknown[] }).agents.length, 1);
  }));

test('task list: active tasks by default, --all adds completed, --framework filters, --json prints Tasks', () =>
  withMaster(
    { GET_STATE: getStateResponse({ tasks: [taskJson('web.1', 'TASK_RUNNING')], completed: [taskJson('job.2', 'TASK_FINISHED')] }) },
    async (m) => {
      const active = await cli(['task', 'list', '--master', m.address]);
      assert.equal(active.code, 0, active.err);
      assert.match(active.out, /^ID\s+NAME\s+STATE\s+FRAMEWORK\s+AGENT\nweb\.1\s+web\s+RUNNING\s+demo\s+127\.0\.0\.1:5051\n$/);
      const all = await cli(['task', 'list', '--master', m.address, '--all', '--json']);
      const tasks = JSON.parse(all.out) as { task_id: { value: string }; state: string }[];
      assert.deepEqual(tasks.map((t) => [t.task_id.value, t.state]), [['web.1', 'TASK_RUNNING'], ['job.2', 'TASK_FINISHED']]);
      const none = await cli(['task', 'list', '--master', m.address, '--framework', 'other']);
      assert.match(none.out, /no active tasks/);
    },
  ));

test('framework list shows roles and active task counts', () =>
  withMaster({ GET_STATE: getStateResponse({ tasks: [taskJson('web.1', 'TASK_RUNNING'), taskJson('web.2', 'TASK_FAILED')] }) }, async (m) => {
    const r = await cli(['framework', 'list', '--master', m.address]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /m1-0000\s+demo\s+\*\s+yes\s+1\n/);
  }));

test('an unreachable master: exit 69 and a message with the URL and a hint', async () => {
  const port = await closedPort();
  for (const args of [['task', 'list'], ['agent', 'list'], ['framework', 'list'], ['task', 'log', 'x'], ['task', 'kill', 'x']]) {
    const r = await cli([...args, '--master', `127.0.0.1:${port}`]);
    assert.equal(r.code, 69, args.join(' '));
    assert.match(r.err, new RegExp(`^agora ${args.slice(0, 2).join(' ')}: cannot reach the master at http://127\\.0\\.0\\.1:${port}/api/v1: connection refused\\n.*agora dev`, 's'));
  }
});

test('AGORA_MASTER is the default master; bad flags and addresses are usage errors', async () => {
  const port = await closedPort();
  process.env.AGORA_MASTER = `127.0.0.1:${port}`;
  try {
    const r = await cli(['task', 'list']);
    assert.equal(r.code, 69);
    assert.match(r.err, new RegExp(`127\\.0\\.0\\.1:${port}`));
  } finally {
    delete process.env.AGORA_MASTER;
  }
  assert.equal((await cli(['task', 'list', '--master', 'zk://z:2181/mesos'])).code, 2);
  assert.equal((await cli(['task', 'list', '--timeout', 'forever'])).code, 2);
  assert.equal((await cli(['task', 'log'])).code, 2);
});

test('task log prints the last lines of the sandbox file found through the agent', async () => {
  const agent = await new TestDoubleServer().start();
  const stdout = 'one\ntwo\nthree\n';
  agent.handle((req, res) => {
    if (req.path === '/state') return json(res, 200, { frameworks: [{ id: 'm1-0000', executors: [{ id: 'web.1', directory: '/sb', tasks: [{ id: 'web.1' }] }] }] });
    if (req.path === '/files/read' && req.query.get('path') === '/sb/stdout') {
      const offset = Number(req.query.get('offset'));
      return json(res, 200, offset === -1 ? { offset: stdout.length, data: '' } : { offset, data: stdout.slice(offset, offset + Number(req.query.get('length'))) });
    }
    json(res, 404, {});
  });
  try {
    await withMaster({ GET_STATE: getStateResponse({ tasks: [taskJson('web.1', 'TASK_RUNNING')], agentPort: agent.port }) }, async (m) => {
      const all = await cli(['task', 'log', 'web.1', '--master', m.address]);
      assert.equal(all.code, 0, all.err);
      assert.equal(all.out, stdout);
      const last = await cli(['task', 'log', 'web', '--lines', '2', '--master', m.address]);
      assert.equal(last.out, 'two\nthree\n');
      const err = await cli(['task', 'log', 'web.1', '--stderr', '--master', m.address]);
      assert.equal(err.code, 0);
      assert.equal(err.out, '', 'stderr not created yet reads as empty');
    });
  } finally {
    await agent.close();
  }
});

test('task kill explains who can kill the task; --teardown-framework tears its framework down', () =>
  withMaster({ GET_STATE: getStateResponse({ tasks: [taskJson('web.1', 'TASK_RUNNING')] }), TEARDOWN: null }, async (m) => {
    const refused = await cli(['task', 'kill', 'web.1', '--master', m.address]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /belongs to framework 'demo' \(m1-0000\); only that framework can kill/);
    assert.match(refused.err, /--teardown-framework/);
    assert.ok(!m.requests.some((r) => r.body.includes('TEARDOWN')), 'nothing was changed');
    m.handle((req, res) => {
      const type = (JSON.parse(req.body) as { type: string }).type;
      if (type === 'TEARDOWN') return void res.end();
      json(res, 200, getStateResponse({ tasks: [taskJson('web.1', 'TASK_RUNNING')] }));
    });
    const done = await cli(['task', 'kill', 'web.1', '--teardown-framework', '--master', m.address, '--json']);
    assert.equal(done.code, 0, done.err);
    assert.deepEqual(JSON.parse(done.out), { task_id: 'web.1', framework_id: 'm1-0000', state: 'TASK_RUNNING', torn_down: true, tasks_killed: 1 });
    assert.deepEqual(JSON.parse(m.requests.at(-1)!.body), { type: 'TEARDOWN', teardown: { framework_id: { value: 'm1-0000' } } });
  }));
