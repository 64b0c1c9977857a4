// Where the agent's checkpoint lives under `--work_dir`, following Mesos's meta layout
// (slave/paths.cpp) so an operator who knows Mesos finds every file where they expect it:
//
//   meta/boot_id
//   meta/slaves/latest -> <agentId>
//   meta/slaves/<agentId>/slave.info
//   meta/slaves/<agentId>/frameworks/<fw>/framework.info
//     .../executors/<ex>/executor.info
//     .../executors/<ex>/runs/<containerId>/pids/forked.pid
//     .../executors/<ex>/runs/<containerId>/tasks/<task>/task.info
//     .../executors/<ex>/runs/<containerId>/tasks/<task>/task.updates
//
// Files hold Mesos-JSON (our wire format) instead of protobuf; `task.updates` is RecordIO.
// Every id becomes a directory name, so each is checked again here (the master checks first).
import { join } from 'node:path';
import { validateUserId } from '../../common/ids.ts';
import { InvalidArgumentError } from '../../common/errors.ts';

export const META = 'meta';
export const LATEST = 'latest';

export function metaDir(workDir: string): string {
  return join(workDir, META);
}

export function bootIdPath(workDir: string): string {
  return join(metaDir(workDir), 'boot_id');
}

/**
 * `meta/resources/resources.info`: the agent's checkpointed resources (reservations, persistent
 * volumes) as the master last applied them. Outside `slaves/<id>`, as in Mesos: they outlive an
 * agent id (a reboot, `--recover=cleanup`), because persistent volumes do.
 */
export function resourcesInfoPath(workDir: string): string {
  return join(metaDir(workDir), 'resources', 'resources.info');
}

export function agentsMetaDir(workDir: string): string {
  return join(metaDir(workDir), 'slaves');
}

export function latestAgentLink(workDir: string): string {
  return join(agentsMetaDir(workDir), LATEST);
}

export function agentMetaDir(workDir: string, agentId: string): string {
  return join(agentsMetaDir(workDir), safe(agentId, 'agent id'));
}

export function agentInfoPath(workDir: string, agentId: string): string {
  return join(agentMetaDir(workDir, agentId), 'slave.info');
}

export function frameworkMetaDir(workDir: string, agentId: string, frameworkId: string): string {
  return join(agentMetaDir(workDir, agentId), 'frameworks', safe(frameworkId, 'framework id'));
}

export function frameworkInfoPath(workDir: string, agentId: string, frameworkId: string): string {
  return join(frameworkMetaDir(workDir, agentId, frameworkId), 'framework.info');
}

export function executorMetaDir(workDir: string, agentId: string, frameworkId: string, executorId: string): string {
  return join(frameworkMetaDir(workDir, agentId, frameworkId), 'executors', safe(executorId, 'executor id'));
}

export function executorInfoPath(workDir: string, agentId: string, frameworkId: string, executorId: string): string {
  return join(executorMetaDir(workDir, agentId, frameworkId, executorId), 'executor.info');
}

export function runMetaDir(workDir: string, agentId: string, frameworkId: string, executorId: string, containerId: string): string {
  return join(executorMetaDir(workDir, agentId, frameworkId, executorId), 'runs', safe(containerId, 'container id'));
}

export function forkedPidPath(workDir: string, agentId: string, frameworkId: string, executorId: string, containerId: string): string {
  return join(runMetaDir(workDir, agentId, frameworkId, executorId, containerId), 'pids', 'forked.pid');
}

/** Written when the executor's container is known to have ended (Mesos `executor.sentinel`). */
export function executorSentinelPath(workDir: string, agentId: string, frameworkId: string, executorId: string, containerId: string): string {
  return join(runMetaDir(workDir, agentId, frameworkId, executorId, containerId), 'executor.sentinel');
}

export function taskMetaDir(workDir: string, agentId: string, frameworkId: string, executorId: string, containerId: string, taskId: string): string {
  return join(runMetaDir(workDir, agentId, frameworkId, executorId, containerId), 'tasks', safe(taskId, 'task id'));
}

export function taskInfoPath(workDir: string, agentId: string, frameworkId: string, executorId: string, containerId: string, taskId: string): string {
  return join(taskMetaDir(workDir, agentId, frameworkId, executorId, containerId, taskId), 'task.info');
}

export function taskUpdatesPath(workDir: string, agentId: string, frameworkId: string, executorId: string, containerId: string, taskId: string): string {
  return join(taskMetaDir(workDir, agentId, frameworkId, executorId, containerId, taskId), 'task.updates');
}

/** Throws InvalidArgumentError for an id that cannot safely be a directory name. */
export function safe(id: string, what: string): string {
  const problem = validateUserId(id);
  if (problem !== undefined) throw new InvalidArgumentError(`invalid ${what}: ${problem}`, { id });
  return id;
}
