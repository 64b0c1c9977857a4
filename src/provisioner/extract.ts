// Unpacks one layer tar (plain, gzip or zstd: node-tar detects which) into a fresh directory,
// exactly as the tar has it: modes (setuid/setgid/sticky too), owners (when root), symlinks,
// hardlinks, mtimes, and whiteout files (`.wh.*`) kept as the plain files they are in the tar.
// node-tar refuses paths that escape the directory (`..`, absolute paths are made relative) and
// writing through a symlink an earlier entry made; it cannot make device nodes or FIFOs, so
// those entries are skipped and reported.
import { chmod, lstat, mkdir } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import * as tar from 'tar';

export type ExtractResult = {
  entries: number;
  /** Entries node-tar skipped or could not apply (device nodes, unsafe paths), `code: path`. */
  warnings: string[];
};

/** Thrown when a layer tar cannot be read at all (bad compression, truncated). */
export class LayerExtractError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LayerExtractError';
  }
}

export async function extractLayer(file: string, dest: string): Promise<ExtractResult> {
  const warnings: string[] = [];
  // node-tar creates files through the process umask and chown() clears setuid bits, so modes
  // are put back afterwards, last entry for a path winning, as tar itself does.
  const modes = new Map<string, number>();
  let entries = 0;
  const root = resolve(dest);
  await mkdir(root, { recursive: true, mode: 0o755 });
  try {
    await tar.x({
      file,
      cwd: dest,
      preserveOwner: process.getuid?.() === 0,
      strict: false,
      onwarn: (code, message, data) => {
        const path = typeof (data as { path?: unknown }).path === 'string' ? (data as { path: string }).path : '';
        warnings.push(`${code}: ${path || message}`.slice(0, 300));
      },
      onReadEntry: (entry) => {
        entries++;
        if (entry.type !== 'SymbolicLink' && typeof entry.mode === 'number') {
          modes.set(resolve(root, entry.path), entry.mode & 0o7777);
        }
      },
    });
  } catch (err) {
    throw new LayerExtractError(`cannot extract layer: ${(err as Error).message}`, { cause: err });
  }
  for (const [path, mode] of modes) {
    if (path !== root && !path.startsWith(root + sep)) continue;
    let st;
    try {
      st = await lstat(path);
    } catch {
      continue; // skipped by node-tar (warned above)
    }
    if (st.isSymbolicLink() || (st.mode & 0o7777) === mode) continue;
    await chmod(path, mode);
  }
  return { entries, warnings };
}
