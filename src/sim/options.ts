// `agora sim` flags (Mesos style, src/common/flags.ts) and what they turn into: the cluster's
// options (cluster.ts) and the frameworks' demand (sim-framework.ts).
import { parseFlags, type ParsedFlags } from '../common/flags.ts';
import { InvalidArgumentError } from '../common/errors.ts';
import { parseResources, resourcesToWire } from '../common/resources/index.ts';
import { parseMasterAddress } from '../client/address.ts';
import type { Attribute } from '../protocol/index.ts';
import type { SimClusterOptions } from './cluster.ts';
import type { FrameworkDemand } from './sim-framework.ts';
import type { TransportProtocol } from './transport.ts';

export const SIM_FLAGS = {
  master: { type: 'string', help: 'the master to simulate against: host:port or a URL', default: '127.0.0.1:5050' },
  agents: { type: 'int', help: 'simulated agents (thousands per process are fine)', default: 100 },
  resources: { type: 'string', help: "every agent's resources, as an agent's --resources", default: 'cpus:4;mem:8192;disk:65536' },
  attributes: { type: 'string', help: "every agent's attributes, e.g. 'rack:r1;zone:a' (numbers become scalars)", default: '' },
  frameworks: { type: 'int', help: 'simulated frameworks (scheduler SDK clients)', default: 1 },
  tasks_per_agent: { type: 'number', help: 'initial demand: tasks wanted at start, per agent, spread over the frameworks', default: 2 },
  task_rate: { type: 'number', help: 'further demand: tasks per second, over all frameworks', default: 0 },
  max_tasks: { type: 'int', help: 'stop asking after this many tasks over all frameworks (0: no limit)', default: 0 },
  task_cpus: { type: 'number', help: 'cpus of each task', default: 0.1 },
  task_mem: { type: 'number', help: 'mem (MB) of each task', default: 32 },
  task_duration: { type: 'duration', help: 'how long a task stays RUNNING before TASK_FINISHED', default: 10_000 },
  long_running: { type: 'bool', help: 'tasks run until killed (ignores --task_duration)', default: false },
  starting_delay: { type: 'duration', help: 'simulated executor: RUN_TASK to TASK_STARTING', default: 5 },
  running_delay: { type: 'duration', help: 'simulated executor: TASK_STARTING to TASK_RUNNING', default: 5 },
  max_tasks_per_offer: { type: 'int', help: 'tasks a framework launches on one offer at most', default: 100 },
  decline_seconds: { type: 'number', help: 'refuse_seconds of the frameworks\' DECLINEs', default: 5 },
  suppress: { type: 'bool', help: 'frameworks SUPPRESS offers when they want nothing, and REVIVE with new demand', default: true },
  completed_history: { type: 'int', help: 'acknowledged terminal tasks each agent remembers', default: 100 },
  churn: { type: 'number', help: 'agents restarted per minute (connection dropped, re-registered with a full report)', default: 0 },
  churn_down: { type: 'duration', help: 'how long a churned agent stays away', default: 2_000 },
  transport: { type: 'string', help: "http1: a socket per agent, as real agents connect; h2c: agents share a few HTTP/2 connections (for more agents than the open-file limit allows sockets)", default: 'http1', choices: ['http1', 'h2c'] },
  h2c_connections: { type: 'int', help: 'with --transport=h2c: HTTP/2 connections the agents are spread over', default: 4 },
  register_concurrency: { type: 'int', help: 'agent SUBSCRIBEs in flight at once while registering', default: 256 },
  duration: { type: 'duration', help: 'how long to run after every agent registered (0: until SIGINT/SIGTERM)', default: 30_000 },
  teardown: { type: 'bool', help: 'tear the frameworks down at the end', default: true },
  json: { type: 'bool', help: 'print the summary as JSON on stdout', default: false },
} as const;

export type SimFlags = ParsedFlags<typeof SIM_FLAGS>;

export function parseSimFlags(argv: readonly string[], env: NodeJS.ProcessEnv = {}): SimFlags {
  const flags = parseFlags(SIM_FLAGS, argv, { env, envPrefixes: ['AGORA_'] });
  const positive = (name: keyof SimFlags, min = 0): void => {
    const v = flags[name] as number;
    if (!(v >= min)) throw new InvalidArgumentError(`--${name} must be at least ${min}, got ${v}`, { flag: name });
  };
  positive('agents', 1);
  positive('frameworks');
  positive('tasks_per_agent');
  positive('task_rate');
  positive('max_tasks');
  positive('task_cpus', 0.001);
  positive('task_mem', 1);
  positive('max_tasks_per_offer', 1);
  positive('decline_seconds');
  positive('completed_history');
  positive('churn');
  positive('register_concurrency', 1);
  positive('h2c_connections', 1);
  return flags;
}

/** `rack:r1;cores:8` → TEXT and SCALAR attributes. */
export function parseSimAttributes(text: string): Attribute[] {
  const out: Attribute[] = [];
  for (const item of text.split(';').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const colon = item.indexOf(':');
    if (colon <= 0) throw new InvalidArgumentError(`--attributes: '${item}' is not name:value`, { flag: 'attributes' });
    const name = item.slice(0, colon);
    const value = item.slice(colon + 1);
    out.push(/^-?\d+(\.\d+)?$/.test(value) ? { name, type: 'SCALAR', scalar: { value: Number(value) } } : { name, type: 'TEXT', text: { value } });
  }
  return out;
}

/** The cluster `agora sim` runs; frameworks run as `user`. */
export function clusterOptions(flags: SimFlags, user: string): SimClusterOptions {
  const n = flags.frameworks;
  const initial = Math.round(flags.agents * flags.tasks_per_agent);
  const frameworks: FrameworkDemand[] = Array.from({ length: n }, (_, i) => ({
    name: `sim-fw-${i}`,
    role: '*',
    user,
    tasksPerSecond: flags.task_rate / n,
    initialTasks: Math.floor(initial / n) + (i < initial % n ? 1 : 0),
    maxTasks: flags.max_tasks > 0 ? Math.floor(flags.max_tasks / n) + (i < flags.max_tasks % n ? 1 : 0) : undefined,
    shape: { cpus: flags.task_cpus, mem: flags.task_mem, durationMs: flags.long_running ? -1 : flags.task_duration },
    maxTasksPerOffer: flags.max_tasks_per_offer,
    declineSeconds: flags.decline_seconds,
    suppressWhenIdle: flags.suppress,
  }));
  return {
    masterUrl: parseMasterAddress(flags.master),
    agents: flags.agents,
    resources: resourcesToWire(parseResources(flags.resources)),
    attributes: parseSimAttributes(flags.attributes),
    timing: { startingMs: flags.starting_delay, runningMs: flags.running_delay, durationMs: flags.long_running ? -1 : flags.task_duration },
    completedHistory: flags.completed_history,
    registerConcurrency: flags.register_concurrency,
    transport: flags.transport as TransportProtocol,
    sessions: flags.h2c_connections,
    frameworks,
    churn: flags.churn > 0 ? { agentsPerMinute: flags.churn, downMs: flags.churn_down } : undefined,
  };
}
