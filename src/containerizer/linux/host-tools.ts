// Small host tools of the Linux containerizer: external commands (du, umount, runc) and the
// leftovers a killed runc can leave behind.
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';

/** Runs a tool; rejects with its stderr (and keeps its stdout on the error). */
export function runTool(file: string, args: readonly string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile(file, args, (err, stdout, stderr) => {
      if (err) fail(Object.assign(new Error(`${file} ${args.join(' ')}: ${String(stderr).trim() || err.message}`), { stdout: String(stdout) }));
      else done(String(stdout));
    });
  });
}

/** `du -k -s` over the paths (missing ones skipped), in bytes. */
export async function diskUsage(paths: readonly string[]): Promise<number> {
  const out = await runTool('du', ['-k', '-s', '-c', ...paths]).catch((err: Error & { stdout?: string }) => err.stdout ?? '');
  const total = out.trim().split('\n').pop()?.split(/\s+/)[0];
  return total !== undefined && /^\d+$/.test(total) ? Number(total) * 1024 : 0;
}

/**
 * A runc killed while it was starting a container (a task killed right after TASK_RUNNING) leaves
 * its own binary bind-mounted in its state dir (`<runc root>/<id>/runc.XXXXXX`), which `runc delete`
 * neither unmounts nor removes: unmount whatever is mounted under `stateDir`, then remove it.
 */
export async function removeRuncLeftovers(stateDir: string, onUnmountError: (mount: string, err: Error) => void): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const mounts = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined && (point === stateDir || point.startsWith(`${stateDir}/`)));
  for (const point of mounts.reverse()) {
    await runTool('umount', ['--lazy', point]).catch((err: Error) => onUnmountError(point, err));
  }
  await rm(stateDir, { recursive: true, force: true }).catch(() => {});
}
