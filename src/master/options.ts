// Everything a master can be configured with, as `startMaster` takes it (the flags of `agora
// master` map onto this in flags.ts). Tests pass small intervals and a ManualClock; every field
// has the Mesos default when left out.
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import type { MasterRegistry } from './registry.ts';
import type { RemovalRate } from './removal-rate-limit.ts';

export type MasterOptions = {
  ip?: string;
  /** 0 picks a free port. Default 5050. */
  port?: number;
  hostname?: string | undefined;
  workDir?: string | undefined;
  cluster?: string | undefined;
  /** Default 1000 ms. */
  allocationIntervalMs?: number;
  /** 0 disables offer timeouts. Default 60 s (Mesos had none). */
  offerTimeoutMs?: number;
  /** Default 15 s. */
  agentPingTimeoutMs?: number;
  /** Default 5. */
  maxAgentPingTimeouts?: number;
  /** Default 50. */
  maxCompletedFrameworks?: number;
  /** Default 1000. */
  maxCompletedTasksPerFramework?: number;
  /** Default 1000. */
  maxUnreachableTasksPerFramework?: number;
  /** How often unreachable and gone agents are garbage collected from the registry. Default 15 min. */
  registryGcIntervalMs?: number;
  /** Unreachable and gone agents older than this are forgotten. Default 2 weeks. */
  registryMaxAgentAgeMs?: number;
  /** At most this many unreachable (and as many gone) agents are remembered. Default 102400. */
  registryMaxAgentCount?: number;
  /**
   * After a restart, agents in the registry that do not re-register within this time are marked
   * unreachable. Default 10 min (as Mesos; Mesos allows no less, Agora allows small values for tests).
   */
  agentReregisterTimeoutMs?: number;
  /**
   * `--agent_removal_rate_limit`: at most `permits` agents that fail their health checks are
   * marked unreachable per `durationMs` (removal-rate-limit.ts). Default: unlimited.
   */
  agentRemovalRateLimit?: RemovalRate | undefined;
  /** Scheduler heartbeat period; Mesos hard-codes 15 s. */
  heartbeatIntervalMs?: number;
  /** Deprecated Mesos `--roles` whitelist; undefined allows any role. */
  roleWhitelist?: readonly string[] | undefined;
  weights?: readonly { role: string; weight: number }[];
  /** `--min_allocatable_resources` as alternatives of quantities. */
  minAllocatable?: readonly Record<string, number>[];
  roleSorter?: 'drf' | 'random';
  frameworkSorter?: 'drf' | 'random';
  filterGpuResources?: boolean;
  fairnessExcludedResourceNames?: readonly string[] | undefined;
  /** Longest time one allocation slice may hold the event loop. Default 40 ms. */
  allocationSliceMs?: number;
  maxOperatorEventStreamSubscribers?: number;
  /** How long `/files/*` waits for an agent (headers, then between body chunks). Default 10 s. */
  filesProxyTimeoutMs?: number;
  /** Answer `/files/*` with 307 to the owning agent instead of proxying. Default false. */
  filesRedirectToAgent?: boolean;
  /**
   * Whether the agents can run the default executor, which LAUNCH_GROUP needs. Default true (every
   * Agora agent can); false refuses every LAUNCH_GROUP with TASK_ERROR / REASON_TASK_GROUP_INVALID
   * before anything is allocated, for a cluster whose agents predate the default executor.
   */
  defaultExecutorAvailable?: boolean;
  /** Master id (a UUID by default); tests may fix it. */
  masterId?: string;
  clock?: Clock;
  logger?: Logger;
  /** A registry the caller owns (tests); otherwise startMaster opens one per `registryKind`. */
  registry?: MasterRegistry;
  /** Default `sqlite` when `workDir` is set (`<workDir>/registry.db`), else `in_memory`. */
  registryKind?: 'sqlite' | 'in_memory';
  /** Flag values to report in /flags and GET_FLAGS. */
  flags?: Record<string, unknown>;
};

/** Options with every default applied. */
export type ResolvedMasterOptions = Required<
  Omit<MasterOptions, 'hostname' | 'workDir' | 'cluster' | 'roleWhitelist' | 'fairnessExcludedResourceNames' | 'masterId' | 'clock' | 'logger' | 'registry' | 'registryKind' | 'flags' | 'agentRemovalRateLimit'>
> & {
  agentRemovalRateLimit: RemovalRate | undefined;
  hostname: string;
  workDir: string | undefined;
  cluster: string | undefined;
  roleWhitelist: readonly string[] | undefined;
  fairnessExcludedResourceNames: readonly string[];
  flags: Record<string, unknown>;
};

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000;

export function resolveOptions(options: MasterOptions, defaultHostname: string): ResolvedMasterOptions {
  return {
    ip: options.ip ?? '127.0.0.1',
    port: options.port ?? 5050,
    hostname: options.hostname ?? defaultHostname,
    workDir: options.workDir,
    cluster: options.cluster,
    allocationIntervalMs: options.allocationIntervalMs ?? 1000,
    offerTimeoutMs: options.offerTimeoutMs ?? 60_000,
    agentPingTimeoutMs: options.agentPingTimeoutMs ?? 15_000,
    maxAgentPingTimeouts: options.maxAgentPingTimeouts ?? 5,
    maxCompletedFrameworks: options.maxCompletedFrameworks ?? 50,
    maxCompletedTasksPerFramework: options.maxCompletedTasksPerFramework ?? 1000,
    maxUnreachableTasksPerFramework: options.maxUnreachableTasksPerFramework ?? 1000,
    registryGcIntervalMs: options.registryGcIntervalMs ?? 15 * 60_000,
    registryMaxAgentAgeMs: options.registryMaxAgentAgeMs ?? 14 * 24 * 3_600_000,
    registryMaxAgentCount: options.registryMaxAgentCount ?? 100 * 1024,
    agentReregisterTimeoutMs: options.agentReregisterTimeoutMs ?? 10 * 60_000,
    agentRemovalRateLimit: options.agentRemovalRateLimit,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    roleWhitelist: options.roleWhitelist,
    weights: options.weights ?? [],
    minAllocatable: options.minAllocatable ?? [{ cpus: 0.01 }, { mem: 32 }],
    roleSorter: options.roleSorter ?? 'drf',
    frameworkSorter: options.frameworkSorter ?? 'drf',
    filterGpuResources: options.filterGpuResources ?? true,
    fairnessExcludedResourceNames: options.fairnessExcludedResourceNames ?? [],
    allocationSliceMs: options.allocationSliceMs ?? 40,
    maxOperatorEventStreamSubscribers: options.maxOperatorEventStreamSubscribers ?? 1000,
    filesProxyTimeoutMs: options.filesProxyTimeoutMs ?? 10_000,
    filesRedirectToAgent: options.filesRedirectToAgent ?? false,
    defaultExecutorAvailable: options.defaultExecutorAvailable ?? true,
    flags: options.flags ?? {},
  };
}
