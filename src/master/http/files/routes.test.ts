// The master's /files routes in process, with a test-double agent that reports no work dir and
// serves nothing: routing by the agent id in a path, 307 with --files_redirect_to_agent, 404 for
// paths no agent holds, 503 for an agent the master cannot reach.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMaster } from '../../server.ts';
import { TestAgent } from '../../testing/test-agent.ts';

const redirecting = await startMaster({ port: 0, filesRedirectToAgent: true, filesProxyTimeoutMs: 2000 });
const proxying = await startMaster({ port: 0, filesProxyTimeoutMs: 2000 });
// A port nothing listens on, for the agent that cannot be reached.
const deadPort = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as AddressInfo;
    s.close(() => resolve(port));
  });
});
const agentOfRedirecting = await TestAgent.register(redirecting.url, { hostname: 'a1.example', port: 5999 });
const agentOfProxying = await TestAgent.register(proxying.url, { port: deadPort });
after(async () => {
  agentOfRedirecting.close();
  agentOfProxying.close();
  await redirecting.stop();
  await proxying.stop();
});

const sandbox = (agentId: string): string => `/var/lib/agora/slaves/${agentId}/frameworks/f-0000/executors/e/runs/c1/stdout`;

test('--files_redirect_to_agent: 307 to the owning agent with the same path and query', async () => {
  const query = `path=${encodeURIComponent(sandbox(agentOfRedirecting.agentId))}&offset=0&jsonp=cb`;
  for (const prefix of ['', '/master']) {
    const res = await fetch(`${redirecting.url}${prefix}/files/read?${query}`, { redirect: 'manual' });
    assert.equal(res.status, 307);
    assert.equal(res.headers.get('location'), `//a1.example:5999/files/read?${query}`);
  }
});

test('a path no agent holds is 404 and a ".." path is 403, before any redirect', async () => {
  const unknown = await fetch(`${redirecting.url}/files/browse?path=${encodeURIComponent('/var/lib/agora/slaves/nobody/x')}`, { redirect: 'manual' });
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /no known sandbox holds/);
  const escape = await fetch(`${redirecting.url}/files/read?path=${encodeURIComponent(`${sandbox(agentOfRedirecting.agentId)}/../../../../../../etc/passwd`)}`, { redirect: 'manual' });
  assert.equal(escape.status, 403);
  const missing = await fetch(`${redirecting.url}/files/download`, { redirect: 'manual' });
  assert.equal(missing.status, 400);
  assert.equal(await missing.text(), "Expecting 'path' query parameter");
});

test('an agent the master cannot reach is 503', async () => {
  const res = await fetch(`${proxying.url}/files/read?path=${encodeURIComponent(sandbox(agentOfProxying.agentId))}&offset=0`);
  assert.equal(res.status, 503);
  assert.match(await res.text(), new RegExp(`Agent '${agentOfProxying.agentId}' at 127\\.0\\.0\\.1:${deadPort} is unreachable`));
});

test('/files/debug leaves out agents that do not answer', async () => {
  const res = await fetch(`${proxying.url}/files/debug?jsonp=cb`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'cb({});');
});
