import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSandboxOwner, pathSegments, type SandboxAgent, type SandboxDirectory } from './sandbox-owner.ts';

const FW = 'm1-0000';

/** Two agents on one host with their own work dirs, one on another host sharing a1's work dir. */
function directory(agents: SandboxAgent[], executors: Record<string, string[]> = {}): SandboxDirectory {
  return { agents, executorAgents: (fw, ex) => executors[`${fw}/${ex}`] ?? [] };
}

const A1 = { id: 'm1-S0', workDir: '/var/lib/agora' };
const A2 = { id: 'm1-S1', workDir: '/tmp/w2/' };
const A3 = { id: 'm1-S2', workDir: '/var/lib/agora' };

function owner(path: string | null, dir: SandboxDirectory): string {
  const r = findSandboxOwner(path, dir);
  return r.ok ? r.agentId : `${r.status}`;
}

test('pathSegments drops empty and "." segments and refuses ".."', () => {
  assert.deepEqual(pathSegments('/a//b/./c/'), ['a', 'b', 'c']);
  assert.equal(pathSegments('/a/../b'), undefined);
  assert.deepEqual(pathSegments('/a/..b/c'), ['a', '..b', 'c'], 'a segment that merely starts with ".." is a name');
});

test('missing, relative, NUL and ".." paths are refused as the agent refuses them', () => {
  const dir = directory([A1]);
  assert.equal(owner(null, dir), '400');
  assert.equal(owner('', dir), '400');
  assert.equal(owner('/var/lib/agora/slaves/m1-S0/a\0b', dir), '400');
  assert.equal(owner('var/lib/agora/slaves/m1-S0', dir), '404');
  assert.equal(owner('/var/lib/agora/slaves/m1-S0/frameworks/../../../etc', dir), '403');
  assert.equal(owner('/frameworks/x/executors/y/runs/latest/../../../../../etc/passwd', directory([A1], { 'x/y': ['m1-S0'] })), '403');
});

test('a virtual executor path goes to the most relevant agent that ran the executor', () => {
  const dir = directory([A1, A2], { [`${FW}/task-1`]: ['m1-S1', 'm1-S0'] });
  assert.equal(owner(`/frameworks/${FW}/executors/task-1/runs/latest/stdout`, dir), 'm1-S1');
  assert.equal(owner(`/frameworks/${FW}/executors/task-1/runs/latest`, dir), 'm1-S1');
  assert.equal(owner(`/frameworks/${FW}/executors/unknown/runs/latest/stdout`, dir), '404');
  assert.equal(owner(`/frameworks/${FW}`, dir), '404', 'not an executor path');
});

test('a real sandbox path goes to the agent named in it, among agents sharing the work dir', () => {
  const dir = directory([A1, A2, A3]);
  const sandbox = (agent: string, wd = '/var/lib/agora'): string => `${wd}/slaves/${agent}/frameworks/${FW}/executors/e/runs/c1/stdout`;
  assert.equal(owner(sandbox('m1-S0'), dir), 'm1-S0');
  assert.equal(owner(sandbox('m1-S2'), dir), 'm1-S2');
  assert.equal(owner(sandbox('m1-S1', '/tmp/w2'), dir), 'm1-S1', 'a trailing slash on the reported work dir does not matter');
  assert.equal(owner('//var/lib/agora/./slaves/m1-S0/frameworks', dir), 'm1-S0', 'the path is normalized first');
  assert.equal(owner('/var/lib/agora/slaves', dir), '404', 'the slaves directory itself belongs to no single agent');
  assert.equal(owner('/etc/passwd', dir), '404');
});

test('slaves/latest and unknown agent ids fall back to the executor, then to the only agent of the work dir', () => {
  const shared = directory([A1, A3], { [`${FW}/e`]: ['m1-S2'] });
  assert.equal(owner(`/var/lib/agora/slaves/latest/frameworks/${FW}/executors/e/runs/latest/stdout`, shared), 'm1-S2');
  assert.equal(owner(`/var/lib/agora/slaves/latest/frameworks/${FW}/executors/other/runs/latest`, shared), '404', 'ambiguous: two agents share the work dir');
  const alone = directory([A1, A2]);
  assert.equal(owner(`/var/lib/agora/slaves/latest/frameworks/${FW}/executors/other/runs/latest`, alone), 'm1-S0', 'only one agent uses this work dir');
  assert.equal(owner('/var/lib/agora/slaves/old-agent-id/frameworks', alone), 'm1-S0');
});

test('the executor of a slaves/latest path must be on an agent with that work dir', () => {
  const dir = directory([A1, A2, A3], { [`${FW}/e`]: ['m1-S1', 'm1-S2'] });
  assert.equal(owner(`/var/lib/agora/slaves/latest/frameworks/${FW}/executors/e/runs/latest`, dir), 'm1-S2', 'm1-S1 ran it too, but under another work dir');
});

test('nested work dirs resolve to the innermost one', () => {
  const outer = { id: 'outer', workDir: '/w' };
  const inner = { id: 'inner', workDir: '/w/slaves/x/nested' };
  assert.equal(owner('/w/slaves/x/nested/slaves/inner/frameworks/f', directory([outer, inner])), 'inner');
  assert.equal(owner('/w/slaves/outer/frameworks/f', directory([outer, inner])), 'outer');
});

test('agents that did not report a work dir are found by the agent id in the path', () => {
  const legacy = { id: 'm1-S7', workDir: undefined };
  const dir = directory([A1, legacy]);
  assert.equal(owner(`/somewhere/else/slaves/m1-S7/frameworks/${FW}/executors/e/runs/c/stdout`, dir), 'm1-S7');
  assert.equal(owner(`/somewhere/else/slaves/m1-S0/frameworks/${FW}/executors/e/runs/c/stdout`, dir), '404', 'm1-S0 reported its work dir, and this is not under it');
});

test('a successful answer carries the normalized path', () => {
  const r = findSandboxOwner('/var/lib/agora//slaves/m1-S0/./frameworks/', directory([A1]));
  assert.deepEqual(r, { ok: true, agentId: 'm1-S0', path: '/var/lib/agora/slaves/m1-S0/frameworks' });
});
