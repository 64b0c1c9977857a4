// POST /agora/v1/agent: Agora's agent <-> master protocol (docs/protocol/agent-master.md).
// SUBSCRIBE opens the agent's event stream; every other call names the agent and carries the
// stream id of its current stream, and gets 202 once its effects are committed. Calls arriving
// together are applied in one registry transaction, in arrival order (group-commit.ts).
import { ForbiddenError, InvalidArgumentError } from '../../common/errors.ts';
import { negotiateJson, RESPONDED, type Route } from '../../common/http/server.ts';
import { AGENT_PROTOCOL_PATH, AGENT_STREAM_ID_HEADER, decodeAgentToMasterCall } from '../../protocol/agora/agent-master.ts';
import { formatDecodeErrors } from '../../protocol/index.ts';
import { handleAgentCall } from '../agent-calls.ts';
import type { Master } from '../master.ts';
import { subscribeAgent } from '../agents.ts';
import { commitGrouped, SUBSCRIBE_GATHER_MS } from '../group-commit.ts';
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
        // SUBSCRIBED (or the refusal) is written on ctx.res from inside the shared transaction.
        await commitGrouped(m, () => subscribeAgent(m, call.subscribe, ctx.res), { res: ctx.res, gatherMs: SUBSCRIBE_GATHER_MS });
        return RESPONDED;
      }
      const agentId = call.agent_id!.value;
      const streamId = ctx.req.headers[AGENT_STREAM_ID_HEADER.toLowerCase()];
      // Checked when the call is applied: the agent may have re-subscribed or gone meanwhile.
      await commitGrouped(
        m,
        () => {
          if (m.registry.agents().get(agentId)?.state === 'gone') throw new ForbiddenError(`Agent ${agentId} has been marked gone`);
          const agent = m.agents.get(agentId);
          if (agent === undefined || agent.connection === undefined || agent.connection.streamId !== streamId) {
            throw new InvalidArgumentError('Agent is not subscribed');
          }
          handleAgentCall(m, agent, call);
        },
        { changesState: call.type !== 'PONG' },
      );
      ctx.res.writeHead(202, { 'Content-Length': 0 });
      ctx.res.end();
      return RESPONDED;
    },
  };
}
