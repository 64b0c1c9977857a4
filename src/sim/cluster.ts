// A simulated cluster against one real master: N simulated agents (sim-agent.ts) sharing one
// loopback transport and one timer wheel, and simulated frameworks (sim-framework.ts). It
// registers the agents with bounded concurrency, starts the frameworks, churns agents (drop the
// connection, re-register with a full report) if asked, and sums up what happened.
import { SystemClock, type Clock } from '../common/clock.ts';
import type { Attribute, Resource, TaskState } from '../protocol/index.ts';
import { newCounters, type SimCounters } from './counters.ts';
import { createTransport, type Transport, type TransportProtocol } from './transport.ts';
import { SimAgent, type AgentReport } from './sim-agent.ts';
import type { PreloadedReport } from './report.ts';
import type { ExecutorTiming } from './sim-executor.ts';
import { SimFramework, type FrameworkDemand } from './sim-framework.ts';
import { summarizeLatencies, type LatencySummary } from './stats.ts';
import { TimerWheel, type WheelTimer } from './timer-wheel.ts';

export type ChurnOptions = { /** Agents restarted per minute. */ agentsPerMinute: number; /** How long each stays away. */ downMs: number };

export type SimClusterOptions = {
  masterUrl: string;
  agents: number;
  /** Every agent's total resources (wire format). */
  resources: Resource[];
  attributes?: Attribute[];
  timing: ExecutorTiming;
  completedHistory?: number;
  updateRetryMs?: number;
  /** SUBSCRIBEs in flight at once while registering (default 256). */
  registerConcurrency?: number;
  frameworks?: FrameworkDemand[];
  churn?: ChurnOptions | undefined;
  hostnamePrefix?: string;
  /** Keep-alive sockets shared by the agents' short calls (default 32). */
  callSockets?: number;
  /** Local addresses the agents' event streams are spread over (http1 only, transport.ts; default: the system's choice). */
  localAddresses?: readonly string[];
  /** http1 (default): a socket per agent, as real agents; h2c: agents multiplexed over a few HTTP/2 connections (transport.ts). */
  transport?: TransportProtocol;
  /** h2c: connections the agents share (default 4). */
  sessions?: number;
  clock?: Clock;
};

export type FrameworkSummary = {
  name: string;
  framework_id: string | undefined;
  submitted: number;
  launched: number;
  running_seen: number;
  terminal_seen: Record<string, number>;
  offers: number;
  declined: number;
  call_errors: number;
  launch_to_running_ms: LatencySummary;
};

export type SimSummary = {
  master: string;
  elapsed_ms: number;
  agents: {
    configured: number;
    connected: number;
    registrations: number;
    reregistrations: number;
    subscribe_failures: number;
    streams_lost: number;
    shutdowns: number;
    /** Start of registration → every agent subscribed once. */
    registration_ms: number | undefined;
  };
  tasks: {
    received: number;
    /** Tasks agents hold now (live, or terminal and not yet acknowledged), by state. */
    by_state: Partial<Record<TaskState, number>>;
    completed: number;
    updates_sent: Record<string, number>;
    update_errors: number;
    acknowledged: number;
  };
  frameworks: FrameworkSummary[];
};

export class SimCluster {
  readonly options: SimClusterOptions;
  readonly counters: SimCounters = newCounters();
  readonly agents: SimAgent[] = [];
  readonly frameworks: SimFramework[] = [];
  readonly wheel: TimerWheel;
  readonly #clock: Clock;
  readonly #transport: Transport;
  readonly #master: URL;
  #startedAt = 0;
  #registrationMs: number | undefined;
  #churn: WheelTimer | undefined;

  constructor(options: SimClusterOptions) {
    this.options = options;
    this.#clock = options.clock ?? new SystemClock();
    this.wheel = new TimerWheel(this.#clock);
    this.#transport = createTransport({
      callSockets: options.callSockets ?? 32,
      ...(options.localAddresses !== undefined && { localAddresses: options.localAddresses }),
      ...(options.transport !== undefined && { protocol: options.transport }),
      ...(options.sessions !== undefined && { sessions: options.sessions }),
    });
    this.#master = new URL(options.masterUrl);
    const prefix = options.hostnamePrefix ?? 'sim';
    for (let i = 0; i < options.agents; i++) {
      this.agents.push(
        new SimAgent(
          {
            hostname: `${prefix}-${i}.agora.sim`,
            port: 5051,
            resources: options.resources,
            ...(options.attributes !== undefined && { attributes: options.attributes }),
            timing: options.timing,
            completedHistory: options.completedHistory ?? 0,
            updateRetryMs: options.updateRetryMs ?? 10_000,
          },
          { transport: this.#transport, master: this.#master, wheel: this.wheel, counters: this.counters },
        ),
      );
    }
  }

