// The agent's v1 operator API, `POST /api/v1` (reference §5.3): the read-only calls, the
// sandbox file calls and PRUNE_IMAGES (image GC on demand). Container calls (LAUNCH_CONTAINER,
// ATTACH_*, ...) answer 501 until the containerizer supports nested and standalone containers.
import type { AgentContainer, AgentResponse, Image, Task, ValidAgentCall } from '../protocol/index.ts';
import { decodeAgentCall, encodeAgentResponse, formatDecodeErrors } from '../protocol/index.ts';
import { AgoraError, InvalidArgumentError } from '../common/errors.ts';
import { formatFlags } from '../common/flags.ts';
import { negotiateJson, RESPONDED, type RequestContext } from '../common/http/server.ts';
import { silentLogger, type Logger } from '../common/log.ts';
import { resourcesToWire } from '../common/resources/index.ts';
import { parseImageGcConfig } from '../containerizer/linux/image-gc.ts';
import { AGORA_VERSION, MESOS_API_VERSION } from '../common/version.ts';
import type { Agent } from './agent.ts';
import { listFiles, readChunk, resolveSandboxPath, sandboxAttachments } from './files.ts';
import { AGENT_FLAGS } from './flags.ts';
import { newTask } from './state.ts';

export function operatorApiHandler(agent: Agent, logger: Logger = silentLogger()): (ctx: RequestContext) => Promise<unknown> {
  // One prune at a time: a second PRUNE_IMAGES waits for the first rather than racing it over
  // the same store (Mesos's provisioner takes a write lock for the same reason).
  let pruning: Promise<unknown> = Promise.resolve();
  return async (ctx) => {
    negotiateJson(ctx.req, true);
    let json: unknown;
    try {
      json = JSON.parse((await ctx.body()).toString('utf8'));
    } catch (err) {
      throw new InvalidArgumentError(`Failed to parse body into JSON: ${(err as Error).message}`);
    }
    const decoded = decodeAgentCall(json);
    if (!decoded.ok) {
      const prefix = decoded.stage === 'decode' ? 'Failed to convert JSON into Call protobuf' : 'Failed to validate agent::Call';
      throw new InvalidArgumentError(`${prefix}: ${formatDecodeErrors(decoded.errors)}`);
    }
    const call = decoded.value;
    if (call.type === 'PRUNE_IMAGES') {
      const run = pruning.then(() => pruneImages(agent, call.prune_images?.excluded_images ?? [], logger));
      pruning = run.catch(() => undefined);
      await run;
      // As Mesos: 200 OK with an empty body once the prune is done.
      ctx.res.writeHead(200, { 'Content-Length': 0 });
      ctx.res.end();
      return RESPONDED;
    }
    return encodeAgentResponse(await answer(agent, call));
  };
}

async function answer(agent: Agent, call: ValidAgentCall): Promise<AgentResponse> {
  switch (call.type) {
    case 'GET_HEALTH':
      return { type: 'GET_HEALTH', get_health: { healthy: true } };
    case 'GET_FLAGS':
      return {
        type: 'GET_FLAGS',
        get_flags: { flags: Object.entries(formatFlags(AGENT_FLAGS, agent.flags)).map(([name, value]) => ({ name, value })) },
      };
    case 'GET_VERSION':
      return { type: 'GET_VERSION', get_version: { version_info: { version: MESOS_API_VERSION, git_tag: `agora-${AGORA_VERSION}` } } };
    case 'GET_METRICS':
      return {
        type: 'GET_METRICS',
        get_metrics: { metrics: Object.entries(agent.metrics.snapshot()).map(([name, value]) => ({ name, value })) },
      };
    case 'GET_STATE':
      return { type: 'GET_STATE', get_state: { get_tasks: getTasks(agent), get_executors: getExecutors(agent), get_frameworks: getFrameworks(agent) } };
    case 'GET_FRAMEWORKS':
      return { type: 'GET_FRAMEWORKS', get_frameworks: getFrameworks(agent) };
    case 'GET_EXECUTORS':
      return { type: 'GET_EXECUTORS', get_executors: getExecutors(agent) };
    case 'GET_TASKS':
      return { type: 'GET_TASKS', get_tasks: getTasks(agent) };
    case 'GET_CONTAINERS':
      return { type: 'GET_CONTAINERS', get_containers: { containers: await getContainers(agent) } };
    case 'GET_AGENT':
      return {
        type: 'GET_AGENT',
        get_agent: {
          agent_info: {
            hostname: agent.hostname,
            port: agent.port,
            resources: resourcesToWire(agent.resources),
            attributes: agent.attributes,
            ...(agent.agentId !== undefined ? { id: { value: agent.agentId } } : {}),
          },
        },
      };
    case 'LIST_FILES': {
      const file = resolveSandboxPath(call.list_files.path, sandboxAttachments(agent.state, agent.flags.work_dir, agent.agentId));
      return { type: 'LIST_FILES', list_files: { file_infos: listFiles(file) } };
    }
    case 'READ_FILE': {
      const file = resolveSandboxPath(call.read_file.path, sandboxAttachments(agent.state, agent.flags.work_dir, agent.agentId));
      const data = readChunk(file, call.read_file.offset, call.read_file.length);
      return { type: 'READ_FILE', read_file: { size: file.stats.size, data: data.toString('base64') } };
    }
    default:
      throw new AgoraError('NOT_IMPLEMENTED', 501, `The agent does not implement '${call.type}' yet`);
  }
}

