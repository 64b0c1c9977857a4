// The agent's directory layout under `--work_dir`, exactly as Mesos (slave/paths.cpp):
//
//   <work_dir>/slaves/<agentId>/frameworks/<fwId>/executors/<execId>/runs/<containerId>/  sandbox
//   <work_dir>/slaves/<agentId>/frameworks/<fwId>/executors/<execId>/runs/latest -> <containerId>
//   <work_dir>/slaves/latest -> <agentId>
//
// Ids from frameworks become directory names, which is why the master refuses ids with `/`,
// `..` and control characters (validateUserId); the agent checks again before using one.
import { join } from 'node:path';
import { validateUserId } from '../common/ids.ts';
import { InvalidArgumentError } from '../common/errors.ts';

export const LATEST = 'latest';

export function agentDir(workDir: string, agentId: string): string {
  return join(workDir, 'slaves', safe(agentId, 'agent id'));
}

export function executorDir(workDir: string, agentId: string, frameworkId: string, executorId: string): string {
  return join(agentDir(workDir, agentId), 'frameworks', safe(frameworkId, 'framework id'), 'executors', safe(executorId, 'executor id'));
}

export function executorRunDir(workDir: string, agentId: string, frameworkId: string, executorId: string, containerId: string): string {
  return join(executorDir(workDir, agentId, frameworkId, executorId), 'runs', safe(containerId, 'container id'));
}

export function executorLatestRunLink(workDir: string, agentId: string, frameworkId: string, executorId: string): string {
  return join(executorDir(workDir, agentId, frameworkId, executorId), 'runs', LATEST);
}

/** The short virtual path the `/files` endpoints attach every executor's latest sandbox under. */
export function executorVirtualLatestPath(frameworkId: string, executorId: string): string {
  return `/frameworks/${frameworkId}/executors/${executorId}/runs/${LATEST}`;
}

function safe(id: string, what: string): string {
  const problem = validateUserId(id);
  if (problem !== undefined) throw new InvalidArgumentError(`invalid ${what}: ${problem}`, { id });
  return id;
}
