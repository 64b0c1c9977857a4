// Pure: the Docker executor's wording of a task's end. The command executor's task machine says
// "Command exited with status N"; Mesos's docker executor says "Container exited with status N".
// A container the kernel OOM-killed under its memory limit (and not killed by us) ends
// TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY, as the Mesos containerizer reports it.
import type { UpdateEffect } from '../command/task-machine.ts';
import type { ContainerExit } from './task-container.ts';

export function dockerTerminalUpdate(update: UpdateEffect, exit: ContainerExit | undefined): UpdateEffect {
  const out: UpdateEffect = { ...update };
  if (out.message?.startsWith('Command ')) out.message = `Container ${out.message.slice('Command '.length)}`;
  if (exit?.error) out.message = `${out.message ?? 'Container ended'}: ${exit.error}`;
  if (exit?.oomKilled && out.state === 'TASK_FAILED') {
    out.reason = 'REASON_CONTAINER_LIMITATION_MEMORY';
    out.message = `Memory limit exceeded: the container was OOM-killed (${out.message ?? 'exit status unknown'})`;
  } else if (out.state === 'TASK_FAILED' && out.reason === 'REASON_COMMAND_EXECUTOR_FAILED') {
    // That reason names the command executor. A task whose container never ran failed to
    // launch; one whose container exited non-zero gets no reason, as with Mesos's docker executor.
    if (exit === undefined) out.reason = 'REASON_CONTAINER_LAUNCH_FAILED';
    else delete out.reason;
  }
  return out;
}
