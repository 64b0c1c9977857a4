// The agent's checkpoint: writes each piece as it happens and reads the whole tree back after a
// restart. Files and layout: layout.ts; durability: durable-file.ts; pure parsing: parse.ts.
//
// Only frameworks with `FrameworkInfo.checkpoint` are written (Mesos): `frameworkCheckpoint()`
// answers undefined for the others, so nothing below it can write for them by mistake.
//
// Reading never throws for bad content: a missing, truncated or corrupt file is named in
// `problems` (path + why) and skipped, and everything else is recovered. Missing pieces are
// normal after a crash between two writes (e.g. executor.info written, task.info not yet).
import { existsSync, readFileSync, readdirSync, readlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { AgentInfo, ExecutorInfo, FrameworkInfo, Resource, TaskInfo, encodeJson, encodeRecord, message, repeated } from '../../protocol/index.ts';
import type { StatusUpdate } from '../status-updates.ts';
import { appendDurable, symlinkAtomic, writeFileAtomic } from './durable-file.ts';
import * as layout from './layout.ts';
import { encodeUpdateRecord, parseInfo, parsePid, parseUpdateStream, replayUpdateRecords, type ParseResult, type ReplayedStream } from './parse.ts';

export type CheckpointProblem = { path: string; message: string };

export type RecoveredTask = { taskId: string; info?: TaskInfo | undefined; stream: ReplayedStream };
export type RecoveredRun = {
  containerId: string;
  /** The executor's pid as launched; undefined when not (yet) written or unreadable. */
  forkedPid?: number | undefined;
  /** `executor.sentinel` exists: the agent saw this run end. */
  completed: boolean;
  tasks: RecoveredTask[];
};
export type RecoveredExecutor = {
  executorId: string;
  info?: ExecutorInfo | undefined;
  runs: RecoveredRun[];
  /** The run `runs/latest` points at (the current container), if any. */
  latestRun?: string | undefined;
};
export type RecoveredFramework = { frameworkId: string; info?: FrameworkInfo | undefined; executors: RecoveredExecutor[] };
export type RecoveredAgent = {
  /** `meta/boot_id`: the boot the checkpoint was last written in. */
  bootId?: string | undefined;
  /** `meta/slaves/latest`; absent: nothing to recover (first start, or cleaned up). */
  agentId?: string | undefined;
  info?: AgentInfo | undefined;
  frameworks: RecoveredFramework[];
  problems: CheckpointProblem[];
};

/** The content of `meta/resources/resources.info`. */
const CheckpointedResources = message('CheckpointedResources', { resources: repeated(Resource) });

export class CheckpointStore {
  readonly workDir: string;

  constructor(workDir: string) {
    this.workDir = workDir;
  }

  writeBootId(bootId: string): void {
    writeFileAtomic(layout.bootIdPath(this.workDir), `${bootId}\n`);
  }

  /** Records the agent's identity and makes it the one to recover (`slaves/latest`). */
  writeAgentInfo(info: AgentInfo & { id: { value: string } }): void {
    const agentId = info.id.value;
    writeFileAtomic(layout.agentInfoPath(this.workDir, agentId), encodeJson(AgentInfo, info));
    symlinkAtomic(agentId, layout.latestAgentLink(this.workDir));
  }

  /** Records the checkpointed resources the master applied (APPLY_OPERATION); durable on return. */
  writeCheckpointedResources(resources: readonly Resource[]): void {
    writeFileAtomic(layout.resourcesInfoPath(this.workDir), encodeJson(CheckpointedResources, { resources: [...resources] }));
  }

  /** The checkpointed resources, [] when none were ever written; a damaged file is a problem. */
  readCheckpointedResources(problems: CheckpointProblem[]): Resource[] {
    const path = layout.resourcesInfoPath(this.workDir);
    if (!existsSync(path)) return [];
    return readParsed(path, (b) => parseInfo(CheckpointedResources, b), problems)?.resources ?? [];
  }

  /** Forgets the agent: the next start registers as a new agent (`--recover=cleanup`, reboots). */
  forgetAgent(): void {
    try {
      unlinkSync(layout.latestAgentLink(this.workDir));
    } catch (error) {
      if (code(error) !== 'ENOENT') throw error;
    }
  }

  /** The writer for one framework's pieces, or undefined when it does not checkpoint. */
  frameworkCheckpoint(agentId: string, info: FrameworkInfo): FrameworkCheckpoint | undefined {
    if (info.checkpoint !== true || info.id?.value === undefined) return undefined;
    return new FrameworkCheckpoint(this.workDir, agentId, info.id.value);
  }

  /** Reads everything checkpointed for the latest agent. */
  read(): RecoveredAgent {
    const problems: CheckpointProblem[] = [];
    const result: RecoveredAgent = { frameworks: [], problems };
    const bootPath = layout.bootIdPath(this.workDir);
    if (existsSync(bootPath)) {
      const bootId = readFileSync(bootPath, 'utf8').trim();
      if (bootId.length > 0) result.bootId = bootId;
      else problems.push({ path: bootPath, message: 'empty file' });
    }
    const link = layout.latestAgentLink(this.workDir);
    let agentId: string;
    try {
      agentId = readlinkSync(link);
    } catch (error) {
      if (code(error) !== 'ENOENT') problems.push({ path: link, message: (error as Error).message });
      return result;
    }
    try {
      layout.safe(agentId, 'agent id');
    } catch (error) {
      problems.push({ path: link, message: (error as Error).message });
      return result;
    }
    result.agentId = agentId;
    result.info = readParsed(layout.agentInfoPath(this.workDir, agentId), (b) => parseInfo(AgentInfo, b), problems);
    const frameworksDir = join(layout.agentMetaDir(this.workDir, agentId), 'frameworks');
    for (const frameworkId of listIds(frameworksDir, problems)) {
      const framework: RecoveredFramework = {
        frameworkId,
        info: readParsed(layout.frameworkInfoPath(this.workDir, agentId, frameworkId), (b) => parseInfo(FrameworkInfo, b), problems),
        executors: [],
      };
      const executorsDir = join(layout.frameworkMetaDir(this.workDir, agentId, frameworkId), 'executors');
      for (const executorId of listIds(executorsDir, problems)) {
        framework.executors.push(this.#readExecutor(agentId, frameworkId, executorId, problems));
      }
      result.frameworks.push(framework);
    }
    return result;
  }

  #readExecutor(agentId: string, frameworkId: string, executorId: string, problems: CheckpointProblem[]): RecoveredExecutor {
    const w = this.workDir;
    const executor: RecoveredExecutor = {
      executorId,
      info: readParsed(layout.executorInfoPath(w, agentId, frameworkId, executorId), (b) => parseInfo(ExecutorInfo, b), problems),
      runs: [],
    };
    const runsDir = join(layout.executorMetaDir(w, agentId, frameworkId, executorId), 'runs');
    try {
      executor.latestRun = readlinkSync(join(runsDir, layout.LATEST));
    } catch {
      // No latest link: no run was started (or it was never written); nothing to adopt.
    }
    for (const containerId of listIds(runsDir, problems)) {
      const pidPath = layout.forkedPidPath(w, agentId, frameworkId, executorId, containerId);
      const run: RecoveredRun = {
        containerId,
        forkedPid: readParsed(pidPath, parsePid, problems),
        completed: existsSync(layout.executorSentinelPath(w, agentId, frameworkId, executorId, containerId)),
        tasks: [],
      };
      const tasksDir = join(layout.runMetaDir(w, agentId, frameworkId, executorId, containerId), 'tasks');
      for (const taskId of listIds(tasksDir, problems)) {
        const info = readParsed(layout.taskInfoPath(w, agentId, frameworkId, executorId, containerId, taskId), (b) => parseInfo(TaskInfo, b), problems);
        run.tasks.push({ taskId, info, stream: readUpdates(layout.taskUpdatesPath(w, agentId, frameworkId, executorId, containerId, taskId), problems) });
      }
      executor.runs.push(run);
    }
    return executor;
  }
}

/** Writes the pieces of one checkpointing framework. */
export class FrameworkCheckpoint {
  readonly #workDir: string;
  readonly #agentId: string;
  readonly frameworkId: string;

  constructor(workDir: string, agentId: string, frameworkId: string) {
    this.#workDir = workDir;
    this.#agentId = agentId;
    this.frameworkId = frameworkId;
  }

  writeFrameworkInfo(info: FrameworkInfo): void {
    writeFileAtomic(layout.frameworkInfoPath(this.#workDir, this.#agentId, this.frameworkId), encodeJson(FrameworkInfo, info));
  }

  /** The executor's info and its new run, which becomes `runs/latest`. */
  writeExecutorRun(info: ExecutorInfo, containerId: string): void {
    const executorId = info.executor_id.value;
    writeFileAtomic(layout.executorInfoPath(this.#workDir, this.#agentId, this.frameworkId, executorId), encodeJson(ExecutorInfo, info));
    const runDir = layout.runMetaDir(this.#workDir, this.#agentId, this.frameworkId, executorId, containerId);
    symlinkAtomic(containerId, join(runDir, '..', layout.LATEST));
  }

  writeForkedPid(executorId: string, containerId: string, pid: number): void {
    writeFileAtomic(layout.forkedPidPath(this.#workDir, this.#agentId, this.frameworkId, executorId, containerId), `${pid}\n`);
  }

  writeExecutorSentinel(executorId: string, containerId: string): void {
    writeFileAtomic(layout.executorSentinelPath(this.#workDir, this.#agentId, this.frameworkId, executorId, containerId), '');
  }

  writeTaskInfo(executorId: string, containerId: string, task: TaskInfo): void {
    writeFileAtomic(layout.taskInfoPath(this.#workDir, this.#agentId, this.frameworkId, executorId, containerId, task.task_id.value), encodeJson(TaskInfo, task));
  }

  /** Appends an update to its task's stream; durable when this returns. */
  appendUpdate(executorId: string, containerId: string, update: StatusUpdate): void {
    const path = layout.taskUpdatesPath(this.#workDir, this.#agentId, this.frameworkId, executorId, containerId, update.status.task_id.value);
    appendDurable(path, encodeRecord(encodeUpdateRecord({ type: 'UPDATE', update })));
  }

  appendAck(executorId: string, containerId: string, taskId: string, uuid: string): void {
    const path = layout.taskUpdatesPath(this.#workDir, this.#agentId, this.frameworkId, executorId, containerId, taskId);
    appendDurable(path, encodeRecord(encodeUpdateRecord({ type: 'ACK', uuid })));
  }
}

function readParsed<T>(path: string, parse: (bytes: Uint8Array) => ParseResult<T>, problems: CheckpointProblem[]): T | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if (code(error) !== 'ENOENT') problems.push({ path, message: (error as Error).message });
    return undefined;
  }
  const parsed = parse(bytes);
  if (parsed.ok) return parsed.value;
  problems.push({ path, message: parsed.message });
  return undefined;
}

function readUpdates(path: string, problems: CheckpointProblem[]): ReplayedStream {
  let bytes: Buffer = Buffer.alloc(0);
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if (code(error) !== 'ENOENT') problems.push({ path, message: (error as Error).message });
  }
  const parsed = parseUpdateStream(bytes);
  if (parsed.tornBytes > 0) problems.push({ path, message: `dropped a torn last record (${parsed.tornBytes} bytes)` });
  if (parsed.corruption) {
    problems.push({ path, message: `corrupt at byte ${parsed.corruption.offset}: ${parsed.corruption.message}; later records dropped` });
  }
  const stream = replayUpdateRecords(parsed.records);
  if (stream.strayAcks.length > 0) problems.push({ path, message: `acknowledgements for unknown updates ignored: ${stream.strayAcks.join(', ')}` });
  return stream;
}

/** Directory entries that are valid ids; dot files (temp files) and `latest` are not ids. */
function listIds(dir: string, problems: CheckpointProblem[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (code(error) !== 'ENOENT') problems.push({ path: dir, message: (error as Error).message });
    return [];
  }
  return names.filter((name) => !name.startsWith('.') && name !== layout.LATEST).sort();
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}
