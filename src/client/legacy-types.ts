// The parts of the legacy (unversioned) JSON endpoints this client reads. These endpoints have
// hand-written shapes, not the v1 proto mapping (reference §6): plain string ids, `slave_id`,
// resources as `{cpus, mem, ...}`. Only the fields the CLI uses are typed, all optional where
// Mesos leaves them out; anything else passes through untyped.

/** A task in `/master/state` or an agent's `/state`. */
export type LegacyTask = {
  id: string;
  name?: string;
  framework_id?: string;
  executor_id?: string;
  slave_id?: string;
  state?: string;
  [key: string]: unknown;
};

/** An executor in an agent's `/state`; `directory` is its sandbox on the agent's host. */
export type LegacyAgentExecutor = {
  id: string;
  name?: string;
  source?: string;
  container?: string;
  directory?: string;
  /** `DEFAULT` for task-group executors, whose tasks have their own sandbox under `tasks/`. */
  type?: string;
  tasks?: LegacyTask[];
  queued_tasks?: LegacyTask[];
  completed_tasks?: LegacyTask[];
  [key: string]: unknown;
};

export type LegacyAgentFramework = {
  id: string;
  name?: string;
  executors?: LegacyAgentExecutor[];
  completed_executors?: LegacyAgentExecutor[];
  [key: string]: unknown;
};

/** An agent's `/state` (also `/slave(1)/state`). */
export type LegacyAgentState = {
  id?: string;
  pid?: string;
  hostname?: string;
  frameworks?: LegacyAgentFramework[];
  completed_frameworks?: LegacyAgentFramework[];
  [key: string]: unknown;
};

export type LegacyMasterFramework = {
  id: string;
  name?: string;
  active?: boolean;
  tasks?: LegacyTask[];
  completed_tasks?: LegacyTask[];
  [key: string]: unknown;
};

export type LegacyMasterAgent = {
  id: string;
  hostname?: string;
  pid?: string;
  active?: boolean;
  [key: string]: unknown;
};

/** The master's `/master/state`. */
export type LegacyMasterState = {
  id?: string;
  pid?: string;
  leader?: string;
  slaves?: LegacyMasterAgent[];
  frameworks?: LegacyMasterFramework[];
  completed_frameworks?: LegacyMasterFramework[];
  [key: string]: unknown;
};

/**
 * `/files/read` answer: `data` is the raw text read starting at `offset`. With `offset=-1` the
 * answer is `{offset: <file size>, data: ""}`.
 */
export type FilesReadResult = { offset: number; data: string };
