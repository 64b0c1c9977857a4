// `/health` (`/master/health`): 200 with an empty body while the master runs; `/version`: the
// libprocess version object; `/redirect`: where the leader is.
import { RESPONDED, type Route } from '../../common/http/server.ts';
import { AGORA_VERSION, MESOS_API_VERSION } from '../../common/version.ts';
import type { Master } from '../master.ts';

export function versionObject(): Record<string, string> {
  return { version: MESOS_API_VERSION, agora_version: AGORA_VERSION, build_date: '', build_time: '', build_user: '' };
}

export function healthRoutes(m: Master): Route[] {
  return [
    {
      // Always 307 to the leader, even on the leader itself (reference §2.6); sub-paths are 404.
      methods: ['GET', 'POST'],
      path: '/redirect',
      handler: (ctx) => {
        ctx.res.writeHead(307, { Location: `//${m.info.hostname ?? m.info.address?.ip ?? ''}:${m.info.port}`, 'Content-Length': 0 });
        ctx.res.end();
        return RESPONDED;
      },
    },
    {
      methods: ['GET', 'HEAD'],
      path: '/health',
      handler: (ctx) => {
        ctx.res.writeHead(200, { 'Content-Length': 0 });
        ctx.res.end();
        return RESPONDED;
      },
    },
    { methods: ['GET'], path: '/version', jsonp: true, handler: () => versionObject() },
  ];
}