  /** Makes agent i re-register with `reports[i]` (a failover storm with made-up tasks). */
  preload(reports: readonly (PreloadedReport | AgentReport)[]): void {
    reports.forEach((r, i) => this.agents[i]?.preload(r));
  }

  /** Registers every agent, then starts the frameworks and the churn. */
  async start(): Promise<void> {
    this.#startedAt = this.#clock.now();
    await this.registerAgents();
    for (const demand of this.options.frameworks ?? []) {
      const fw = new SimFramework(this.options.masterUrl, demand, { wheel: this.wheel, clock: this.#clock });
      this.frameworks.push(fw);
      await fw.start();
    }
    this.#startChurn();
  }

  /**
   * Subscribes every agent not connected, `registerConcurrency` at a time; resolves when all are
   * in, and throws the first failure after every agent had its try.
   */
  async registerAgents(): Promise<number> {
    const started = this.#clock.now();
    const queue = this.agents.filter((a) => !a.connected);
    let next = 0;
    let firstError: unknown;
    const worker = async (): Promise<void> => {
      while (next < queue.length) {
        const agent = queue[next++]!;
        try {
          await agent.subscribe();
        } catch (err) {
          this.counters.subscribeFailures++;
          firstError ??= err;
        }
      }
    };
    const concurrency = Math.max(1, this.options.registerConcurrency ?? 256);
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    const took = this.#clock.now() - started;
    this.#registrationMs ??= took;
    if (firstError !== undefined) throw firstError;
    return took;
  }

  #startChurn(): void {
    const churn = this.options.churn;
    if (churn === undefined || churn.agentsPerMinute <= 0 || this.agents.length === 0) return;
    let cursor = 0;
    const everyMs = Math.max(10, 60_000 / churn.agentsPerMinute);
    this.#churn = this.wheel.every(everyMs, () => {
      const agent = this.agents[cursor++ % this.agents.length]!;
      if (agent.connected) agent.restart(churn.downMs);
    });
  }

  summary(): SimSummary {
    const byState = new Map<TaskState, number>();
    for (const a of this.agents) a.tasksByState(byState);
    const c = this.counters;
    return {
      master: this.options.masterUrl,
      elapsed_ms: this.#clock.now() - this.#startedAt,
      agents: {
        configured: this.agents.length,
        connected: this.agents.filter((a) => a.connected).length,
        registrations: c.registrations,
        reregistrations: c.reregistrations,
        subscribe_failures: c.subscribeFailures,
        streams_lost: c.streamsLost,
        shutdowns: c.shutdowns,
        registration_ms: this.#registrationMs,
      },
      tasks: {
        received: c.tasksReceived,
        by_state: Object.fromEntries(byState),
        completed: c.completed,
        updates_sent: { ...c.updates } as Record<string, number>,
        update_errors: c.updateErrors,
        acknowledged: c.acknowledged,
      },
      frameworks: this.frameworks.map((f) => ({
        name: f.stats.name,
        framework_id: f.stats.frameworkId,
        submitted: f.stats.submitted,
        launched: f.stats.launched,
        running_seen: f.stats.running,
        terminal_seen: { ...f.stats.terminal },
        offers: f.stats.offers,
        declined: f.stats.declined,
        call_errors: f.stats.callErrors,
        launch_to_running_ms: summarizeLatencies(f.stats.launchToRunningMs),
      })),
    };
  }

  /** Stops frameworks (tearing them down if asked), agents and timers; closes every socket. */
  async stop(options: { teardown?: boolean } = {}): Promise<void> {
    this.#churn?.cancel();
    await Promise.all(this.frameworks.map((f) => f.stop(options.teardown ?? false)));
    for (const a of this.agents) a.stop();
    this.wheel.clear();
    this.#transport.destroy();
  }
}
