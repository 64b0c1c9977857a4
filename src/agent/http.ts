// The agent's HTTP endpoints. Every route answers both at `/<path>` and at `/slave(1)/<path>`
// (libprocess delegate routing, src/common/http/server.ts); legacy GET endpoints honour `?jsonp=`.
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { encode, ResourceStatistics, ContainerStatus } from '../protocol/index.ts';
import { formatFlags } from '../common/flags.ts';
import { HttpServer, RESPONDED, type RequestContext } from '../common/http/server.ts';
import type { Logger } from '../common/log.ts';
import { AGORA_VERSION, MESOS_API_VERSION } from '../common/version.ts';
import type { Agent } from './agent.ts';
import { executorApiHandler } from './executor-api.ts';
import {
  browse,
  contentTypeFor,
  parseOffsetParam,
  readChunk,
  resolveSandboxPath,
  sandboxAttachments,
} from './files.ts';
import { AGENT_FLAGS } from './flags.ts';
import { getContainers, operatorApiHandler } from './operator-api.ts';
import { agentStateJson } from './state-json.ts';

/** libprocess id of the agent's main process. */
export const AGENT_PROCESS_ID = 'slave(1)';

export function createAgentServer(agent: Agent, logger: Logger): HttpServer {
  const server = new HttpServer({ processId: AGENT_PROCESS_ID, logger });
  const attachments = (): Map<string, string> => sandboxAttachments(agent.state, agent.flags.work_dir, agent.agentId);
  const get = (path: string, handler: (ctx: RequestContext) => unknown, jsonp = true): void => {
    server.route({ methods: ['GET'], path, handler, jsonp });
  };

  server.route({ methods: ['POST'], path: '/api/v1/executor', handler: executorApiHandler(agent) });
  server.route({ methods: ['POST'], path: '/api/v1', handler: operatorApiHandler(agent, logger) });

  const state = (): unknown => agentStateJson(agent);
  get('/state', state);
  get('/state.json', state);
  get('/flags', () => ({ flags: formatFlags(AGENT_FLAGS, agent.flags) }));
  get('/health', (ctx) => {
    ctx.res.writeHead(200, { 'Content-Length': 0 });
    ctx.res.end();
    return RESPONDED;
  });
  get('/version', () => ({ version: MESOS_API_VERSION, agora_version: AGORA_VERSION, build_date: '', build_time: 0, build_user: '' }));
  get('/metrics/snapshot', () => agent.metrics.snapshot());

  const statistics = async (): Promise<unknown[]> =>
    (await getContainers(agent))
      .filter((c) => c.resource_statistics !== undefined)
      .map((c) => {
        const executor = agent.findExecutor(c.framework_id!.value, c.executor_id!.value).executor;
        return {
          framework_id: c.framework_id!.value,
          executor_id: c.executor_id!.value,
          executor_name: c.executor_name ?? '',
          source: executor?.info.source ?? '',
          statistics: encode(ResourceStatistics, c.resource_statistics!),
        };
      });
  get('/monitor/statistics', statistics);
  get('/monitor/statistics.json', statistics);
  get('/containers', async () =>
    (await getContainers(agent)).map((c) => ({
      framework_id: c.framework_id?.value ?? '',
      executor_id: c.executor_id?.value ?? '',
      executor_name: c.executor_name ?? '',
      source: agent.findExecutor(c.framework_id?.value ?? '', c.executor_id?.value ?? '').executor?.info.source ?? '',
      container_id: c.container_id.value,
      ...(c.container_status ? { status: encode(ContainerStatus, c.container_status) } : {}),
      ...(c.resource_statistics ? { statistics: encode(ResourceStatistics, c.resource_statistics) } : {}),
    })),
  );

  get('/files/browse', (ctx) => browse(resolveSandboxPath(ctx.query.get('path'), attachments())));
  get('/files/read', (ctx) => {
    const file = resolveSandboxPath(ctx.query.get('path'), attachments());
    const offset = parseOffsetParam('offset', ctx.query.get('offset'));
    const length = parseOffsetParam('length', ctx.query.get('length'));
    if (file.stats.isDirectory()) return readChunk(file, 0, 0); // throws 400
    if (offset === undefined || offset === -1) return { offset: file.stats.size, data: '' };
    return { offset, data: readChunk(file, offset, length).toString('utf8') };
  });
  get(
    '/files/download',
    (ctx) => {
      const file = resolveSandboxPath(ctx.query.get('path'), attachments());
      if (file.stats.isDirectory()) return readChunk(file, 0, 0); // throws 400
      ctx.res.writeHead(200, {
        'Content-Type': contentTypeFor(file.real),
        'Content-Length': file.stats.size,
        'Content-Disposition': `attachment; filename=${JSON.stringify(basename(file.virtualPath))}`,
      });
      if (file.stats.size === 0) {
        ctx.res.end();
        return RESPONDED;
      }
      createReadStream(file.real, { start: 0, end: Math.max(0, file.stats.size - 1) })
        .on('error', () => ctx.res.destroy())
        .pipe(ctx.res);
      return RESPONDED;
    },
    false,
  );
  get('/files/debug', () => Object.fromEntries(attachments()));
  return server;
}
