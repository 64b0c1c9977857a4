// The master's read-side endpoints, each family in its own file so they can grow independently.
import type { Route } from '../../common/http/server.ts';
import type { Master } from '../master.ts';
import { filesRoutes } from './files/routes.ts';
import { healthRoutes } from './health.ts';
import { legacyListRoutes } from './legacy-lists.ts';
import { legacyRolesRoutes } from './legacy-roles.ts';
import { legacyStateRoutes } from './legacy-state.ts';
import { legacySummaryRoutes } from './legacy-summary.ts';
import { metricsRoutes } from './metrics.ts';
import { operatorApiRoute } from './operator-api.ts';

export function readSideRoutes(m: Master): Route[] {
  return [
    ...healthRoutes(m),
    ...metricsRoutes(m),
    ...legacyStateRoutes(m),
    ...legacySummaryRoutes(m),
    ...legacyListRoutes(m),
    ...legacyRolesRoutes(m),
    ...filesRoutes(m),
    operatorApiRoute(m),
  ];
}
