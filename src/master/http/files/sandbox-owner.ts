// Which agent holds a sandbox path the master's `/files/*` endpoints were asked for (pure).
//
// Mesos served `/files` only on the agent that owns the sandbox, so the web UI had to reach every
// agent directly. The Agora master answers them too, by routing each request to the right agent:
//
//   /frameworks/<fw>/executors/<ex>/runs/latest/...        virtual path the agent attaches
//       -> an agent that runs (or ran) executor <ex> of <fw>: the executors and tasks the master
//          knows, most relevant first (live tasks, known executors, then completed tasks)
//   <work_dir>/slaves/<agent_id>/frameworks/.../runs/<container>/...      real sandbox path
//   <work_dir>/slaves/latest/frameworks/<fw>/executors/<ex>/...
//       -> among the agents that reported this work dir: the one named in the path, else the one
//          that ran <ex> of <fw>, else the only agent using that work dir
//   .../slaves/<agent_id>/...  (agents that did not report a work dir)
//       -> the agent whose id is in the path
//
// The master only routes: the agent still checks the path against what it attached, follows
// symlinks and refuses escapes. `..` segments are refused here too (403), before any routing, so
// a request can never be steered towards another agent's files by a crafted path.

export type SandboxAgent = {
  readonly id: string;
  /** Absolute `--work_dir` the agent reported, if any. */
  readonly workDir: string | undefined;
};

export type SandboxDirectory = {
  readonly agents: readonly SandboxAgent[];
  /** Ids of agents that ran executor `executorId` of `frameworkId`, most relevant first. */
  executorAgents(frameworkId: string, executorId: string): readonly string[];
};

export type SandboxOwner = { ok: true; agentId: string; path: string } | { ok: false; status: 400 | 403 | 404; message: string };

/** Path segments of an absolute path without `.` and empty segments; undefined if it has `..`. */
export function pathSegments(path: string): string[] | undefined {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return undefined;
    out.push(segment);
  }
  return out;
}

/** `slaves/<id>/frameworks/<fw>/executors/<ex>` starting at `i`: the framework and executor ids. */
function executorInPath(segments: readonly string[], i: number): { frameworkId: string; executorId: string } | undefined {
  if (segments[i + 2] !== 'frameworks' || segments[i + 4] !== 'executors') return undefined;
  const frameworkId = segments[i + 3];
  const executorId = segments[i + 5];
  return frameworkId === undefined || executorId === undefined ? undefined : { frameworkId, executorId };
}

function startsWith(segments: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= segments.length && prefix.every((s, i) => segments[i] === s);
}

function underWorkDir(segments: readonly string[], directory: SandboxDirectory): string | undefined {
  // Longest work dir first, so nested work dirs resolve to the innermost one.
  const byWorkDir = new Map<string, { prefix: string[]; agents: SandboxAgent[] }>();
  for (const agent of directory.agents) {
    if (agent.workDir === undefined) continue;
    const prefix = pathSegments(agent.workDir);
    if (prefix === undefined) continue;
    const key = prefix.join('/');
    const group = byWorkDir.get(key) ?? { prefix, agents: [] };
    group.agents.push(agent);
    byWorkDir.set(key, group);
  }
  const groups = [...byWorkDir.values()].sort((a, b) => b.prefix.length - a.prefix.length);
  for (const { prefix, agents } of groups) {
    const i = prefix.length;
    if (!startsWith(segments, prefix) || segments[i] !== 'slaves') continue;
    const named = agents.find((a) => a.id === segments[i + 1]);
    if (named !== undefined) return named.id;
    const executor = executorInPath(segments, i);
    if (executor !== undefined) {
      const ids = new Set(agents.map((a) => a.id));
      const ran = directory.executorAgents(executor.frameworkId, executor.executorId).find((id) => ids.has(id));
      if (ran !== undefined) return ran;
    }
    if (agents.length === 1) return agents[0]!.id;
  }
  return undefined;
}

function byAgentIdInPath(segments: readonly string[], directory: SandboxDirectory): string | undefined {
  const ids = new Set(directory.agents.filter((a) => a.workDir === undefined).map((a) => a.id));
  for (let i = 0; i + 1 < segments.length; i++) {
    if (segments[i] === 'slaves' && ids.has(segments[i + 1]!)) return segments[i + 1];
  }
  return undefined;
}

export function findSandboxOwner(requested: string | null | undefined, directory: SandboxDirectory): SandboxOwner {
  if (requested === null || requested === undefined || requested === '') {
    return { ok: false, status: 400, message: "Expecting 'path' query parameter" };
  }
  if (requested.includes('\0')) return { ok: false, status: 400, message: "'path' must not contain NUL characters" };
  if (!requested.startsWith('/')) return { ok: false, status: 404, message: `File not found: '${requested}' is not an absolute path` };
  const segments = pathSegments(requested);
  if (segments === undefined) return { ok: false, status: 403, message: "'path' must not contain '..' segments" };
  const path = '/' + segments.join('/');

  const owner =
    underWorkDir(segments, directory) ??
    (segments[0] === 'frameworks' && segments[2] === 'executors' && segments[1] !== undefined && segments[3] !== undefined
      ? directory.executorAgents(segments[1], segments[3])[0]
      : undefined) ??
    byAgentIdInPath(segments, directory);
  if (owner === undefined) return { ok: false, status: 404, message: `File not found: no known sandbox holds '${path}'` };
  return { ok: true, agentId: owner, path };
}
