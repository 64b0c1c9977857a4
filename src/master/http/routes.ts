// The master's read-side endpoints, each in its own file so they can grow independently.
import type { Route } from '../../common/http/server.ts';
import type { Master } from '../master.ts';
import { healthRoutes } from './health.ts';
import { legacyStateRoutes } from './legacy-state.ts';
import { metricsRoutes } from './metrics.ts';
import { operatorApiRoute } from './operator-api.ts';

export function readSideRoutes(m: Master): Route[] {
  return [...healthRoutes(m), ...metricsRoutes(m), ...legacyStateRoutes(m), operatorApiRoute(m)];
}
