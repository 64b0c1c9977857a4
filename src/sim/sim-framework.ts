// One simulated framework, a real client of the v1 scheduler API through the SDK
// (src/scheduler): demand arrives at a configured rate (plus an initial burst), each offer is
// filled with as many tasks of the configured shape as fit (up to a per-offer cap), offers it
// cannot use are declined with a filter, and with nothing to run it suppresses offers until new
// demand revives them. It records when each task was launched and when its TASK_RUNNING and
// terminal updates arrived, for launch latency and throughput, and how long each scheduler call
// it makes waited for the master's answer (API latency under load).
import type { Clock } from '../common/clock.ts';
import type { Offer, Resource, TaskInfo } from '../protocol/index.ts';
import { isTerminalTaskState } from '../protocol/index.ts';
import { SchedulerClient } from '../scheduler/index.ts';
import { DURATION_LABEL } from './sim-executor.ts';
import type { TimerWheel, WheelTimer } from './timer-wheel.ts';

export type TaskShape = { cpus: number; mem: number; /** RUNNING → FINISHED; negative: until killed. */ durationMs: number };

export type FrameworkDemand = {
  name: string;
  role: string;
  user: string;
  /** New tasks per second (0: only the initial burst). */
  tasksPerSecond: number;
  /** Tasks wanted at once when the framework subscribes. */
  initialTasks: number;
  /** Stop asking after this many tasks in all (undefined: no limit). */
  maxTasks: number | undefined;
  shape: TaskShape;
  maxTasksPerOffer: number;
  /** `refuse_seconds` of a DECLINE. */
  declineSeconds: number;
  /** SUPPRESS when nothing is wanted, REVIVE when demand comes back. */
  suppressWhenIdle: boolean;
};

/** The scheduler calls a simulated framework makes; each one's latency is recorded. */
export type TimedCall = 'ACCEPT' | 'DECLINE' | 'ACKNOWLEDGE' | 'SUPPRESS' | 'REVIVE';

export const TIMED_CALLS: readonly TimedCall[] = ['ACCEPT', 'DECLINE', 'ACKNOWLEDGE', 'SUPPRESS', 'REVIVE'];

export type FrameworkStats = {
  name: string;
  frameworkId: string | undefined;
  submitted: number;
  launched: number;
  running: number;
  /** Terminal updates by state. */
  terminal: Record<string, number>;
  offers: number;
  declined: number;
  callErrors: number;
  /** ACCEPT sent → TASK_RUNNING received, ms, one per task that reached RUNNING. */
  launchToRunningMs: number[];
  /**
   * Call sent → the master's answer (202), ms, by call; calls that failed are counted in
   * `callErrors` instead. Measured in this process, so its event-loop delay is included.
   */
  callLatencyMs: Record<TimedCall, number[]>;
};

/** Samples kept per series: enough for every task of a 50k-task placement, bounded all the same. */
const SAMPLE_LIMIT = 200_000;

export type SimFrameworkDeps = {
  wheel: TimerWheel;
  clock: Clock;
  /** A monotonic millisecond reading for call latencies (default performance.now: sub-ms, unlike Clock.now). */
  elapsedMs?: () => number;
};

/** Every call latency sample of `stats` (all calls, or those of `calls`), unsorted. */
export function callLatencies(stats: FrameworkStats, calls: readonly TimedCall[] = TIMED_CALLS): number[] {
  return calls.flatMap((c) => stats.callLatencyMs[c]);
}

export class SimFramework {
  readonly demand: FrameworkDemand;
  readonly client: SchedulerClient;
  readonly #wheel: TimerWheel;
  readonly #clock: Clock;
  readonly #elapsedMs: () => number;
  #pending = 0;
  #fraction = 0;
  #suppressed = false;
  #seq = 0;
  #callsInFlight = 0;
  #arrivals: WheelTimer | undefined;
  readonly #launchedAt = new Map<string, number>();
  readonly stats: FrameworkStats;

  constructor(masterUrl: string, demand: FrameworkDemand, deps: SimFrameworkDeps) {
    this.demand = demand;
    this.#wheel = deps.wheel;
    this.#clock = deps.clock;
    this.#elapsedMs = deps.elapsedMs ?? (() => performance.now());
    // Acknowledged here rather than by the SDK, so that the ACKNOWLEDGEs are timed like every other call.
    this.client = new SchedulerClient({ master: masterUrl, clock: deps.clock, autoAcknowledge: false });
    this.stats = {
      name: demand.name, frameworkId: undefined, submitted: 0, launched: 0, running: 0, terminal: {}, offers: 0, declined: 0, callErrors: 0, launchToRunningMs: [],
      callLatencyMs: { ACCEPT: [], DECLINE: [], ACKNOWLEDGE: [], SUPPRESS: [], REVIVE: [] },
    };
  }