/**
 * PRUNE_IMAGES: every containerizer that stores images prunes, one after the other, keeping the
 * call's `excluded_images` and, as Mesos does, those of `--image_gc_config`. An agent without
 * image support has nothing to prune and succeeds (Mesos's provisioner with no store does too).
 */
async function pruneImages(agent: Agent, requested: readonly Image[], logger: Logger): Promise<void> {
  const configured = agent.flags.image_gc_config === undefined ? [] : parseImageGcConfig(agent.flags.image_gc_config).excludedImages;
  const excluded = [...requested, ...configured];
  const total = { images_removed: 0, layers_removed: 0, bytes_freed: 0 };
  for (const containerizer of agent.containerizers) {
    if (!containerizer.pruneImages) continue;
    const result = await containerizer.pruneImages(excluded);
    total.images_removed += result.imagesRemoved.length;
    total.layers_removed += result.layersRemoved.length;
    total.bytes_freed += result.bytesFreed;
  }
  logger.info({ ...total, excluded_images: excluded.length }, 'PRUNE_IMAGES done');
}

function getFrameworks(agent: Agent) {
  return {
    frameworks: [...agent.state.frameworks.values()].map((f) => ({ framework_info: f.info })),
    completed_frameworks: agent.state.completedFrameworks.map((f) => ({ framework_info: f.info })),
  };
}

function getExecutors(agent: Agent) {
  const executors = [];
  const completed = [];
  for (const f of agent.state.frameworks.values()) {
    for (const e of f.executors.values()) executors.push({ executor_info: e.info });
    for (const e of f.completedExecutors) completed.push({ executor_info: e.info });
  }
  for (const f of agent.state.completedFrameworks) for (const e of f.completedExecutors) completed.push({ executor_info: e.info });
  return { executors, completed_executors: completed };
}

function getTasks(agent: Agent) {
  const queued: Task[] = [];
  const launched: Task[] = [];
  const terminated: Task[] = [];
  const completed: Task[] = [];
  const agentId = agent.agentId ?? '';
  for (const f of agent.state.frameworks.values()) {
    for (const e of f.executors.values()) {
      for (const info of e.queuedTasks.values()) queued.push(newTask(info, f.id, agentId, e.isCommandExecutor ? undefined : e.id));
      launched.push(...e.launchedTasks.values());
      terminated.push(...e.terminatedTasks.values());
      completed.push(...e.completedTasks);
    }
    for (const e of f.completedExecutors) completed.push(...e.completedTasks);
  }
  for (const f of agent.state.completedFrameworks) for (const e of f.completedExecutors) completed.push(...e.completedTasks);
  return { queued_tasks: queued, launched_tasks: launched, terminated_tasks: terminated, completed_tasks: completed };
}

/** Every executor container with its status and usage (GET_CONTAINERS, /containers). */
export async function getContainers(agent: Agent): Promise<AgentContainer[]> {
  const out: AgentContainer[] = [];
  for (const f of agent.state.frameworks.values()) {
    for (const e of f.executors.values()) {
      if (!e.containerizer || e.state === 'TERMINATED') continue;
      const container: AgentContainer = {
        framework_id: { value: f.id },
        executor_id: { value: e.id },
        executor_name: e.info.name ?? '',
        container_id: { value: e.containerId },
      };
      try {
        container.container_status = await e.containerizer.status(e.containerId);
        container.resource_statistics = await e.containerizer.usage(e.containerId);
      } catch {
        // The container ended between the listing and the query.
      }
      out.push(container);
    }
  }
  return out;
}
