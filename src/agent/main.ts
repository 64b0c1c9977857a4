// `agora agent ARGS` and `startAgent()` for in-process tests and `agora dev`: parse flags, build
// the containerizers, listen, log "agent listening" {port, url}, subscribe to the master (the
// agent then logs "agent registered" {agent_id}), and stop cleanly on SIGTERM or SIGINT.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Clock } from '../common/clock.ts';
import { SystemClock } from '../common/clock.ts';
import { AgoraError, InvalidArgumentError } from '../common/errors.ts';
import { buildJsModules } from '../common/js-build.ts';
import { flagsHelp, parseFlags } from '../common/flags.ts';
import { createLogger, silentLogger, type Logger } from '../common/log.ts';
import { Metrics } from '../common/metrics.ts';
import {
  ImageGc,
  LinuxContainerizer,
  checkContainerizers,
  createContainerizers,
  dockerSettings,
  linuxSettings,
  parseImageGcConfig,
  type ContainerImages,
  type Containerizer,
} from '../containerizer/index.ts';
import { ImageStores, loadDockerConfig } from '../provisioner/index.ts';
import { Agent } from './agent.ts';
import { parseAttributes } from './attributes.ts';
import { AGENT_FLAGS, checkAgentFlags, imageProviders, logLevelFromFlag, masterUrl, parseAgentFlags, type AgentFlags } from './flags.ts';
import { createAgentServer } from './http.ts';
import { agentResources, detectHost } from './resources-detect.ts';

/** The command executor program, relative to this module. */
export const COMMAND_EXECUTOR_PATH = resolve(import.meta.dirname, '../executor/command/main.ts');

/**
 * The command executor as plain JavaScript under the work dir, rebuilt at every agent start so
 * it always matches this agent's code. Each executor then starts without Node's TypeScript
 * support: about a third of the start-up time and 20 MB less memory per task.
 */
function buildCommandExecutor(workDir: string): string[] {
  const entry = buildJsModules(COMMAND_EXECUTOR_PATH, resolve(import.meta.dirname, '..'), join(workDir, 'lib', 'command-executor'));
  return [process.execPath, '--no-experimental-strip-types', entry];
}

export type StartAgentOptions = {
  /** Flag values; anything left out takes its default. `master` and `work_dir` are required. */
  flags: Partial<AgentFlags> & { master: string; work_dir: string };
  logger?: Logger;
  clock?: Clock;
  random?: () => number;
  /** Replaces the containerizers built from `--containerizers`/`--isolation`. */
  containerizers?: Containerizer[];
  /** The image stores of the Linux containerizer (default: built from --image_providers and the store flags). */
  images?: ContainerImages;
  /** argv of the command executor (default: this Node binary running the built src/executor/command/main.ts). */
  commandExecutorArgv?: string[];
  /** Status update retry interval and cap (default 10 s and 10 min). */
  statusUpdateRetryMinMs?: number;
  statusUpdateRetryMaxMs?: number;
  /** Environment executors start from when `--executor_environment_variables` is unset. */
  env?: NodeJS.ProcessEnv;
  /** Called when the master tells the agent to shut down; default: stop the agent. */
  onShutdownRequested?: (reason: string) => void;
  /**
   * TESTS ONLY: where the host's boot id is read (default /proc/sys/kernel/random/boot_id). A
   * file with another id than the checkpoint's simulates a host reboot.
   */
  bootIdFile?: string;
};

/** The host's boot id, which changes at every boot: a different one means the host rebooted. */
export const HOST_BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';
/** TESTS ONLY: environment variable naming a file to read the boot id from instead (reboot simulation). */
export const TEST_BOOT_ID_FILE_ENV = 'AGORA_TEST_BOOT_ID_FILE';

export type RunningAgent = {
  url: string;
  port: number;
  agentId(): string | undefined;
  agent: Agent;
  /**
   * Stops the agent; checkpointing frameworks' executors keep running for the next agent to
   * recover unless `destroyAll` (the agent leaves for good).
   */
  stop(options?: { destroyAll?: boolean }): Promise<void>;
};

