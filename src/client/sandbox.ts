// Finding a task's sandbox and reading its files, as the Mesos web UI and `dcos task log` do:
// the master says which agent runs the task; the agent's `/state` names the executor's sandbox
// `directory`; `/files/read` on the agent reads `stdout`/`stderr` in it by byte offset.
import type { MasterAgent } from '../protocol/index.ts';
import { pidToBaseUrl } from './address.ts';
import { AgentClient, MAX_READ_BYTES, type AgentClientOptions } from './agent-client.ts';
import { ApiError } from './errors.ts';
import type { LegacyAgentExecutor, LegacyAgentState } from './legacy-types.ts';

/** The base URL of a registered agent, from its pid (`slave(1)@ip:port`) or hostname and port. */
export function agentBaseUrl(agent: Pick<MasterAgent, 'pid' | 'agent_info'>): string {
  const fromPid = agent.pid ? pidToBaseUrl(agent.pid) : undefined;
  return fromPid ?? `http://${agent.agent_info.hostname}:${agent.agent_info.port ?? 5051}`;
}

export type SandboxLocation = {
  /** The sandbox directory on the agent's host (a path `/files/read` accepts). */
  directory: string;
  executorId: string;
};

/**
 * Where task `taskId` of framework `frameworkId` keeps its files, according to an agent's
 * `/state`, or undefined if the agent does not (or no longer) know the task. Searches running and
 * completed frameworks and executors. Command tasks run in an executor whose id is the task id
 * (`executorId` absent); tasks of a DEFAULT (task group) executor have their own sandbox under
 * `<executor sandbox>/tasks/<task id>`, as the Mesos web UI computes it.
 */
export function findSandbox(state: LegacyAgentState, frameworkId: string, taskId: string, executorId?: string): SandboxLocation | undefined {
  const frameworks = [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])].filter((f) => f.id === frameworkId);
  const wantedExecutor = executorId ?? taskId;
  let byId: LegacyAgentExecutor | undefined;
  for (const framework of frameworks) {
    for (const executor of [...(framework.executors ?? []), ...(framework.completed_executors ?? [])]) {
      if (!executor.directory) continue;
      const tasks = [...(executor.tasks ?? []), ...(executor.queued_tasks ?? []), ...(executor.completed_tasks ?? [])];
      // Prefer the executor that lists the task; fall back to the id rule for command tasks.
      if (tasks.some((t) => t.id === taskId)) return locate(executor, taskId);
      if (executor.id === wantedExecutor) byId ??= executor;
    }
  }
  return byId ? locate(byId, taskId) : undefined;
}

function locate(executor: LegacyAgentExecutor, taskId: string): SandboxLocation {
  const directory = executor.type === 'DEFAULT' ? `${executor.directory}/tasks/${taskId}` : executor.directory!;
  return { directory, executorId: executor.id };
}

/**
 * One file in a sandbox, read forward from an offset, so the same object serves a one-off
 * `cat`, a `tail -n` and a `tail -f` loop. A file that does not exist yet reads as empty
 * (the executor creates `stdout`/`stderr` when it starts).
 *
 * NOTE: offsets are bytes while `/files/read` answers text, so a read that ends inside a
 * multi-byte UTF-8 character shows a replacement character there. Reads are therefore cut at
 * the last newline of such a piece and resume at that character boundary (see upToSafeEnd).
 */
export class SandboxFile {
  readonly agent: AgentClient;
  readonly path: string;
  #offset: number;

  constructor(agent: AgentClient, path: string, offset = 0) {
    this.agent = agent;
    this.path = path;
    this.#offset = offset;
  }

  /** The byte offset the next read starts at. */
  get offset(): number {
    return this.#offset;
  }

  /** Everything from the current offset to the end of the file (possibly ''). */
  async readAvailable(): Promise<string> {
    const parts: string[] = [];
    for (;;) {
      const result = await this.#read(this.#offset, MAX_READ_BYTES);
      if (result === undefined || result.data === '') break;
      const data = upToSafeEnd(result.data);
      parts.push(data);
      this.#offset = result.offset + Buffer.byteLength(data, 'utf8');
    }
    return parts.join('');
  }

  /** Moves the offset so the next read returns the last `lines` lines of the file. */
  async seekToLastLines(lines: number): Promise<void> {
    const sized = await this.#read(-1, 0);
    const size = sized?.offset ?? 0;
    this.#offset = await this.#lastLinesStart(size, lines);
  }

  async #lastLinesStart(size: number, lines: number): Promise<number> {
    if (lines <= 0) return size;
    let end = size;
    let newlines = 0;
    let pieceBytes = MAX_READ_BYTES;
    while (end > 0) {
      const start = Math.max(0, end - pieceBytes);
      const result = await this.#read(start, end - start);
      if (result === undefined || result.data === '') return start;
      const bytes = Buffer.from(result.data, 'utf8');
      // Replacement characters only ever make a piece longer, so a shorter one means the agent
      // capped the read: ask again for less.
      if (bytes.length < end - start) {
        pieceBytes = Math.max(1, Math.floor(bytes.length * 0.9));
        continue;
      }
      // Positions are counted back from the end of the piece. Each piece ends at the file's end
      // or at a newline found in the piece after it, which is always a character boundary, so
      // only the start of a piece can cut a multi-byte character, and that never shifts them.
      let firstNewline = -1;
      for (let i = bytes.length - 1; i >= 0; i--) {
        if (bytes[i] !== 0x0a) continue;
        const position = end - (bytes.length - i);
        firstNewline = position;
        // A newline that ends the file closes the last line; it does not start a new one.
        if (position === size - 1) continue;
        if (++newlines === lines) return position + 1;
      }
      end = firstNewline > start ? firstNewline : start;
    }
    return 0;
  }

  async #read(offset: number, length: number): Promise<{ offset: number; data: string } | undefined> {
    try {
      return await this.agent.filesRead(this.path, offset, length);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }
}

/**
 * A piece of text that may end inside a multi-byte character (shown as U+FFFD) is cut after its
 * last newline, so the next read starts on a character boundary; a piece without a newline is
 * kept whole (a line longer than a read is rare in logs).
 */
function upToSafeEnd(data: string): string {
  if (!data.endsWith('\uFFFD')) return data;
  const newline = data.lastIndexOf('\n');
  return newline >= 0 ? data.slice(0, newline + 1) : data;
}

/** An AgentClient for the agent `agent` as the master reports it. */
export function agentClientFor(agent: Pick<MasterAgent, 'pid' | 'agent_info'>, options: AgentClientOptions = {}): AgentClient {
  return new AgentClient(agentBaseUrl(agent), options);
}
