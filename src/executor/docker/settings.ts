// Pure: the Docker executor's own settings from its environment (see main.ts), and the Mesos
// variables it passes into the task's container.
import type { DockerExecutorSettings } from './executor.ts';

export type DockerSettingsResult = { ok: true; socketPath: string; docker: DockerExecutorSettings } | { ok: false; error: string };

/** Executor variables the container gets (never the agent's whole environment). */
const PASSED_TO_CONTAINER = ['MESOS_FRAMEWORK_ID', 'MESOS_EXECUTOR_ID', 'MESOS_SLAVE_ID', 'MESOS_AGENT_ID', 'MESOS_CHECKPOINT'];

export function readDockerSettings(env: Readonly<Record<string, string | undefined>>): DockerSettingsResult {
  const socketPath = env.AGORA_DOCKER_SOCKET;
  const containerId = env.AGORA_DOCKER_CONTAINER_ID;
  if (!socketPath) return { ok: false, error: "expecting 'AGORA_DOCKER_SOCKET' to be set in the environment" };
  if (!containerId) return { ok: false, error: "expecting 'AGORA_DOCKER_CONTAINER_ID' to be set in the environment" };
  let ownerLabels: Record<string, string> = {};
  if (env.AGORA_DOCKER_LABELS) {
    try {
      const parsed = JSON.parse(env.AGORA_DOCKER_LABELS) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
        return { ok: false, error: "'AGORA_DOCKER_LABELS' is not a JSON object of strings" };
      }
      ownerLabels = parsed as Record<string, string>;
    } catch (err) {
      return { ok: false, error: `failed to parse 'AGORA_DOCKER_LABELS': ${(err as Error).message}` };
    }
  }
  const containerEnv: Record<string, string> = {};
  for (const name of PASSED_TO_CONTAINER) if (env[name] !== undefined) containerEnv[name] = env[name];
  return { ok: true, socketPath, docker: { containerId, ownerLabels, containerEnv } };
}
