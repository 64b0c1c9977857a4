// `/roles` (`/master/roles`, reference §6.3; the web UI polls it): every known role with its
// weight, quota, what is allocated, offered and reserved to it, and its frameworks.
//
//   {"roles":[{"name":"eng","weight":2.0,
//              "quota":{"role":"eng","guarantee":{},"limit":{},"consumed":{"cpus":1.5,"mem":256}},
//              "resources":{"cpus":1.5,"disk":0,"gpus":0,"mem":256},   (allocated + offered)
//              "allocated":{"cpus":1,"mem":128},"offered":{"cpus":0.5,"mem":128},"reserved":{},
//              "frameworks":["<id>"]}]}
//
// `allocated`, `offered`, `reserved` and the quota figures are scalar quantities (name -> amount),
// as Mesos 1.10+ writes them. Agora has no quota yet, so `guarantee` and `limit` are empty (no
// guarantee, no limit) and `consumed` is what counts against a quota in Mesos: the role's
// reservations plus its unreserved allocations.
import { ResourceQuantities, resourcesToLegacyJSON, type Resources } from '../../common/resources/index.ts';
import type { Route } from '../../common/http/server.ts';
import type { Master } from '../master.ts';
import type { Json } from './legacy-json.ts';
import { roleUsage } from './role-usage.ts';

function quantities(resources: Resources): Record<string, number> {
  return Object.fromEntries(ResourceQuantities.fromScalarResources(resources).entries());
}

export function legacyRoles(m: Master): Json {
  return {
    roles: roleUsage(m).map((r) => {
      const consumed = r.reserved.add(r.allocated.unreserved());
      return {
        name: r.name,
        weight: r.weight,
        quota: { role: r.name, guarantee: {}, limit: {}, consumed: quantities(consumed) },
        resources: resourcesToLegacyJSON(r.allocated.add(r.offered).unallocate()),
        allocated: quantities(r.allocated),
        offered: quantities(r.offered),
        reserved: quantities(r.reserved),
        frameworks: r.frameworks,
      };
    }),
  };
}

export function legacyRolesRoutes(m: Master): Route[] {
  return [{ methods: ['GET'], path: '/roles', jsonp: true, handler: () => legacyRoles(m) }];
}
