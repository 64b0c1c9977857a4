// The checkers' shell: timers and probe runs around the pure decisions of check-logic.ts.
//
//   start ──delay──▶ probe ──result──▶ decide, report ──interval──▶ probe ──▶ ...
//                      └──timeout──▶ abort the probe; the result is an error (no result)
//
// As Mesos's CheckerProcess: the first probe runs `delay` after the task started, each next one
// `interval` after the previous result (so probes never overlap), and a probe still running at
// `timeout` is aborted (its process group killed, its socket destroyed) and counts as an error.
// `stop()` cancels the timers and aborts a probe in flight; nothing is reported after it.
//
// The probes themselves (probes.ts: spawn, HTTP, TCP) are loaded on the first probe run, so a
// task without checks never loads them.
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { checkStatusOf, emptyCheckStatus, initialHealth, interpretHealth, sameCheckStatus, stepHealth } from './check-logic.ts';
import type { ProbeResult } from './check-logic.ts';
import type { CheckSpec, HealthCheckSpec, ProbeSpec, ProbeTiming } from './check-spec.ts';
import type { CheckerContext, CheckerFactory, TaskChecker } from './checks.ts';
import type { ExecutorLog } from './log.ts';

/** Runs one probe; resolves (never rejects) with its result, and cleans up when `signal` aborts. */
export type RunProbe = (probe: ProbeSpec, signal: AbortSignal) => Promise<ProbeResult>;

/** setTimeout's limit (2^31-1 ms); longer waits are chained. */
const MAX_TIMER_MS = 0x7fffffff;

export type ProbeLoopOptions = {
  clock: Clock;
  timing: ProbeTiming;
  probe: ProbeSpec;
  run: RunProbe;
  /** e.g. "HTTP health check", for messages. */
  name: string;
  onResult(result: ProbeResult): void;
};

/** One probe on a schedule: first after `delay`, then `interval` after each result. */
export class ProbeLoop {
  readonly #o: ProbeLoopOptions;
  #timer: TimerHandle | undefined;
  #timeout: TimerHandle | undefined;
  #inFlight: AbortController | undefined;
  #stopped = false;

  constructor(options: ProbeLoopOptions) {
    this.#o = options;
  }

  start(): void {
    this.#arm(this.#o.timing.delayMs, () => this.#runOnce());
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    if (this.#timeout !== undefined) this.#o.clock.clearTimeout(this.#timeout);
    this.#timer = this.#timeout = undefined;
    this.#inFlight?.abort();
    this.#inFlight = undefined;
  }

  #arm(ms: number, fn: () => void): void {
    if (this.#stopped) return;
    if (ms > MAX_TIMER_MS) {
      this.#timer = this.#o.clock.setTimeout(() => this.#arm(ms - MAX_TIMER_MS, fn), MAX_TIMER_MS);
      return;
    }
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      fn();
    }, ms);
  }

  #runOnce(): void {
    if (this.#stopped) return;
    const controller = new AbortController();
    this.#inFlight = controller;
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled || this.#stopped) return;
      settled = true;
      this.#inFlight = undefined;
      if (this.#timeout !== undefined) this.#o.clock.clearTimeout(this.#timeout);
      this.#timeout = undefined;
      this.#o.onResult(result);
      this.#arm(this.#o.timing.intervalMs, () => this.#runOnce());
    };
    const { timeoutMs } = this.#o.timing;
    if (timeoutMs !== undefined) {
      this.#timeout = this.#o.clock.setTimeout(
        () => {
          this.#timeout = undefined;
          controller.abort();
          finish({ type: 'error', message: `${this.#o.name} timed out after ${timeoutMs} ms` });
        },
        Math.min(timeoutMs, MAX_TIMER_MS),
      );
    }
    this.#o.run(this.#o.probe, controller.signal).then(finish, (err: unknown) => finish({ type: 'error', message: (err as Error).message }));
  }
}

export type TaskCheckersOptions = {
  clock: Clock;
  log: ExecutorLog;
  /** The probes; by default probes.ts, loaded on first use. */
  run?: RunProbe;
};

const loadProbes: RunProbe = async (probe, signal) => {
  const probes = await import('./probes.ts');
  return probes.runProbe(probe, signal);
};

function healthLoop(spec: HealthCheckSpec, ctx: CheckerContext, o: TaskCheckersOptions, run: RunProbe): ProbeLoop {
  const name = `${spec.probe.type} health check`;
  let state = initialHealth(o.clock.now());
  return new ProbeLoop({
    clock: o.clock,
    timing: spec,
    probe: spec.probe,
    run,
    name,
    onResult: (result) => {
      const verdict = interpretHealth(result, spec.statuses);
      const step = stepHealth(state, verdict.healthy, spec, o.clock.now());
      state = step.state;
      if (!verdict.healthy) {
        const fields = { task_id: ctx.taskId, check: name, reason: verdict.why };
        if (step.inGracePeriod) o.log.info('health check failed within the grace period; ignored', fields);
        else o.log.warn('health check failed', { ...fields, consecutive_failures: state.consecutiveFailures, kill_task: step.report?.killTask });
      }
      if (step.report) ctx.reportHealth(step.report);
    },
  });
}

function checkLoop(spec: CheckSpec, ctx: CheckerContext, o: TaskCheckersOptions, run: RunProbe): ProbeLoop {
  const type = spec.probe.type;
  let last = emptyCheckStatus(type);
  return new ProbeLoop({
    clock: o.clock,
    timing: spec,
    probe: spec.probe,
    run,
    name: `${type} check`,
    onResult: (result) => {
      if (result.type === 'error') o.log.warn('check produced no result', { task_id: ctx.taskId, check: `${type} check`, reason: result.message });
      const status = checkStatusOf(type, result);
      if (sameCheckStatus(status, last)) return;
      last = status;
      ctx.reportCheck(status);
    },
  });
}

/** The command executor's checker factory: one probe loop per health check and per check. */
export function createTaskCheckers(options: TaskCheckersOptions): CheckerFactory {
  const run = options.run ?? loadProbes;
  return (ctx): TaskChecker | undefined => {
    const loops: ProbeLoop[] = [];
    if (ctx.checks.check) loops.push(checkLoop(ctx.checks.check, ctx, options, run));
    if (ctx.checks.health) loops.push(healthLoop(ctx.checks.health, ctx, options, run));
    if (loops.length === 0) return undefined;
    for (const loop of loops) loop.start();
    return { stop: () => loops.forEach((loop) => loop.stop()) };
  };
}
