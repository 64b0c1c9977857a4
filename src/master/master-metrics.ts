// The master's gauges, named as Mesos names them (reference §6.4), computed from the records when
// a snapshot is taken. Counters are bumped where things happen (master/messages_*, ...).
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { TASK_STATES, type TaskState } from '../protocol/index.ts';
import type { Resources } from '../common/resources/index.ts';
import type { Master } from './master.ts';
import type { FrameworkRecord } from './model.ts';

/**
 * Where a framework's metrics live: `master/frameworks/<name>/<id>/` (reference §6.4), computed
 * once when the framework record is made and kept in `FrameworkRecord.metricPrefix`.
 */
export function frameworkMetricPrefix(name: string, frameworkId: string): string {
  return `master/frameworks/${name}/${frameworkId}/`;
}

const ACTIVE_TASK_STATES: readonly TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE'];

/** Per-framework gauges, registered when a framework appears and removed with it (by `fw.metricPrefix`). */
export function registerFrameworkMetrics(m: Master, fw: FrameworkRecord): void {
  const prefix = fw.metricPrefix;
  m.metrics.gauge(`${prefix}subscribed`, () => (fw.status === 'connected' ? 1 : 0));
  const names = Object.fromEntries(ACTIVE_TASK_STATES.map((state) => [`${prefix}tasks/active/${state}`, state]));
  m.metrics.gaugeGroup(names, () => {
    const counts: Record<string, number> = Object.fromEntries(ACTIVE_TASK_STATES.map((state) => [state, 0]));
    for (const t of fw.tasks.values()) {
      const n = counts[t.state];
      if (n !== undefined) counts[t.state] = n + 1;
    }
    return counts;
  });
  for (const name of ['calls', 'events', 'offers/sent', 'offers/accepted', 'offers/declined', 'offers/rescinded']) m.metrics.counter(`${prefix}${name}`);
}

/** Bumps `<fw.metricPrefix><name>` (and `<name>/<type>` when given). */
export function countForFramework(m: Master, fw: FrameworkRecord, name: string, type?: string, by = 1): void {
  const prefix = fw.metricPrefix;
  m.metrics.counter(`${prefix}${name}`).inc(by);
  if (type !== undefined) m.metrics.counter(`${prefix}${name}/${type}`).inc(by);
}

/** Adds the scalar entries of `r` into `sums`, keyed `<name>` or `<name>_revocable`. */
function addScalars(sums: Map<string, number>, r: Resources): void {
  for (const e of r.entries) {
    if (e.type !== 'SCALAR') continue;
    const key = e.isRevocable ? `${e.name}_revocable` : e.name;
    sums.set(key, (sums.get(key) ?? 0) + e.scalar);
  }
}

const thousandths = (x: number): number => Math.round(x * 1000) / 1000;
const RESOURCE_GAUGES = ['cpus', 'gpus', 'mem', 'disk'].flatMap((name) => [name, `${name}_revocable`]);
const taskGauge = (state: TaskState): string => `master/tasks_${state.slice('TASK_'.length).toLowerCase()}`;

/**
 * The master's cluster-wide gauges (agents by status, tasks by state, resources total / used /
 * percent), from one walk over the agents and one over the tasks: registered as one gauge group,
 * so a snapshot walks them once, not once per gauge.
 */
function readClusterGauges(m: Master): Record<string, number> {
  const out: Record<string, number> = {};
  const statuses = { connected: 0, disconnected: 0, unreachable: 0 };
  const total = new Map<string, number>();
  for (const a of m.agents.values()) {
    if (a.status in statuses) statuses[a.status as keyof typeof statuses]++;
    if (a.status === 'connected' || a.status === 'disconnected') addScalars(total, a.total);
  }
  out['master/slaves_active'] = statuses.connected + statuses.disconnected;
  out['master/slaves_inactive'] = 0;
  out['master/slaves_connected'] = statuses.connected;
  out['master/slaves_disconnected'] = statuses.disconnected;
  out['master/slaves_unreachable'] = statuses.unreachable;

  const tasks = new Map<TaskState, number>(TASK_STATES.map((s) => [s, 0]));
  const count = (state: TaskState): void => {
    tasks.set(state, (tasks.get(state) ?? 0) + 1);
  };
  const used = new Map<string, number>();
  for (const fw of m.frameworks.values()) {
    for (const t of fw.tasks.values()) {
      count(t.state);
      if (!t.resourcesRecovered) addScalars(used, t.resources);
    }
    for (const t of fw.completedTasks) count(t.state);
  }
  for (const fw of m.completedFrameworks) for (const t of fw.completedTasks) count(t.state);
  for (const [state, n] of tasks) out[taskGauge(state)] = n;

  // Every resource is reported, 0 when no live agent has it (as Mesos does).
  for (const key of RESOURCE_GAUGES) {
    const t = thousandths(total.get(key) ?? 0);
    const u = thousandths(used.get(key) ?? 0);
    out[`master/${key}_total`] = t;
    out[`master/${key}_used`] = u;
    out[`master/${key}_percent`] = t === 0 ? 0 : u / t;
  }
  return out;
}

export function registerMasterMetrics(m: Master): void {
  const g = (name: string, read: () => number): void => m.metrics.gauge(name, read);
  g('master/elected', () => 1);
  g('system/cpus_total', () => cpus().length);
  g('system/load_1min', () => loadavg()[0]!);
  g('system/load_5min', () => loadavg()[1]!);
  g('system/load_15min', () => loadavg()[2]!);
  g('system/mem_total_bytes', () => totalmem());
  g('system/mem_free_bytes', () => freemem());
  g('master/uptime_secs', () => (m.clock.now() - m.startTime) / 1000);
  g('master/outstanding_offers', () => m.offers.size);
  const frameworks = (): Record<string, number> => {
    let connected = 0;
    let disconnected = 0;
    for (const f of m.frameworks.values()) {
      if (f.status === 'connected') connected++;
      else if (f.status === 'disconnected') disconnected++;
    }
    return { active: connected, inactive: m.frameworks.size - connected, connected, disconnected };
  };
  m.metrics.gaugeGroup(Object.fromEntries(['active', 'inactive', 'connected', 'disconnected'].map((k) => [`master/frameworks_${k}`, k])), frameworks);
  const cluster = [
    ...['active', 'inactive', 'connected', 'disconnected', 'unreachable'].map((k) => `master/slaves_${k}`),
    ...TASK_STATES.map(taskGauge),
    ...RESOURCE_GAUGES.flatMap((key) => [`master/${key}_total`, `master/${key}_used`, `master/${key}_percent`]),
  ];
  m.metrics.gaugeGroup(Object.fromEntries(cluster.map((name) => [name, name])), () => readClusterGauges(m));
  for (const name of ['slave_registrations', 'slave_reregistrations', 'slave_removals', 'slave_unreachable_scheduled', 'slave_unreachable_completed', 'slave_unreachable_canceled', 'valid_status_updates', 'invalid_status_updates']) {
    m.metrics.counter(`master/${name}`);
  }
}
