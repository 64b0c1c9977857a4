// Health-check and check probes of a Docker task, run where the task lives (reference
// containerizers.md §3.3): COMMAND probes inside the container (`docker exec`, with the check's
// own environment variables); HTTP and TCP probes against 127.0.0.1 when the container shares the
// host's network, else against the container's own IP address (Mesos enters the container's
// network namespace instead, which Node cannot do; the container's address reaches the same
// listener on the bridge).
import type { DockerEngine } from '../../common/docker/engine-client.ts';
import type { ProbeSpec } from '../command/check-spec.ts';
import type { ProbeResult } from '../command/check-logic.ts';
import type { RunProbe } from '../command/checker.ts';
import type { TaskContainer } from './task-container.ts';

/** Pure: the address HTTP/TCP probes use for a container (undefined: 127.0.0.1 as given). */
export function probeHost(networkMode: string | undefined, networks: Record<string, { IPAddress?: string }> | null | undefined): string | undefined {
  if (networkMode === undefined || networkMode === 'host') return undefined;
  for (const network of Object.values(networks ?? {})) if (network.IPAddress) return network.IPAddress;
  return undefined;
}

export function dockerProbes(engine: DockerEngine, container: TaskContainer): RunProbe {
  return async (probe: ProbeSpec, signal: AbortSignal): Promise<ProbeResult> => {
    if (probe.type === 'COMMAND') {
      const spawn = probe.spawn;
      try {
        const env = Object.entries(spawn.env)
          .filter(([name]) => !name.startsWith('MESOS_EXECUTOR'))
          .map(([k, v]) => `${k}=${v}`);
        const result = await engine.exec(container.name, [spawn.file, ...spawn.args], { env, signal });
        return { type: 'COMMAND', exitCode: result.exitCode };
      } catch (err) {
        return { type: 'error', message: (err as Error).message };
      }
    }
    const inspect = container.inspect;
    const host = probeHost(inspect?.HostConfig?.NetworkMode, inspect?.NetworkSettings?.Networks);
    const probes = await import('../command/probes.ts');
    return probes.runProbe(host === undefined ? probe : { ...probe, host }, signal);
  };
}
