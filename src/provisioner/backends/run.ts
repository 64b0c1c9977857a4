// Running the small system tools the backends need (cp, mount, umount, mknod, setfattr), with
// their stderr in the error so a failed provision names its cause.
import { execFile } from 'node:child_process';

export class ToolError extends Error {
  constructor(tool: string, args: readonly string[], stderr: string, code: number | string | null | undefined) {
    super(`${tool} ${args.join(' ')} failed (${code ?? 'signal'}): ${stderr.trim() || 'no output'}`);
    this.name = 'ToolError';
  }
}

export function runTool(tool: string, args: readonly string[], options: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { cwd: options.cwd, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new ToolError(tool, args, String(stderr), (err as NodeJS.ErrnoException).code));
      else resolve(String(stdout));
    });
  });
}
