// The task launcher: a short-lived helper the Linux containerizer starts instead of a custom
// executor (the executor is then the container's workload). It runs outside the container's
// cgroups, so a Node process is never charged to the workload, and starts the executor where the
// containerizer decided (common/oci/container-task.ts: `runc run` in the image's rootfs, or into
// the cgroups). The command executor does the same for its task itself, without this helper.
//
// It forwards SIGTERM/SIGINT/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 to its child and exits as it did.
// When the child ended with an OOM kill in its cgroup it first reports the limitation in
// `limitation.json` and waits (up to 30 s) for the containerizer to end the container, so the
// terminal update carries REASON_CONTAINER_LIMITATION_MEMORY, not an exit status.
//
// Usage: <node> task-launcher.ts <launch.json>   (command line in AGORA_TASK_SPEC, env = its env)
import { constants as osConstants } from 'node:os';
import { LIMITATION_WAIT_MS, readLaunchFile, readOomKills, reportMemoryLimitation, startContainerTask } from '../../common/oci/container-task.ts';
import { TASK_SPEC_ENV, type LaunchFile, type TaskSpec } from '../../common/oci/launch-file.ts';

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

function fail(message: string): never {
  process.stderr.write(`Failed to launch the task: ${message}\n`);
  process.exit(127);
}

function main(): void {
  const launchPath = process.argv[2];
  const specText = process.env[TASK_SPEC_ENV];
  if (launchPath === undefined || specText === undefined) fail(`usage: task-launcher <launch.json> with ${TASK_SPEC_ENV} set`);
  let launch: LaunchFile;
  let spec: TaskSpec;
  try {
    launch = readLaunchFile(launchPath);
    spec = JSON.parse(specText) as TaskSpec;
  } catch (err) {
    fail(`cannot read the launch description: ${(err as Error).message}`);
  }
  const oomBefore = readOomKills(launch);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const started = startContainerTask(launch, spec, env, { stdio: 'inherit', detached: false });
  if (!started.ok) fail(started.message);
  const child = started.child;
  for (const signal of FORWARDED) process.on(signal, () => child.kill(signal));
  child.once('error', (err) => fail(err.message));
  child.once('exit', (code, signal) => {
    const finish = (): void => {
      if (signal) {
        for (const s of FORWARDED) process.removeAllListeners(s);
        process.kill(process.pid, signal);
        setTimeout(() => process.exit(128 + (osConstants.signals[signal] ?? 0)), 100);
      } else {
        process.exit(code ?? 0);
      }
    };
    if (readOomKills(launch) > oomBefore) {
      reportMemoryLimitation(launch);
      setTimeout(finish, LIMITATION_WAIT_MS);
      return;
    }
    finish();
  });
}

if (import.meta.main) main();
