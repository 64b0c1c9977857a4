// `POST /api/v1/executor` (reference §4.1–4.3): the v1 executor API. HTTP-level checks and status
// codes live here; what a call means for the agent's state lives in Agent.
//
// Order of checks, as Mesos's `Slave::Http::executor`:
//   405 not POST (the router) -> 400/415 Content-Type -> 400 body/decode/validate ->
//   HEARTBEAT: 202 -> 400 "Framework cannot be found" -> 400 "Executor cannot be found" ->
//   SUBSCRIBE: 406 Accept, 200 + stream | UPDATE/MESSAGE: 403 while not subscribed, else 202.
import { decodeExecutorCall, formatDecodeErrors } from '../protocol/index.ts';
import { AgoraError, ForbiddenError, InvalidArgumentError } from '../common/errors.ts';
import { EventStream } from '../common/http/event-stream.ts';
import { negotiateJson, RESPONDED, type RequestContext } from '../common/http/server.ts';
import type { Agent } from './agent.ts';

export function executorApiHandler(agent: Agent): (ctx: RequestContext) => Promise<unknown> {
  return async (ctx) => {
    negotiateJson(ctx.req, false);
    const text = (await ctx.body()).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new InvalidArgumentError(`Failed to parse body into JSON: ${(err as Error).message}`);
    }
    const decoded = decodeExecutorCall(json);
    if (!decoded.ok) {
      const prefix = decoded.stage === 'decode' ? 'Failed to convert JSON into Call protobuf' : 'Failed to validate Executor::Call';
      throw new InvalidArgumentError(`${prefix}: ${formatDecodeErrors(decoded.errors)}`);
    }
    const call = decoded.value;
    if (call.type === 'UNKNOWN') throw new AgoraError('NOT_IMPLEMENTED', 501, "Received 'UNKNOWN' call");
    if (call.type === 'HEARTBEAT') return accepted(ctx);

    const { framework, executor } = agent.findExecutor(call.framework_id.value, call.executor_id.value);
    if (!framework) throw new InvalidArgumentError('Framework cannot be found');
    if (!executor) throw new InvalidArgumentError('Executor cannot be found');

    switch (call.type) {
      case 'SUBSCRIBE': {
        negotiateJson(ctx.req, true);
        if (executor.state === 'TERMINATED') throw new ForbiddenError('Executor has terminated');
        const stream = new EventStream(ctx.res);
        agent.executorSubscribed(framework, executor, stream, {
          updates: (call.subscribe.unacknowledged_updates ?? []).map((u) => u.status),
          tasks: call.subscribe.unacknowledged_tasks ?? [],
        });
        return RESPONDED;
      }
      case 'UPDATE': {
        if (executor.state === 'REGISTERING') throw new ForbiddenError('Executor is not subscribed');
        const result = agent.executorUpdate(framework, executor, call.update.status);
        if (result.kind === 'error') throw new InvalidArgumentError(`Status update rejected: ${result.message}`);
        return accepted(ctx);
      }
      case 'MESSAGE': {
        if (executor.state === 'REGISTERING') throw new ForbiddenError('Executor is not subscribed');
        agent.executorMessage(framework, executor, call.message.data);
        return accepted(ctx);
      }
    }
  };
}

function accepted(ctx: RequestContext): typeof RESPONDED {
  ctx.res.writeHead(202, { 'Content-Length': 0 });
  ctx.res.end();
  return RESPONDED;
}
