// Reliable delivery of task status updates to the framework (Mesos's task status update
// manager). Per task there is one ordered stream; only its oldest unacknowledged update is in
// flight, re-sent with backoff (10 s doubling to 10 min) until the framework's acknowledgement
// for exactly that uuid comes back; then the next update goes out.
//
//   update(u) ──> stream.pending = [u0 (in flight), u1, u2 ...]
//                        │ forward u0, retry after 10 s, 20 s, 40 s ... 10 min
//   ack(u0.uuid) ───────┘ pop u0, forward u1 ...       ack of the terminal update closes the stream
//
// `TaskUpdateStream` is the pure ordering/ack logic (no timers, no I/O); `StatusUpdateManager`
// is the shell that owns timers and the sink. Durable checkpointing (so updates survive an
// agent restart) plugs in through `StatusUpdateStore`; today only an in-memory store exists.
import type { TaskStatus } from '../protocol/index.ts';
import { isTerminalTaskState } from '../protocol/index.ts';
import type { Clock, TimerHandle } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import { backoffDelay } from '../common/backoff.ts';

/** One update for one task, as the agent forwards it to the master. `status.uuid` is set. */
export type StatusUpdate = {
  frameworkId: string;
  executorId?: string | undefined;
  status: TaskStatus;
};

export type UpdateResult =
  | { kind: 'forward' } // the stream was idle: send this update now
  | { kind: 'queued' } // waits behind an unacknowledged update
  | { kind: 'duplicate' } // a uuid seen before: ignored
  | { kind: 'error'; message: string };

export type AckResult =
  | { kind: 'acknowledged'; update: StatusUpdate; next: StatusUpdate | undefined; closed: boolean }
  | { kind: 'duplicate' }
  | { kind: 'error'; message: string };

/** The ordered updates of one task (pure). */
export class TaskUpdateStream {
  /** Oldest first; `pending[0]` is the one in flight. */
  readonly pending: StatusUpdate[] = [];
  readonly #received = new Set<string>();
  readonly #acknowledged = new Set<string>();
  /** Set once the terminal update was acknowledged: the stream takes nothing more. */
  #closed = false;
  /**
   * The terminal update this stream received, if any: nothing new is taken after it, acknowledged
   * or not (a late TASK_RUNNING from an executor's timer racing its kill must not follow a
   * TASK_KILLED to the framework, nor make the agent report the task running again).
   */
  #terminal: string | undefined;

  get closed(): boolean {
    return this.#closed;
  }

  get inFlight(): StatusUpdate | undefined {
    return this.pending[0];
  }

