// An example framework that runs its tasks in its own executor.
//
// It launches three counting tasks that all name ONE ExecutorInfo (the executor in executor.ts
// next to this file), so the agent starts that executor once and hands it all three tasks. It
// sends the executor a framework message and waits for the echo, waits for every task to
// finish, and then tears itself down. It is built on Agora's framework SDK (src/scheduler) and
// works against Agora or Apache Mesos, as long as the agent runs on this machine (the executor
// is started from this checkout; see examples/README.md).
//
//   ./bin/agora dev                                                   # in one terminal
//   npx node examples/custom-executor/framework.ts --master 127.0.0.1:5050
//
// What happens on the wire (the scheduler API, `POST /api/v1/scheduler` on the master):
//   1. SUBSCRIBE; the master answers SUBSCRIBED, then sends OFFERS.
//   2. The first offer with room for the executor and all tasks is ACCEPTed with one LAUNCH of the
//      tasks; other offers are DECLINEd, and after the launch the framework SUPPRESSes offers.
//   3. UPDATE events report each task (TASK_RUNNING with progress, then TASK_FINISHED); the
//      framework ACKNOWLEDGEs each one, or the agent would not send the next.
//   4. Once the executor runs, a MESSAGE call goes to it; the executor's echo comes back as a
//      MESSAGE event.
//   5. When every task finished and the echo came back: TEARDOWN. The master removes the
//      framework, the agent sends the executor SHUTDOWN, and the executor exits.
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isTerminalTaskState } from '../../src/protocol/index.ts';
import type { ExecutorInfo, Offer, Resource, TaskInfo, TaskState, TaskStatus } from '../../src/protocol/index.ts';
import { SchedulerClient } from '../../src/scheduler/index.ts';

export type ExampleOptions = {
  /** `host:port` of a master (any master of a cluster: the SDK follows redirects to the leader). */
  master: string;
  tasks: number;
  /** Each task counts to this, one step every `stepMs`. */
  countTo: number;
  stepMs: number;
  /** Give up (and still tear down) after this long. */
  timeoutMs: number;
  /** Where progress lines go. */
  print: (line: string) => void;
};

export type ExampleResult = {
  ok: boolean;
  /** Why the run failed, when it did. */
  problem?: string;
  frameworkId?: string;
  agentId?: string;
  executorId: string;
  /** Every executor id named by the tasks' status updates: exactly one when they shared it. */
  executorIdsSeen: string[];
  tasks: { taskId: string; states: TaskState[]; lastMessage?: string }[];
  echo: { sent: string; received?: string };
};

const EXECUTOR_ID = 'counting-executor';
const EXECUTOR_PROGRAM = join(import.meta.dirname, 'executor.ts');
const GREETING = 'hello from the framework';
const EXECUTOR_RESOURCES = { cpus: 0.1, mem: 32 };
const TASK_RESOURCES = { cpus: 0.1, mem: 32 };

/**
 * The one ExecutorInfo every task carries. The agent starts it with `shell: false`: `value` is the
 * program and `arguments` its whole argv. `process.execPath` is the Node that runs this framework,
 * which runs TypeScript directly.
 */
function executorInfo(offer: Offer): ExecutorInfo {
  return {
    executor_id: { value: EXECUTOR_ID },
    name: 'counting executor (examples/custom-executor)',
    type: 'CUSTOM',
    command: { shell: false, value: process.execPath, arguments: [process.execPath, EXECUTOR_PROGRAM] },
    resources: scalars(offer, EXECUTOR_RESOURCES),
  };
}

function countingTask(offer: Offer, index: number, executor: ExecutorInfo, options: ExampleOptions): TaskInfo {
  // The executor reads its job from `data` (bytes, base64 on the wire).
  const job = { job: 'count', to: options.countTo, step_ms: options.stepMs };
  return {
    name: `count to ${options.countTo} (#${index})`,
    task_id: { value: `count-${index}` },
    agent_id: offer.agent_id,
    resources: scalars(offer, TASK_RESOURCES),
    executor,
    data: Buffer.from(JSON.stringify(job)).toString('base64'),
  };
}

