// One `agora run`: the mesos-execute loop. Subscribe a framework, take the first offer that fits,
// launch one command task, copy its output, report its status updates, then tear the framework
// down and end with the task's exit code.
//
//   subscribing --SUBSCRIBED--> subscribed --OFFERS(fits)--> launched --UPDATE(terminal)--> done:
//        |                          |                           |          exit code of the status
//        +-- interrupt: done (130)  +-- no fitting offer        +-- interrupt: KILL, wait for the
//                                       within the offer            terminal update (bounded)
//                                       timeout: done (69)          then done with 128 + SIGINT
//
// The framework speaks through the framework SDK (src/scheduler); the session needs only the
// calls in `RunScheduler`, so tests hand it a fake.
import type { Writable } from 'node:stream';
import type { AgentClient } from '../../client/index.ts';
import { isTerminalTaskState, type FrameworkInfo, type Offer, type TaskStatus, type ValidSchedulerEvent } from '../../protocol/index.ts';
import type { SchedulerClient } from '../../scheduler/index.ts';
import { EXIT } from '../command.ts';
import { describeError, exitCodeFor } from '../errors.ts';
import { OutputPump } from './output-pump.ts';
import { agentUrlFromOffer, buildTaskInfo, exitCodeForStatus, pickResources, type RunSpec } from './task-spec.ts';

/** Exit code after an interrupt (Ctrl-C), as shells report death by SIGINT. */
export const INTERRUPTED = 128 + 2;
/** Once launched we refuse further offers for this long: we need no more. */
const REFUSE_AFTER_LAUNCH_SECONDS = 3600;
/** How long to wait for the task to die after a KILL before giving up on it. */
const KILL_GRACE_MS = 15_000;

/**
 * What the session uses of the SDK's SchedulerClient. Construct that client with
 * `autoAcknowledge: false` (the session acknowledges each update after reporting it) and
 * `reconnect: false` (with failover_timeout 0 the framework is gone once disconnected).
 */
export type RunScheduler = Pick<SchedulerClient, 'state' | 'events' | 'subscribe' | 'launch' | 'decline' | 'acknowledge' | 'kill' | 'teardown' | 'close'>;

export type RunDeps = {
  /** A scheduler client that has not subscribed yet. */
  scheduler: RunScheduler;
  /** An agent client for the agent at `baseUrl` (to read the sandbox). */
  agent(baseUrl: string): AgentClient;
  stdout: Writable;
  stderr: Writable;
  /** Print status lines as JSON objects instead of sentences. */
  json: boolean;
  /** Registers a handler for Ctrl-C / SIGTERM (called for each one); returns its removal. */
  onInterrupt(handler: () => void): () => void;
  offerTimeoutMs: number;
  pollMs: number;
  user: string;
};

/** Runs `spec` to completion and returns the exit code for `agora run`. */
export async function runTask(spec: RunSpec, deps: RunDeps): Promise<number> {
  const info: FrameworkInfo = {
    user: deps.user,
    name: `agora-run (${spec.name})`,
    roles: [spec.role],
    capabilities: [{ type: 'MULTI_ROLE' }],
    // Removed as soon as we disconnect, so a crashed `agora run` leaves no task behind.
    failover_timeout: 0,
  };
  const { scheduler } = deps;
  // Iterate from before SUBSCRIBE: offers may follow SUBSCRIBED in the same chunk of the stream.
  const events = scheduler.events();
  let interrupted = false;
  const removeInterruptHandler = deps.onInterrupt(() => {
    interrupted = true;
    scheduler.close();
  });
  let frameworkId: string;
  try {
    frameworkId = (await scheduler.subscribe(info)).framework_id.value;
  } catch (err) {
    if (!interrupted) throw err;
    say(deps, { event: 'interrupted' }, 'interrupted before the framework was subscribed');
    return INTERRUPTED;
  } finally {
    removeInterruptHandler();
  }
  return new RunSession(spec, deps, frameworkId, events).run();
}

function say(deps: RunDeps, json: Record<string, unknown>, text: string): void {
  deps.stderr.write(deps.json ? JSON.stringify(json) + '\n' : `agora run: ${text}\n`);
}

class RunSession {
  readonly #spec: RunSpec;
  readonly #deps: RunDeps;
  readonly #scheduler: RunScheduler;
  readonly #frameworkId: string;
  readonly #events: AsyncIterableIterator<ValidSchedulerEvent>;
  #launchedOn: { agentId: string; pump: OutputPump | undefined } | undefined;
  #finish!: (code: number) => void;
  readonly #done = new Promise<number>((resolve) => (this.#finish = resolve));
  #finished = false;
  #killRequested = false;

  constructor(spec: RunSpec, deps: RunDeps, frameworkId: string, events: AsyncIterableIterator<ValidSchedulerEvent>) {
    this.#spec = spec;
    this.#deps = deps;
    this.#scheduler = deps.scheduler;
    this.#frameworkId = frameworkId;
    this.#events = events;
  }