  update(update: StatusUpdate): UpdateResult {
    const uuid = update.status.uuid;
    if (uuid === undefined) return { kind: 'error', message: 'status update has no uuid' };
    if (this.#acknowledged.has(uuid) || this.#received.has(uuid)) return { kind: 'duplicate' };
    if (this.#closed) {
      return { kind: 'error', message: `task '${update.status.task_id.value}' already has an acknowledged terminal update` };
    }
    if (this.#terminal !== undefined) {
      return { kind: 'error', message: `task '${update.status.task_id.value}' already has a terminal update (${this.#terminal})` };
    }
    if (isTerminalTaskState(update.status.state)) this.#terminal = update.status.state;
    this.#received.add(uuid);
    this.pending.push(update);
    return this.pending.length === 1 ? { kind: 'forward' } : { kind: 'queued' };
  }

  /** True when the framework acknowledged `uuid` (now or before an agent restart). */
  wasAcknowledged(uuid: string): boolean {
    return this.#acknowledged.has(uuid);
  }

  acknowledge(uuid: string): AckResult {
    if (this.#acknowledged.has(uuid)) return { kind: 'duplicate' };
    const front = this.pending[0];
    if (!front) return { kind: 'error', message: `unexpected acknowledgement ${uuid}: no update is outstanding` };
    if (front.status.uuid !== uuid) {
      // Happens when a retried update is acknowledged twice, or acks arrive out of order.
      return { kind: 'error', message: `unexpected acknowledgement ${uuid}: expecting ${front.status.uuid}` };
    }
    this.pending.shift();
    this.#acknowledged.add(uuid);
    if (isTerminalTaskState(front.status.state)) this.#closed = true;
    return { kind: 'acknowledged', update: front, next: this.pending[0], closed: this.#closed };
  }
}

/** Where updates are made durable (later: JSON lines under the agent's meta dir). */
export interface StatusUpdateStore {
  /** Records an update before it is forwarded, or an acknowledgement when it arrives. */
  record(kind: 'update' | 'ack', update: StatusUpdate): void;
  /** Updates not yet acknowledged, in order, to rebuild the streams after a restart. */
  recover(): Promise<StatusUpdate[]>;
}

/** Keeps nothing: updates are lost with the agent process (checkpointing comes later). */
export class InMemoryStatusUpdateStore implements StatusUpdateStore {
  record(): void {}
  async recover(): Promise<StatusUpdate[]> {
    return [];
  }
}

export type StatusUpdateManagerOptions = {
  clock: Clock;
  logger: Logger;
  /** Sends one update to the master (fire and forget: the manager retries). */
  forward: (update: StatusUpdate) => void;
  store?: StatusUpdateStore;
  /** First retry interval; Mesos 10 s. */
  retryMinMs?: number | undefined;
  /** Retry interval cap; Mesos 10 min. */
  retryMaxMs?: number | undefined;
};

type StreamEntry = { stream: TaskUpdateStream; timer: TimerHandle | undefined; attempt: number };

export const STATUS_UPDATE_RETRY_MIN_MS = 10_000;
export const STATUS_UPDATE_RETRY_MAX_MS = 600_000;

export class StatusUpdateManager {
  readonly #streams = new Map<string, StreamEntry>();
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #forward: (update: StatusUpdate) => void;
  readonly #store: StatusUpdateStore;
  readonly #retryMinMs: number;
  readonly #retryMaxMs: number;
  /** While paused (no master connection) nothing is sent; `resume()` flushes. */
  #paused = true;

  constructor(options: StatusUpdateManagerOptions) {
    this.#clock = options.clock;
    this.#log = options.logger.child({ component: 'status-updates' });
    this.#forward = options.forward;
    this.#store = options.store ?? new InMemoryStatusUpdateStore();
    this.#retryMinMs = options.retryMinMs ?? STATUS_UPDATE_RETRY_MIN_MS;
    this.#retryMaxMs = options.retryMaxMs ?? STATUS_UPDATE_RETRY_MAX_MS;
  }

  /** Rebuilds streams from the store after a restart; they are sent on `resume()`. */
  async recover(): Promise<void> {
    for (const update of await this.#store.recover()) this.#entry(update.frameworkId, update.status.task_id.value).stream.update(update);
  }

  /**
   * Rebuilds a task's stream from the checkpoint after an agent restart: `history` is every
   * update of the task in order, `pending` those not acknowledged. Acknowledged ones are replayed
   * as acknowledged so that an executor re-sending them is answered 'duplicate', not forwarded
   * again (closed streams are kept for that until the framework is cleaned up). Nothing is written back to the store; pending updates go out on `resume()`.
   */
  restore(history: readonly StatusUpdate[], pending: readonly StatusUpdate[]): void {
    const waiting = new Set(pending.map((u) => u.status.uuid));
    for (const update of history) {
      const entry = this.#entry(update.frameworkId, update.status.task_id.value);
      if (entry.stream.update(update).kind === 'error') continue;
      if (!waiting.has(update.status.uuid)) entry.stream.acknowledge(update.status.uuid!);
    }
  }

  /** Accepts a new update; it is forwarded now if its stream is idle and the master is connected. */
  update(update: StatusUpdate): UpdateResult {
    const entry = this.#entry(update.frameworkId, update.status.task_id.value);
    const result = entry.stream.update(update);
    if (result.kind === 'forward' || result.kind === 'queued') this.#store.record('update', update);
    if (result.kind === 'forward') this.#send(entry, 0);
    if (result.kind === 'error' || result.kind === 'duplicate') {
      this.#log.warn({ task_id: update.status.task_id.value, uuid: update.status.uuid, result: result.kind }, 'status update not accepted');
    }
    return result;
  }

  /** The framework acknowledged `uuid` for this task: stop retrying it and send the next one. */
  acknowledge(frameworkId: string, taskId: string, uuid: string): AckResult {
    const key = streamKey(frameworkId, taskId);
    const entry = this.#streams.get(key);
    if (!entry) return { kind: 'error', message: `no status update stream for task '${taskId}' of framework '${frameworkId}'` };
    const result = entry.stream.acknowledge(uuid);
    if (result.kind !== 'acknowledged') return result;
    this.#store.record('ack', result.update);
    this.#stopTimer(entry);
    if (result.next) this.#send(entry, 0);
    else if (result.closed) this.#streams.delete(key);
    return result;
  }

  /** The master connection is gone: stop sending until `resume()`. */
  pause(): void {
    this.#paused = true;
    for (const entry of this.#streams.values()) this.#stopTimer(entry);
  }

  /** (Re-)connected: send every in-flight update again at once, with fresh backoff. */
  resume(): void {
    this.#paused = false;
    for (const entry of this.#streams.values()) if (entry.stream.inFlight) this.#send(entry, 0);
  }

  /** The framework is gone: forget its streams (nobody will acknowledge them). */
  cleanup(frameworkId: string): void {
    for (const [key, entry] of this.#streams) {
      if (key.startsWith(`${frameworkId}\u0000`)) {
        this.#stopTimer(entry);
        this.#streams.delete(key);
      }
    }
  }

  /**
   * True when the framework acknowledged this update of the task (an executor that missed the
   * ACKNOWLEDGED re-sends it when it subscribes again).
   */
  wasAcknowledged(frameworkId: string, taskId: string, uuid: string): boolean {
    return this.#streams.get(streamKey(frameworkId, taskId))?.stream.wasAcknowledged(uuid) ?? false;
  }

  /** True when some task of the framework still has an unacknowledged update. */
  hasPending(frameworkId: string): boolean {
    for (const [key, entry] of this.#streams) {
      if (key.startsWith(`${frameworkId}\u0000`) && entry.stream.pending.length > 0) return true;
    }
    return false;
  }

  /** Unacknowledged updates of a task, oldest first. */
  pending(frameworkId: string, taskId: string): readonly StatusUpdate[] {
    return this.#streams.get(streamKey(frameworkId, taskId))?.stream.pending ?? [];
  }

  /** Stops every timer (agent shutdown). */
  stop(): void {
    this.pause();
  }

  #entry(frameworkId: string, taskId: string): StreamEntry {
    const key = streamKey(frameworkId, taskId);
    let entry = this.#streams.get(key);
    if (!entry) this.#streams.set(key, (entry = { stream: new TaskUpdateStream(), timer: undefined, attempt: 0 }));
    return entry;
  }

  #send(entry: StreamEntry, attempt: number): void {
    this.#stopTimer(entry);
    const update = entry.stream.inFlight;
    if (this.#paused || !update) return;
    entry.attempt = attempt;
    this.#forward(update);
    entry.timer = this.#clock.setTimeout(() => {
      entry.timer = undefined;
      if (entry.stream.inFlight !== update) return;
      this.#log.info({ task_id: update.status.task_id.value, uuid: update.status.uuid, attempt: attempt + 1 }, 'retrying status update');
      this.#send(entry, attempt + 1);
    }, backoffDelay(attempt, { initialMs: this.#retryMinMs, maxMs: this.#retryMaxMs, jitter: 'none' }, 0));
  }

  #stopTimer(entry: StreamEntry): void {
    if (entry.timer) this.#clock.clearTimeout(entry.timer);
    entry.timer = undefined;
  }
}

function streamKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}
