import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { agentClientFor, SandboxFile, findSandbox, type AgentClient, type MasterClient } from '../../client/index.ts';
import { NotFoundError } from '../../common/errors.ts';
import { isTerminalTaskState, type MasterGetStateResponse, type Task } from '../../protocol/index.ts';
import { EXIT, type Command } from '../command.ts';
import { reportError, UsageError } from '../errors.ts';
import { MASTER_OPTIONS, MASTER_OPTIONS_HELP, masterClient, requestTimeoutMs } from '../options.ts';
import { findTask } from '../task-lookup.ts';

const PATH = ['task', 'log'];
/** How often --follow reads the file again, and how often it asks the master for the state. */
const FILE_POLL_MS = 250;
const STATE_POLL_MS = 1000;

export const taskLogCommand: Command = {
  path: PATH,
  summary: "print a task's stdout or stderr (--follow to keep reading)",
  help: `usage: agora task log TASK [--stderr] [--lines N] [--follow] [--framework ID] [--master HOST:PORT]

Prints the task's stdout (or stderr) from its sandbox on the agent. TASK is a task id, a unique
prefix of one, or a unique task name. The master tells which agent runs the task; the agent's
/state names the sandbox; the file is read through the agent's /files/read.

  --stderr            print stderr instead of stdout
  --lines N           only the last N lines (default: the whole file)
  --follow, -f        keep printing new output until the task is terminal
  --framework ID      look the task up in this framework only (an id or a name)
${MASTER_OPTIONS_HELP.split('\n').filter((l) => !l.includes('--json')).join('\n')}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        master: MASTER_OPTIONS.master,
        timeout: MASTER_OPTIONS.timeout,
        stderr: { type: 'boolean' },
        lines: { type: 'string' },
        follow: { type: 'boolean', short: 'f' },
        framework: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
    try {
      const query = onePositional(positionals);
      const lines = values.lines === undefined ? undefined : parseLines(values.lines);
      const master = masterClient(values);
      const state = await master.getState();
      const { task } = findTask(state, query, values.framework);
      const agent = agentClientFor(agentOf(state, task), { timeoutMs: requestTimeoutMs(values) });
      const directory = await sandboxDirectory(master, agent, task, values.follow === true);
      const file = new SandboxFile(agent, `${directory}/${values.stderr ? 'stderr' : 'stdout'}`);
      if (lines !== undefined) await file.seekToLastLines(lines);
      io.stdout.write(await file.readAvailable());
      if (!values.follow) return EXIT.OK;
      let terminal = isTerminalTaskState(task.state);
      let lastStateCheck = Date.now();
      while (!terminal) {
        await sleep(FILE_POLL_MS);
        io.stdout.write(await file.readAvailable());
        if (Date.now() - lastStateCheck >= STATE_POLL_MS) {
          lastStateCheck = Date.now();
          terminal = isTerminalTaskState(currentState(await master.getState(), task));
        }
      }
      // What the task wrote just before it ended.
      io.stdout.write(await file.readAvailable());
      return EXIT.OK;
    } catch (err) {
      return reportError(io, PATH, err);
    }
  },
};

function onePositional(positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'give the task id: agora task log TASK' : `expected one task, got ${positionals.length}: ${positionals.join(' ')}`);
  return positionals[0]!;
}

function parseLines(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--lines '${text}' is not a non-negative whole number`);
  return n;
}

function agentOf(state: MasterGetStateResponse, task: Task) {
  const agent = (state.get_agents?.agents ?? []).find((a) => a.agent_info.id?.value === task.agent_id.value);
  if (!agent) throw new NotFoundError(`task '${task.task_id.value}' ran on agent '${task.agent_id.value}', which is no longer registered; its sandbox cannot be read`);
  return agent;
}

/** The task's latest state in a fresh GET_STATE (TASK_GONE if the master forgot it). */
export function currentState(state: MasterGetStateResponse, task: Task): Task['state'] {
  const t = state.get_tasks;
  const all = [...(t?.tasks ?? []), ...(t?.unreachable_tasks ?? []), ...(t?.completed_tasks ?? [])];
  const same = all.find((x) => x.task_id.value === task.task_id.value && x.framework_id.value === task.framework_id.value);
  return same?.state ?? 'TASK_GONE';
}

/**
 * The task's sandbox directory. A task still staging has none yet: with --follow we wait for
 * the agent to create it (or for the task to end without one).
 */
async function sandboxDirectory(master: MasterClient, agent: AgentClient, task: Task, wait: boolean): Promise<string> {
  for (;;) {
    const found = findSandbox(await agent.legacyState(), task.framework_id.value, task.task_id.value, task.executor_id?.value);
    if (found) return found.directory;
    const state = currentState(await master.getState(), task);
    if (!wait || isTerminalTaskState(state)) {
      throw new NotFoundError(
        `agent ${agent.baseUrl} has no sandbox for task '${task.task_id.value}' (${state}): it has not started yet, or its sandbox was garbage-collected`,
      );
    }
    await sleep(FILE_POLL_MS);
  }
}
