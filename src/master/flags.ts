// The `agora master` command line. Flags are named as in Mesos where Mesos has them, so that
// existing deployment scripts (and MESOS_* environment variables) keep working; each flag is also
// read from AGORA_<FLAG>. `parseMasterFlags` turns them into the options `startMaster` takes.
import { InvalidArgumentError } from '../common/errors.ts';
import { parseFlags, type FlagSpecs, type ParsedFlags } from '../common/flags.ts';
import { isLogLevel, type LogLevel } from '../common/log.ts';
import { assertValidRole } from '../common/resources/index.ts';
import type { MasterOptions } from './options.ts';
import { parseRemovalRate } from './removal-rate-limit.ts';

export const MASTER_FLAGS = {
  ip: { type: 'string', default: '127.0.0.1', help: 'IP address to listen on.' },
  port: { type: 'int', default: 5050, help: 'Port to listen on (0 picks a free port).' },
  hostname: {
    type: 'string',
    help: 'Hostname the master advertises (MasterInfo.hostname); defaults to the machine hostname.',
  },
  work_dir: {
    type: 'string',
    help: 'Directory for the registry (<work_dir>/registry.db); required with --registry=sqlite.',
  },
  registry: {
    type: 'string',
    default: 'sqlite',
    choices: ['sqlite', 'in_memory'],
    help: 'Where agents, frameworks, task states and id counters are kept: sqlite (survives restarts) or in_memory (tests).',
  },
  agent_reregister_timeout: {
    type: 'duration',
    default: 10 * 60_000,
    help: 'After a restart, agents that do not re-register within this time are marked unreachable.',
  },
  cluster: { type: 'string', help: 'Human-readable cluster name, shown in /state and the web UI.' },
  allocation_interval: {
    type: 'duration',
    default: 1000,
    help: 'Period of the batch allocation cycle; events (new agents, frameworks, revive) also trigger one at once.',
  },
  offer_timeout: {
    type: 'duration',
    default: 60_000,
    help: 'Offers not used within this time are rescinded (Mesos had no default; 0secs disables).',
  },
  agent_ping_timeout: {
    type: 'duration',
    default: 15_000,
    help: 'How often the master pings each agent; an unanswered ping counts as a missed one.',
  },
  max_agent_ping_timeouts: {
    type: 'int',
    default: 5,
    help: 'Missed pings (or the same time without a connection) after which an agent is unreachable.',
  },
  agent_removal_rate_limit: {
    type: 'string',
    help: 'At most this many agents that fail their health checks are marked unreachable per duration, e.g. 1/10mins (default: no limit).',
  },
  max_completed_frameworks: { type: 'int', default: 50, help: 'Completed frameworks kept for /state and GET_FRAMEWORKS.' },
  max_completed_tasks_per_framework: { type: 'int', default: 1000, help: 'Completed tasks kept per framework.' },
  max_unreachable_tasks_per_framework: {
    type: 'int',
    default: 1000,
    help: 'Unreachable tasks kept per framework; beyond it the ones unreachable the longest are forgotten.',
  },
  registry_gc_interval: {
    type: 'duration',
    default: 15 * 60_000,
    help: 'How often unreachable and gone agents are garbage collected from the registry.',
  },
  registry_max_agent_age: {
    type: 'duration',
    default: 14 * 24 * 3_600_000,
    help: 'Unreachable and gone agents (and their unreachable tasks) are forgotten after this long.',
  },
  registry_max_agent_count: {
    type: 'int',
    default: 100 * 1024,
    help: 'At most this many unreachable (and as many gone) agents are remembered; the oldest go first.',
  },
  roles: {
    type: 'string',
    help: 'Deprecated Mesos whitelist: comma-separated roles frameworks may use (any role when unset).',
  },
  weights: { type: 'string', help: "Role weights, e.g. 'eng=2,ops=1'." },
  min_allocatable_resources: {
    type: 'string',
    default: 'cpus:0.01|mem:32',
    help: "Smallest offer worth making: '|' separates alternatives, ';' joins quantities.",
  },
  role_sorter: { type: 'string', default: 'drf', choices: ['drf', 'random'], help: 'Sorter among roles.' },
  framework_sorter: { type: 'string', default: 'drf', choices: ['drf', 'random'], help: 'Sorter among frameworks in a role.' },
  filter_gpu_resources: { type: 'bool', default: true, help: 'Offer agents with GPUs only to GPU_RESOURCES frameworks.' },
  fair_sharing_excluded_resource_names: {
    type: 'string',
    help: 'Comma-separated resource names left out of DRF shares (e.g. gpus).',
  },
  max_operator_event_stream_subscribers: {
    type: 'int',
    default: 1000,
    help: 'Operator SUBSCRIBE streams allowed at once; the oldest is closed beyond it.',
  },
  files_proxy_timeout: {
    type: 'duration',
    default: 10_000,
    help: "How long the master's /files endpoints wait for the agent that holds a sandbox (for its answer, then between chunks) before answering 503 or cutting the transfer.",
  },
  files_redirect_to_agent: {
    type: 'bool',
    default: false,
    help: 'Answer /files requests for agent sandboxes with a 307 to the agent instead of proxying them through the master.',
  },
  logging_level: {
    type: 'string',
    default: 'INFO',
    help: 'Log level: INFO, WARNING or ERROR as in Mesos, or a pino level (debug, trace, ...).',
  },
} satisfies FlagSpecs;

export type MasterFlags = ParsedFlags<typeof MASTER_FLAGS>;

export function parseMasterFlags(argv: readonly string[], env: NodeJS.ProcessEnv): MasterFlags {
  return parseFlags(MASTER_FLAGS, argv, { env });
}

