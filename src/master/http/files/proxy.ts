// Forwards one GET to an agent and streams its answer back unchanged: status code, the headers
// that describe the body, and the body itself with backpressure (a slow client slows the read
// from the agent instead of filling the master's memory).
//
// One idle timeout guards the whole exchange: no answer (headers) from the agent within it is a
// 503, and a body that stops flowing for that long is cut. Time the client itself is not reading
// (backpressure) does not count, so a large download to a slow client is never cut.
import { request, type IncomingMessage } from 'node:http';
import type { Clock, TimerHandle } from '../../../common/clock.ts';
import { sendText, type RequestContext } from '../../../common/http/server.ts';
import type { Logger } from '../../../common/log.ts';

export type ProxyTarget = {
  readonly agentId: string;
  readonly host: string;
  readonly port: number;
  /** Path and query on the agent, e.g. `/files/read?path=...&offset=0`. */
  readonly path: string;
};

export type ProxyOptions = {
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly log: Logger;
};

/** Response headers that describe the body; hop-by-hop and connection headers stay behind. */
const FORWARDED_HEADERS = ['content-type', 'content-length', 'content-disposition', 'last-modified', 'etag', 'cache-control', 'allow'];

function forwardedHeaders(upstream: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = upstream.headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Proxies `ctx`'s request to `target`; resolves once the exchange is over (answered or cut). */
export function proxyToAgent(ctx: RequestContext, target: ProxyTarget, o: ProxyOptions): Promise<void> {
  const { res } = ctx;
  const where = `${target.host}:${target.port}`;
  return new Promise<void>((resolve) => {
    let lastActivity = o.clock.now();
    let timer: TimerHandle | undefined;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      if (timer !== undefined) o.clock.clearTimeout(timer);
      resolve();
    };

    const upstream = request({
      host: target.host,
      port: target.port,
      path: target.path,
      method: 'GET',
      // A fresh connection per request: nothing to keep or close when the master stops.
      agent: false,
      headers: { accept: ctx.req.headers.accept ?? '*/*', 'user-agent': 'agora-master files proxy' },
    });

    // 503 while nothing was sent yet; once the answer started, cutting it is all that is left.
    const fail = (message: string, fields: Record<string, unknown>): void => {
      o.log.warn({ agentId: target.agentId, agent: where, path: target.path, ...fields }, 'files proxy: request to the agent failed');
      if (!res.headersSent) sendText(res, 503, message);
      else res.destroy();
      finish();
    };

    const arm = (ms: number): void => {
      timer = o.clock.setTimeout(() => {
        timer = undefined;
        if (finished) return;
        const idle = o.clock.now() - lastActivity;
        // The client not reading is not the agent's fault: wait for it.
        if (res.writableNeedDrain || idle < o.timeoutMs) return arm(Math.max(1, o.timeoutMs - (res.writableNeedDrain ? 0 : idle)));
        if (!res.headersSent) {
          upstream.destroy();
          fail(`Agent '${target.agentId}' at ${where} did not answer within ${o.timeoutMs} ms`, { timeoutMs: o.timeoutMs });
        } else {
          o.log.warn({ agentId: target.agentId, agent: where, path: target.path }, 'files proxy: agent stopped sending; transfer cut');
          upstream.destroy();
          res.destroy();
          finish();
        }
      }, ms);
    };
    arm(o.timeoutMs);

    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (finished) return;
      fail(`Agent '${target.agentId}' at ${where} is unreachable: ${err.code ?? err.message}`, { err: err.message });
    });

    upstream.on('response', (answer) => {
      lastActivity = o.clock.now();
      res.writeHead(answer.statusCode ?? 502, forwardedHeaders(answer));
      answer.on('data', (chunk: Buffer) => {
        lastActivity = o.clock.now();
        if (!res.write(chunk)) {
          answer.pause();
          res.once('drain', () => {
            lastActivity = o.clock.now();
            answer.resume();
          });
        }
      });
      answer.on('end', () => {
        res.end();
        finish();
      });
      // The agent went away mid-body: the client must not take a truncated body for a whole one.
      answer.on('aborted', () => {
        res.destroy();
        finish();
      });
      answer.on('error', () => {
        res.destroy();
        finish();
      });
    });

    // The client went away: stop reading from the agent.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
      finish();
    });
    upstream.end();
  });
}
