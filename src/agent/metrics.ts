// The agent's `/metrics/snapshot` (reference §6.4): `slave/*` for the agent, `system/*` for the
// host, named exactly as Mesos so dashboards built for Mesos agents keep working. Gauges read the
// agent's state when a snapshot is taken; terminal task counts are counters.
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { TaskState } from '../protocol/index.ts';
import type { Clock } from '../common/clock.ts';
import { Metrics, type Counter } from '../common/metrics.ts';
import type { Resources } from '../common/resources/index.ts';
import { allExecutors, countTasksByState, executorResources, type AgentState, type ExecutorState } from './state.ts';

/** What the metrics read from the agent. */
export type MetricsSource = {
  readonly state: AgentState;
  readonly registered: boolean;
  readonly startTimeMs: number;
  readonly resources: Resources;
};

const TERMINAL_COUNTERS: Partial<Record<TaskState, string>> = {
  TASK_FINISHED: 'slave/tasks_finished',
  TASK_FAILED: 'slave/tasks_failed',
  TASK_KILLED: 'slave/tasks_killed',
  TASK_LOST: 'slave/tasks_lost',
  TASK_ERROR: 'slave/tasks_error',
  TASK_DROPPED: 'slave/tasks_dropped',
  TASK_GONE: 'slave/tasks_gone',
  TASK_GONE_BY_OPERATOR: 'slave/tasks_gone_by_operator',
};

export class AgentMetrics {
  readonly registry: Metrics;
  readonly validStatusUpdates: Counter;
  readonly invalidStatusUpdates: Counter;
  readonly containerLaunchErrors: Counter;
  readonly #terminal = new Map<TaskState, Counter>();

  /** `registry`: shared with parts built before the agent (the image stores count into it too). */
  constructor(source: MetricsSource, clock: Clock, registry = new Metrics()) {
    this.registry = registry;
    const m = this.registry;
    this.validStatusUpdates = m.counter('slave/valid_status_updates');
    this.invalidStatusUpdates = m.counter('slave/invalid_status_updates');
    this.containerLaunchErrors = m.counter('slave/container_launch_errors');
    m.counter('slave/recovery_errors');
    for (const [state, name] of Object.entries(TERMINAL_COUNTERS)) this.#terminal.set(state as TaskState, m.counter(name));

    m.gauge('slave/uptime_secs', () => (clock.now() - source.startTimeMs) / 1000);
    m.gauge('slave/registered', () => (source.registered ? 1 : 0));
    m.gauge('slave/frameworks_active', () => source.state.frameworks.size);
    const live: [string, TaskState][] = [
      ['slave/tasks_staging', 'TASK_STAGING'],
      ['slave/tasks_starting', 'TASK_STARTING'],
      ['slave/tasks_running', 'TASK_RUNNING'],
      ['slave/tasks_killing', 'TASK_KILLING'],
    ];
    for (const [name, state] of live) m.gauge(name, () => countTasksByState(source.state).get(state) ?? 0);
    const executorStates: [string, ExecutorState][] = [
      ['slave/executors_registering', 'REGISTERING'],
      ['slave/executors_running', 'RUNNING'],
      ['slave/executors_terminating', 'TERMINATING'],
    ];
    for (const [name, state] of executorStates) {
      m.gauge(name, () => [...allExecutors(source.state)].filter((e) => e.state === state).length);
    }
    m.gauge('slave/executors_terminated', () => {
      let n = [...allExecutors(source.state)].filter((e) => e.state === 'TERMINATED').length;
      for (const f of source.state.frameworks.values()) n += f.completedExecutors.length;
      for (const f of source.state.completedFrameworks) n += f.completedExecutors.length;
      return n;
    });
    for (const name of ['cpus', 'mem', 'disk', 'gpus'] as const) {
      const total = (): number => source.resources.scalar(name) ?? 0;
      const used = (): number => usedScalar(source.state, name);
      m.gauge(`slave/${name}_total`, total);
      m.gauge(`slave/${name}_used`, used);
      m.gauge(`slave/${name}_percent`, () => (total() > 0 ? used() / total() : 0));
    }

    m.gauge('system/cpus_total', () => cpus().length);
    m.gauge('system/load_1min', () => loadavg()[0]!);
    m.gauge('system/load_5min', () => loadavg()[1]!);
    m.gauge('system/load_15min', () => loadavg()[2]!);
    m.gauge('system/mem_total_bytes', () => totalmem());
    m.gauge('system/mem_free_bytes', () => freemem());
  }

  /** A task reached a terminal state. */
  taskTerminated(state: TaskState): void {
    this.#terminal.get(state)?.inc();
  }

  snapshot(): Record<string, number> {
    return this.registry.snapshot();
  }
}

/** Resources in use: every live executor's resources (executor + its unfinished tasks). */
function usedScalar(state: AgentState, name: string): number {
  let sum = 0;
  for (const executor of allExecutors(state)) {
    if (executor.state === 'TERMINATED') continue;
    sum += executorResources(executor).scalar(name) ?? 0;
  }
  // Fixed point with three decimals, as resources are.
  return Math.round(sum * 1000) / 1000;
}
