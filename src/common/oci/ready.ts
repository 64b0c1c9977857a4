// The Linux containerizer starts the command executor (a Node process, ~50 ms to load) at the
// same time as it sets the container up (cgroups, rootfs, launch file), and tells it on an
// inherited pipe when the set-up is done: one byte, then EOF. The executor subscribes to the
// agent, and so can receive its task, only after that byte: its task never starts in a container
// that is not ready. EOF without the byte means the set-up failed or the agent died meanwhile;
// the executor then exits (the containerizer kills it anyway; a restarted agent cleans up).
import { close, read } from 'node:fs';
import { READY_FD_ENV } from './launch-file.ts';

/** The fd the executor gets the pipe on (spawn stdio index). */
export const READY_FD = 3;
export const READY_BYTE = 'r';

/**
 * Executor side: resolves true at once without a ready fd in `env` (not in a Linux container, or
 * a recovered executor), else once the containerizer said ready; false on EOF or a bad fd. The
 * fd is closed either way, so the task never inherits it.
 */
export function awaitContainerReady(env: Readonly<Record<string, string | undefined>>): Promise<boolean> {
  const text = env[READY_FD_ENV];
  if (text === undefined) return Promise.resolve(true);
  const fd = Number(text);
  if (!Number.isInteger(fd) || fd < 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const buffer = Buffer.alloc(1);
    read(fd, buffer, 0, 1, null, (err, bytes) => {
      close(fd, () => resolve(!err && bytes === 1 && buffer.toString() === READY_BYTE));
    });
  });
}