  async run(): Promise<number> {
    this.#say({ event: 'subscribed', framework_id: this.#frameworkId }, `subscribed as framework ${this.#frameworkId}`);
    const offerTimer = setTimeout(() => this.#noOffer(), this.#deps.offerTimeoutMs);
    const removeInterruptHandler = this.#deps.onInterrupt(() => void this.#interrupted());
    void this.#consume();
    const code = await this.#done;
    clearTimeout(offerTimer);
    removeInterruptHandler();
    await this.#launchedOn?.pump?.finish();
    // A closed client has nothing left to tear down: the master ended the subscription (an ERROR
    // event) or the connection is gone, and with failover_timeout 0 the framework with it.
    if (this.#scheduler.state === 'closed') return code;
    try {
      await this.#scheduler.teardown();
    } catch (err) {
      this.#say({ event: 'teardown_failed', error: describeError(err) }, `could not tear down framework ${this.#frameworkId}: ${describeError(err)}`);
    }
    return code;
  }

  #end(code: number): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#finish(code);
  }

  async #consume(): Promise<void> {
    try {
      // Leaving the loop only detaches this iterator; the subscription lasts until teardown().
      for await (const event of this.#events) {
        if (this.#finished) break;
        await this.#handle(event);
      }
      if (!this.#finished) {
        this.#say({ event: 'disconnected' }, 'the master closed the framework connection');
        this.#end(EXIT.UNAVAILABLE);
      }
    } catch (err) {
      if (this.#finished) return;
      this.#say({ event: 'failed', error: describeError(err) }, describeError(err));
      this.#end(exitCodeFor(err));
    }
  }

  async #handle(event: ValidSchedulerEvent): Promise<void> {
    switch (event.type) {
      case 'OFFERS':
        return this.#offers(event.offers.offers ?? []);
      case 'UPDATE':
        return this.#update(event.update.status);
      case 'ERROR':
        this.#say({ event: 'error', message: event.error.message }, `the master sent an error: ${event.error.message}`);
        return this.#end(EXIT.FAILURE);
      case 'FAILURE':
        if (event.failure.agent_id && !event.failure.executor_id) {
          this.#say({ event: 'agent_lost', agent_id: event.failure.agent_id.value }, `agent ${event.failure.agent_id.value} was lost`);
        }
        return;
      default:
        return;
    }
  }

  async #offers(offers: Offer[]): Promise<void> {
    const decline: string[] = [];
    for (const offer of offers) {
      const resources = this.#launchedOn || this.#killRequested ? undefined : pickResources(offer, this.#spec);
      if (!resources) {
        decline.push(offer.id.value);
        continue;
      }
      const agentId = offer.agent_id.value;
      const task = buildTaskInfo(this.#spec, agentId, resources);
      this.#launchedOn = { agentId, pump: undefined };
      await this.#scheduler.launch([offer.id], [task], { refuseSeconds: REFUSE_AFTER_LAUNCH_SECONDS });
      const agentUrl = agentUrlFromOffer(offer);
      this.#say(
        { event: 'launched', task_id: this.#spec.taskId, agent_id: agentId, agent_url: agentUrl ?? null },
        `launched task ${this.#spec.taskId} on agent ${offer.hostname}${agentUrl ? ` (${agentUrl})` : ''}`,
      );
      if (agentUrl) {
        const pump = new OutputPump(
          { agent: this.#deps.agent(agentUrl), frameworkId: this.#frameworkId, taskId: this.#spec.taskId },
          { stdout: this.#deps.stdout, stderr: this.#deps.stderr },
          this.#deps.pollMs,
        );
        this.#launchedOn.pump = pump;
        pump.start();
      }
    }
    if (decline.length > 0) {
      // Before launch, a short refusal so a fitting agent can be offered again soon.
      const refuse = this.#launchedOn ? REFUSE_AFTER_LAUNCH_SECONDS : 1;
      await this.#scheduler.decline(decline, { refuseSeconds: refuse });
    }
  }

  async #update(status: TaskStatus): Promise<void> {
    if (status.task_id.value !== this.#spec.taskId) return;
    const detail = [status.message, status.reason].filter(Boolean).join('; ');
    this.#say(
      { event: 'status', task_id: status.task_id.value, state: status.state, message: status.message ?? null, reason: status.reason ?? null },
      `task ${status.task_id.value} is ${status.state}${detail ? `: ${detail}` : ''}`,
    );
    // Only updates from an executor carry a uuid and need an ACK; the master's own have none.
    if (status.uuid !== undefined && status.agent_id !== undefined) await this.#scheduler.acknowledge(status.agent_id, status.task_id, status.uuid);
    if (!isTerminalTaskState(status.state)) return;
    this.#end(this.#killRequested ? INTERRUPTED : exitCodeForStatus(status));
  }

  #noOffer(): void {
    if (this.#launchedOn || this.#finished) return;
    const want = `cpus ${this.#spec.cpus}, mem ${this.#spec.mem} MB, role '${this.#spec.role}'`;
    this.#say(
      { event: 'no_offer', timeout_ms: this.#deps.offerTimeoutMs },
      `no offer with ${want} arrived within ${Math.round(this.#deps.offerTimeoutMs / 1000)}s; 'agora agent list' shows free resources`,
    );
    this.#end(EXIT.UNAVAILABLE);
  }

  async #interrupted(): Promise<void> {
    if (this.#finished) return;
    if (this.#killRequested || !this.#launchedOn) {
      // Nothing launched yet, or a second Ctrl-C: tear down right away.
      this.#say({ event: 'interrupted' }, 'interrupted; tearing the framework down');
      return this.#end(INTERRUPTED);
    }
    this.#killRequested = true;
    this.#say({ event: 'killing', task_id: this.#spec.taskId }, `interrupted; killing task ${this.#spec.taskId} (Ctrl-C again to stop waiting)`);
    const timer = setTimeout(() => this.#end(INTERRUPTED), KILL_GRACE_MS);
    timer.unref();
    try {
      await this.#scheduler.kill(this.#spec.taskId, this.#launchedOn.agentId);
    } catch {
      this.#end(INTERRUPTED);
    }
  }

  #say(json: Record<string, unknown>, text: string): void {
    say(this.#deps, json, text);
  }
}
