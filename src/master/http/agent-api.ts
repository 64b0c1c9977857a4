// POST /agora/v1/agent: Agora's agent <-> master protocol (docs/protocol/agent-master.md).
// SUBSCRIBE opens the agent's event stream; every other call names the agent and carries the
// stream id of its current stream, and gets 202. SUBSCRIBEs arriving together are applied in one
// registry transaction (registration-batch.ts).
import { ForbiddenError, InvalidArgumentError } from '../../common/errors.ts';
import { negotiateJson, RESPONDED, type Route } from '../../common/http/server.ts';
import { AGENT_PROTOCOL_PATH, AGENT_STREAM_ID_HEADER, decodeAgentToMasterCall } from '../../protocol/agora/agent-master.ts';
import { formatDecodeErrors } from '../../protocol/index.ts';
import { handleAgentCall } from '../agent-calls.ts';
import type { Master } from '../master.ts';
import { subscribeAgentBatched } from '../registration-batch.ts';
import { readJsonBody } from './scheduler-api.ts';

export function agentApiRoute(m: Master): Route {
  return {
    methods: ['POST'],
    path: AGENT_PROTOCOL_PATH,
    handler: async (ctx) => {
      negotiateJson(ctx.req, false);
      const json = await readJsonBody(ctx);
      const decoded = decodeAgentToMasterCall(json);
      if (!decoded.ok) {
        throw new InvalidArgumentError(`Failed to validate agent call: ${formatDecodeErrors(decoded.errors)}`, { errors: decoded.errors });
      }
      const call = decoded.value;
      if (call.type === 'SUBSCRIBE') {
        await subscribeAgentBatched(m, call.subscribe, ctx.res);
        return RESPONDED;
      }
      const agentId = call.agent_id!.value;
      if (m.registry.agents().get(agentId)?.state === 'gone') throw new ForbiddenError(`Agent ${agentId} has been marked gone`);
      const agent = m.agents.get(agentId);
      const streamId = ctx.req.headers[AGENT_STREAM_ID_HEADER.toLowerCase()];
      if (agent === undefined || agent.connection === undefined || agent.connection.streamId !== streamId) {
        throw new InvalidArgumentError('Agent is not subscribed');
      }
      m.registry.batch(() => handleAgentCall(m, agent, call));
      ctx.res.writeHead(202, { 'Content-Length': 0 });
      ctx.res.end();
      return RESPONDED;
    },
  };
}
