// The master's `/files/browse`, `/files/read`, `/files/download` and `/files/debug` (reference
// §6.5). Mesos served these only for the master's own log; the Agora master also serves every
// agent's sandboxes, so the web UI and `agora task log` need to reach only the master:
//
//   client ──GET /files/read?path=P&offset=O──> master ──same path and query──> agent owning P
//          <──── agent's status, headers, body (streamed) ────────────────────────┘
//
// sandbox-owner.ts decides which agent owns P. With `--files_redirect_to_agent` the master
// answers 307 to the agent's URL instead of proxying. A path no agent holds is 404; an agent that
// cannot be reached (or does not answer within `--files_proxy_timeout`) is 503. `?jsonp=` is
// passed through with the query, so the agent wraps browse and read answers.
import { ForbiddenError, InvalidArgumentError, NotFoundError, type AgoraError } from '../../../common/errors.ts';
import { RESPONDED, type RequestContext, type Route } from '../../../common/http/server.ts';
import type { Master } from '../../master.ts';
import type { AgentRecord, FrameworkRecord } from '../../model.ts';
import { registeredAgents } from '../legacy-json.ts';
import { proxyToAgent } from './proxy.ts';
import { findSandboxOwner, type SandboxDirectory } from './sandbox-owner.ts';

/** Agents asked at once by `/files/debug`. */
const DEBUG_FAN_OUT = 16;

/**
 * Agents that ran executor `executorId` of `frameworkId`, most relevant first: live tasks, then
 * executors the master tracks, then completed tasks (newest first), in the framework's live
 * record and then its completed records. A command task's executor id is its task id.
 */
export function executorAgents(m: Master, frameworkId: string, executorId: string): string[] {
  const found = new Set<string>();
  const records: FrameworkRecord[] = [];
  const live = m.frameworks.get(frameworkId);
  if (live !== undefined) records.push(live);
  for (let i = m.completedFrameworks.length - 1; i >= 0; i--) if (m.completedFrameworks[i]!.id === frameworkId) records.push(m.completedFrameworks[i]!);
  for (const fw of records) {
    for (const t of fw.tasks.values()) if ((t.executorId ?? t.taskId) === executorId) found.add(t.agentId);
    for (const [agentId, executors] of fw.executors) if (executors.has(executorId)) found.add(agentId);
    for (let i = fw.completedTasks.length - 1; i >= 0; i--) {
      const t = fw.completedTasks[i]!;
      if ((t.executorId ?? t.taskId) === executorId) found.add(t.agentId);
    }
  }
  return [...found];
}

export function sandboxDirectory(m: Master): SandboxDirectory {
  return {
    agents: [...m.agents.values()].map((a) => ({ id: a.id, workDir: a.workDir })),
    executorAgents: (frameworkId, executorId) => executorAgents(m, frameworkId, executorId),
  };
}

function refusal(status: 400 | 403 | 404, message: string): AgoraError {
  if (status === 400) return new InvalidArgumentError(message);
  if (status === 403) return new ForbiddenError(message);
  return new NotFoundError(message);
}

/** The raw query string of the request (`path=...&offset=...`), passed on as the client sent it. */
function rawQuery(ctx: RequestContext): string {
  const url = ctx.req.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

function agentOwning(m: Master, ctx: RequestContext): AgentRecord {
  const owner = findSandboxOwner(ctx.query.get('path'), sandboxDirectory(m));
  if (!owner.ok) throw refusal(owner.status, owner.message);
  const agent = m.agents.get(owner.agentId);
  if (agent === undefined) throw new NotFoundError(`File not found: agent '${owner.agentId}' of '${owner.path}' is unknown`);
  return agent;
}

function forward(m: Master, endpoint: 'browse' | 'read' | 'download'): Route['handler'] {
  return async (ctx) => {
    const agent = agentOwning(m, ctx);
    const query = rawQuery(ctx);
    const path = `/files/${endpoint}${query === '' ? '' : `?${query}`}`;
    if (m.options.filesRedirectToAgent) {
      // Protocol-relative, as Mesos' own redirects; the web UI reaches agents by hostname too.
      ctx.res.writeHead(307, { Location: `//${agent.hostname}:${agent.port}${path}`, 'Content-Length': 0 });
      ctx.res.end();
      return RESPONDED;
    }
    await proxyToAgent(ctx, { agentId: agent.id, host: agent.ip, port: agent.port, path }, { clock: m.clock, timeoutMs: m.options.filesProxyTimeoutMs, log: m.log });
    return RESPONDED;
  };
}

/** One agent's `/files/debug` map, or undefined when it does not answer in time. */
async function agentAttachments(agent: AgentRecord, timeoutMs: number): Promise<Record<string, string> | undefined> {
  try {
    const res = await fetch(`http://${agent.ip}:${agent.port}/files/debug`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as unknown;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
    return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return undefined;
  }
}

/**
 * `/files/debug`: the `{virtual: real}` map of every connected agent, merged (Mesos shows the
 * process's own attachments; the master's attachments are the agents' sandboxes). Agents that do
 * not answer within the proxy timeout are left out rather than failing the whole answer.
 */
export async function filesDebug(m: Master): Promise<Record<string, string>> {
  const agents = registeredAgents(m).filter((a) => a.status === 'connected');
  const merged: Record<string, string> = {};
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < agents.length) {
      const agent = agents[next++]!;
      const map = await agentAttachments(agent, m.options.filesProxyTimeoutMs);
      if (map === undefined) m.log.debug({ agentId: agent.id }, 'files debug: agent did not answer');
      else Object.assign(merged, map);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DEBUG_FAN_OUT, agents.length) }, worker));
  return merged;
}

export function filesRoutes(m: Master): Route[] {
  return [
    { methods: ['GET'], path: '/files/browse', handler: forward(m, 'browse') },
    { methods: ['GET'], path: '/files/read', handler: forward(m, 'read') },
    { methods: ['GET'], path: '/files/download', handler: forward(m, 'download') },
    { methods: ['GET'], path: '/files/debug', jsonp: true, handler: () => filesDebug(m) },
  ];
}