/** Mesos' glog levels and pino's names, as one pino level. */
export function toLogLevel(text: string): LogLevel {
  const upper = text.toUpperCase();
  if (upper === 'INFO') return 'info';
  if (upper === 'WARNING' || upper === 'WARN') return 'warn';
  if (upper === 'ERROR') return 'error';
  const lower = text.toLowerCase();
  if (isLogLevel(lower)) return lower;
  throw new InvalidArgumentError(`--logging_level: '${text}' is not one of INFO, WARNING, ERROR (or a pino level)`);
}

/** `eng=2,ops=1` as [{role, weight}]. */
export function parseWeights(text: string): { role: string; weight: number }[] {
  const out: { role: string; weight: number }[] = [];
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = item.indexOf('=');
    const role = eq < 0 ? '' : item.slice(0, eq).trim();
    const weight = eq < 0 ? NaN : Number(item.slice(eq + 1));
    if (role === '' || !Number.isFinite(weight) || weight <= 0) {
      throw new InvalidArgumentError(`--weights: '${item}' is not role=weight with a positive weight`);
    }
    assertValidRole(role);
    out.push({ role, weight });
  }
  return out;
}

/**
 * `cpus:0.01|mem:32` as alternatives of quantities (Mesos `--min_allocatable_resources`): `|`
 * separates alternatives, `;` joins the quantities of one alternative.
 */
export function parseMinAllocatable(text: string): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (const alternative of text.split('|').map((s) => s.trim()).filter((s) => s !== '')) {
    const set: Record<string, number> = {};
    for (const item of alternative.split(';').map((s) => s.trim()).filter((s) => s !== '')) {
      const colon = item.indexOf(':');
      const name = colon < 0 ? '' : item.slice(0, colon).trim();
      const value = colon < 0 ? NaN : Number(item.slice(colon + 1));
      if (name === '' || !Number.isFinite(value) || value < 0) {
        throw new InvalidArgumentError(`--min_allocatable_resources: '${item}' is not name:quantity`);
      }
      set[name] = value;
    }
    out.push(set);
  }
  return out;
}

function list(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** The options `startMaster` takes, from parsed flags. */
export function masterOptionsFromFlags(flags: MasterFlags): MasterOptions {
  if (flags.port < 0 || flags.port > 65535) throw new InvalidArgumentError(`--port: ${flags.port} is not a port number`);
  if (flags.max_agent_ping_timeouts < 1) throw new InvalidArgumentError('--max_agent_ping_timeouts must be at least 1');
  if (flags.agent_ping_timeout <= 0) throw new InvalidArgumentError('--agent_ping_timeout must be positive');
  if (flags.allocation_interval <= 0) throw new InvalidArgumentError('--allocation_interval must be positive');
  if (flags.offer_timeout < 0) throw new InvalidArgumentError('--offer_timeout must not be negative');
  if (flags.files_proxy_timeout <= 0) throw new InvalidArgumentError('--files_proxy_timeout must be positive');
  if (flags.registry_gc_interval <= 0) throw new InvalidArgumentError('--registry_gc_interval must be positive');
  if (flags.max_unreachable_tasks_per_framework < 0) throw new InvalidArgumentError('--max_unreachable_tasks_per_framework must not be negative');
  if (flags.registry_max_agent_count < 0) throw new InvalidArgumentError('--registry_max_agent_count must not be negative');
  if (flags.agent_reregister_timeout <= 0) throw new InvalidArgumentError('--agent_reregister_timeout must be positive');
  if (flags.registry === 'sqlite' && flags.work_dir === undefined) {
    throw new InvalidArgumentError('--work_dir is required with --registry=sqlite (the default); pass --registry=in_memory to keep no state across restarts');
  }
  const roles = list(flags.roles);
  for (const role of roles ?? []) assertValidRole(role);
  return {
    ip: flags.ip,
    port: flags.port,
    hostname: flags.hostname,
    workDir: flags.work_dir,
    cluster: flags.cluster,
    allocationIntervalMs: flags.allocation_interval,
    offerTimeoutMs: flags.offer_timeout,
    agentPingTimeoutMs: flags.agent_ping_timeout,
    maxAgentPingTimeouts: flags.max_agent_ping_timeouts,
    maxCompletedFrameworks: flags.max_completed_frameworks,
    maxCompletedTasksPerFramework: flags.max_completed_tasks_per_framework,
    maxUnreachableTasksPerFramework: flags.max_unreachable_tasks_per_framework,
    registryKind: flags.registry as 'sqlite' | 'in_memory',
    agentReregisterTimeoutMs: flags.agent_reregister_timeout,
    agentRemovalRateLimit: flags.agent_removal_rate_limit === undefined ? undefined : parseRemovalRate(flags.agent_removal_rate_limit),
    registryGcIntervalMs: flags.registry_gc_interval,
    registryMaxAgentAgeMs: flags.registry_max_agent_age,
    registryMaxAgentCount: flags.registry_max_agent_count,
    roleWhitelist: roles,
    weights: flags.weights === undefined ? [] : parseWeights(flags.weights),
    minAllocatable: parseMinAllocatable(flags.min_allocatable_resources),
    roleSorter: flags.role_sorter as 'drf' | 'random',
    frameworkSorter: flags.framework_sorter as 'drf' | 'random',
    filterGpuResources: flags.filter_gpu_resources,
    fairnessExcludedResourceNames: list(flags.fair_sharing_excluded_resource_names),
    maxOperatorEventStreamSubscribers: flags.max_operator_event_stream_subscribers,
    filesProxyTimeoutMs: flags.files_proxy_timeout,
    filesRedirectToAgent: flags.files_redirect_to_agent,
    flags: { ...flags } as Record<string, unknown>,
  };
}
