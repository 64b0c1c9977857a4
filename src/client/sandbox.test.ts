import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentClient } from './agent-client.ts';
import type { LegacyAgentState } from './legacy-types.ts';
import { agentBaseUrl, findSandbox, SandboxFile } from './sandbox.ts';
import { json, TestDoubleServer } from './testing/test-double-server.ts';

const STATE: LegacyAgentState = {
  frameworks: [
    {
      id: 'f1',
      executors: [
        { id: 'exec-a', directory: '/w/a', tasks: [{ id: 'task-a' }] },
        { id: 'cmd-1', directory: '/w/cmd-1' },
        { id: 'group', type: 'DEFAULT', directory: '/w/group', tasks: [{ id: 'member' }] },
      ],
      completed_executors: [{ id: 'old', directory: '/w/old', completed_tasks: [{ id: 'done' }] }],
    },
  ],
  completed_frameworks: [{ id: 'f0', completed_executors: [{ id: 'x', directory: '/w/f0-x', completed_tasks: [{ id: 'gone' }] }] }],
};

test('findSandbox: by listed task, by the command-executor id rule, for task groups and completed ones', () => {
  assert.deepEqual(findSandbox(STATE, 'f1', 'task-a'), { directory: '/w/a', executorId: 'exec-a' });
  assert.deepEqual(findSandbox(STATE, 'f1', 'cmd-1'), { directory: '/w/cmd-1', executorId: 'cmd-1' });
  assert.deepEqual(findSandbox(STATE, 'f1', 'member'), { directory: '/w/group/tasks/member', executorId: 'group' });
  assert.deepEqual(findSandbox(STATE, 'f1', 'done'), { directory: '/w/old', executorId: 'old' });
  assert.deepEqual(findSandbox(STATE, 'f0', 'gone'), { directory: '/w/f0-x', executorId: 'x' });
  assert.equal(findSandbox(STATE, 'f1', 'unknown'), undefined);
  assert.equal(findSandbox(STATE, 'other', 'task-a'), undefined, 'task ids are per framework');
});

test('agentBaseUrl prefers the pid and falls back to hostname:port', () => {
  assert.equal(agentBaseUrl({ pid: 'slave(1)@10.0.0.6:5052', agent_info: { hostname: 'a1', port: 5051 } }), 'http://10.0.0.6:5052');
  assert.equal(agentBaseUrl({ agent_info: { hostname: 'a1', port: 5053 } }), 'http://a1:5053');
});

/** A test double of an agent's /files/read over an in-memory file, with Mesos's semantics. */
function filesDouble(double: TestDoubleServer, files: Map<string, () => string>, pageLimit = 64 * 1024): void {
  double.handle((req, res) => {
    if (req.path !== '/files/read') return json(res, 404, {});
    const content = files.get(req.query.get('path') ?? '');
    if (!content) {
      res.statusCode = 404;
      return void res.end('file not found');
    }
    const bytes = Buffer.from(content());
    const offset = Number(req.query.get('offset'));
    if (offset === -1) return json(res, 200, { offset: bytes.length, data: '' });
    const length = Math.min(Number(req.query.get('length') ?? -1) < 0 ? Infinity : Number(req.query.get('length')), pageLimit);
    json(res, 200, { offset, data: bytes.subarray(offset, offset + length).toString() });
  });
}

test('SandboxFile reads forward in pieces, follows growth, and treats a missing file as empty', async () => {
  const double = await new TestDoubleServer().start();
  try {
    let content = 'x'.repeat(150 * 1024) + '\nend\n';
    const files = new Map<string, () => string>();
    filesDouble(double, files);
    const file = new SandboxFile(new AgentClient(double.address), '/w/stdout');
    assert.equal(await file.readAvailable(), '', 'not created yet');
    files.set('/w/stdout', () => content);
    assert.equal(await file.readAvailable(), content);
    assert.ok(double.requests.filter((r) => r.path === '/files/read').length >= 4, 'read in 64 KiB pieces');
    content += 'more\n';
    assert.equal(await file.readAvailable(), 'more\n');
    assert.equal(await file.readAvailable(), '');
    assert.equal(file.offset, Buffer.byteLength(content));
  } finally {
    await double.close();
  }
});

test('SandboxFile.seekToLastLines finds the start of the last N lines across pieces', async () => {
  const double = await new TestDoubleServer().start();
  try {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'é'.repeat(i % 7)}`);
    const files = new Map([
      ['/w/log', () => lines.join('\n') + '\n'],
      ['/w/no-newline', () => 'a\nb\nc'],
    ]);
    filesDouble(double, files, 1000);
    const agent = new AgentClient(double.address);
    const tail = new SandboxFile(agent, '/w/log');
    await tail.seekToLastLines(3);
    assert.equal(await tail.readAvailable(), lines.slice(-3).join('\n') + '\n');
    const many = new SandboxFile(agent, '/w/log');
    await many.seekToLastLines(4000);
    assert.equal(await many.readAvailable(), lines.slice(-4000).join('\n') + '\n');
    const all = new SandboxFile(agent, '/w/no-newline');
    await all.seekToLastLines(10);
    assert.equal(await all.readAvailable(), 'a\nb\nc');
    const two = new SandboxFile(agent, '/w/no-newline');
    await two.seekToLastLines(2);
    assert.equal(await two.readAvailable(), 'b\nc');
  } finally {
    await double.close();
  }
});

test('SandboxFile forward reads stay exact when a read ends inside a multi-byte character', async () => {
  const double = await new TestDoubleServer().start();
  try {
    const content = Array.from({ length: 300 }, (_, i) => `${i} ${'é'.repeat(i % 13)}`).join('\n') + '\n';
    filesDouble(double, new Map([['/w/stdout', () => content]]), 1001);
    const file = new SandboxFile(new AgentClient(double.address), '/w/stdout');
    assert.equal(await file.readAvailable(), content);
    assert.equal(file.offset, Buffer.byteLength(content));
  } finally {
    await double.close();
  }
});