/** Scalar resources taken from `offer`, carrying its allocation_info (the role it was offered to). */
function scalars(offer: Offer, amounts: Record<string, number>): Resource[] {
  return Object.entries(amounts).map(([name, value]) => ({
    name,
    type: 'SCALAR',
    scalar: { value },
    ...(offer.allocation_info ? { allocation_info: offer.allocation_info } : {}),
  }));
}

/** Whether the offer has room for the executor plus `tasks` tasks. */
function fits(offer: Offer, tasks: number): boolean {
  const offered = (name: string): number =>
    (offer.resources ?? []).filter((r) => r.name === name && r.type === 'SCALAR').reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
  return Object.keys(TASK_RESOURCES).every((name) => {
    const key = name as keyof typeof TASK_RESOURCES;
    return offered(name) + 1e-9 >= EXECUTOR_RESOURCES[key] + tasks * TASK_RESOURCES[key];
  });
}

/** Runs the example once: subscribe, launch, message, wait, tear down. Never throws. */
export async function runExample(options: ExampleOptions): Promise<ExampleResult> {
  const { print } = options;
  const result: ExampleResult = { ok: false, executorId: EXECUTOR_ID, executorIdsSeen: [], tasks: [], echo: { sent: GREETING } };
  const states = new Map<string, { states: TaskState[]; lastMessage?: string }>();
  // reconnect: false suits a short-lived framework (failover_timeout 0): the master forgets it as
  // soon as it disconnects, so re-subscribing could not succeed. Acknowledgements are sent by
  // hand below, after the update has been recorded, so the last ones surely precede TEARDOWN.
  const client = new SchedulerClient({ master: options.master, reconnect: false, autoAcknowledge: false, requestTimeoutMs: 10_000 });
  const events = client.events(); // before subscribe(), so that no event is missed
  const timeout = setTimeout(() => {
    result.problem ??= `not done after ${options.timeoutMs} ms`;
    // Ends the event loop below but leaves the client subscribed, so that TEARDOWN still works.
    void events.return?.();
  }, options.timeoutMs);

  let launched = false;
  let messageSent = false;
  const allFinished = (): boolean =>
    states.size === options.tasks && [...states.values()].every((t) => t.states.at(-1) === 'TASK_FINISHED');

  try {
    const subscribed = await client.subscribe({
      user: userInfo().username,
      name: 'custom-executor-example',
      roles: ['*'],
      capabilities: [{ type: 'MULTI_ROLE' }],
      failover_timeout: 0,
    });
    result.frameworkId = subscribed.framework_id.value;
    print(`subscribed as framework ${result.frameworkId}`);

    for await (const event of events) {
      switch (event.type) {
        case 'OFFERS':
          for (const offer of event.offers.offers ?? []) {
            if (launched || !fits(offer, options.tasks)) {
              if (!launched) print(`offer from ${offer.hostname} is too small for the executor and ${options.tasks} tasks; declined`);
              await client.decline([offer.id], { refuseSeconds: 60 });
              continue;
            }
            launched = true;
            result.agentId = offer.agent_id.value;
            const executor = executorInfo(offer);
            const tasks = Array.from({ length: options.tasks }, (_, i) => countingTask(offer, i + 1, executor, options));
            print(`launching ${tasks.length} tasks in executor '${EXECUTOR_ID}' on agent ${offer.hostname}`);
            await client.launch([offer.id], tasks, { refuseSeconds: 60 });
            // Nothing more to launch: stop offers instead of declining them one by one.
            await client.suppress();
          }
          break;

        case 'UPDATE': {
          const status: TaskStatus = event.update.status;
          const taskId = status.task_id.value;
          const entry = states.get(taskId) ?? { states: [] };
          states.set(taskId, entry);
          entry.states.push(status.state);
          if (status.message !== undefined) entry.lastMessage = status.message;
          const executorId = status.executor_id?.value;
          if (executorId !== undefined && !result.executorIdsSeen.includes(executorId)) result.executorIdsSeen.push(executorId);
          print(`${taskId.padEnd(8)} ${status.state.padEnd(14)} ${status.message ?? ''}`);
          // Updates from an agent or executor carry a uuid and must be acknowledged; the agent
          // sends a task's next update only after that.
          if (status.uuid !== undefined && status.agent_id !== undefined) await client.acknowledge(status.agent_id, status.task_id, status.uuid);
          if (isTerminalTaskState(status.state) && status.state !== 'TASK_FINISHED') result.problem ??= `task ${taskId} ended ${status.state}: ${status.message ?? ''}`;
          // A running task means the executor has subscribed to its agent: it can take messages now.
          if (status.state === 'TASK_RUNNING' && !messageSent && status.agent_id !== undefined) {
            messageSent = true;
            print(`sending "${GREETING}" to executor '${EXECUTOR_ID}'`);
            await client.message(status.agent_id, { value: EXECUTOR_ID }, Buffer.from(GREETING));
          }
          break;
        }

        case 'MESSAGE': {
          const text = Buffer.from(event.message.data, 'base64').toString('utf8');
          print(`message from executor '${event.message.executor_id.value}': "${text}"`);
          result.echo.received = text;
          if (text !== `echo: ${GREETING}`) result.problem ??= `unexpected message from the executor: "${text}"`;
          break;
        }

        case 'FAILURE':
          // An executor exited (or the agent was lost) before the work was done.
          result.problem ??= `executor or agent failure: ${JSON.stringify(event.failure)}`;
          break;

        default:
          break; // SUBSCRIBED, HEARTBEAT, RESCIND, ...: nothing to do here.
      }
      if (result.problem !== undefined || (allFinished() && result.echo.received !== undefined)) break;
    }
  } catch (err) {
    result.problem ??= (err as Error).message;
  } finally {
    clearTimeout(timeout);
  }

  result.tasks = [...states].map(([taskId, t]) => ({ taskId, ...t }));
  result.ok = result.problem === undefined && allFinished() && result.echo.received === `echo: ${GREETING}`;
  if (!result.ok) result.problem ??= 'the event stream ended before the work was done';
  // TEARDOWN whenever subscribed, so that a failed run leaves no task or executor behind.
  print(result.ok ? `all ${options.tasks} tasks finished in one executor; tearing down` : `failed: ${result.problem}; tearing down`);
  if (client.state === 'subscribed') await client.teardown().catch((err: unknown) => print(`teardown failed: ${(err as Error).message}`));
  else client.close();
  return result;
}

