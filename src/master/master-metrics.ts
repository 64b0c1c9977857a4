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
  for (const state of ACTIVE_TASK_STATES) {
    m.metrics.gauge(`${prefix}tasks/active/${state}`, () => {
      let n = 0;
      for (const t of fw.tasks.values()) if (t.state === state) n++;
      return n;
    });
  }
  for (const name of ['calls', 'events', 'offers/sent', 'offers/accepted', 'offers/declined', 'offers/rescinded']) m.metrics.counter(`${prefix}${name}`);
}

/** Bumps `<fw.metricPrefix><name>` (and `<name>/<type>` when given). */
export function countForFramework(m: Master, fw: FrameworkRecord, name: string, type?: string, by = 1): void {
  const prefix = fw.metricPrefix;
  m.metrics.counter(`${prefix}${name}`).inc(by);
  if (type !== undefined) m.metrics.counter(`${prefix}${name}/${type}`).inc(by);
}

function scalarTotal(resources: Iterable<Resources>, name: string, revocable: boolean): number {
  let sum = 0;
  for (const r of resources) {
    for (const e of r.entries) if (e.name === name && e.type === 'SCALAR' && e.isRevocable === revocable) sum += e.scalar;
  }
  return Math.round(sum * 1000) / 1000;
}

function taskCounts(m: Master): Map<TaskState, number> {
  const counts = new Map<TaskState, number>(TASK_STATES.map((s) => [s, 0]));
  const count = (state: TaskState): void => {
    counts.set(state, (counts.get(state) ?? 0) + 1);
  };
  for (const fw of m.frameworks.values()) {
    for (const t of fw.tasks.values()) count(t.state);
    for (const t of fw.completedTasks) count(t.state);
  }
  for (const fw of m.completedFrameworks) for (const t of fw.completedTasks) count(t.state);
  return counts;
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
  const agents = (pred: (s: string) => boolean): number => [...m.agents.values()].filter((a) => pred(a.status)).length;
  g('master/slaves_active', () => agents((s) => s === 'connected' || s === 'disconnected'));
  g('master/slaves_inactive', () => 0);
  g('master/slaves_connected', () => agents((s) => s === 'connected'));
  g('master/slaves_disconnected', () => agents((s) => s === 'disconnected'));
  g('master/slaves_unreachable', () => agents((s) => s === 'unreachable'));
  const frameworks = (pred: (s: string) => boolean): number => [...m.frameworks.values()].filter((f) => pred(f.status)).length;
  g('master/frameworks_active', () => frameworks((s) => s === 'connected'));
  g('master/frameworks_inactive', () => frameworks((s) => s !== 'connected'));
  g('master/frameworks_connected', () => frameworks((s) => s === 'connected'));
  g('master/frameworks_disconnected', () => frameworks((s) => s === 'disconnected'));
  g('master/outstanding_offers', () => m.offers.size);
  for (const state of TASK_STATES) {
    const name = `master/tasks_${state.slice('TASK_'.length).toLowerCase()}`;
    g(name, () => taskCounts(m).get(state) ?? 0);
  }
  const liveAgents = (): Resources[] =>
    [...m.agents.values()].filter((a) => a.status === 'connected' || a.status === 'disconnected').map((a) => a.total);
  const used = (): Resources[] => {
    const out: Resources[] = [];
    for (const fw of m.frameworks.values()) for (const t of fw.tasks.values()) if (!t.resourcesRecovered) out.push(t.resources);
    return out;
  };
  for (const name of ['cpus', 'gpus', 'mem', 'disk']) {
    for (const revocable of [false, true]) {
      const prefix = `master/${name}${revocable ? '_revocable' : ''}`;
      g(`${prefix}_total`, () => scalarTotal(liveAgents(), name, revocable));
      g(`${prefix}_used`, () => scalarTotal(used(), name, revocable));
      g(`${prefix}_percent`, () => {
        const total = scalarTotal(liveAgents(), name, revocable);
        return total === 0 ? 0 : scalarTotal(used(), name, revocable) / total;
      });
    }
  }
  for (const name of ['slave_registrations', 'slave_reregistrations', 'slave_removals', 'slave_unreachable_scheduled', 'slave_unreachable_completed', 'slave_unreachable_canceled', 'valid_status_updates', 'invalid_status_updates']) {
    m.metrics.counter(`master/${name}`);
  }
}
