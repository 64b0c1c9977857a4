// POST /api/v1/scheduler (also /master/api/v1/scheduler): decoding, the status codes of
// reference §2.2 in the order Mesos checks them, and dispatch into the master.
import { AgoraError, ForbiddenError, InvalidArgumentError } from '../../common/errors.ts';
import { acceptsJson, negotiateJson, RESPONDED, type RequestContext, type Route } from '../../common/http/server.ts';
import { decodeSchedulerCall, formatDecodeErrors } from '../../protocol/index.ts';
import { STREAM_ID_HEADER, subscribeFramework } from '../frameworks.ts';
import { commitGrouped } from '../group-commit.ts';
import type { Master } from '../master.ts';
import { handleSchedulerCall } from '../scheduler-calls.ts';

/** Reads a JSON body; a parse failure is 400 with Mesos' wording. */
export async function readJsonBody(ctx: RequestContext): Promise<unknown> {
  const body = await ctx.body();
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new InvalidArgumentError(`Failed to parse body into JSON: ${(err as Error).message}`);
  }
}

function notAcceptable(): AgoraError {
  return new AgoraError('NOT_ACCEPTABLE', 406, "Expecting 'Accept' to allow 'application/json' or 'application/x-protobuf'");
}

export function schedulerApiRoute(m: Master): Route {
  return {
    methods: ['POST'],
    path: '/api/v1/scheduler',
    handler: async (ctx) => {
      negotiateJson(ctx.req, false);
      const json = await readJsonBody(ctx);
      const decoded = decodeSchedulerCall(json);
      if (!decoded.ok) {
        const what = decoded.stage === 'decode' ? 'Failed to convert JSON into Call protobuf' : 'Failed to validate scheduler::Call';
        throw new InvalidArgumentError(`${what}: ${formatDecodeErrors(decoded.errors)}`, { errors: decoded.errors });
      }
      const call = decoded.value;
      const streamId = ctx.req.headers[STREAM_ID_HEADER.toLowerCase()];
      if (call.type === 'SUBSCRIBE') {
        if (!acceptsJson(ctx.req.headers.accept)) throw notAcceptable();
        if (streamId !== undefined) throw new InvalidArgumentError(`Subscribe calls should not include the '${STREAM_ID_HEADER}' header`);
        // In arrival order with the other calls; SUBSCRIBED goes out after the commit.
        await commitGrouped(m, () => subscribeFramework(m, call.subscribe, ctx.res), { res: ctx.res });
        return RESPONDED;
      }
      if (call.type === 'RECONCILE_OPERATIONS' && !acceptsJson(ctx.req.headers.accept)) throw notAcceptable();
      // Committed before the 202 (and before the events it makes go out), in one registry
      // transaction with the calls that arrived with it (group-commit.ts). The framework and its
      // stream are checked when the call is applied: it may have failed over meanwhile.
      await commitGrouped(m, () => {
        const fw = m.frameworks.get(call.framework_id.value);
        if (fw === undefined) throw new InvalidArgumentError('Framework cannot be found');
        if (fw.status !== 'connected' || fw.connection === undefined) throw new ForbiddenError('Framework is not subscribed');
        if (streamId === undefined) throw new InvalidArgumentError(`All non-subscribe calls should include the '${STREAM_ID_HEADER}' header`);
        if (streamId !== fw.connection.streamId) {
          throw new InvalidArgumentError(
            `The stream ID '${String(streamId)}' included in this request didn't match the stream ID currently associated with framework ID ${fw.id}`,
          );
        }
        if (call.type === 'UNKNOWN') throw new AgoraError('NOT_IMPLEMENTED', 501, "Received 'UNKNOWN' call");
        handleSchedulerCall(m, fw, call);
      });
      ctx.res.writeHead(call.type === 'UPDATE_FRAMEWORK' ? 200 : 202, { 'Content-Length': 0 });
      ctx.res.end();
      return RESPONDED;
    },
  };
}