const USAGE = `usage: npx node examples/custom-executor/framework.ts [--master HOST:PORT] [--tasks N]
         [--count N] [--step-ms MS] [--timeout-secs S] [--json]

  --master        a master of the cluster (default 127.0.0.1:5050)
  --tasks         how many tasks share the one executor (default 3)
  --count         each task counts to this (default 5)
  --step-ms       milliseconds per count (default 200)
  --timeout-secs  give up after this long (default 60)
  --json          print the result as one JSON line at the end`;

function positiveInteger(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got '${text}'`);
  return n;
}

/** Runs the example from the command line; resolves with the exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: string[]): Promise<number> {
  let options: ExampleOptions;
  let json: boolean;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        master: { type: 'string', default: '127.0.0.1:5050' },
        tasks: { type: 'string', default: '3' },
        count: { type: 'string', default: '5' },
        'step-ms': { type: 'string', default: '200' },
        'timeout-secs': { type: 'string', default: '60' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    json = values.json;
    options = {
      master: values.master,
      tasks: positiveInteger('tasks', values.tasks),
      countTo: positiveInteger('count', values.count),
      stepMs: positiveInteger('step-ms', values['step-ms']),
      timeoutMs: positiveInteger('timeout-secs', values['timeout-secs']) * 1000,
      print: (line) => console.log(line),
    };
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const result = await runExample(options);
  if (json) console.log(JSON.stringify(result));
  return result.ok ? 0 : 1;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