  async start(): Promise<void> {
    this.client.on('OFFERS', (e) => this.#onOffers(e.offers.offers ?? []));
    this.client.on('UPDATE', (e) => {
      const s = e.update.status;
      const id = s.task_id.value;
      if (s.state === 'TASK_RUNNING') {
        this.stats.running++;
        const at = this.#launchedAt.get(id);
        if (at !== undefined && this.stats.launchToRunningMs.length < SAMPLE_LIMIT) this.stats.launchToRunningMs.push(this.#clock.now() - at);
      } else if (isTerminalTaskState(s.state)) {
        this.stats.terminal[s.state] = (this.stats.terminal[s.state] ?? 0) + 1;
        this.#launchedAt.delete(id);
      }
      // As the SDK's automatic acknowledgement: updates without a uuid (the master's own) need none.
      if (s.uuid !== undefined && s.agent_id !== undefined) {
        const agentId = s.agent_id;
        const uuid = s.uuid;
        this.#timed('ACKNOWLEDGE', () => this.client.acknowledge(agentId, s.task_id, uuid));
      }
    });
    // The initial demand is there before SUBSCRIBE: the first OFFERS can arrive in the same read
    // as SUBSCRIBED, before `subscribe()` resolves here, and would be declined (with a filter) and
    // answered with SUPPRESS then REVIVE if nothing were wanted yet.
    this.#want(this.demand.initialTasks);
    const subscribed = await this.client.subscribe({
      user: this.demand.user,
      name: this.demand.name,
      roles: [this.demand.role],
      capabilities: [{ type: 'MULTI_ROLE' }],
      failover_timeout: 0,
    });
    this.stats.frameworkId = subscribed.framework_id.value;
    if (this.demand.tasksPerSecond > 0) {
      this.#arrivals = this.#wheel.every(100, () => {
        this.#fraction += this.demand.tasksPerSecond / 10;
        const whole = Math.floor(this.#fraction);
        this.#fraction -= whole;
        this.#want(whole);
      });
    }
  }

  /** Calls sent and not answered yet. */
  get callsInFlight(): number {
    return this.#callsInFlight;
  }

  /** Tasks wanted and not launched yet. */
  get pending(): number {
    return this.#pending;
  }

  #want(n: number): void {
    const room = this.demand.maxTasks === undefined ? n : Math.min(n, this.demand.maxTasks - this.stats.submitted);
    if (room <= 0) return;
    this.#pending += room;
    this.stats.submitted += room;
    if (this.#suppressed) {
      this.#suppressed = false;
      this.#timed('REVIVE', () => this.client.revive());
    }
  }

  #onOffers(offers: readonly Offer[]): void {
    const { shape } = this.demand;
    // Declined together, in one DECLINE per OFFERS event, as a framework does with v1's list of offer ids.
    const declined: Offer['id'][] = [];
    for (const offer of offers) {
      this.stats.offers++;
      const free = scalars(offer.resources ?? []);
      const fit = Math.min(this.#pending, this.demand.maxTasksPerOffer, Math.floor(free.cpus / shape.cpus + 1e-9), Math.floor(free.mem / shape.mem + 1e-9));
      if (fit <= 0) {
        this.stats.declined++;
        declined.push(offer.id);
        continue;
      }
      const role = offer.allocation_info?.role ?? this.demand.role;
      const tasks: TaskInfo[] = [];
      const now = this.#clock.now();
      for (let i = 0; i < fit; i++) {
        const id = `${this.demand.name}-${++this.#seq}`;
        this.#launchedAt.set(id, now);
        tasks.push({
          name: id,
          task_id: { value: id },
          agent_id: offer.agent_id,
          resources: [scalar('cpus', shape.cpus, role), scalar('mem', shape.mem, role)],
          command: { value: 'true' },
          labels: { labels: [{ key: DURATION_LABEL, value: String(shape.durationMs) }] },
        });
      }
      this.#pending -= fit;
      this.stats.launched += fit;
      this.#timed('ACCEPT', () => this.client.launch([offer.id], tasks, { refuseSeconds: 0 }));
    }
    if (declined.length > 0) this.#timed('DECLINE', () => this.client.decline(declined, { refuseSeconds: this.demand.declineSeconds }));
    if (this.#pending === 0 && this.demand.suppressWhenIdle && !this.#suppressed) {
      this.#suppressed = true;
      this.#timed('SUPPRESS', () => this.client.suppress());
    }
  }

  /** Sends a call without waiting for it; records its latency when the master accepted it, or counts the error. */
  #timed(call: TimedCall, send: () => Promise<void>): void {
    const sentAt = this.#elapsedMs();
    const samples = this.stats.callLatencyMs[call];
    let sending: Promise<void>;
    try {
      sending = send();
    } catch {
      // Not subscribed (any more): the SDK refuses before sending.
      this.stats.callErrors++;
      return;
    }
    this.#callsInFlight++;
    sending.then(
      () => {
        this.#callsInFlight--;
        if (samples.length < SAMPLE_LIMIT) samples.push(this.#elapsedMs() - sentAt);
      },
      () => {
        this.#callsInFlight--;
        this.stats.callErrors++;
      },
    );
  }

  /** Tears the framework down (its tasks are killed) and closes the client. */
  async stop(teardown: boolean): Promise<void> {
    this.#arrivals?.cancel();
    if (teardown && this.client.state === 'subscribed') await this.client.teardown().catch(() => undefined);
    this.client.close();
  }
}

function scalar(name: string, value: number, role: string): Resource {
  return { name, type: 'SCALAR', scalar: { value }, allocation_info: { role } } as Resource;
}

function scalars(resources: readonly Resource[]): { cpus: number; mem: number } {
  let cpus = 0;
  let mem = 0;
  for (const r of resources) {
    if (r.name === 'cpus') cpus += r.scalar?.value ?? 0;
    else if (r.name === 'mem') mem += r.scalar?.value ?? 0;
  }
  return { cpus, mem };
}
