// `/metrics/snapshot` (the Mesos shape: a flat JSON object, `?jsonp=` honoured) and `/metrics`
// (the same values in the Prometheus text format).
import { RESPONDED, type Route } from '../../common/http/server.ts';
import type { Master } from '../master.ts';

export function metricsRoutes(m: Master): Route[] {
  return [
    { methods: ['GET'], path: '/metrics/snapshot', jsonp: true, handler: () => m.metrics.snapshot() },
    {
      methods: ['GET'],
      path: '/metrics',
      handler: (ctx) => {
        const body = Buffer.from(m.metrics.prometheus(), 'utf8');
        ctx.res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': body.length });
        ctx.res.end(body);
        return RESPONDED;
      },
    },
  ];
}
