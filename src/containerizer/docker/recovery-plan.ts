// Pure: what the Docker containerizer does with each container after an agent restart.
//
//   checkpointed container id   Docker container (ours)          → decision
//   ─────────────────────────   ──────────────────────────────   ───────────────────────────────
//   listed                      role=executor, running            → watch it again (containers)
//   listed                      role=executor, not running        → nothing to adopt (the agent
//                                                                    sees the executor gone);
//                                                                    removed as an orphan
//   listed                      role=task, or none at all         → re-adopt the executor
//                                                                    process by pid (processes)
//   not listed                  any                               → orphan: stop and remove
//
// A checkpointed id with no container at all is still handed to the process adopter: it may be
// a Docker executor that had not created its container yet, or a plain posix executor.

export type ListedContainer = {
  /** Docker's id. */
  id: string;
  /** Our container id (label), if any. */
  containerId: string | undefined;
  role: string | undefined;
  running: boolean;
};

export type DockerRecoveryPlan = {
  /** Container ids whose executor process to re-adopt by pid. */
  processes: string[];
  /** Container ids of executor containers to watch again. */
  containers: string[];
  /** Docker ids of containers to stop and remove. */
  orphans: string[];
};

export function planRecovery(checkpointed: readonly string[], listed: readonly ListedContainer[]): DockerRecoveryPlan {
  const known = new Set(checkpointed);
  const plan: DockerRecoveryPlan = { processes: [], containers: [], orphans: [] };
  const executorContainers = new Map<string, ListedContainer>();
  for (const c of listed) {
    if (c.containerId === undefined || !known.has(c.containerId)) plan.orphans.push(c.id);
    else if (c.role === 'executor') {
      if (c.running) executorContainers.set(c.containerId, c);
      else plan.orphans.push(c.id);
    }
  }
  for (const id of checkpointed) {
    if (executorContainers.has(id)) plan.containers.push(id);
    else if (!listed.some((c) => c.containerId === id && c.role === 'executor')) plan.processes.push(id);
  }
  return plan;
}