function readBootId(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Starts an agent in this process. Throws AgoraError (400) for bad flags. */
export async function startAgent(options: StartAgentOptions): Promise<RunningAgent> {
  const defaults = parseFlags(AGENT_FLAGS, [`--master=${options.flags.master}`, `--work_dir=${options.flags.work_dir}`], { env: {} });
  const flags = checkAgentFlags({ ...defaults, ...stripUndefined(options.flags) });
  const logger = options.logger ?? silentLogger();
  const clock = options.clock ?? new SystemClock();
  const base = masterUrl(flags.master);
  // Everything that can refuse a flag runs before anything is created on disk.
  const attributes = flags.attributes ? parseAttributes(flags.attributes) : [];
  const imageGcConfig = flags.image_gc_config === undefined ? undefined : parseImageGcConfig(flags.image_gc_config);
  // The stores count into the agent's own /metrics/snapshot registry.
  const metricsRegistry = new Metrics();
  const stores = options.images === undefined ? await imageStoresFromFlags(flags, logger, metricsRegistry) : undefined;
  const images = options.images ?? stores;
  // Built on first use: the work dir does not exist before the flags were all checked.
  let commandExecutorArgv = options.commandExecutorArgv;
  const executorArgv = (): string[] => (commandExecutorArgv ??= buildCommandExecutor(flags.work_dir));
  const containerizers =
    options.containerizers ??
    createContainerizers({
      containerizers: flags.containerizers,
      isolation: flags.isolation,
      logger,
      clock,
      docker: dockerSettings(flags, executorArgv),
      linux: linuxSettings(flags, images),
    });
  await checkContainerizers(containerizers);
  agentResources(flags.resources, { cpus: 1, memTotalBytes: 0, diskTotalBytes: 0 }, flags.default_role);
  mkdirSync(flags.work_dir, { recursive: true });
  // Index loaded, half-made pulls and layers of a crash removed, before any launch can pull.
  await stores?.recover();
  const resources = agentResources(flags.resources, detectHost(flags.work_dir), flags.default_role);
  const executorEnvironmentBase =
    (flags.executor_environment_variables as Record<string, string> | undefined) ?? { ...(options.env ?? process.env) };

  // Filled in once listening; the master may ask for a shutdown only after that.
  const self: { running?: RunningAgent } = {};
  let stopping: Promise<void> | undefined;
  const agent = new Agent({
    metricsRegistry,
    flags,
    masterUrl: base,
    logger,
    clock,
    random: options.random ?? Math.random,
    containerizers,
    resources,
    attributes,
    commandExecutorArgv: executorArgv(),
    executorEnvironmentBase,
    statusUpdateRetryMinMs: options.statusUpdateRetryMinMs,
    statusUpdateRetryMaxMs: options.statusUpdateRetryMaxMs,
    bootId: readBootId(options.bootIdFile ?? HOST_BOOT_ID_FILE),
    onShutdownRequested: (reason) => {
      if (options.onShutdownRequested) options.onShutdownRequested(reason);
      // The master shut this agent down: it leaves for good, taking its executors along.
      else void self.running?.stop({ destroyAll: true });
    },
  });
  const linux = containerizers.find((c): c is LinuxContainerizer => c instanceof LinuxContainerizer);
  const imageGc =
    imageGcConfig && linux && stores
      ? new ImageGc({ config: imageGcConfig, storeDir: storeDirs(flags)[imageProviders(flags).includes('docker') ? 'docker' : 'appc'], prune: (excluded) => linux.pruneImages(excluded), clock, logger })
      : undefined;
  const server = createAgentServer(agent, logger);
  const address = await server.listen(flags.port, flags.ip);
  const url = `http://${flags.ip}:${address.port}`;
  logger.info({ port: address.port, url, master: base, resources: resources.toString() }, 'agent listening');
  await agent.start(address.port);
  imageGc?.start();
  const running: RunningAgent = {
    url,
    port: address.port,
    agentId: () => agent.agentId,
    agent,
    stop: (stopOptions) =>
      (stopping ??= (async () => {
        imageGc?.stop();
        await agent.stop(stopOptions);
        linux?.close(); // idle warm executors
        await server.close();
      })()),
  };
  self.running = running;
  return running;
}

function storeDirs(flags: AgentFlags): { docker: string; appc: string } {
  return {
    docker: flags.docker_store_dir ?? join(flags.work_dir, 'store', 'docker'),
    appc: flags.appc_store_dir ?? join(flags.work_dir, 'store', 'appc'),
  };
}

/**
 * The image stores for `--image_providers` (undefined when unset: image tasks are refused). The
 * stores default under the work dir, unlike Mesos's shared /tmp/mesos/store: an agent's image GC
 * must never remove layers another agent's containers run on. `--docker_config` is read now so a
 * bad one stops the agent at start, naming the flag.
 */
async function imageStoresFromFlags(flags: AgentFlags, logger: Logger, metrics: Metrics): Promise<ImageStores | undefined> {
  const providers = imageProviders(flags);
  if (providers.length === 0) return undefined;
  if (flags.docker_config !== undefined && providers.includes('docker')) {
    try {
      await loadDockerConfig(flags.docker_config);
    } catch (err) {
      throw new InvalidArgumentError(`--docker_config: ${(err as Error).message.replace(/^docker_config:? /, '')}`);
    }
  }
  return new ImageStores({
    imageProviders: providers,
    docker: {
      storeDir: storeDirs(flags).docker,
      registry: flags.docker_registry,
      stallTimeoutMs: flags.fetcher_stall_timeout,
    },
    appc: {
      storeDir: storeDirs(flags).appc,
      discoveryPrefix: flags.appc_simple_discovery_uri_prefix,
      stallTimeoutMs: flags.fetcher_stall_timeout,
    },
    dockerConfig: flags.docker_config,
    logger: logger.child({ component: 'provisioner' }),
    metrics,
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * `agora agent ARGS`: returns the exit code (0 stopped cleanly, 1 failed or shut down by the
 * master, 2 usage error).
 */
export async function agentMain(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`Usage: agora agent --master=HOST:PORT --work_dir=DIR [--flag=value ...]\n\n${flagsHelp(AGENT_FLAGS)}\n`);
    return 0;
  }
  let flags: AgentFlags;
  try {
    flags = parseAgentFlags(argv, env);
    masterUrl(flags.master);
  } catch (err) {
    process.stderr.write(`agora agent: ${(err as Error).message}\n`);
    return err instanceof AgoraError ? 2 : 1;
  }
  const logger = createLogger({ level: logLevelFromFlag(flags.logging_level), base: { process: 'agent' } });
  let running: RunningAgent;
  let shutdown!: (why: string) => void;
  const stopped = new Promise<string>((resolve) => (shutdown = resolve));
  let leavingForGood = false;
  try {
    running = await startAgent({
      flags,
      logger,
      env,
      ...(env[TEST_BOOT_ID_FILE_ENV] ? { bootIdFile: env[TEST_BOOT_ID_FILE_ENV] } : {}),
      onShutdownRequested: (reason) => {
        leavingForGood = true;
        shutdown(`master: ${reason}`);
      },
    });
  } catch (err) {
    if (err instanceof AgoraError && err.status === 400) {
      process.stderr.write(`agora agent: ${err.message}\n`);
      return 2;
    }
    logger.fatal({ err }, 'agent failed to start');
    logger.flush();
    return 1;
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  const why = await stopped;
  logger.info({ reason: why }, 'agent stopping');
  await running.stop({ destroyAll: leavingForGood });
  logger.info('agent stopped');
  logger.flush();
  // Shut down by the master is not a clean stop: a supervisor must not simply restart it as is.
  return leavingForGood ? 1 : 0;
}
