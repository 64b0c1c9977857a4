// startMaster: builds a master, binds its HTTP server and starts the allocation loop. Used by
// `agora master` (main.ts) and by in-process tests, which pass port 0, small intervals and
// maybe a ManualClock.
import { mkdirSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '../common/errors.ts';
import { SystemClock } from '../common/clock.ts';
import { HttpServer } from '../common/http/server.ts';
import { MasterIds, newUuid } from '../common/ids.ts';
import { silentLogger } from '../common/log.ts';
import { Metrics } from '../common/metrics.ts';
import { rebuildAgentAllocation } from './agents.ts';
import { agentApiRoute } from './http/agent-api.ts';
import { readSideRoutes } from './http/routes.ts';
import { schedulerApiRoute } from './http/scheduler-api.ts';
import { Master } from './master.ts';
import { buildMasterInfo } from './master-info.ts';
import { registerMasterMetrics } from './master-metrics.ts';
import { makeOffers } from './offers.ts';
import { resolveOptions, type MasterOptions } from './options.ts';
import { startRegistryGc } from './pruning.ts';
import { durableObserver } from './persistence.ts';
import { recoverFromRegistry } from './recovery.ts';
import { InMemoryRegistry, type MasterRegistry } from './registry.ts';
import { REGISTRY_FILE_NAME, SqliteRegistry } from './sqlite-registry.ts';

export type RunningMaster = {
  /** `http://ip:port` */
  readonly url: string;
  readonly port: number;
  readonly masterId: string;
  /** The master itself, for tests that inspect its state. */
  readonly master: Master;
  stop(): Promise<void>;
  /** Resolves if the registry fails for good (a commit could not be written): the master must exit. */
  readonly registryFailed: Promise<Error>;
};

export async function startMaster(options: MasterOptions = {}): Promise<RunningMaster> {
  const resolved = resolveOptions(options, osHostname());
  const clock = options.clock ?? new SystemClock();
  const log = options.logger ?? silentLogger();
  const masterId = options.masterId ?? newUuid();
  // Opened before listening: an unreadable registry fails the start before anything is served.
  const { registry, owned } = openRegistry(options);
  const server = new HttpServer({ processId: 'master', logger: log });
  let address;
  try {
    address = await server.listen(resolved.port, resolved.ip);
  } catch (err) {
    if (owned) await registry.close();
    throw err;
  }
  const port = address.port;
  const metrics = new Metrics();
  const master = new Master(
    {
      options: resolved,
      clock,
      log,
      metrics,
      // A new master id on every start (as Mesos); the counters continue, so ids never repeat.
      ids: new MasterIds(masterId, registry.idCounters()),
      registry,
      info: buildMasterInfo({ id: masterId, ip: resolved.ip, port, hostname: resolved.hostname }),
    },
    { onOffers: makeOffers, onAllocatorDesync: rebuildAgentAllocation },
  );
  master.durableObserver = durableObserver(master);
  recoverFromRegistry(master);
  server.route(schedulerApiRoute(master));
  server.route(agentApiRoute(master));
  for (const route of readSideRoutes(master)) server.route(route);
  registerMasterMetrics(master);
  master.allocation.start();
  startRegistryGc(master);
  let stopped = false;
  return {
    url: `http://${resolved.ip}:${port}`,
    port,
    masterId,
    master,
    async stop() {
      if (stopped) return;
      stopped = true;
      master.stop();
      await server.close();
      if (owned) await registry.close();
    },
    registryFailed: new Promise<Error>((resolve) => registry.onFailure(resolve)),
  };
}

function openRegistry(options: MasterOptions): { registry: MasterRegistry; owned: boolean } {
  if (options.registry !== undefined) return { registry: options.registry, owned: false };
  const kind = options.registryKind ?? (options.workDir === undefined ? 'in_memory' : 'sqlite');
  if (kind === 'in_memory') return { registry: new InMemoryRegistry(), owned: true };
  if (options.workDir === undefined) throw new InvalidArgumentError('--work_dir is required with --registry=sqlite');
  mkdirSync(options.workDir, { recursive: true });
  return { registry: new SqliteRegistry(join(options.workDir, REGISTRY_FILE_NAME)), owned: true };
}
